"""Sorting and searching: sort, argsort (stable, NaN last), partition, argpartition (MLX's exact
order), topk (values compared as a set: MLX leaves their order open), searchsorted, unique,
median, minmax, count_nonzero; values, dtypes and errors vs MLX 0.32.4 and NumPy, gradients
vs finite differences and MLX, vmap vs a loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    FLOATING,
    INTEGER,
    LAYOUTS,
    NUMPY_HOLDER,
    ORACLE,
    REAL,
    SUBJECT,
    Input,
    check,
    check_numpy,
    check_raises,
    dt,
    shapes,
)

M, S = ORACLE, SUBJECT
NAN, INF = float("nan"), float("inf")
# Few distinct values, so ties (stability) and specials (NaN, -0.0, inf) are common.
POOL = [0.0, -0.0, 1.0, -1.0, 2.5, -3.0, INF, -INF, NAN, 7.0]


@st.composite
def tie_inputs(draw, dtypes=ALL_DTYPES, min_dims=0, max_dims=3, max_side=5):
    name = draw(st.sampled_from(tuple(dtypes)))
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    n = int(np.prod(shape))
    if name in FLOATING or name == "complex64":
        pool = POOL if draw(st.booleans()) else POOL[:6]
        vals = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
        if name == "complex64":
            im = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, -1.0]), min_size=n, max_size=n)))
            vals = vals + 1j * im
    else:
        hi = 1 if name == "bool" else 4
        vals = np.array(draw(st.lists(st.integers(0, hi), min_size=n, max_size=n)))
    vals = vals.reshape(shape).astype(NUMPY_HOLDER[name])
    return Input(vals, name, draw(st.sampled_from(LAYOUTS)))


@st.composite
def with_axis(draw, x_strategy):
    x = draw(x_strategy)
    if x.ndim == 0 or draw(st.integers(0, 3)) == 0:
        return x, None
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@given(with_axis(tie_inputs()))
def test_sort_and_argsort_match_mlx(case):
    x, axis = case
    check(lambda m: m.sort(x(m), axis))
    check(lambda m: m.argsort(x(m), axis))
    check(lambda m: m.sort(x(m)) if x.ndim else m.sort(x(m), None))


@given(with_axis(tie_inputs(REAL)))
def test_sort_and_argsort_match_numpy_stable(case):
    x, axis = case
    v = x.values.astype(np.float64) if x.dtype in ("bfloat16", "float16") else x.values
    check_numpy(S.sort(x(S), axis), np.sort(v, axis=axis, kind="stable"))
    check_numpy(S.argsort(x(S), axis), np.argsort(v, axis=axis, kind="stable"))


def test_negative_zero_and_nan_keep_their_bits_and_order():
    vals = np.array([0.0, -0.0, NAN, 3.0, -0.0, -NAN, 0.0, -1.0] * 40, np.float32)
    for dtype in ("float32", "float16", "bfloat16", "float64"):
        x = Input(vals, dtype)
        got = np.array(S.sort(x(S)).astype(S.float32))
        want = np.array(M.sort(x(M)).astype(M.float32))
        num = ~np.isnan(want)  # NaN sign bits are not part of the contract
        assert np.array_equal(np.signbit(got[num]), np.signbit(want[num]))
        assert np.array_equal(np.isnan(got), np.isnan(want))
        check(lambda m: m.sort(x(m)))
        check(lambda m: m.argsort(x(m)))


@pytest.mark.parametrize("n", [100, 300, 70_000, (1 << 20) + 3])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64", "int64", "uint16", "int8",
                                   "float16", "uint64"])
def test_long_rows_radix_sort_matches_numpy(n, dtype):
    rng = np.random.default_rng(n)
    if dtype.startswith("float"):
        x = rng.standard_normal(n).astype(dtype)
        x[rng.integers(0, n, 5)] = np.nan
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    a = S.array(x, dtype=dt(S, dtype))
    np.testing.assert_array_equal(np.array(S.sort(a)), np.sort(x, kind="stable"))
    np.testing.assert_array_equal(np.array(S.argsort(a)), np.argsort(x, kind="stable"))
    ties = S.array(rng.integers(0, 7, n).astype(dtype), dtype=dt(S, dtype))
    np.testing.assert_array_equal(np.array(S.argsort(ties)),
                                  np.argsort(np.array(ties), kind="stable"))


def test_many_rows_and_leading_axis():
    x = np.random.default_rng(5).standard_normal((40, 3000)).astype(np.float32)
    np.testing.assert_array_equal(np.array(S.sort(S.array(x))), np.sort(x, axis=1))
    np.testing.assert_array_equal(np.array(S.argsort(S.array(x), 0)),
                                  np.argsort(x, axis=0, kind="stable"))
    np.testing.assert_array_equal(np.array(S.sort(S.array(x).T, 0)), np.sort(x.T, axis=0))


@given(with_axis(tie_inputs(min_dims=1)), st.data())
def test_partition_and_argpartition_match_mlx_exactly(case, data):
    x, axis = case
    n = x.values.size if axis is None else x.shape[axis]
    if n == 0:
        check(lambda m: m.partition(x(m), 0, axis))
        return
    kth = data.draw(st.integers(-n, n - 1))
    check(lambda m: m.partition(x(m), kth, axis))
    check(lambda m: m.argpartition(x(m), kth, axis))


@given(st.integers(1, 200), st.data())
def test_partition_property_vs_numpy(n, data):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    kth = data.draw(st.integers(0, n - 1))
    got = np.array(S.partition(S.array(x), kth))
    assert got[kth] == np.sort(x)[kth]
    assert np.all(got[:kth] <= got[kth]) and np.all(got[kth + 1:] >= got[kth])
    idx = np.array(S.argpartition(S.array(x), kth))
    np.testing.assert_array_equal(x[idx], got)


def _sorted_topk(lib, x, k, axis):
    return lib.sort(lib.topk(x, k, axis), -1 if axis is not None else None)


@given(with_axis(tie_inputs(min_dims=1)), st.data())
def test_topk_values_match_mlx(case, data):
    x, axis = case
    n = x.values.size if axis is None else x.shape[axis]
    k = data.draw(st.integers(0, n))
    ax = -1 if axis is None else axis
    check(lambda m: m.sort(m.topk(x(m), k, axis), ax))


@pytest.mark.parametrize("shape,k", [((4096, 32000), 32), ((3, 100_000), 5), ((7, 50), 50)])
def test_topk_long_rows_vs_numpy(shape, k):
    if shape[0] * shape[1] > 10**7:
        shape = (64, shape[1])
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x[0, 5] = np.nan
    got = np.sort(np.array(S.topk(S.array(x), k)), axis=1)
    want = np.sort(x, axis=1)[:, shape[1] - k:]
    np.testing.assert_array_equal(got, want)
    # Our order is ascending (the first is the k-th largest), which MLX's contract allows.
    assert np.array_equal(np.array(S.topk(S.array(x), k)), got, equal_nan=True)


def test_selection_errors():
    x = Input(np.array([5, 3, 1, 4, 2, 0, 9]), "int32")
    for bad in (7, -8):
        check_raises(lambda m: m.partition(x(m), bad), ValueError, "[partition]")
        check_raises(lambda m: m.argpartition(x(m), bad), ValueError, "[argpartition]")
    for bad in (8, -1):
        check_raises(lambda m: m.topk(x(m), bad), ValueError, "[topk]")
    for op, args in (("sort", ()), ("argsort", ()), ("partition", (0,)), ("argpartition", (0,)),
                     ("topk", (1,))):
        check_raises(lambda m: getattr(m, op)(x(m), *args, axis=1), IndexError, f"[{op}]")
        check_raises(lambda m: getattr(m, op)(m.array(2.0), *args), IndexError, f"[{op}]")
        check(lambda m: getattr(m, op)(m.array(2.0), *args, axis=None))
        with pytest.raises(TypeError):
            getattr(S, op)([3, 1, 2], *args)
    check_raises(lambda m: m.partition(m.zeros((0,)), 0), ValueError, "[partition]")


# ---------------------------------------------------------------------------------------------
# searchsorted, unique, median, minmax, count_nonzero
# ---------------------------------------------------------------------------------------------


@given(tie_inputs(REAL, min_dims=1, max_dims=1, max_side=8),
       tie_inputs(ALL_DTYPES, max_dims=2), st.sampled_from(["left", "right"]))
def test_searchsorted_matches_mlx(seq, values, side):
    s = Input(np.sort(seq.values.astype(np.float64)).astype(seq.values.dtype), seq.dtype)
    check(lambda m: m.searchsorted(s(m), values(m), side=side))


def test_searchsorted_vs_numpy_and_errors():
    seq = np.sort(np.random.default_rng(0).integers(0, 50, 200)).astype(np.float32)
    vals = np.random.default_rng(1).uniform(-5, 55, (10, 30)).astype(np.float32)
    for side in ("left", "right"):
        check_numpy(S.searchsorted(S.array(seq), S.array(vals), side),
                    np.searchsorted(seq, vals, side).astype(np.uint32))
    nan_seq = Input(np.array([1.0, 2.0, NAN], np.float32), "float32")
    for side in ("left", "right"):
        check(lambda m: m.searchsorted(nan_seq(m), m.array([2.0, NAN, INF]), side=side))
    check_raises(lambda m: m.searchsorted(m.array([1, 2]), m.array([1]), "middle"), ValueError,
                 "[searchsorted]")
    check_raises(lambda m: m.searchsorted(m.array([[1, 2]]), m.array([1])), ValueError,
                 "[searchsorted]")
    check_raises(lambda m: m.searchsorted(m.array(1), m.array([1])), ValueError)
    with pytest.raises(TypeError):
        S.searchsorted(S.array([1, 2]), 2)


UNIQUE_FLAGS = [(i, v, c) for i in (False, True) for v in (False, True) for c in (False, True)]


@given(tie_inputs(max_dims=2), st.integers(0, 8), st.sampled_from(UNIQUE_FLAGS), st.booleans())
def test_unique_matches_mlx(x, size, flags, with_fill):
    fill = 0 if with_fill else None
    if x.values.size == 0 and size > 0 and fill is None:
        check_raises(lambda m: m.unique(x(m), size, *flags), ValueError, "[unique]")
        return
    check(lambda m: m.unique(x(m), size, *flags, fill_value=fill))


def test_unique_documented_example_and_errors():
    a = Input(np.array([2, 1, 2, 3, 1]), "int32")
    vals, index, inverse, counts = S.unique(a(S), 4, True, True, True, fill_value=0)
    assert vals.tolist() == [1, 2, 3, 0] and index.tolist() == [1, 0, 3, 1]
    assert inverse.tolist() == [1, 0, 1, 2, 0] and counts.tolist() == [2, 2, 1, 0]
    check(lambda m: m.unique(a(m), 3, fill_value=2.5))
    check(lambda m: m.unique(a(m), 3, fill_value=m.array(7.5)))
    check(lambda m: m.unique(a(m), 7, return_counts=True, fill_value=m.array([[9]])))
    check_raises(lambda m: m.unique(a(m), -1), ValueError, "[unique]")
    check_raises(lambda m: m.unique(a(m), 3, fill_value=m.array([7, 8])), ValueError, "[unique]")
    check_raises(lambda m: m.unique(m.array([1, 2], m.uint8), 3, fill_value=-1), ValueError)
    check(lambda m: m.unique(m.zeros((2, 0)), 0, True, True, True))


@given(tie_inputs(ALL_DTYPES, min_dims=0, max_dims=3), st.data(), st.booleans())
def test_median_matches_mlx(x, data, keepdims):
    axis = data.draw(st.one_of(
        st.none(),
        st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1) if x.ndim else st.none(),
        st.lists(st.integers(0, max(x.ndim - 1, 0)), min_size=1, max_size=x.ndim, unique=True)
        if x.ndim else st.none(),
    ))
    tol = {"float16": (2e-3, 1e-3), "bfloat16": (1e-2, 1e-2)}
    check(lambda m: m.median(x(m), axis, keepdims), tol=tol)


def test_median_vs_numpy_and_errors():
    x = np.random.default_rng(2).standard_normal((4, 5, 6)).astype(np.float32)
    for axis in (None, 0, -1, (0, 2), [1]):
        check_numpy(S.median(S.array(x), axis), np.median(x, axis=axis), 1e-6, 1e-6)
    check_numpy(S.median(S.array([1, 2, 3, 4])), 2.5)
    check(lambda m: m.median(m.array([60000, 60000, 60001, 60000], m.float16)))
    check(lambda m: m.median(m.array([1.0, NAN, 3.0])))
    a = Input(np.array([[1, 2, 3], [4, 5, 9]]), "int32")
    check_raises(lambda m: m.median(a(m), 2), IndexError, "[median]")
    check_raises(lambda m: m.median(a(m), (0, 0)), ValueError, "[median]")
    check_raises(lambda m: m.median(a(m), ()), ValueError)
    check_raises(lambda m: m.median(m.zeros((2, 0)), 1), ValueError, "[median]")
    check(lambda m: m.median(m.zeros((2, 0)), 0))


@given(tie_inputs(ALL_DTYPES, max_dims=3), st.data(), st.booleans())
def test_minmax_and_count_nonzero_match_mlx(x, data, keepdims):
    axis = data.draw(st.one_of(st.none(), st.integers(-3, 3),
                               st.lists(st.integers(-3, 2), max_size=3)))
    axis = tuple(axis) if isinstance(axis, list) else axis
    check(lambda m: m.minmax(x(m), axis, keepdims))
    check(lambda m: m.count_nonzero(x(m), axis=axis, keepdims=keepdims))
    check(lambda m: m.count_nonzero(x(m), axis))


def test_count_nonzero_vs_numpy():
    x = np.array([[0, 1.5, -0.0], [NAN, 0, 2]], np.float32)
    check_numpy(S.count_nonzero(S.array(x)), np.count_nonzero(x))
    check_numpy(S.count_nonzero(S.array(x), axis=1), np.count_nonzero(x, axis=1))


# ---------------------------------------------------------------------------------------------
# derivatives and vmap
# ---------------------------------------------------------------------------------------------

GRAD_OPS = {
    "sort": lambda m, a: m.sort(a, -1),
    "sort_axis0": lambda m, a: m.sort(a, 0),
    "sort_flat": lambda m, a: m.sort(a, None),
    "partition": lambda m, a: m.partition(a, 2),
    "topk": lambda m, a: m.sort(m.topk(a, 3)),
    "median": lambda m, a: m.median(a, -1),
    "median_all": lambda m, a: m.median(a),
    "unique": lambda m, a: m.unique(a, 12),
    "minmax": lambda m, a: m.minmax(a, 1)[0] * 2 + m.minmax(a, 1)[1],
}
# Distinct values: the derivative is then unique (ties are compared with MLX below).
X = np.array([[3.0, -1.0, 2.5, 0.5, 4.0, 1.5], [0.25, 5.0, -2.0, 1.0, 3.5, -0.5]])


def _weighted(lib, fn, dtype):
    def f(a):
        y = fn(lib, a)
        w = np.cos(np.arange(y.size) + 0.5).reshape(y.shape)
        return lib.sum(y * lib.array(w, dtype=dtype))

    return f


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_grad_matches_finite_differences(name):
    f = _weighted(S, GRAD_OPS[name], S.float64)
    g = np.array(S.grad(f)(S.array(X, dtype=S.float64)))
    eps, fd = 1e-6, np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        p, q = X.copy(), X.copy()
        p[idx] += eps
        q[idx] -= eps
        fd[idx] = (f(S.array(p, dtype=S.float64)).item() - f(S.array(q, dtype=S.float64)).item()) / (
            2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_vjp_and_jvp_match_mlx_with_ties(name):
    x = np.array([[3.0, 1.0, 2.0, 1.0, 5.0, 1.0], [2.0, 2.0, 0.0, 2.0, -1.0, 2.0]], np.float32)
    res = {}
    for lib in (M, S):
        fn = lambda a: GRAD_OPS[name](lib, a)  # noqa: E731
        out = fn(lib.array(x))
        cot = lib.array(np.sin(np.arange(out.size) + 1.0).reshape(out.shape).astype(np.float32))
        _, (g,) = lib.vjp(fn, [lib.array(x)], [cot])
        res[lib] = [np.array(g)]
        if name != "unique":  # MLX 0.32.4: "[scatter] JVP not yet implemented"
            _, (t,) = lib.jvp(fn, [lib.array(x)], [lib.array(np.cos(x))])
            res[lib].append(np.array(t))
    for want, got in zip(res[M], res[S]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_index_outputs_have_zero_derivatives_like_mlx():
    x = Input(np.array([3.0, 1.0, 2.0]), "float32")
    for op, args in (("argsort", ()), ("argpartition", (1,))):
        check(lambda m: m.grad(lambda a: getattr(m, op)(a, *args).astype(m.float32).sum())(x(m)))
        check(lambda m: m.jvp(lambda a: getattr(m, op)(a, *args), [x(m)], [x(m)])[1])
    check(lambda m: m.grad(lambda a: m.searchsorted(a, a).astype(m.float32).sum())(x(m)))


VMAP_OPS = {
    "sort": lambda m, a: m.sort(a),
    "sort_flat": lambda m, a: m.sort(a, None),
    "argsort": lambda m, a: m.argsort(a, 0),
    "partition": lambda m, a: m.partition(a, 1),
    "argpartition": lambda m, a: m.argpartition(a, -1),
    "topk": lambda m, a: m.sort(m.topk(a, 2)),
    "median": lambda m, a: m.median(a, 0),
    "unique": lambda m, a: m.unique(a, 4, True, True, True),
    "searchsorted": lambda m, a: m.searchsorted(m.array([-1.0, 0.0, 0.5, 2.0]), a),
    "count_nonzero": lambda m, a: m.count_nonzero(m.round(a)),
}


@pytest.mark.parametrize("name", sorted(VMAP_OPS))
def test_vmap_matches_a_loop_and_mlx(name):
    x = np.round(np.random.default_rng(6).standard_normal((3, 4, 5)), 1).astype(np.float32)
    fn = VMAP_OPS[name]
    for in_axis in (0, 2):
        got = S.vmap(lambda a: fn(S, a), in_axes=in_axis)(S.array(x))
        got = got if isinstance(got, tuple) else (got,)
        loop = [fn(S, S.array(np.take(x, i, in_axis))) for i in range(x.shape[in_axis])]
        loop = [v if isinstance(v, tuple) else (v,) for v in loop]
        for j, g in enumerate(got):
            np.testing.assert_array_equal(np.array(g), np.stack([np.array(v[j]) for v in loop]))
        check(lambda m: m.vmap(lambda a: fn(m, a), in_axes=in_axis)(m.array(x)))


def test_vmap_over_the_sorted_sequence_raises_like_mlx():
    x = Input(np.sort(np.arange(6.0).reshape(2, 3), axis=1), "float32")
    check_raises(lambda m: m.vmap(lambda s: m.searchsorted(s, m.array([1.0])))(x(m)), ValueError,
                 "[searchsorted]")


@pytest.mark.parametrize("dtype", INTEGER + ("bool",) + FLOATING + ("complex64",))
def test_every_dtype_keeps_its_dtype(dtype):
    x = Input(np.array([[3, 1, 2, 1], [0, 2, 2, 1]]).astype(NUMPY_HOLDER[dtype]), dtype)
    for fn in (lambda m: m.sort(x(m)), lambda m: m.argsort(x(m), 0), lambda m: m.partition(x(m), 1),
               lambda m: m.sort(m.topk(x(m), 2)), lambda m: m.median(x(m), 1),
               lambda m: m.unique(x(m), 5, True, True, True)):
        check(fn)
