"""matmul and the @ operator: 1-D/2-D/batched broadcasting, float dtypes, integer and bool
inputs (rejected unless promoted to a float), mismatched shapes, vs MLX and NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    INEXACT,
    SUBJECT,
    Input,
    array_values,
    check,
    check_numpy,
    check_raises,
    layouts,
    make,
)

# Different summation orders round differently; inputs are small so the sums stay small.
MATMUL_TOL = {
    "float32": (1e-5, 1e-5),
    "float64": (1e-12, 1e-12),
    "complex64": (1e-5, 1e-5),
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 2e-2),
}
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _tol(*dtypes):
    tols = [MATMUL_TOL[d] for d in dtypes + ("float32",) if d in MATMUL_TOL]
    return max(t[0] for t in tols), max(t[1] for t in tols)


@st.composite
def matmul_shapes(draw):
    """Operand shapes that matmul accepts: 1-D or N-D with broadcastable batch dims."""
    m, k, n = draw(st.integers(0, 4)), draw(st.integers(0, 5)), draw(st.integers(0, 4))
    a_kind = draw(st.sampled_from(["vector", "matrix", "batched"]))
    b_kind = draw(st.sampled_from(["vector", "matrix", "batched"]))
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    a_batch = [draw(st.sampled_from([1, d])) for d in batch]
    b_batch = [draw(st.sampled_from([1, d])) for d in batch]
    a_batch = a_batch[draw(st.integers(0, len(a_batch))) :]
    a = (k,) if a_kind == "vector" else tuple(a_batch if a_kind == "batched" else []) + (m, k)
    b = (k,) if b_kind == "vector" else tuple(b_batch if b_kind == "batched" else []) + (k, n)
    return a, b


@given(data=st.data())
def test_matmul_shapes_and_values_match_mlx(data):
    sa, sb = data.draw(matmul_shapes(), label="shapes")
    da = data.draw(st.sampled_from(FLOAT_DTYPES + ("complex64",)), label="a_dtype")
    db = data.draw(st.sampled_from(FLOAT_DTYPES), label="b_dtype")
    a = Input(data.draw(array_values(da, sa, "tiny")), da, data.draw(layouts()))
    b = Input(data.draw(array_values(db, sb, "tiny")), db, data.draw(layouts()))
    check(lambda m: m.matmul(a(m), b(m)), *_tol(da, db))
    check(lambda m: a(m) @ b(m), *_tol(da, db))


@given(data=st.data())
def test_matmul_matches_numpy(data):
    sa, sb = data.draw(matmul_shapes(), label="shapes")
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    a = data.draw(array_values(dtype, sa, "small"), label="a")
    b = data.draw(array_values(dtype, sb, "small"), label="b")
    got = SUBJECT.matmul(make(SUBJECT, a, dtype), make(SUBJECT, b, dtype))
    check_numpy(got, np.matmul(a.astype(np.float64), b.astype(np.float64)), 1e-5, 1e-3)


@pytest.mark.parametrize("a_dtype", ALL_DTYPES)
def test_matmul_dtype_rules_for_every_pair(a_dtype):
    for b_dtype in ALL_DTYPES:
        a = Input(np.arange(6).reshape(2, 3) % 3, a_dtype)
        b = Input(np.arange(12).reshape(3, 4) % 2, b_dtype)
        check(lambda m: m.matmul(a(m), b(m)), *_tol(a_dtype, b_dtype))


def test_integer_and_bool_matmul_is_rejected():
    check_raises(
        lambda m: m.matmul(m.ones((2, 3), dtype=m.int32), m.ones((3, 4), dtype=m.int32)),
        ValueError,
        "[matmul]",
    )
    check_raises(
        lambda m: m.ones((2, 3), dtype=m.bool_) @ m.ones((3, 4), dtype=m.bool_),
        ValueError,
        "[matmul]",
    )
    check_raises(lambda m: m.array([1, 2]) @ m.array([3, 4]), ValueError, "[matmul]")


def test_integer_with_float_matmul_promotes():
    check(lambda m: m.matmul(m.ones((2, 3), dtype=m.int32), m.ones((3, 4))))
    check(lambda m: m.matmul(m.ones((2, 3), dtype=m.uint8), m.ones((3, 2), dtype=m.float16)))
    check(lambda m: m.matmul(m.ones((2, 3), dtype=m.bfloat16), m.ones((3, 4), dtype=m.float16)))


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((2, 3), (4, 5)),
        ((3,), (4,)),
        ((2, 2, 3), (3, 3, 4)),
        ((), (3,)),
        ((3,), ()),
        ((2, 3), (2,)),
    ],
)
def test_matmul_mismatched_shapes_raise(sa, sb):
    check_raises(lambda m: m.matmul(m.ones(sa), m.ones(sb)), ValueError)
    check_raises(lambda m: m.ones(sa) @ m.ones(sb), ValueError)


def test_matmul_rejects_non_arrays():
    check_raises(lambda m: m.matmul(m.ones((2, 3)), 2.0), TypeError)
    check_raises(lambda m: m.ones((2, 3)) @ np.ones((3,)), TypeError)
    check_raises(lambda m: m.ones((2, 3)) @ [[1], [2], [3]], TypeError)


def test_matmul_with_empty_dimensions():
    check(lambda m: m.matmul(m.ones((0, 3)), m.ones((3, 4))))
    check(lambda m: m.matmul(m.ones((2, 0)), m.ones((0, 4))))  # k == 0 gives zeros
    check(lambda m: m.matmul(m.ones((2, 3, 0)), m.ones((0, 1))))


def test_vector_vector_gives_scalar_and_vector_matrix_drops_axis():
    check(lambda m: m.matmul(m.array([1.0, 2.0, 3.0]), m.array([4.0, 5.0, 6.0])))
    check(lambda m: m.matmul(m.ones((2, 3)), m.array([1.0, 2.0, 3.0])))
    check(lambda m: m.matmul(m.array([1.0, 2.0]), m.ones((2, 4))))
    check(lambda m: m.matmul(m.array([1.0, 2.0]), m.ones((5, 2, 4))))


def test_matmul_batch_broadcasting():
    a = Input(np.arange(2 * 3, dtype=np.float32).reshape(1, 2, 3) / 7, "float32")
    b = Input(np.arange(4 * 3 * 2, dtype=np.float32).reshape(4, 3, 2) / 5, "float32")
    check(lambda m: m.matmul(a(m), b(m)), *_tol("float32"))
    c = Input(np.ones((5, 1, 2, 3), np.float32), "float32")
    d = Input(np.ones((6, 3, 4), np.float32), "float32")
    check(lambda m: m.matmul(c(m), d(m)))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ("complex64",))
def test_matmul_on_transposed_and_sliced_operands(dtype):
    rng = np.random.default_rng(3)
    vals = rng.integers(-3, 4, size=(6, 6)).astype(np.float32)
    for la in ("contiguous", "transposed", "strided", "reversed"):
        for lb in ("contiguous", "transposed", "strided", "reversed"):
            a = Input(vals, dtype, la)
            b = Input(vals[::-1].copy(), dtype, lb)
            check(lambda m: m.matmul(a(m), b(m)), *_tol(dtype))


def test_large_matmul_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 65, 33)).astype(np.float32)
    b = rng.normal(size=(33, 47)).astype(np.float32)
    got = check(lambda m: m.matmul(m.array(a), m.array(b)), 1e-4, 1e-4)
    np.testing.assert_allclose(
        got.value, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-4, atol=1e-4
    )


def test_inplace_matmul():
    def run(m):
        a = m.array([[1.0, 2.0], [3.0, 4.0]])
        a @= m.array([[0.0, 1.0], [1.0, 0.0]])
        return a

    check(run)


@pytest.mark.parametrize("dtype", [d for d in INEXACT])
def test_matmul_result_dtype_is_promoted_input_dtype(dtype):
    a = Input(np.ones((2, 2)), dtype)
    r = check(lambda m: a(m) @ a(m))
    assert r.dtype == dtype
