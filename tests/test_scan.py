"""Scans: cumsum, cumprod, cummax, cummin, logcumsumexp (axis, reverse, inclusive, dtype),
cumulative_sum/cumulative_prod, the array methods, and diff; values, dtypes and errors vs
MLX 0.32.4 and NumPy, gradients vs finite differences and MLX, vmap vs a loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    BOOL,
    FLOATING,
    INTEGER,
    ORACLE,
    SUBJECT,
    Input,
    check,
    check_numpy,
    check_raises,
    dt,
    inputs,
    sample_values,
)

SCANS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]
# Values that keep products and exponentials finite.
DOMAIN = {"cumsum": "small", "cumprod": "tiny", "cummax": "any", "cummin": "any",
          "logcumsumexp": "small"}
# Sums and log-sum-exps round differently when reassociated; allow for that. float64:
# MLX 0.32.4 computes exp/log of float64 to float32 accuracy only (mlx_core is exact and is
# checked against NumPy below).
TOL = {"float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2), "float32": (2e-5, 2e-5),
       "complex64": (2e-5, 2e-5), "float64": (1e-6, 1e-8)}

M, S = ORACLE, SUBJECT


@st.composite
def scan_case(draw, dtypes=ALL_DTYPES):
    op = draw(st.sampled_from(SCANS))
    names = [d for d in dtypes if not (op == "logcumsumexp" and d == "complex64")]
    x = draw(inputs(names, domain=DOMAIN[op], max_dims=3))
    axis = None if x.ndim == 0 or draw(st.booleans()) else draw(st.integers(-x.ndim, x.ndim - 1))
    return op, x, axis, draw(st.booleans()), draw(st.booleans())


@given(scan_case())
def test_scans_match_mlx(case):
    op, x, axis, reverse, inclusive = case
    check(lambda m: getattr(m, op)(x(m), axis, reverse=reverse, inclusive=inclusive), tol=TOL)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_scan_result_dtype_and_values_every_dtype(op, dtype):
    if op == "logcumsumexp" and dtype == "complex64":
        pytest.skip("complex logcumsumexp is covered by its own test")
    x = Input(sample_values(dtype, DOMAIN[op] if op != "cumprod" else "tiny"), dtype)
    for reverse in (False, True):
        for inclusive in (False, True):
            check(lambda m: getattr(m, op)(x(m), reverse=reverse, inclusive=inclusive), tol=TOL)


def test_complex_logcumsumexp_and_extremes_match_mlx():
    z = Input(np.array([1 + 2j, 1 + 1j, -0.5 + 3j, 2 - 1j], np.complex64), "complex64")
    check(lambda m: m.logcumsumexp(z(m)), 1e-5, 1e-5)
    for op in ("cummax", "cummin"):
        for inclusive in (True, False):
            check(lambda m: getattr(m, op)(z(m), inclusive=inclusive))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_dtype_keyword_casts_first(op, dtype):
    x = Input(np.array([[1, 2, 0], [3, 1, 2]]), "int32")
    check(lambda m: getattr(m, op)(x(m), 1, dtype=dt(m, dtype)), tol=TOL)
    b = Input(np.array([True, False, True]), "bool")
    check(lambda m: getattr(m, op)(b(m), dtype=dt(m, dtype)), tol=TOL)


def test_exclusive_and_reverse_by_hand():
    a = S.array([1.0, 2.0, 3.0])
    assert S.cumsum(a, reverse=True, inclusive=False).tolist() == [5.0, 3.0, 0.0]
    assert S.cumprod(a, inclusive=False).tolist() == [1.0, 1.0, 2.0]
    assert S.cummax(a, inclusive=False).tolist() == [-np.inf, 1.0, 2.0]
    assert S.cummin(S.array([1, 2, 3], S.uint8), inclusive=False).tolist() == [255, 1, 1]
    assert S.cumsum(S.array([100, 100, 100], S.int8)).tolist() == [100, -56, 44]  # wraps


def test_cummax_propagates_nan():
    x = Input(np.array([1.0, np.nan, 3.0, 0.0], np.float32), "float32")
    for op in ("cummax", "cummin", "cumsum", "logcumsumexp"):
        for reverse in (False, True):
            check(lambda m: getattr(m, op)(x(m), reverse=reverse))
    inf = Input(np.array([-np.inf, -np.inf, 1.0, np.inf, np.inf], np.float32), "float32")
    check(lambda m: m.logcumsumexp(inf(m)))


@given(st.sampled_from(["float32", "float64", "int32", "int64"]), st.booleans())
def test_scans_match_numpy(dtype, reverse):
    x = np.random.default_rng(0).integers(-5, 6, (3, 7)).astype(dtype)
    a = S.array(x, dtype=dt(S, dtype))
    flip = (lambda v: v[:, ::-1]) if reverse else (lambda v: v)
    check_numpy(S.cumsum(a, 1, reverse=reverse), flip(np.cumsum(flip(x), axis=1)))
    check_numpy(S.cumprod(a, 1, reverse=reverse), flip(np.cumprod(flip(x), axis=1)))
    check_numpy(S.cummax(a, 1, reverse=reverse), flip(np.maximum.accumulate(flip(x), axis=1)))
    check_numpy(S.cummin(a, 1, reverse=reverse), flip(np.minimum.accumulate(flip(x), axis=1)))
    if dtype.startswith("float"):
        check_numpy(S.logcumsumexp(a, 1, reverse=reverse),
                    flip(np.logaddexp.accumulate(flip(x), axis=1)), 1e-5, 1e-6)
    check_numpy(S.cumsum(a, 0), np.cumsum(x, axis=0))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("inclusive", [False, True])
def test_long_rows_use_the_blocked_scan(reverse, inclusive):
    # Long single rows (>= 2^22) are scanned in parallel blocks; integers must stay exact.
    n = (1 << 22) + 5
    x = np.random.default_rng(1).integers(-1000, 1000, n).astype(np.int32)
    want = np.cumsum(x[::-1] if reverse else x, dtype=np.int64)
    if not inclusive:
        want = np.concatenate([[0], want[:-1]])
    want = want[::-1] if reverse else want
    got = np.array(S.cumsum(S.array(x), reverse=reverse, inclusive=inclusive))
    np.testing.assert_array_equal(got, want.astype(np.int32))
    f = np.random.default_rng(2).random(n).astype(np.float32)
    np.testing.assert_allclose(np.array(S.cumsum(S.array(f))), np.cumsum(f.astype(np.float64)),
                               rtol=1e-4)
    check_numpy(S.cummax(S.array(x), reverse=reverse),
                (np.maximum.accumulate(x[::-1])[::-1] if reverse else np.maximum.accumulate(x)))


def test_scan_over_a_leading_axis_of_a_wide_array():
    x = np.random.default_rng(3).standard_normal((50, 700)).astype(np.float32)
    for op, ref in (("cumsum", np.cumsum), ("cummax", np.maximum.accumulate)):
        check_numpy(getattr(S, op)(S.array(x), 0), ref(x, axis=0), 1e-5, 1e-5)
        check_numpy(getattr(S, op)(S.array(x).T, 1), ref(x.T, axis=1), 1e-5, 1e-5)


def test_empty_and_zero_d():
    for shape, axis in [((0, 3), 0), ((0, 3), None), ((2, 0), 1), ((), None)]:
        x = Input(np.zeros(shape, np.float32), "float32")
        for op in SCANS:
            check(lambda m: getattr(m, op)(x(m), axis))


@pytest.mark.parametrize("op", SCANS)
def test_bad_axis_is_index_error(op):
    x = Input(np.ones((2, 3), np.float32), "float32")
    for axis in (2, -3):
        check_raises(lambda m: getattr(m, op)(x(m), axis), IndexError, f"[{op}]")
    check_raises(lambda m: getattr(m, op)(Input(np.float32(1), "float32")(m), 0), IndexError)


@pytest.mark.parametrize("bad", [[1, 2, 3], 1.5, "axis"])
def test_non_array_or_bad_axis_is_type_error(bad):
    x = Input(np.ones((2, 3), np.float32), "float32")
    for op in SCANS:
        with pytest.raises(TypeError):
            getattr(S, op)(bad)
        with pytest.raises(TypeError):
            getattr(S, op)(x(S), axis=(0, 1))
        with pytest.raises(TypeError):
            getattr(M, op)(x(M), axis=(0, 1))


def test_cumulative_aliases_and_methods():
    assert S.cumulative_sum is S.cumsum and S.cumulative_prod is S.cumprod
    x = Input(np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 4, "float32", "transposed")
    for op in SCANS:
        check(lambda m: getattr(x(m), op)(), tol=TOL)
        check(lambda m: getattr(x(m), op)(1, reverse=True, inclusive=False), tol=TOL)
        check(lambda m: getattr(x(m), op)(axis=-2), tol=TOL)
    with pytest.raises(TypeError):
        x(S).cumsum(0, dtype=S.int32)  # no dtype on the method, as in MLX


def test_jvp_of_prod_max_min_raises_like_mlx():
    x = Input(np.array([3.0, 0.0, 2.0], np.float32), "float32")
    for op in ("cumprod", "cummax", "cummin"):
        check_raises(lambda m: m.jvp(lambda a: getattr(m, op)(a), [x(m)], [x(m)]), RuntimeError)


# ---------------------------------------------------------------------------------------------
# derivatives
# ---------------------------------------------------------------------------------------------

GRAD_VALUES = {
    "cumsum": [3.0, -1.0, 2.0, 0.5, 5.0],
    "cumprod": [3.0, 0.0, 2.0, 0.0, 5.0],  # zeros: the rule must not divide by them
    "cummax": [1.0, 3.0, 2.0, 4.0, 0.5],
    "cummin": [4.0, 3.0, 5.0, 1.0, 2.0],
    "logcumsumexp": [3.0, -1.0, 2.0, 0.5, 5.0],
}
FLAGS = [(r, i) for r in (False, True) for i in (False, True)]


def _weighted(lib, op, axis, reverse, inclusive, dtype):
    def f(a):
        y = getattr(lib, op)(a, axis, reverse=reverse, inclusive=inclusive)
        y = lib.where(lib.isinf(y), lib.zeros_like(y), y)  # exclusive starts at -inf/inf
        w = np.cos(np.arange(y.size) + 0.5).reshape(y.shape)
        return lib.sum(y * lib.array(w, dtype=dtype))

    return f


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("reverse,inclusive", FLAGS)
def test_grad_matches_finite_differences(op, reverse, inclusive):
    x = np.array([GRAD_VALUES[op], [v * 0.5 + 1 for v in GRAD_VALUES[op]]])
    f = _weighted(S, op, 1, reverse, inclusive, S.float64)
    g = np.array(S.grad(f)(S.array(x, dtype=S.float64)))
    eps, fd = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        p, q = x.copy(), x.copy()
        p[idx] += eps
        q[idx] -= eps
        fd[idx] = (float(f(S.array(p, dtype=S.float64)).item())
                   - float(f(S.array(q, dtype=S.float64)).item())) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", SCANS)
@pytest.mark.parametrize("reverse,inclusive", FLAGS)
def test_vjp_and_jvp_match_mlx(op, reverse, inclusive):
    # Ties included: cummax/cummin send each output's cotangent to the latest extreme.
    x = np.array([[1.0, 1.0, 3.0, 0.0, 3.0], GRAD_VALUES[op]], np.float32)
    cot = np.sin(np.arange(10.0)).reshape(2, 5).astype(np.float32)
    res = {}
    for lib in (M, S):
        fn = lambda a: getattr(lib, op)(a, 1, reverse=reverse, inclusive=inclusive)  # noqa: E731
        _, (g,) = lib.vjp(fn, [lib.array(x)], [lib.array(cot)])
        res[lib] = [np.array(g)]
        if op in ("cumsum", "logcumsumexp"):
            _, (t,) = lib.jvp(fn, [lib.array(x)], [lib.array(cot)])
            res[lib].append(np.array(t))
    for want, got in zip(res[M], res[S]):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("op", SCANS)
def test_vmap_matches_a_loop(op):
    x = np.random.default_rng(4).standard_normal((3, 4, 5)).astype(np.float32)
    for in_axis in (0, 1, 2):
        fn = lambda a: getattr(S, op)(a, -1, reverse=True)  # noqa: E731
        got = np.array(S.vmap(fn, in_axes=in_axis)(S.array(x)))
        want = np.stack([np.array(fn(S.array(np.take(x, i, in_axis))))
                         for i in range(x.shape[in_axis])])
        np.testing.assert_allclose(got, want, rtol=1e-6)
        check(lambda m: m.vmap(lambda a: getattr(m, op)(a, 0), in_axes=in_axis)(m.array(x)), tol=TOL)


# ---------------------------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------------------------


@given(inputs(ALL_DTYPES, domain="small", min_dims=1, max_dims=3), st.integers(0, 4), st.data())
def test_diff_matches_mlx(x, n, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check(lambda m: m.diff(x(m), n, axis))


def test_diff_matches_numpy_and_rejects_bad_input():
    x = np.array([[1, 5, 3, 9], [4, 2, 9, 0]], np.int32)
    for n in range(5):
        for axis in (0, 1, -1):
            check_numpy(S.diff(S.array(x), n, axis), np.diff(x, n, axis))
    b = Input(np.array([True, False, False, True]), "bool")
    check(lambda m: m.diff(b(m)))
    check_raises(lambda m: m.diff(m.array([1, 2]), -1), ValueError, "[diff]")
    for axis in (1, -2):
        check_raises(lambda m: m.diff(m.array([1, 2]), 1, axis), IndexError, "[diff]")
    check_raises(lambda m: m.diff(m.array(3)), IndexError, "[diff]")
    check(lambda m: m.grad(lambda a: (m.diff(a, 2) * m.arange(3)).sum())(m.array([3.0, 1, 2, 1, 5])))


def test_integer_scans_are_exact():
    for dtype in INTEGER + BOOL:
        x = Input(sample_values(dtype), dtype)
        for op in ("cumsum", "cumprod", "cummax", "cummin"):
            check(lambda m: getattr(m, op)(x(m)))
    for dtype in FLOATING:
        x = Input(sample_values(dtype), dtype)
        check(lambda m: m.cumsum(x(m)), tol=TOL)
