"""Eager fusion: at eval, chains of elementwise ops whose intermediates nothing else holds run as
one fused kernel (csrc/mlx/transforms/eager_fusion.cpp). The reference is the same chain with
every op evaluated on its own (the unfused kernels), which must agree bit for bit, and MLX.

Chains are built on arrays of at least 2**14 elements: below that eval does not fuse.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ORACLE, SUBJECT as mx

N = 1 << 15  # above the fusion threshold

UNARY = ["exp", "tanh", "sin", "abs", "negative", "square", "sqrt", "sigmoid", "floor", "erf", "log1p"]
BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "logaddexp"]


def _apply(lib, ops, x, y, eval_each):
    """Runs the op list on x (and y); with eval_each every step is evaluated on its own."""
    v = x
    for kind, name, arg in ops:
        if kind == "unary":
            v = getattr(lib, name)(lib.abs(v) if name in ("sqrt", "log1p") else v)
        elif kind == "scalar":
            v = getattr(lib, name)(v, arg)
        elif kind == "array":
            v = getattr(lib, name)(v, y)
        elif kind == "where":
            v = lib.where(v > arg, v, y)
        elif kind == "cast":
            v = v.astype(getattr(lib, arg)).astype(lib.float32)
        if eval_each:
            lib.eval(v)
    return v


op_strategy = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.none()),
    st.tuples(st.just("scalar"), st.sampled_from(BINARY), st.sampled_from([0.5, 2.0, 3.0, -1.25])),
    st.tuples(st.just("array"), st.sampled_from(BINARY), st.none()),
    st.tuples(st.just("where"), st.just("where"), st.sampled_from([0.0, 0.3])),
    st.tuples(st.just("cast"), st.just("cast"), st.sampled_from(["float16", "bfloat16", "int32"])),
)


@given(st.lists(op_strategy, min_size=2, max_size=8), st.sampled_from(["same", "row", "transposed"]))
def test_fused_chain_matches_stepwise(ops, y_layout):
    rng = np.random.default_rng(len(ops))
    xn = rng.standard_normal((128, N // 128)).astype(np.float32)
    yn = {"same": rng.standard_normal(xn.shape), "row": rng.standard_normal((1, xn.shape[1])),
          "transposed": rng.standard_normal(xn.shape[::-1]).T}[y_layout].astype(np.float32)

    def build(lib, eval_each):
        x, y = lib.array(xn), lib.array(yn)
        if y_layout == "transposed":
            y = lib.array(np.ascontiguousarray(yn.T)).T
        lib.eval(x, y)
        out = _apply(lib, ops, x, y, eval_each)
        lib.eval(out)
        return np.array(out)

    with np.errstate(all="ignore"):
        fused, stepwise = build(mx, False), build(mx, True)
    # The unfused kernels are the reference here (each is checked against MLX in
    # its own test file); random chains amplify last-bit differences too much
    # for a direct MLX comparison, which test_fused_chain_dtypes makes instead.
    assert fused.dtype == stepwise.dtype
    np.testing.assert_array_equal(fused, stepwise)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int32", "uint8", "complex64"])
def test_fused_chain_dtypes(dtype):
    rng = np.random.default_rng(1)
    xn = (rng.standard_normal(N) * 4).astype(np.float32)

    def build(lib, eval_each):
        x = lib.array(xn).astype(getattr(lib, dtype))
        lib.eval(x)
        steps = [lambda v: v * 3, lambda v: v + 1, lambda v: lib.maximum(v, v - 2), lambda v: v * v]
        v = x
        for f in steps:
            v = f(v)
            if eval_each:
                lib.eval(v)
        lib.eval(v)
        return v

    def host(lib, a):  # NumPy has no bfloat16
        return np.array(a.astype(lib.float32) if dtype == "bfloat16" else a)

    fused, stepwise = build(mx, False), build(mx, True)
    assert fused.dtype == stepwise.dtype
    np.testing.assert_array_equal(host(mx, fused), host(mx, stepwise))
    expected = build(ORACLE, False)
    assert str(fused.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(host(mx, fused), host(ORACLE, expected))


def test_intermediates_held_by_python_keep_their_values():
    x = mx.arange(N, dtype=mx.float32) / N
    a = x * 2  # held: must still evaluate to its own value after b's eval
    b = mx.exp(a + 1) * 3
    mx.eval(b)
    xn = np.arange(N, dtype=np.float32) / np.float32(N)
    np.testing.assert_array_equal(np.array(a), xn * np.float32(2))
    np.testing.assert_allclose(np.array(b), np.exp(xn * 2 + 1) * 3, rtol=1e-6)


def test_shared_intermediate_used_by_two_outputs():
    x = mx.arange(N, dtype=mx.float32) / N
    t = mx.tanh(x * 3)
    u, v = t + 1, t * 2  # t feeds two roots: computed once, never fused into either
    mx.eval(u, v)
    tn = np.tanh(np.arange(N, dtype=np.float32) / np.float32(N) * 3)
    np.testing.assert_allclose(np.array(u), tn + 1, rtol=1e-6)
    np.testing.assert_allclose(np.array(v), tn * 2, rtol=1e-6)


def test_fused_chain_allocates_only_its_output():
    x = mx.ones((1 << 20,), dtype=mx.float32)
    mx.eval(x)
    mx.clear_cache()
    mx.reset_peak_memory()
    before = mx.get_active_memory()
    y = ((x * 2 + 1) * 3 - 4) / 5
    mx.eval(y)
    grown = mx.get_peak_memory() - before
    # Unfused, three intermediates of 4 MiB would be alive in turn (two at once).
    assert grown < 2 * x.nbytes, grown
    np.testing.assert_array_equal(np.array(y), np.full(1 << 20, 1.0, np.float32))


def test_gradient_through_a_long_chain_is_unchanged():
    xn = np.linspace(-2, 2, N).astype(np.float32)
    g = mx.grad(lambda x: (mx.tanh(x * 0.5) * x + 1).sum())(mx.array(xn))
    t = np.tanh(xn * 0.5)
    np.testing.assert_allclose(np.array(g), (1 - t * t) * 0.5 * xn + t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("compiled", [False, True])
def test_large_outputs_streamed_past_the_cache(compiled):
    # Outputs of 8 MiB and more are written with non-temporal stores from scratch blocks.
    xn = np.random.default_rng(3).standard_normal((3 << 20) + 5).astype(np.float32)

    def f(x):
        t = mx.tanh(x * 0.5)
        return t * x + 1, mx.exp(-x) - t

    fn = mx.compile(f) if compiled else f
    x = mx.array(xn)
    got = fn(x)
    mx.eval(got)
    t = np.tanh(xn * np.float32(0.5))
    np.testing.assert_allclose(np.array(got[0]), t * xn + 1, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(np.array(got[1]), np.exp(-xn) - t, rtol=2e-6, atol=1e-6)
    steps = [x * 0.5]
    mx.eval(steps[0])
    tt = mx.tanh(steps[0])
    mx.eval(tt)
    a = tt * x
    mx.eval(a)
    np.testing.assert_array_equal(np.array(got[0]), np.array(a + 1))


# ---------------------------------------------------------------------------------------------
# a reduction over trailing axes at the end of a chain: the chain's values are reduced block by
# block and never written; the additions happen in Reduce's order, so the bits are the same.
# ---------------------------------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "max", "min", "mean", "all", "any", "logsumexp", "var"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("axes", [None, -1, (1, 2), 0])
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int32", "complex64"])
def test_fused_reduction_matches_stepwise(reduction, axes, dtype):
    if dtype == "complex64" and reduction in ("max", "min", "logsumexp", "var"):
        pytest.skip("not defined for complex in MLX")
    if dtype == "int32" and reduction in ("logsumexp", "var"):
        pytest.skip("float-only")
    rng = np.random.default_rng(7)
    xn = rng.standard_normal((8, 64, 65)).astype(np.float32)  # 33K elements, odd rows

    def build(lib, eval_each):
        x = lib.array(xn).astype(getattr(lib, dtype))
        lib.eval(x)
        v = x * 2 if dtype == "int32" else x * 0.25
        if eval_each:
            lib.eval(v)
        v = v + 1
        if eval_each:
            lib.eval(v)
        if reduction in ("all", "any"):
            v = v != 1 if dtype == "complex64" else v > 1
            if eval_each:
                lib.eval(v)
        out = getattr(lib, reduction)(v, axis=axes)
        lib.eval(out)
        return out

    def host(lib, a):
        return np.array(a.astype(lib.float32) if dtype == "bfloat16" and a.dtype == lib.bfloat16 else a)

    fused, stepwise = build(mx, False), build(mx, True)
    assert fused.dtype == stepwise.dtype and fused.shape == stepwise.shape
    np.testing.assert_array_equal(host(mx, fused), host(mx, stepwise))
    expected = build(ORACLE, False)
    assert fused.shape == expected.shape
    tol = {"float16": 2e-3, "bfloat16": 2e-2}.get(dtype, 1e-5)
    if reduction == "prod":
        tol = max(tol, 1e-4) if dtype != "int32" else 0
    np.testing.assert_allclose(host(mx, fused), host(ORACLE, expected), rtol=tol, atol=tol)


def test_fused_reduction_of_a_compiled_chain():
    xn = np.random.default_rng(5).standard_normal(1 << 16).astype(np.float32)
    x = mx.array(xn)
    f = mx.compile(lambda x: mx.sum(mx.tanh(x * 0.5) * x + 1, axis=-1))
    got = f(x)
    t = mx.tanh(x * 0.5)
    mx.eval(t)
    u = t * x
    mx.eval(u)
    v = u + 1
    mx.eval(v)
    assert got.item() == mx.sum(v, axis=-1).item()
    np.testing.assert_allclose(got.item(), (np.tanh(xn * 0.5) * xn + 1).sum(dtype=np.float64), rtol=1e-3)


def test_fused_reduction_allocates_no_intermediate():
    x = mx.ones((1 << 20,), dtype=mx.float32)
    mx.eval(x)
    mx.clear_cache()
    mx.reset_peak_memory()
    before = mx.get_active_memory()
    s = mx.sum(mx.exp(x * 0.5) - 1)
    mx.eval(s)
    assert mx.get_peak_memory() - before < x.nbytes // 4
    # float32 running sums (16 lanes per thread) drift ~2e-4 here; MLX drifts 2e-3.
    np.testing.assert_allclose(s.item(), (np.exp(0.5) - 1) * (1 << 20), rtol=1e-3)


def test_reduction_input_held_elsewhere_is_not_fused_away():
    x = mx.arange(1 << 15, dtype=mx.float32) / 1000
    y = mx.sin(x) * 2  # held by Python: it is computed, and the sum reads it
    s = mx.sum(y)
    mx.eval(s)
    np.testing.assert_allclose(np.array(y), np.sin(np.arange(1 << 15, dtype=np.float32) / 1000) * 2, rtol=1e-6)
    assert s.item() == mx.sum(y).item()


def _assert_matches_stepwise(run, compiled):
    """run(lib, mode) fused (compiled or not) in mlx_core gives the bits of run stepwise (each
    op evaluated on its own) in mlx_core and in MLX."""
    with np.errstate(all="ignore"):
        got = run(mx, "compiled" if compiled else "fused")
        np.testing.assert_array_equal(got, run(mx, "stepwise"))
        np.testing.assert_array_equal(got, run(ORACLE, "stepwise"))


SCALAR_STEPS = {
    "add": lambda v, c: v + c, "radd": lambda v, c: c + v,
    "subtract": lambda v, c: v - c, "rsubtract": lambda v, c: c - v,
    "multiply": lambda v, c: v * c, "rmultiply": lambda v, c: c * v,
    "divide": lambda v, c: v / c, "rdivide": lambda v, c: c / v,
}


@given(st.lists(st.tuples(st.sampled_from(sorted(SCALAR_STEPS)),
                          st.sampled_from([0.1, 2.0, -3.0, 1e-30, 7.5e3, 0.0])), min_size=2, max_size=9),
       st.integers(N - 70, N + 70), st.booleans())
def test_scalar_runs_round_each_step(steps, n, compiled):
    """Runs of float32 arithmetic with constants go through registers in one pass
    (backend/cpu/scalar_steps.cpp); every step must still round on its own (no fused
    multiply-add), for either operand order, odd lengths and special values, as the
    unfused kernels and MLX compute them."""
    rng = np.random.default_rng(n)
    xn = (rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e4], n)).astype(np.float32)
    xn[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40]

    def chain(v):
        for name, c in steps:
            v = SCALAR_STEPS[name](v, c)
        return v

    def run(lib, mode):
        x = lib.array(xn)
        lib.eval(x)
        if mode == "stepwise":
            v = x
            for name, c in steps:
                v = SCALAR_STEPS[name](v, c)
                lib.eval(v)
        else:
            v = (lib.compile(chain) if mode == "compiled" else chain)(x)
        lib.eval(v)
        return np.array(v)

    _assert_matches_stepwise(run, compiled)


def _layer_norm(lib, x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) * (x - mu)).mean(-1, keepdims=True)
    return (x - mu) * lib.rsqrt(var + 1e-5) * w + b


@pytest.mark.parametrize("cols", [4096, 1000, 96])  # blocks within rows; blocks across rows
@pytest.mark.parametrize("compiled", [False, True])
def test_layer_norm_recomputes_the_shared_difference(cols, compiled):
    """x - mean(x) feeds both the variance and the output: each fused kernel computes it again
    rather than reading it from memory (eager_fusion.cpp), and the row broadcasts (mean, weight)
    are read in place where a block lies in one row (compiled.cpp). Same bits as op by op."""
    rows = (1 << 17) // cols
    rng = np.random.default_rng(cols)
    xn = (rng.standard_normal((rows, cols)) * 3 + 1).astype(np.float32)
    wn, bn = rng.standard_normal(cols).astype(np.float32), rng.standard_normal(cols).astype(np.float32)
    x, w, b = mx.array(xn), mx.array(wn), mx.array(bn)
    mx.eval(x, w, b)
    fn = mx.compile(lambda x, w, b: _layer_norm(mx, x, w, b)) if compiled else (
        lambda x, w, b: _layer_norm(mx, x, w, b))
    got = np.array(fn(x, w, b))
    # Op by op: every intermediate evaluated on its own.
    mu = x.mean(-1, keepdims=True); mx.eval(mu)
    d = x - mu; mx.eval(d)
    sq = d * d; mx.eval(sq)
    var = sq.mean(-1, keepdims=True); mx.eval(var)
    r = mx.rsqrt(var + 1e-5); mx.eval(r)
    t = d * r; mx.eval(t)
    t = t * w; mx.eval(t)
    np.testing.assert_array_equal(got, np.array(t + b))
    x64 = xn.astype(np.float64)
    ref = (x64 - x64.mean(-1, keepdims=True)) / np.sqrt(x64.var(-1, keepdims=True) + 1e-5) * wn + bn
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    with ORACLE.stream(ORACLE.cpu):
        want = np.array(_layer_norm(ORACLE, ORACLE.array(xn), ORACLE.array(wn), ORACLE.array(bn)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_recomputed_difference_is_never_written():
    x = mx.array(np.random.default_rng(0).standard_normal((256, 4096)).astype(np.float32))
    w, b = mx.ones(4096), mx.zeros(4096)
    mx.eval(x, w, b)
    mx.clear_cache()
    mx.reset_peak_memory()
    before = mx.get_active_memory()
    y = _layer_norm(mx, x, w, b).astype(mx.float16)  # (no float32 buffer for y to take over)
    mx.eval(y)
    # The output (2 MiB) and row statistics; x - mu (4 MiB) never exists.
    assert mx.get_peak_memory() - before < x.nbytes, mx.get_peak_memory() - before


def test_shared_value_held_by_python_is_still_computed():
    x = mx.arange(1 << 15, dtype=mx.float32).reshape(8, -1) / 100
    mu = x.mean(-1, keepdims=True)
    d = x - mu  # held: computed itself, and recomputed by the readers below
    u, v = mx.sum(d * d, axis=-1), d * 3 + 1
    mx.eval(u, v)
    dn = np.array(x) - np.array(mu)
    np.testing.assert_array_equal(np.array(d), dn)
    np.testing.assert_array_equal(np.array(v), dn * np.float32(3) + np.float32(1))
    np.testing.assert_allclose(np.array(u), (dn.astype(np.float64) ** 2).sum(-1), rtol=1e-5)


@pytest.mark.parametrize("compiled", [False, True])
def test_scalar_run_on_a_row_broadcast(compiled):
    # The run's input is one value per row (stride 0 within a block): the steps apply to it once.
    x = mx.array(np.random.default_rng(1).standard_normal((16, 4096)).astype(np.float32))
    m = mx.max(x, axis=-1, keepdims=True)
    mx.eval(x, m)

    def f(x, m):
        return x + ((mx.broadcast_to(m, x.shape) * 2 + 1) * 3 - 0.5)

    got = np.array((mx.compile(f) if compiled else f)(x, m))
    mn = np.array(m)
    np.testing.assert_array_equal(got, np.array(x) + ((mn * np.float32(2) + np.float32(1)) * np.float32(3)
                                                      - np.float32(0.5)))


@pytest.mark.parametrize("compiled", [False, True])
def test_value_times_itself_is_a_square_step(compiled):
    # (x - mu) * (x - mu) reads the running value twice: the register run squares it (the same
    # product, one rounding), with the sum after it or as an output of its own; NaN, inf and
    # signed zeros included. A value that another op also reads stays out of the run.
    xn = np.random.default_rng(4).standard_normal((64, 4096)).astype(np.float32) * 3
    xn[0, :6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e30]
    x = mx.array(xn)
    mu = x.mean(-1, keepdims=True)
    mx.eval(x, mu)

    def f(x, mu):
        d = x - mu
        e = (x * 0.5 + 1) * (x * 0.5 + 1)
        return (d * d).sum(-1, keepdims=True), e * 2 - 1, (d * d) * d

    got = (mx.compile(f) if compiled else f)(x, mu)
    squares = [np.array(g) for g in got]
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, 1e30 squared
        dn = xn - np.array(mu)
        en = xn * np.float32(0.5) + np.float32(1)
        np.testing.assert_array_equal(squares[1], en * en * np.float32(2) - np.float32(1))
        np.testing.assert_array_equal(squares[2], (dn * dn) * dn)
        np.testing.assert_allclose(squares[0], (dn.astype(np.float64) ** 2).sum(-1, keepdims=True), rtol=1e-5)
    # Each step as its own kernel gives the same bits.
    d = x - mu
    mx.eval(d)
    dd = d * d
    mx.eval(dd)
    np.testing.assert_array_equal(np.array(got[0]), np.array(dd.sum(-1, keepdims=True)))


@pytest.mark.parametrize("reduce", ["mean", "var", "std"])
def test_mean_and_var_of_a_chain_allocate_no_intermediate(reduce):
    # mean/var count their elements from the reduced value's shape (NumberOfElements of a
    # StopGradient); that must not force the value into memory when the reduction fuses it.
    # var reads the value twice (its mean, then the squares): the value itself is written
    # once, and v - mean(v) is computed in the second reduction, never written.
    xn = np.random.default_rng(2).standard_normal((256, 4096)).astype(np.float32)
    x = mx.array(xn)
    mx.eval(x)
    mx.clear_cache()
    mx.reset_peak_memory()
    before = mx.get_active_memory()
    y = getattr(mx, reduce)(mx.exp(x * 0.5) - 1, axis=-1)
    mx.eval(y)
    allowed = x.nbytes // 4 if reduce == "mean" else x.nbytes * 5 // 4
    assert mx.get_peak_memory() - before < allowed, mx.get_peak_memory() - before
    v = np.exp(xn.astype(np.float64) * 0.5) - 1
    np.testing.assert_allclose(np.array(y), getattr(np, reduce)(v, axis=-1), rtol=1e-4)


@given(st.lists(st.tuples(st.sampled_from(["sub_row", "mul_col", "add", "mul", "exp", "sum", "mean", "var"]),
                          st.integers(0, 99), st.integers(0, 99)), min_size=2, max_size=10),
       st.sampled_from([(64, 512), (40, 1000), (512, 33)]), st.booleans())
def test_random_graphs_with_shared_values_match_stepwise(steps, shape, compiled):
    """Graphs where values have several readers, row and column broadcasts and trailing
    reductions (the cases recomputation and in-place row reads handle): evaluated together
    (fused, compiled or not) they give the bits of evaluating each op on its own."""
    rng = np.random.default_rng(len(steps) * 1000 + shape[1])
    xn = rng.standard_normal(shape).astype(np.float32)
    cn = rng.standard_normal(shape[1]).astype(np.float32)

    def build(x, col, eval_each):
        vals = [x]
        outs = []
        for kind, i, j in steps:
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            if kind == "sub_row":
                v = a - mx.mean(b, axis=-1, keepdims=True)
            elif kind == "mul_col":
                v = a * col
            elif kind == "add":
                v = a + b
            elif kind == "mul":
                v = a * b
            elif kind == "exp":
                v = mx.exp(a * 0.01)
            else:
                r = getattr(mx, kind)(a, axis=-1, keepdims=True)
                if eval_each:
                    mx.eval(r)
                outs.append(r)
                v = a * r
            if eval_each:
                mx.eval(v)
            vals.append(v)
        return outs + vals[1:]

    x, col = mx.array(xn), mx.array(cn)
    mx.eval(x, col)
    want = [np.array(v) for v in build(x, col, True)]
    fn = (lambda x, col: build(x, col, False))
    got = (mx.compile(fn) if compiled else fn)(x, col)
    mx.eval(got)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.array(g), w)


RUN_UNARY = ["negative", "abs", "square", "sqrt", "exp", "erf", "sigmoid"]
# Comparisons cast to float32 (masks, as in relu's gradient): one step on the comparison's operands.
RUN_MASKS = ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal"]
RUN_BINARY = {
    "add": lambda v, w: v + w, "radd": lambda v, w: w + v,
    "subtract": lambda v, w: v - w, "rsubtract": lambda v, w: w - v,
    "multiply": lambda v, w: v * w, "rmultiply": lambda v, w: w * v,
    "divide": lambda v, w: v / w, "rdivide": lambda v, w: w / v,
}
# Operands of array steps: a second dense input, a row and a column broadcast, and the input
# itself through a constant step of its own (read by the register run as it loads it).
RUN_OPERANDS = {
    "y": lambda lib, x, y, row, col: y, "row": lambda lib, x, y, row, col: row,
    "col": lambda lib, x, y, row, col: col, "x*0.5": lambda lib, x, y, row, col: x * 0.5,
    "3-x": lambda lib, x, y, row, col: 3.0 - x, "x/7": lambda lib, x, y, row, col: x / 7.0,
    # One value per block (within a row) with a step of its own: taken as a constant step.
    "col/7": lambda lib, x, y, row, col: lib.broadcast_to(col, x.shape) / 7.0,
}


@given(st.lists(st.one_of(st.tuples(st.just("unary"), st.sampled_from(RUN_UNARY), st.none()),
                          st.tuples(st.just("const"), st.sampled_from(sorted(RUN_BINARY)),
                                    st.sampled_from([0.5, -3.0, 1e-30, 7.5e3])),
                          st.tuples(st.just("array"), st.sampled_from(sorted(RUN_BINARY)),
                                    st.sampled_from(sorted(RUN_OPERANDS))),
                          st.tuples(st.just("mask"), st.sampled_from(RUN_MASKS),
                                    st.tuples(st.sampled_from([0.0, 0.5, "y", "row", "x"]), st.booleans())),
                          st.tuples(st.just("minmax"), st.sampled_from(["maximum", "minimum"]),
                                    st.tuples(st.sampled_from([0.0, -0.0, 0.5, float("nan"), "y", "col", "x"]),
                                              st.booleans()))),
                min_size=2, max_size=8),
       st.sampled_from([(33, 1000), (8, 4096), (300, 130), (1, 40000)]), st.booleans())
def test_register_runs_with_unary_and_array_steps(steps, shape, compiled):
    """Register runs (backend/cpu/scalar_steps.cpp) also take unary ops with a vector form
    (exp, erf, sigmoid: AVX-512 forms with MLX's bits), steps with a second array (dense, row or
    column broadcast, or an input through a constant step of its own) and write large outputs
    past the caches themselves. Every step still rounds on its own: the bits are those of each
    op evaluated alone, and MLX's, for special values and lengths that end mid-tile."""
    rng = np.random.default_rng(len(steps) * 7 + shape[1])
    xn = (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 30.0], shape)).astype(np.float32)
    xn.flat[:7] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -88.5]
    yn = rng.standard_normal(shape).astype(np.float32)
    rown = rng.standard_normal((1, shape[1])).astype(np.float32)
    coln = rng.standard_normal((shape[0], 1)).astype(np.float32)

    def run(lib, mode):
        x, y, row, col = (lib.array(a) for a in (xn, yn, rown, coln))
        lib.eval(x, y, row, col)

        def chain(x, y, row, col):
            v = x
            for kind, name, arg in steps:
                if kind == "unary":
                    v = getattr(lib, name)(v)
                elif kind == "const":
                    v = RUN_BINARY[name](v, arg)
                elif kind == "minmax":  # NaN and signed-zero order rules, either operand first
                    other = {"y": y, "col": col, "x": x}.get(arg[0], arg[0])
                    v = getattr(lib, name)(other, v) if arg[1] else getattr(lib, name)(v, other)
                elif kind == "mask":
                    other = {"y": y, "row": row, "x": x}.get(arg[0], arg[0])
                    if not isinstance(other, float):
                        pass
                    elif arg[1]:  # the constant first: the comparison is turned around
                        other = lib.array(other)
                    m = getattr(lib, name)(other, v) if arg[1] else getattr(lib, name)(v, other)
                    if mode == "stepwise":
                        lib.eval(m)
                    v = m.astype(lib.float32)
                else:
                    w = RUN_OPERANDS[arg](lib, x, y, row, col)
                    if mode == "stepwise":
                        lib.eval(w)
                    v = RUN_BINARY[name](v, w)
                if mode == "stepwise":
                    lib.eval(v)
            return v

        f = lib.compile(chain) if mode == "compiled" else chain
        v = f(x, y, row, col)
        lib.eval(v)
        return np.array(v)

    _assert_matches_stepwise(run, compiled)


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_streamed_register_runs_match_stepwise(name):
    """Outputs over the streaming threshold (8 MiB) are written by the register run itself with
    non-temporal stores; the values are those of the stepwise ops and of MLX."""
    import math

    n = (1 << 21) + 37
    xn = np.random.default_rng(5).standard_normal(n).astype(np.float32) * 4

    def f(lib, x, eval_each):
        def ev(v):
            if eval_each:
                lib.eval(v)
            return v

        if name == "gelu":
            return x * 0.5 * ev(1 + ev(lib.erf(ev(x / math.sqrt(2)))))
        return x * ev(lib.sigmoid(ev(1.702 * x)))

    x = mx.array(xn)
    mx.eval(x)
    got = np.array(mx.compile(lambda x: f(mx, x, False))(x))
    np.testing.assert_array_equal(got, np.array(f(mx, x, True)))
    np.testing.assert_array_equal(got, np.array(f(ORACLE, ORACLE.array(xn), True)))


@pytest.mark.parametrize("compiled", [False, True])
def test_masks_fold_into_runs_only_where_their_operands_are_still_there(compiled):
    """A comparison cast to float32 is computed inside the register run that reads the mask.
    Its operands are then read later than planned: an op value there may already have given its
    buffer to another op, so only a comparison just before the cast, or one of inputs, folds.
    The three patterns give the bits of the stepwise ops (and MLX's)."""
    rng = np.random.default_rng(3)
    xn = rng.standard_normal((64, 1000)).astype(np.float32)
    yn = rng.standard_normal((64, 1000)).astype(np.float32)

    def patterns(lib, x, y, ev):
        t = ev(x * 3)
        m_input = ev(x > 0)              # reads inputs only, used after unrelated ops
        m_value = ev(t > 1)              # reads an op value, used after unrelated ops
        u = ev(ev(ev(lib.exp(y) * 2) + t) - 0.5)
        relu_grad = ev(lib.maximum(t, 0.0) > 0).astype(lib.float32) * y
        return (m_input.astype(lib.float32) * u, ev(m_value.astype(lib.float32)) * u - t, relu_grad)

    def run(lib, mode):
        x, y = lib.array(xn), lib.array(yn)
        lib.eval(x, y)
        ev = (lambda v: (lib.eval(v), v)[1]) if mode == "stepwise" else (lambda v: v)
        f = lambda x, y: patterns(lib, x, y, ev)  # noqa: E731
        out = (lib.compile(f) if mode == "compiled" else f)(x, y)
        lib.eval(out)
        return [np.array(o) for o in out]

    got = run(mx, "compiled" if compiled else "fused")
    for g, w, o in zip(got, run(mx, "stepwise"), run(ORACLE, "stepwise")):
        np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(g, o)


def _compiled_then_stepwise(f, *arrays):
    """f(lib, *arrays, ev) compiled in mlx_core, then with every op evaluated on its own (`ev`
    evaluates a value) in mlx_core and in MLX: three NumPy arrays."""
    def run(lib, mode):
        args = [lib.array(a) for a in arrays]
        lib.eval(*args)
        ev = (lambda v: (lib.eval(v), v)[1]) if mode == "stepwise" else (lambda v: v)
        g = lambda *a: f(lib, *a, ev)  # noqa: E731
        return np.array((lib.compile(g) if mode == "compiled" else g)(*args))

    return run(mx, "compiled"), run(mx, "stepwise"), run(ORACLE, "stepwise")


@pytest.mark.parametrize("name", RUN_MASKS)
@pytest.mark.parametrize("other", ["constant first", "constant second", "array first", "array second"])
def test_each_mask_step_in_both_operand_orders(name, other):
    """Every comparison a run folds, with the running value as either operand (the step turns
    the comparison around when the value comes second), against a constant and an array, with
    NaN, infinities, signed zeros and ties."""
    rng = np.random.default_rng(11)
    xn = rng.choice(np.array([0.0, -0.0, 0.5, -0.5, 1.0, np.nan, np.inf, -np.inf], np.float32), (64, 600))
    yn = rng.choice(np.array([0.0, 0.5, 1.0, np.nan, -np.inf], np.float32), (64, 600))

    def f(lib, x, y, ev):
        v = ev(x * 2.0)
        w = lib.array(1.0) if other.startswith("constant") else y
        m = ev(getattr(lib, name)(w, v) if other.endswith("first") else getattr(lib, name)(v, w))
        return m.astype(lib.float32) * y

    got, *wants = _compiled_then_stepwise(f, xn, yn)
    for want in wants:
        np.testing.assert_array_equal(got, want)


def test_compiled_layer_norm_writes_only_its_output():
    """Under mx.compile too, a layer norm's variance chain reaches eval as one chain under its
    reduction (no intermediate written): the chain does not take x - mean as a second output
    (which eval could not fuse into the reduction), it computes it again."""
    xn = np.random.default_rng(4).standard_normal((256, 4096)).astype(np.float32)
    x, w, b = mx.array(xn), mx.ones((4096,)), mx.zeros((4096,))
    mx.eval(x, w, b)
    f = mx.compile(lambda x, w, b: _layer_norm(mx, x, w, b))
    mx.eval(f(x, w, b))
    mx.clear_cache()
    mx.reset_peak_memory()
    before = mx.get_active_memory()
    y = f(x, w, b)
    mx.eval(y)
    assert mx.get_peak_memory() - before < x.nbytes * 5 // 4, mx.get_peak_memory() - before
    mu = xn.astype(np.float64).mean(-1, keepdims=True)
    ref = (xn - mu) / np.sqrt(((xn - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(np.array(y), ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("c", [0.0, -0.0, float("nan")])
@pytest.mark.parametrize("other", ["constant first", "constant second", "array first", "array second"])
def test_maximum_and_minimum_steps_keep_mlx_operand_rules(name, c, other):
    """maximum/minimum in a run: a NaN first operand wins, else the larger (smaller), else the
    second operand (its NaN, or its zero of two equal zeros), with the running value as
    either operand."""
    rng = np.random.default_rng(12)
    xn = rng.choice(np.array([0.0, -0.0, 0.5, -0.5, np.nan, np.inf, -np.inf], np.float32), (64, 600))
    yn = rng.choice(np.array([0.0, -0.0, 0.5, np.nan], np.float32), (64, 600))

    def f(lib, x, y, ev):
        v = ev(x * 1.0)
        w = c if other.startswith("constant") else y
        m = ev(getattr(lib, name)(w, v) if other.endswith("first") else getattr(lib, name)(v, w))
        return m * 2.0  # keeps the sign of a zero

    got, *wants = _compiled_then_stepwise(f, xn, yn)
    signs = lambda a: np.signbit(a) & ~np.isnan(a)  # noqa: E731
    for want in wants:
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(signs(got), signs(want))


@pytest.mark.parametrize("compiled", [False, True])
def test_run_operand_of_one_value_keeps_a_negative_zero(compiled):
    """An operand that is one value for a block (a column broadcast within a row) is spread
    over the lanes as it is: -0.0 stays -0.0 (x * -0.0 is -0.0 for positive x)."""
    xn = np.abs(np.random.default_rng(13).standard_normal((64, 1000)).astype(np.float32)) + 1
    cn = np.full((64, 1), -0.0, np.float32)
    x, col = mx.array(xn), mx.array(cn)
    mx.eval(x, col)
    f = lambda x, col: (x * 2.0) * col * 3.0  # noqa: E731
    got = np.array((mx.compile(f) if compiled else f)(x, col))
    assert np.all(got == 0) and np.all(np.signbit(got))


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("dtype", ["int32", "float16", "bool_"])
def test_cast_of_one_value_per_block_in_a_chain(compiled, dtype):
    """A cast inside a fused chain whose input is one value for the block (a column broadcast
    within a row, read with stride 0) converts that value for the whole block."""
    rng = np.random.default_rng(14)
    xn = rng.standard_normal((16, 4096)).astype(np.float32)
    cn = (rng.standard_normal((16, 1)) * 4).astype(np.float32)
    x, col = mx.array(xn), mx.array(cn).astype(getattr(mx, dtype))
    mx.eval(x, col)

    def f(x, col):
        return x * 2.0 + mx.broadcast_to(col, x.shape).astype(mx.float32)

    got = np.array((mx.compile(f) if compiled else f)(x, col))
    want = xn * np.float32(2) + np.array(col.astype(mx.float32))
    np.testing.assert_array_equal(got, want)
