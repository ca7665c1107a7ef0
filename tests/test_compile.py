"""mx.compile: results identical to the uncompiled function (values, dtypes, shapes), the
retrace rules of MLX 0.32.4 (the same scenario counted through real `mlx.core.compile`),
captured state, composition with the other transforms, the global switch and the errors.
"""

import math
import subprocess
import sys
from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ORACLE, SUBJECT, LIBS, check_numpy, child_env, to_numpy

mx = SUBJECT


def same(got, expected):
    """Bitwise-equal values (NaN equal), same dtype and shape, for mlx_core arrays."""
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(to_numpy(mx, got), to_numpy(mx, expected))


def close_to_mlx(got, expected, rtol=1e-5, atol=1e-6):
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(
        to_numpy(mx, got).astype(np.float64),
        to_numpy(ORACLE, expected).astype(np.float64),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
    )


# ---------------------------------------------------------------------------------------------
# random programs: compiled == uncompiled, and close to MLX's compiled
# ---------------------------------------------------------------------------------------------

UNARY = ["exp", "sin", "tanh", "abs", "negative", "sigmoid", "erf", "square", "floor"]
BINARY = ["add", "subtract", "multiply", "maximum", "minimum", "divide"]


@st.composite
def programs(draw):
    """(input arrays as NumPy, a list of steps). A step names an op and the indices of
    the values it reads; values are the inputs followed by each step's result."""
    base = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    n_inputs = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    inputs = []
    for _ in range(n_inputs):
        # Each input drops some leading axes or sets some to 1: broadcasting.
        drop = draw(st.integers(0, len(base) - 1))
        shape = [1 if draw(st.booleans()) and draw(st.booleans()) else s for s in base[drop:]]
        dtype = draw(st.sampled_from(["float32", "float32", "float16", "int32"]))
        vals = rng.standard_normal(shape) * 2
        inputs.append(vals.astype(np.int32) if dtype == "int32" else vals.astype(dtype))
    steps = []
    nvalues = n_inputs
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "where", "cast", "sum", "scalar"]))
        pick = st.integers(0, nvalues - 1)
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(UNARY)), draw(pick)))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(BINARY)), draw(pick), draw(pick)))
        elif kind == "where":
            steps.append(("where", draw(pick), draw(pick), draw(pick)))
        elif kind == "cast":
            steps.append(("cast", draw(st.sampled_from(["float32", "float16"])), draw(pick)))
        elif kind == "sum":
            steps.append(("sum", draw(pick)))
        else:
            steps.append(("scalar", draw(st.sampled_from([0.5, 2.0, -1.0])), draw(pick)))
        nvalues += 1
    n_out = draw(st.integers(1, min(3, nvalues)))
    outs = draw(st.lists(st.integers(0, nvalues - 1), min_size=n_out, max_size=n_out))
    return inputs, steps, outs


def run_program(lib, steps, outs, *args):
    values = list(args)
    for step in steps:
        kind = step[0]
        if kind == "unary":
            v = getattr(lib, step[1])(values[step[2]])
        elif kind == "binary":
            v = getattr(lib, step[1])(values[step[2]], values[step[3]])
        elif kind == "where":
            v = lib.where(values[step[1]] > values[step[2]], values[step[2]], values[step[3]])
        elif kind == "cast":
            v = values[step[2]].astype(getattr(lib, step[1]))
        elif kind == "sum":
            v = values[step[1]].sum(axis=-1, keepdims=True) if values[step[1]].ndim else values[step[1]]
        else:
            v = values[step[2]] * step[1] + 1
        values.append(v)
    return [values[i] for i in outs]


@given(programs())
def test_random_program_compiled_equals_uncompiled(program):
    inputs, steps, outs = program
    args = [mx.array(a) for a in inputs]
    fun = partial(run_program, mx, steps, outs)
    expected = fun(*args)
    got = mx.compile(fun)(*args)
    mx.eval(expected, got)
    for g, e in zip(got, expected):
        same(g, e)
    # The replayed graph on new values of the same shapes.
    args2 = [mx.array((np.asarray(a) * 1.5).astype(a.dtype)) for a in inputs]
    cf = mx.compile(fun)
    cf(*args)
    for g, e in zip(cf(*args2), fun(*args2)):
        same(g, e)


@given(programs())
def test_random_program_matches_mlx_compile(program):
    inputs, steps, outs = program
    got = mx.compile(partial(run_program, mx, steps, outs))(*[mx.array(a) for a in inputs])
    expected = ORACLE.compile(partial(run_program, ORACLE, steps, outs))(
        *[ORACLE.array(a) for a in inputs]
    )
    for g, e in zip(got, expected):
        tol = 2e-2 if "float16" in str(g.dtype) else 1e-4
        close_to_mlx(g, e, rtol=tol, atol=tol)


@given(programs())
def test_random_program_shapeless_same_shapes(program):
    inputs, steps, outs = program
    args = [mx.array(a) for a in inputs]
    fun = partial(run_program, mx, steps, outs)
    for g, e in zip(mx.compile(fun, shapeless=True)(*args), fun(*args)):
        same(g, e)


# ---------------------------------------------------------------------------------------------
# the graph: simplification and fusion
# ---------------------------------------------------------------------------------------------


def graph_of(fun, *args, shapeless=False, fuse=True):
    tracers = [mx._core._make_tracer(a) for a in args]
    out = fun(*tracers)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    return mx._core._compile_build(outs, tracers, shapeless, fuse)


def test_common_subexpressions_are_merged():
    x = mx.ones((4,))
    g = graph_of(lambda x: mx.exp(x) + mx.exp(x), x, fuse=False)
    assert g.primitives == ["Exp", "Add"]
    # Different parameters are not merged.
    g = graph_of(lambda x: x.sum(0) + x.sum(0, keepdims=True), mx.ones((2, 3)), fuse=False)
    assert g.primitives.count("Sum") == 1
    g = graph_of(lambda x: (x.astype(mx.int32), x.astype(mx.int16)), x, fuse=False)
    assert g.primitives.count("AsType") == 2


def test_noop_casts_reshapes_broadcasts_are_removed():
    x = mx.ones((2, 3))
    g = graph_of(lambda x: mx.broadcast_to(x.astype(mx.float32).reshape(2, 3), (2, 3)), x)
    assert g.primitives == []


def test_elementwise_chain_is_one_fused_node():
    x = mx.ones((8,))
    assert graph_of(lambda x: x * 0.5 * (1 + mx.erf(x / math.sqrt(2))), x).primitives == [
        "Compiled"
    ]
    # A chain with two outputs is still one node; a reduction splits it.
    assert graph_of(lambda x: (mx.exp(x), mx.exp(x) + 1), x).primitives == ["Compiled"]
    prims = graph_of(lambda x: mx.exp(x - x.max()) * 2, x).primitives
    assert "Max" in prims and "Compiled" in prims


def test_value_read_after_the_chain_is_one_more_output():
    """h @ w + b feeds the relu and, later, its gradient's mask: one fused node writes both the
    pre-activation and the relu (its other reader comes after the chain's root: no cycle)."""
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((6, 5), (5, 8), (8,), (8, 3))]

    def f(lib):
        def step(x, w, b, w2):
            z = x @ w + b
            h = lib.maximum(z, 0.0)
            return (h @ w2) * (z > 0).astype(lib.float32).sum()
        return step

    args = [mx.array(a) for a in arrays]
    prims = graph_of(f(mx), *args).primitives
    assert "Add" not in prims and "Maximum" not in prims and "Compiled" in prims
    same(mx.compile(f(mx))(*args), f(mx)(*args))
    if ORACLE is not None:
        expected = ORACLE.compile(f(ORACLE))(*[ORACLE.array(a) for a in arrays])
        np.testing.assert_allclose(np.array(mx.compile(f(mx))(*args)), np.array(expected), rtol=1e-5)

    # A value whose other reader feeds back into the chain stays outside the chain: z is read
    # by the matmul whose result the chain's root adds.
    def g(x, w):
        z = mx.exp(x)
        return mx.sin(z) + z @ w

    x, w = mx.array(arrays[0][:5]), mx.array(arrays[1][:, :5])
    same(mx.compile(g)(x, w), g(x, w))


def test_fused_chain_with_broadcast_and_strided_inputs():
    a = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((7,)).astype(np.float32)
    x = mx.array(a).T  # transposed: the fused kernel gathers it
    y = mx.array(b)[::-1]  # negative stride, broadcast along rows
    f = lambda x, y: mx.tanh(x * 2) + y[:5] * x  # noqa: E731
    same(mx.compile(f)(x, y), f(x, y))
    check_numpy(mx.compile(f)(x, y), np.tanh(a.T * 2) + b[::-1][:5] * a.T, rtol=1e-6, atol=1e-6)


def test_fused_large_array_multithreaded():
    a = np.random.default_rng(0).standard_normal(300_001).astype(np.float32)
    f = lambda x: x * mx.sigmoid(1.702 * x) - 0.25  # noqa: E731
    same(mx.compile(f)(mx.array(a)), f(mx.array(a)))
    ln = lambda x, w, b: (x - x.mean(-1, keepdims=True)) * mx.rsqrt(  # noqa: E731
        x.var(-1, keepdims=True) + 1e-5
    ) * w + b
    x = mx.array(np.random.default_rng(1).standard_normal((300, 1000)).astype(np.float32))
    w, b = mx.ones((1000,)) * 0.5, mx.zeros((1000,)) + 0.1
    same(mx.compile(ln)(x, w, b), ln(x, w, b))


# ---------------------------------------------------------------------------------------------
# retrace rules, counted through MLX and mlx_core
# ---------------------------------------------------------------------------------------------


def count_traces(lib, calls, shapeless=False, fun=None):
    """How many times the compiled function calls Python `fun` for each call."""
    count = [0]

    def f(*args, **kwargs):
        count[0] += 1
        leaves = [a for a in list(args) + list(kwargs.values()) if isinstance(a, lib.array)]
        return sum(leaves[1:], leaves[0] * 2)

    cf = lib.compile(fun(count) if fun else f, shapeless=shapeless)
    counts = []
    for make_args in calls:
        args, kwargs = make_args(lib)
        before = count[0]
        lib.eval(cf(*args, **kwargs))
        counts.append(count[0] - before)
    return counts


def A(lib, shape, dtype="float32"):
    return lib.ones(shape, dtype=getattr(lib, dtype))


RETRACE_SCENARIOS = {
    "same shapes": [lambda l: ((A(l, (3,)), A(l, (3,))), {})] * 3,
    "new shape, back to old": [
        lambda l: ((A(l, (3,)),), {}),
        lambda l: ((A(l, (4,)),), {}),
        lambda l: ((A(l, (3,)),), {}),
        lambda l: ((A(l, (4,)),), {}),
    ],
    "dtype": [
        lambda l: ((A(l, (3,)),), {}),
        lambda l: ((A(l, (3,), "float16"),), {}),
        lambda l: ((A(l, (3,), "int32"),), {}),
        lambda l: ((A(l, (3,)),), {}),
    ],
    "scalar constants": [
        lambda l: ((A(l, (3,)), 2.0), {}),
        lambda l: ((A(l, (3,)), 2.0), {}),
        lambda l: ((A(l, (3,)), 3.0), {}),
        lambda l: ((A(l, (3,)), 3), {}),
        lambda l: ((A(l, (3,)), True), {}),
        lambda l: ((A(l, (3,)), 1), {}),
        lambda l: ((A(l, (3,)), 1.0), {}),
        lambda l: ((A(l, (3,)), "a"), {}),
        lambda l: ((A(l, (3,)), "b"), {}),
        lambda l: ((A(l, (3,)), None), {}),
        lambda l: ((A(l, (3,)), None), {}),
    ],
    "keywords": [
        lambda l: ((A(l, (3,)),), {"y": A(l, (3,))}),
        lambda l: ((A(l, (3,)),), {"y": A(l, (3,))}),
        lambda l: ((A(l, (3,)), A(l, (3,))), {}),
        lambda l: ((), {"x": A(l, (3,)), "y": A(l, (3,))}),
        lambda l: ((), {"y": A(l, (3,)), "x": A(l, (3,))}),
    ],
    "same array twice": [
        lambda l: ((A(l, (3,)), A(l, (3,))), {}),
        lambda l: ((lambda a: (a, a))(A(l, (3,))), {}),
    ],
}


@pytest.mark.parametrize("name", list(RETRACE_SCENARIOS))
def test_retrace_counts_match_mlx(name):
    calls = RETRACE_SCENARIOS[name]
    assert count_traces(mx, calls) == count_traces(ORACLE, calls)


def test_retrace_pytrees_match_mlx():
    def fun(count):
        def f(x, tree):
            count[0] += 1
            leaves = tree if isinstance(tree, (list, tuple)) else list(tree.values())
            return x + sum(v for v in leaves if not isinstance(v, float))

        return f

    calls = [
        lambda l: ((A(l, (3,)), [A(l, (3,))]), {}),
        lambda l: ((A(l, (3,)), (A(l, (3,)),)), {}),  # tuple vs list: same key
        lambda l: ((A(l, (3,)), [A(l, (3,)), A(l, (3,))]), {}),
        lambda l: ((A(l, (3,)), {"a": A(l, (3,))}), {}),
        lambda l: ((A(l, (3,)), {"b": A(l, (3,))}), {}),
        lambda l: ((A(l, (3,)), {"a": A(l, (3,))}), {}),
        lambda l: ((A(l, (3,)), [A(l, (3,)), 1.0]), {}),
        lambda l: ((A(l, (3,)), [A(l, (3,)), 2.0]), {}),
        lambda l: ((A(l, (3,)), [A(l, (3,)), 1.0]), {}),
    ]
    assert count_traces(mx, calls, fun=fun) == count_traces(ORACLE, calls, fun=fun)


def test_retrace_shapeless_matches_mlx():
    calls = [
        lambda l: ((A(l, (3,)), A(l, (3,))), {}),
        lambda l: ((A(l, (5,)), A(l, (5,))), {}),
        lambda l: ((A(l, (5,)), A(l, (1,))), {}),
        lambda l: ((A(l, (5, 2)), A(l, (5, 2))), {}),
        lambda l: ((A(l, (5, 2)), 2.0), {}),
        lambda l: ((A(l, (5, 2)), 3.0), {}),
        lambda l: ((A(l, (5, 2), "float16"), 3.0), {}),
        lambda l: ((A(l, (7, 1)), A(l, (1, 4))), {}),
    ]
    assert count_traces(mx, calls, shapeless=True) == count_traces(ORACLE, calls, shapeless=True)


def test_shapeless_values_on_new_shapes():
    f = lambda x, y: mx.exp(x) * y + 2.0  # noqa: E731
    cf = mx.compile(f, shapeless=True)
    for shape_x, shape_y in [((3,), (3,)), ((6,), (6,)), ((6,), (1,)), ((2, 6), (2, 6))]:
        x = mx.arange(math.prod(shape_x), dtype=mx.float32).reshape(shape_x) / 7
        y = mx.ones(shape_y) * 3
        same(cf(x, y), f(x, y))


def test_shapeless_refuses_shapes_a_kernel_cannot_run():
    # The indices were traced against a (1000, 2) source: a (1000, 1) one would make the
    # gather read past it (MLX 0.32.4 returns memory from outside the array there).
    idx = mx.array(np.random.default_rng(0).integers(0, 1000, (500, 2)).astype(np.int32))
    cf = mx.compile(lambda x: mx.take_along_axis(x, idx, axis=0), shapeless=True)
    assert cf(mx.ones((1000, 2))).sum().item() == 1000
    np.testing.assert_array_equal(np.array(cf(mx.full((10, 2), 2.0))), np.full((500, 2), 2.0))
    for shape in [(1000, 1), (1000, 3)]:
        with pytest.raises(ValueError, match=r"^\[compile\] Cannot compile GatherAxis with shapeless=True"):
            mx.eval(cf(mx.full(shape, 2.0)))


def test_closure_constants_are_baked_in_as_mlx():
    def run(lib):
        c = [lib.array(1.0)]
        cf = lib.compile(lambda x: x + c[0])
        first = cf(lib.array(1.0)).item()
        c[0] = lib.array(5.0)
        return first, cf(lib.array(1.0)).item()

    assert run(mx) == run(ORACLE) == (2.0, 2.0)


def test_non_array_outputs_pass_through():
    for lib in LIBS:
        x = lib.ones((2,))
        assert lib.compile(lambda x: 1.0)(x) == 1.0
        assert lib.compile(lambda x: None)(x) is None
        out = lib.compile(lambda x: {"a": x, "b": [x + 1, "s"]})(x)
        assert out["b"][1] == "s" and out["b"][0].tolist() == [2.0, 2.0]
        assert lib.compile(lambda x: (x, 1))(x)[1] == 1


# ---------------------------------------------------------------------------------------------
# captured state: inputs= / outputs=
# ---------------------------------------------------------------------------------------------


def train(lib, compiled, steps=4):
    rng = np.random.default_rng(0)
    X = lib.array(rng.standard_normal((16, 3)).astype(np.float32))
    y = lib.array(rng.standard_normal((16,)).astype(np.float32))
    state = {"w": lib.zeros((3,)), "b": lib.zeros(()), "opt": {"step": lib.array(0)}, "lr": 0.1}

    def loss(w, b):
        return ((X @ w + b - y) ** 2).mean()

    def step():
        value, (gw, gb) = lib.value_and_grad(loss, argnums=(0, 1))(state["w"], state["b"])
        state["w"] = state["w"] - state["lr"] * gw
        state["b"] = state["b"] - state["lr"] * gb
        state["opt"]["step"] = state["opt"]["step"] + 1
        return value

    if compiled:
        step = lib.compile(step, inputs=state, outputs=state)
    losses = [step().item() for _ in range(steps)]
    return losses, to_numpy(lib, state["w"]), state["opt"]["step"].item()


def test_training_step_with_state_matches_uncompiled_and_mlx():
    losses, w, n = train(mx, True)
    ref_losses, ref_w, ref_n = train(mx, False)
    mlx_losses, mlx_w, mlx_n = train(ORACLE, True)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-6)
    np.testing.assert_allclose(w, ref_w, rtol=1e-6)
    np.testing.assert_allclose(losses, mlx_losses, rtol=1e-5)
    np.testing.assert_allclose(w, mlx_w, rtol=1e-5, atol=1e-6)
    assert n == ref_n == mlx_n == 4
    assert losses[0] > losses[-1]


def test_state_list_is_replaced_with_new_arrays():
    for lib in LIBS:
        state = [lib.array(1.0)]
        first = state[0]
        count = [0]

        def step(x):
            count[0] += 1
            state[0] = state[0] + x
            return state[0] * 2

        cstep = lib.compile(step, inputs=state, outputs=state)
        results = []
        for _ in range(3):
            results.append(cstep(lib.array(1.0)).item())
            lib.eval(state)
        assert results == [4.0, 6.0, 8.0]
        assert state[0].item() == 4.0 and first.item() == 1.0 and state[0] is not first
        assert count[0] == 1


def test_read_only_state_inputs_follow_changes():
    for lib in LIBS:
        w = [lib.array(2.0)]
        cf = lib.compile(lambda x: x * w[0], inputs=w)
        assert cf(lib.array(1.0)).item() == 2.0
        w[0] = lib.array(3.0)
        assert cf(lib.array(1.0)).item() == 3.0
        w[0] = lib.array([3.0, 4.0])  # a new shape retraces
        assert cf(lib.array(1.0)).tolist() == [3.0, 4.0]


def test_non_container_state_is_ignored_as_mlx():
    class Holder:
        def __init__(self, lib):
            self.v = lib.array(1.0)

    for lib in LIBS:
        h = Holder(lib)
        assert lib.compile(lambda x: x + 1, inputs=h, outputs=h)(lib.array(1.0)).item() == 2.0
        assert lib.compile(lambda x: x, inputs=lib.array(1.0))(lib.array(5.0)).item() == 5.0


def test_random_state_advances_when_captured():
    random = getattr(mx, "random", None)
    if random is None or not hasattr(random, "state"):
        pytest.skip("mlx_core.random is not built on this branch yet")

    def draws(lib, capture):
        lib.random.seed(0)
        f = lambda x: x + lib.random.uniform(shape=(2,))  # noqa: E731
        if capture:
            f = lib.compile(f, inputs=lib.random.state, outputs=lib.random.state)
        else:
            f = lib.compile(f)
        x = lib.zeros((2,))
        return to_numpy(lib, f(x)), to_numpy(lib, f(x))

    for capture in (False, True):
        got, expected = draws(mx, capture), draws(ORACLE, capture)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


# ---------------------------------------------------------------------------------------------
# composition with the other transforms
# ---------------------------------------------------------------------------------------------


def gelu(lib):
    return lambda x: (x * 0.5 * (1 + lib.erf(x / math.sqrt(2)))).sum()


def compare_transform(build, *shapes, rtol=1e-5):
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    results = []
    for lib in (mx, mx, ORACLE):
        results.append(build(lib, compiled=lib is not mx or len(results) == 0)(
            *[lib.array(v) for v in values]
        ))
    got, uncompiled, expected = results
    got = got if isinstance(got, (list, tuple)) else [got]
    uncompiled = uncompiled if isinstance(uncompiled, (list, tuple)) else [uncompiled]
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    for g, u, e in zip(got, uncompiled, expected):
        np.testing.assert_allclose(to_numpy(mx, g), to_numpy(mx, u), rtol=1e-6, atol=1e-6)
        close_to_mlx(g, e, rtol=rtol, atol=1e-5)


def test_grad_of_compiled():
    compare_transform(lambda l, compiled: l.grad(l.compile(gelu(l)) if compiled else gelu(l)), (50,))


def test_compiled_grad():
    compare_transform(lambda l, compiled: (l.compile if compiled else (lambda f: f))(
        l.grad(gelu(l))), (50,))


def test_vmap_of_compiled_and_compiled_vmap():
    f = lambda l: (lambda x, y: l.tanh(x) * y + x.sum())  # noqa: E731
    compare_transform(lambda l, compiled: l.vmap(l.compile(f(l)) if compiled else f(l)),
                      (4, 6), (4, 6))
    compare_transform(lambda l, compiled: (l.compile if compiled else (lambda g: g))(
        l.vmap(f(l), in_axes=(1, None))), (6, 4), (6,))


def test_jvp_and_vjp_through_fused_node():
    f = lambda l: (lambda x, y: [l.exp(x) * y - x, l.sin(y) + 1])  # noqa: E731
    compare_transform(lambda l, compiled: (lambda x, y: l.jvp(
        l.compile(f(l)) if compiled else f(l), [x, y], [l.ones_like(x), y])[1]), (7,), (7,))
    compare_transform(lambda l, compiled: (lambda x, y: l.vjp(
        l.compile(f(l)) if compiled else f(l), [x, y], [l.ones_like(x), y])[1]), (7,), (7,))


def test_grad_of_fused_node_vs_finite_differences():
    f = lambda x: (mx.sigmoid(1.702 * x) * x * x).sum()  # noqa: E731
    a = np.random.default_rng(3).standard_normal(6)
    g = to_numpy(mx, mx.grad(mx.compile(f))(mx.array(a, dtype=mx.float64)))
    eps = 1e-6
    fd = [
        (f(mx.array(a + eps * e, dtype=mx.float64)).item()
         - f(mx.array(a - eps * e, dtype=mx.float64)).item()) / (2 * eps)
        for e in np.eye(6)
    ]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_nested_compile_and_custom_function():
    inner = mx.compile(lambda x: mx.exp(x) + 1)

    @mx.custom_function
    def clipped(x):
        return x * 2

    @clipped.vjp
    def clipped_vjp(primals, cotangent, output):
        return mx.clip(cotangent, -1, 1)

    outer = mx.compile(lambda x: clipped(inner(x) * x).sum())
    x = mx.array([0.1, -2.0, 3.0])
    ref = lambda x: clipped((mx.exp(x) + 1) * x).sum()  # noqa: E731
    same(outer(x), ref(x))
    same(mx.grad(outer)(x), mx.grad(ref)(x))


# ---------------------------------------------------------------------------------------------
# the switch and the errors
# ---------------------------------------------------------------------------------------------


def test_disable_and_enable_compile():
    count = [0]

    def f(x):
        count[0] += 1
        return x + 1

    cf = mx.compile(f)
    x = mx.ones((2,))
    cf(x)
    cf(x)
    assert count[0] == 1
    try:
        mx.disable_compile()
        cf(x)
        cf(x)
        assert count[0] == 3
    finally:
        mx.enable_compile()
    cf(x)
    assert count[0] == 3


@pytest.mark.parametrize("value", ["1", "0"])
def test_environment_variable_disables_compile(value, tmp_path):
    code = (
        "import {lib} as mx\n"
        "n=[0]\n"
        "def f(x):\n    n[0]+=1\n    return x+1\n"
        "c=mx.compile(f); a=mx.ones(2); c(a); c(a); mx.enable_compile(); c(a); c(a); print(n[0])"
    )
    env = child_env(MLX_DISABLE_COMPILE=value)
    out = [
        subprocess.run([sys.executable, "-c", code.format(lib=name)], env=env, cwd=tmp_path,
                       capture_output=True, text=True, check=True).stdout.strip()
        for name in (SUBJECT.__name__, ORACLE.__name__)
    ]
    assert out[0] == out[1] == "3"


ERRORS = {
    "item": lambda l: lambda x: x.sum().item(),
    "tolist": lambda l: lambda x: x.tolist(),
    "print": lambda l: lambda x: print(x) or x,
    "numpy": lambda l: lambda x: np.array(x),
    "control flow": lambda l: lambda x: x if x.sum() > 0 else -x,
    "eval": lambda l: lambda x: l.eval(x + 1) or x,
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_evaluating_a_traced_value_raises_as_mlx(name):
    errors = []
    for lib in LIBS:
        with pytest.raises(ValueError) as info:
            lib.compile(ERRORS[name](lib))(lib.ones((3,)))
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    # The failed trace leaves nothing behind: evaluation and compile work afterwards.
    assert mx.compile(lambda x: x * 2)(mx.ones((2,))).tolist() == [2.0, 2.0]


def test_constants_may_be_evaluated_while_tracing():
    for lib in LIBS:
        k = lib.array([1.0, 2.0])
        assert lib.compile(lambda x: x + k.sum().item())(lib.ones((2,))).tolist() == [4.0, 4.0]


def test_bad_arguments_raise_as_mlx():
    class Thing:
        pass

    errors = []
    for lib in LIBS:
        with pytest.raises(ValueError) as info:
            lib.compile(lambda x, y: x)(lib.ones((2,)), Thing())
        errors.append(str(info.value).replace(lib.__name__, "LIB"))
    assert errors[0] == errors[1]
    assert errors[0].startswith("[compile] Function arguments must be trees of arrays")
    for lib in LIBS:
        with pytest.raises(TypeError):
            lib.compile(3)


def test_decorator_forms():
    @mx.compile
    def f(x):
        return x + 1

    @partial(mx.compile, shapeless=True)
    def g(x):
        return x * 2

    assert f(mx.ones((2,))).tolist() == [2.0, 2.0]
    assert g(mx.ones((3,))).tolist() == [2.0, 2.0, 2.0]
    assert g(mx.ones((1,))).tolist() == [2.0]
    assert f.__name__ == "f"


def test_fused_kernel_reuses_dead_input_buffers():
    # Temporaries as inputs: the fused kernel may write its outputs over them.
    f = lambda x, y: (mx.exp(x) * y, x + y, mx.tanh(y) - x)  # noqa: E731
    a = mx.arange(20000, dtype=mx.float32) / 5000
    b = mx.ones((20000,)) * 0.5
    expected = f(a * 1, b + 0)
    got = mx.compile(f)(a * 1, b + 0)
    for g, e in zip(got, expected):
        same(g, e)


SHAPELESS_FUNCTIONS = {
    "mean": lambda l: lambda x: x - x.mean(-1, keepdims=True),
    "var": lambda l: lambda x: x.var(0) * 2,
    "layernorm": lambda l: lambda x: (x - x.mean(-1, keepdims=True)) * l.rsqrt(
        x.var(-1, keepdims=True) + 1e-5),
    "sum": lambda l: lambda x: x.sum(0) + 1,
    "flatten": lambda l: lambda x: x.reshape(-1) * 2,
    "expand_dims": lambda l: lambda x: x[None] * 2,
    "matmul": lambda l: lambda x: x @ x.T,
    "transpose": lambda l: lambda x: l.exp(x.T) + 1,
    "argmax": lambda l: lambda x: l.argmax(x, axis=1),
    "broadcast": lambda l: lambda x: l.broadcast_to(x, (3, 2)) + 1,
}


@pytest.mark.parametrize("name", list(SHAPELESS_FUNCTIONS))
def test_shapeless_new_shapes_match_mlx(name):
    values = [np.arange(4, dtype=np.float32).reshape(2, 2) / 3,
              np.arange(20, dtype=np.float32).reshape(4, 5) / 7]
    results = []
    for lib in LIBS:
        cf = lib.compile(SHAPELESS_FUNCTIONS[name](lib), shapeless=True)
        out = []
        for v in values:
            try:
                out.append(to_numpy(lib, cf(lib.array(v))))
            except ValueError as e:
                out.append(type(e))
        results.append(out)
    for got, expected in zip(*results):
        if isinstance(expected, type):
            assert got is expected
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
            assert got.shape == expected.shape


def test_fast_cache_key_matches_the_traced_one():
    # Calls with positional arrays only look their graph up with a key built in C++;
    # it must equal the key the first (tracing) call stored, or every call would
    # miss the fast lookup.
    from mlx_core import _core

    a, b = mx.ones((2, 3), dtype=mx.float16), mx.zeros((4,), dtype=mx.int32)
    assert _core._compile_key((a, b), False) == (2, (2, 3), mx.float16, (4,), mx.int32)
    assert _core._compile_key((a, b), True) == (2, 2, mx.float16, 1, mx.int32)
    assert _core._compile_key((), False) == (0,)
    assert _core._compile_key((a, 1.0), False) is None
    assert _core._compile_key((a, [b]), False) is None
    f = mx.compile(lambda x, y: x * 2 + y.sum())
    f(a, b)
    (key,) = f._cache
    assert key == _core._compile_key((a, b), False)
