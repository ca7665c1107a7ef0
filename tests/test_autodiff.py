"""Reverse and forward mode autodiff (`vjp`, `jvp`, `grad`, `value_and_grad`).

Each differentiable primitive is checked twice: against central finite differences in
float64 (an independent reference) and against real MLX's `vjp`/`jvp` in float32. Inputs are
small, random and kept away from kinks and poles. Then the function-transforms guide's
examples, pytrees, argnums/argnames and the error cases, compared with MLX.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import ORACLE, SUBJECT

MX = SUBJECT
RNG_SEED = 7


def values(shape, lo=-1.0, hi=1.0, seed=0, avoid=None):
    """Random float64 values in [lo, hi]; `avoid` keeps them >= 0.1 away from a point."""
    rng = np.random.default_rng(RNG_SEED + seed)
    x = rng.uniform(lo, hi, size=shape)
    if avoid is not None:
        x = np.where(np.abs(x - avoid) < 0.1, avoid + 0.1 * np.sign(x - avoid + 1e-9), x)
    return x


# ---------------------------------------------------------------------------------------------
# The op table: name -> (function of one library's arrays, input value arrays)
# ---------------------------------------------------------------------------------------------

UNARY = {
    # name: (lo, hi)
    "abs": (0.2, 1.0),
    "arccos": (-0.8, 0.8),
    "arccosh": (1.2, 3.0),
    "arcsin": (-0.8, 0.8),
    "arcsinh": (-2.0, 2.0),
    "arctan": (-2.0, 2.0),
    "arctanh": (-0.8, 0.8),
    "cos": (-3.0, 3.0),
    "cosh": (-2.0, 2.0),
    "erf": (-2.0, 2.0),
    "erfinv": (-0.8, 0.8),
    "exp": (-2.0, 2.0),
    "expm1": (-2.0, 2.0),
    "log": (0.2, 3.0),
    "log2": (0.2, 3.0),
    "log10": (0.2, 3.0),
    "log1p": (-0.5, 3.0),
    "negative": (-2.0, 2.0),
    "rsqrt": (0.2, 3.0),
    "sigmoid": (-3.0, 3.0),
    "sin": (-3.0, 3.0),
    "sinh": (-2.0, 2.0),
    "sqrt": (0.2, 3.0),
    "square": (-2.0, 2.0),
    "tan": (-1.2, 1.2),
    "tanh": (-2.0, 2.0),
    "floor": (0.1, 0.9),
    "ceil": (0.1, 0.9),
    "round": (0.1, 0.4),
    "sign": (0.2, 1.0),
}

CASES: dict[str, tuple] = {}
for _name, (_lo, _hi) in UNARY.items():
    CASES[_name] = (
        lambda mx, x, _n=_name: getattr(mx, _n)(x),
        lambda _lo=_lo, _hi=_hi: [values((2, 3), _lo, _hi)],
    )

_pos = lambda: [values((2, 3), 0.5, 2.0), values((2, 3), 0.5, 2.0, seed=1)]  # noqa: E731
_any = lambda: [values((2, 3), seed=2), values((3,), seed=3)]  # noqa: E731
# Distinct values, so max/min/maximum/minimum have no ties.
_distinct = lambda: [  # noqa: E731
    np.linspace(-1, 1, 6).reshape(2, 3)[:, ::-1].copy(),
    np.array([[0.9, -0.75, 0.1], [-0.35, 0.45, -0.95]]),
]
_distinct1 = lambda: _distinct()[1:]  # noqa: E731

CASES.update(
    {
        "add_broadcast": (lambda mx, a, b: a + b, _any),
        "subtract_broadcast": (lambda mx, a, b: a - b, _any),
        "multiply_broadcast": (lambda mx, a, b: a * b, _any),
        "divide": (lambda mx, a, b: a / b, _pos),
        "power": (lambda mx, a, b: mx.power(a, b), _pos),
        "maximum": (lambda mx, a, b: mx.maximum(a, b), _distinct),
        "minimum": (lambda mx, a, b: mx.minimum(a, b), _distinct),
        "remainder": (lambda mx, a, b: mx.remainder(a, b), lambda: [
            values((2, 3), 0.1, 0.4) + np.array([1.0, 2.0, 3.0]), np.full((2, 3), 0.75)]),
        "arctan2": (lambda mx, a, b: mx.arctan2(a, b), _pos),
        "logaddexp": (lambda mx, a, b: mx.logaddexp(a, b), _any),
        "comparison": (lambda mx, a, b: (a < b) + a * 0, _any),
        "where": (lambda mx, a, b: mx.where(a > 0, a * 2, b), _any),
        "sum_axis": (lambda mx, x: mx.sum(x, axis=1), lambda: [values((2, 3, 2))]),
        "sum_keepdims": (lambda mx, x: mx.sum(x, axis=(0, 2), keepdims=True),
                         lambda: [values((2, 3, 2))]),
        "prod": (lambda mx, x: mx.prod(x, axis=1), lambda: [values((2, 3), 0.5, 1.5)]),
        "max": (lambda mx, x: mx.max(x, axis=0), _distinct1),
        "min_all": (lambda mx, x: mx.min(x), _distinct1),
        "mean": (lambda mx, x: mx.mean(x, axis=-1), lambda: [values((2, 3))]),
        "logsumexp": (lambda mx, x: mx.logsumexp(x, axis=1), lambda: [values((2, 3))]),
        "softmax": (lambda mx, x: mx.softmax(x, axis=-1) * mx.arange(3), lambda: [values((2, 3))]),
        "argmax": (lambda mx, x: mx.argmax(x, axis=1) + x[:, 0] * 0, _distinct1),
        "reshape": (lambda mx, x: mx.reshape(x, (3, 2)) * mx.arange(6).reshape(3, 2),
                    lambda: [values((2, 3))]),
        "transpose": (lambda mx, x: mx.transpose(x, (2, 0, 1)) * mx.arange(2).reshape(2, 1, 1),
                      lambda: [values((2, 3, 2))]),
        "broadcast_to": (lambda mx, x: mx.broadcast_to(x, (4, 2, 3)) * mx.arange(4).reshape(4, 1, 1),
                         lambda: [values((2, 1))]),
        "slice": (lambda mx, x: x[1:, ::-2] * 3.0, lambda: [values((3, 4))]),
        "concatenate": (lambda mx, a, b: mx.concatenate([a, b * 2, a], axis=0),
                        lambda: [values((2, 3)), values((1, 3), seed=4)]),
        "split": (lambda mx, x: mx.split(x, 3, axis=1)[1] * 2, lambda: [values((2, 3))]),
        "astype": (lambda mx, x: x.astype(mx.float16).astype(x.dtype) * x,
                   lambda: [values((2, 3))]),
        "stop_gradient": (lambda mx, x: mx.stop_gradient(x) * x, lambda: [values((2, 3))]),
        "matmul": (lambda mx, a, b: a @ b, lambda: [values((2, 3)), values((3, 4), seed=5)]),
        "matmul_batched_broadcast": (lambda mx, a, b: mx.matmul(a, b),
                                     lambda: [values((2, 1, 2, 3)), values((3, 3, 2), seed=6)]),
        "matmul_vector": (lambda mx, a, b: a @ b, lambda: [values((3,)), values((3, 2), seed=8)]),
    }
)


def _weights(shape, lib):
    """Fixed, non-uniform output weights so every output element matters."""
    w = np.cos(np.arange(int(np.prod(shape))) + 0.5).reshape(shape)
    return lib.array(w.astype(np.float32))


def _scalar_fn(lib, op, dtype):
    def f(*xs):
        y = op(lib, *xs)
        return lib.sum(y.astype(dtype) * _weights(y.shape, lib).astype(dtype))

    return f


def _finite_differences(f, xs, eps=1e-6):
    grads = []
    for k, x in enumerate(xs):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [v.copy() for v in xs]
            minus = [v.copy() for v in xs]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fp = float(np.array(f(*[MX.array(v, MX.float64) for v in plus])))
            fm = float(np.array(f(*[MX.array(v, MX.float64) for v in minus])))
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


# Rules that differ from the numeric derivative on purpose: a cast is the identity for
# gradients (finite differences see its rounding), stop_gradient blocks its branch.
NOT_NUMERIC = {"astype", "stop_gradient"}


@pytest.mark.parametrize("name", sorted(set(CASES) - NOT_NUMERIC))
def test_grad_matches_finite_differences_float64(name):
    op, make = CASES[name]
    xs = make()
    f = _scalar_fn(MX, op, MX.float64)
    got = MX.grad(f, argnums=list(range(len(xs))))(*[MX.array(x, MX.float64) for x in xs])
    got = got if isinstance(got, tuple) else (got,)
    expected = _finite_differences(f, xs)
    for g, e in zip(got, expected):
        assert g.dtype == MX.float64
        np.testing.assert_allclose(np.array(g), e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vjp_and_jvp_match_mlx_float32(name):
    op, make = CASES[name]
    xs = [x.astype(np.float32) for x in make()]
    results = {}
    for lib in (ORACLE, SUBJECT):
        primals = [lib.array(x) for x in xs]
        out = op(lib, *primals)
        cot = _weights(out.shape, lib).astype(out.dtype)
        tangents = [lib.array(np.sin(3 * x + 1)) for x in xs]
        outs, vjps = lib.vjp(lambda *a: op(lib, *a), primals, [cot])
        jouts, jvps = lib.jvp(lambda *a: op(lib, *a), primals, tangents)
        results[lib] = [outs[0], jouts[0]] + list(vjps) + list(jvps)
    for want, got in zip(results[ORACLE], results[SUBJECT]):
        assert tuple(got.shape) == tuple(want.shape)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=2e-5, atol=2e-6)


# ---------------------------------------------------------------------------------------------
# The function-transforms guide
# ---------------------------------------------------------------------------------------------


def test_grad_of_sin_at_pi_is_minus_one():
    g = MX.grad(MX.sin)(MX.array(math.pi))
    assert abs(g.item() + 1.0) < 1e-6


def test_nested_grad_of_sin():
    d2 = MX.grad(MX.grad(MX.sin))(MX.array(math.pi / 2))
    assert abs(d2.item() + 1.0) < 1e-6
    d3 = MX.grad(MX.grad(MX.grad(MX.sin)))(MX.array(0.5))
    assert abs(d3.item() + math.cos(0.5)) < 1e-6


def test_grad_of_jvp_and_jvp_of_grad():
    x = MX.array(0.7)
    hvp = MX.jvp(MX.grad(lambda x: x * x * x), [x], [MX.array(1.0)])[1][0]
    assert abs(hvp.item() - 6 * 0.7) < 1e-5
    g = MX.grad(lambda x: MX.jvp(MX.exp, [x], [MX.array(2.0)])[1][0])(x)
    assert abs(g.item() - 2 * math.exp(0.7)) < 1e-5


def test_dict_of_parameters():
    def loss(params, x):
        return MX.sum(MX.square(x @ params["w"] + params["b"]))

    for lib in (ORACLE, SUBJECT):
        params = {"w": lib.array(values((3, 2)).astype(np.float32)), "b": lib.array([0.5, -1.0])}
        x = lib.array(values((4, 3), seed=9).astype(np.float32))
        value, grads = lib.value_and_grad(
            lambda p, x: lib.sum(lib.square(x @ p["w"] + p["b"]))
        )(params, x)
        if lib is ORACLE:
            want = (value, grads)
    assert set(grads) == {"w", "b"}
    np.testing.assert_allclose(np.array(value), np.array(want[0]), rtol=1e-5)
    for k in ("w", "b"):
        np.testing.assert_allclose(np.array(grads[k]), np.array(want[1][k]), rtol=1e-5)
    del loss


def test_value_and_grad_with_aux():
    def f(lib):
        return lambda x: (lib.sum(x * x), {"aux": x + 1}, "text")

    x = np.array([1.0, 2.0], dtype=np.float32)
    (v, aux, text), g = MX.value_and_grad(f(MX))(MX.array(x))
    (v0, aux0, _), g0 = ORACLE.value_and_grad(f(ORACLE))(ORACLE.array(x))
    assert text == "text"
    np.testing.assert_allclose(np.array(v), np.array(v0))
    np.testing.assert_allclose(np.array(aux["aux"]), np.array(aux0["aux"]))
    np.testing.assert_allclose(np.array(g), np.array(g0))


def test_stop_gradient_blocks_gradients():
    assert MX.grad(lambda x: MX.stop_gradient(x) * x)(MX.array(3.0)).item() == 3.0
    assert MX.grad(lambda x: MX.stop_gradient(x * x))(MX.array(3.0)).item() == 0.0


def test_same_array_passed_twice_gets_separate_gradients():
    x = MX.array(2.0)
    gx, gy = MX.grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)
    assert (gx.item(), gy.item()) == (4.0, 8.0)


def test_unused_argument_gets_zeros_and_integer_sum():
    g = MX.grad(lambda x, y: MX.sum(y), argnums=[0, 1])(MX.ones((2,)), MX.ones((3,)))
    assert np.array(g[0]).tolist() == [0.0, 0.0] and np.array(g[1]).tolist() == [1.0] * 3


def test_deep_chain_does_not_recurse():
    def f(x):
        for _ in range(20000):
            x = x * 1.0
        return x

    assert MX.grad(f)(MX.array(2.0)).item() == 1.0


# ---------------------------------------------------------------------------------------------
# Arguments, structure of the results, errors: the same as MLX
# ---------------------------------------------------------------------------------------------


def _run(lib, make_call):
    try:
        return ("ok", _normal(lib, make_call(lib)))
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc).__name__, str(exc))


def _normal(lib, obj):
    """A comparable plain-Python form of a result tree (arrays: dtype name and values)."""
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_normal(lib, o) for o in obj])
    if isinstance(obj, dict):
        return {k: _normal(lib, v) for k, v in obj.items()}
    if isinstance(obj, lib.array):
        name = str(obj.dtype).split(".")[-1]
        if name in ("float16", "bfloat16"):
            obj = obj.astype(lib.float32)
        return (name, np.array(obj).round(5).tolist())
    return obj


def _assign_and_sum(mx):
    """`a[i] = v` inside a differentiated function (a SliceUpdate node)."""

    def f(x, y):
        z = x * 1.0
        z[1:3] = y * 2
        return (z * mx.arange(4)).sum()

    return f


TRANSFORM_CALLS = {
    "argnums_tuple": lambda mx: mx.grad(lambda x, y: x * y, argnums=(0, 1))(
        mx.array(2.0), mx.array(3.0)),
    "argnums_unsorted": lambda mx: mx.grad(lambda x, y: x * y, argnums=[1, 0])(
        mx.array(2.0), mx.array(3.0)),
    "argnums_single_list": lambda mx: mx.grad(lambda x, y: x * y, argnums=[1])(
        mx.array(2.0), mx.array(3.0)),
    "argnames_only": lambda mx: mx.grad(lambda x, y: x * y, argnames="y")(
        mx.array(2.0), y=mx.array(3.0)),
    "argnums_and_argnames": lambda mx: mx.value_and_grad(lambda x, y: x * y, argnums=0,
                                                         argnames=["y"])(
        mx.array(2.0), y=mx.array(3.0)),
    "tuple_argument": lambda mx: mx.grad(lambda t: t[0] * t[1]["a"])(
        (mx.array(2.0), {"a": mx.array(3.0)})),
    "integer_input": lambda mx: mx.grad(lambda x: mx.sum(x))(mx.array([1, 2])),
    "float16_input": lambda mx: mx.grad(lambda x: mx.sum(x.astype(mx.float32)))(
        mx.array([1.0, 2.0], mx.float16)),
    "cotangent_cast": lambda mx: mx.vjp(lambda x: x * 2, [mx.array(1.0)],
                                        [mx.array(1.0, mx.float16)]),
    "extra_cotangents": lambda mx: mx.vjp(lambda x: x * 2, [mx.array(1.0)],
                                          [mx.array(1.0), mx.array(1.0)]),
    "vjp_tuple_output": lambda mx: mx.vjp(lambda x: (x * 2, x), [mx.array(1.0)],
                                          [mx.array(1.0), mx.array(2.0)]),
    "jvp_two_outputs": lambda mx: mx.jvp(lambda x: [x, x * 2], [mx.array(1.0)],
                                         [mx.array(1.0)]),
    "divmod_remainder": lambda mx: mx.grad(lambda x: mx.divmod(x, mx.array(1.5))[1].sum())(
        mx.array([2.0, 4.0])),
    "max_ties_split": lambda mx: mx.grad(lambda x: mx.max(x))(mx.array([1.0, 3.0, 3.0, 2.0])),
    "max_ties_jvp": lambda mx: mx.jvp(lambda x: mx.max(x), [mx.array([1.0, 3.0, 3.0, 2.0])],
                                      [mx.array([1.0, 2.0, 4.0, 8.0])]),
    "maximum_ties": lambda mx: mx.grad(lambda x, y: mx.maximum(x, y).sum(), argnums=[0, 1])(
        mx.array([1.0, 3.0]), mx.array(3.0)),
    "prod_with_zero": lambda mx: mx.grad(lambda x: mx.prod(x))(mx.array([0.0, 2.0, 3.0])),
    "prod_with_two_zeros": lambda mx: mx.grad(lambda x: mx.prod(x))(mx.array([0.0, 2.0, 0.0])),
    "complex_parts": lambda mx: mx.vjp(lambda z: mx.imag(z) + mx.real(z) * 2,
                                       [mx.array(1 + 2j)], [mx.array(1.0)]),
    "complex_multiply": lambda mx: mx.vjp(lambda z: z * mx.array(2 + 1j), [mx.array(1 + 2j)],
                                          [mx.array(1 + 1j)]),
    "slice_assignment": lambda mx: mx.grad(_assign_and_sum(mx), argnums=(0, 1))(
        mx.array([1.0, 2.0, 3.0, 4.0]), mx.array([5.0, 6.0])),
    "slice_assignment_jvp": lambda mx: mx.jvp(_assign_and_sum(mx), [
        mx.array([1.0, 2.0, 3.0, 4.0]), mx.array([5.0, 6.0])], [mx.ones(4), mx.ones(2)]),
    "softmax_axis0_var_clip": lambda mx: mx.grad(
        lambda x: (mx.softmax(x, axis=0)[0] * mx.var(x) + mx.clip(x, 0, 1.5)).sum())(
        mx.array([[1.0, 2.0], [3.0, 1.0]])),
    # errors
    "non_scalar_output": lambda mx: mx.grad(lambda x: x * 2)(mx.array([1.0, 2.0])),
    "tuple_output": lambda mx: mx.grad(lambda x: (x, x))(mx.array(1.0)),
    "float_output": lambda mx: mx.grad(lambda x: 1.0)(mx.array(1.0)),
    "argnums_out_of_range": lambda mx: mx.grad(lambda x: x, argnums=1)(mx.array(1.0)),
    "negative_argnums": lambda mx: mx.grad(lambda x: x, argnums=-1),
    "empty_argnums": lambda mx: mx.grad(lambda x: x, argnums=[]),
    "duplicate_argnums": lambda mx: mx.grad(lambda x: x, argnums=[0, 0]),
    "missing_keyword": lambda mx: mx.grad(lambda x, **k: x, argnames=["y"])(
        mx.array(1.0), z=mx.array(2.0), w=mx.array(1.0)),
    "non_array_argument": lambda mx: mx.grad(lambda x: x)(1.0),
    "non_array_leaf": lambda mx: mx.grad(lambda p: p["a"])({"a": mx.array(2.0), "b": 4}),
    "value_and_grad_list": lambda mx: mx.value_and_grad(lambda x: [x])(mx.array(1.0)),
    "value_and_grad_empty_tuple": lambda mx: mx.value_and_grad(lambda x: ())(mx.array(1.0)),
    "value_and_grad_float_first": lambda mx: mx.value_and_grad(lambda x: (1.0, x))(
        mx.array(1.0)),
    "vjp_cotangent_shape": lambda mx: mx.vjp(lambda x: x * 2, [mx.array(1.0)],
                                             [mx.array([1.0, 2.0])]),
    "vjp_output_shape": lambda mx: mx.vjp(lambda x: x * 2, [mx.array([[1.0, 2.0]])],
                                          [mx.array([1.0, 2.0])]),
    "vjp_too_few_cotangents": lambda mx: mx.vjp(lambda x: [x, x], [mx.array(1.0)],
                                                [mx.array(1.0)]),
    "jvp_tangent_count": lambda mx: mx.jvp(lambda x: x, [mx.array(1.0)], []),
    "jvp_tangent_shape": lambda mx: mx.jvp(lambda x: x, [mx.array(1.0)],
                                           [mx.array([1.0, 2.0])]),
}


@pytest.mark.parametrize("name", sorted(TRANSFORM_CALLS))
def test_transform_call_matches_mlx(name):
    want = _run(ORACLE, TRANSFORM_CALLS[name])
    got = _run(SUBJECT, TRANSFORM_CALLS[name])
    assert got == want


@pytest.mark.parametrize(
    "call",
    [
        lambda mx: mx.grad(5),
        lambda mx: mx.grad(lambda x: x, argnums=1.5),
        lambda mx: mx.grad(lambda x: x, argnames=[1]),
        lambda mx: mx.vjp(lambda x: x, mx.array(1.0), [mx.array(1.0)]),
        lambda mx: mx.jvp(lambda x: x, [1.0], [mx.array(1.0)]),
    ],
)
def test_bad_argument_types_raise_type_error(call):
    for lib in (ORACLE, SUBJECT):
        with pytest.raises(TypeError):
            call(lib)


def test_grad_through_values_the_function_evaluates():
    # f evaluates an intermediate (as printing or .item() would); the gradient must still
    # flow through it, as in MLX: d/dx 2 x sin(x) = 2 (sin x + x cos x).
    def f(x):
        y = MX.sin(x) * x
        MX.eval(y)
        assert isinstance(y.item(), float)
        return y * 2

    x = 0.7
    got = MX.grad(f)(MX.array(x)).item()
    assert got == pytest.approx(2 * (math.sin(x) + x * math.cos(x)), rel=1e-5)
