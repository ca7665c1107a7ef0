"""Array creation: zeros/ones/full/empty and their *_like forms, arange, linspace, eye,
identity, tri/tril/triu, meshgrid, asarray, and the array constructor from Python scalars,
nested lists/tuples, NumPy arrays of every dtype and other arrays (with dtype=)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    FLOATING,
    INTEGER,
    NUMPY_HOLDER,
    SUBJECT,
    check,
    check_numpy,
    check_raises,
    dt,
    dtype_name,
    inputs,
    sample_values,
    shapes,
)

DTYPE_OR_NONE = [None] + list(ALL_DTYPES)


def _dt(m, name):
    return None if name is None else dt(m, name)


# ---------------------------------------------------------------------------------------------
# zeros / ones / full / empty
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPE_OR_NONE)
@given(shape=shapes(max_dims=4))
def test_zeros_ones_with_shape_and_dtype(dtype, shape):
    check(lambda m: m.zeros(shape, _dt(m, dtype)))
    check(lambda m: m.ones(shape, dtype=_dt(m, dtype)))
    check(lambda m: m.zeros(list(shape)))


def test_zeros_ones_accept_int_shape_and_reject_negative():
    check(lambda m: (m.zeros(3), m.ones(0), m.zeros(()), m.ones([2, 1])))
    check_raises(lambda m: m.zeros((2, -1)), ValueError, "[full]")
    check_raises(lambda m: m.ones(-1), ValueError)


@pytest.mark.parametrize("dtype", DTYPE_OR_NONE)
def test_empty_has_shape_and_dtype(dtype):
    for shape in [(2, 3), 4, (), (0, 2)]:

        def meta(m):
            a = m.empty(shape, dtype=_dt(m, dtype)) if dtype else m.empty(shape)
            return a.shape, a.dtype

        check(meta)


@pytest.mark.parametrize("value", [3, 3.5, True, 1j, -2, 2**40, 0.1, "array"])
def test_full_infers_dtype_from_value(value):
    def run(m):
        v = m.array([1, 2], dtype=m.int8) if value == "array" else value
        return m.full((3, 2), v)

    check(run)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_full_with_dtype(dtype):
    for value in (1, 0, True, 2.5, 7):
        check(lambda m: m.full((2, 2), value, _dt(m, dtype)))
        check(lambda m: m.full(shape=(3,), vals=value, dtype=_dt(m, dtype)))
    check(lambda m: m.full((2, 3), m.array([1.5, 2.5, 3.5]), _dt(m, dtype)))


def test_full_quirks():
    check(lambda m: m.full((2, 2), 3.5, m.int32))  # MLX 0.32.4 keeps float32 here
    check_raises(lambda m: m.full((2,), 300, m.uint8), ValueError)
    check_raises(lambda m: m.full((2, 2), m.array([1, 2, 3])), ValueError, "[broadcast_shapes]")
    check(lambda m: m.full((), 1j))
    check(lambda m: m.full(3, True))


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like"])
@given(x=inputs(dtypes=ALL_DTYPES), target=st.sampled_from(DTYPE_OR_NONE))
def test_like_constructors_copy_shape_and_dtype(fn, x, target):
    if fn == "empty_like":
        check(lambda m: (getattr(m, fn)(x(m)).shape, getattr(m, fn)(x(m), _dt(m, target)).dtype))
    else:
        check(lambda m: getattr(m, fn)(x(m)))
        check(lambda m: getattr(m, fn)(x(m), dtype=_dt(m, target)))


@given(
    x=inputs(dtypes=ALL_DTYPES),
    value=st.sampled_from([0, 1, 2.5, True, -3]),
    target=st.sampled_from(DTYPE_OR_NONE),
)
def test_full_like_value_is_cast_to_dtype(x, value, target):
    if value == -3 and ((target or x.dtype).startswith("uint")):
        return
    check(lambda m: m.full_like(x(m), value))
    check(lambda m: m.full_like(x(m), value, _dt(m, target)))


def test_full_like_with_array_value_and_bad_input():
    check(lambda m: m.full_like(m.ones(2), m.array([1, 2])))
    check(lambda m: m.full_like(m.ones((2, 3), dtype=m.int8), 2.5))
    check_raises(lambda m: m.zeros_like(3.0), TypeError)


# ---------------------------------------------------------------------------------------------
# arange / linspace
# ---------------------------------------------------------------------------------------------

_ints = st.integers(-20, 20)
_floats = st.floats(-20, 20, allow_nan=False, width=32).map(lambda v: round(v, 2))


@given(
    start=st.one_of(_ints, _floats),
    stop=st.one_of(_ints, _floats),
    step=st.one_of(_ints, _floats).filter(lambda s: abs(s) >= 0.25),
)
def test_arange_with_int_and_float_arguments(start, stop, step):
    r = check(lambda m: m.arange(start, stop, step))
    if r is not None and all(isinstance(v, int) for v in (start, stop, step)):
        np.testing.assert_array_equal(r.value, np.arange(start, stop, step))
    check(lambda m: m.arange(start, stop))
    check(lambda m: m.arange(stop))
    check(lambda m: m.arange(start=start, stop=stop, step=step))


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES])
def test_arange_with_dtype(dtype):
    check(lambda m: m.arange(0, 5, dtype=_dt(m, dtype)))
    check(lambda m: m.arange(0, 10, 3, _dt(m, dtype)))
    if not dtype.startswith("uint"):  # a descending range passes through the step's sign
        check(lambda m: m.arange(10, 0, -3, _dt(m, dtype)))
    check(lambda m: m.arange(0.5, 5, dtype=_dt(m, dtype)))
    check(lambda m: m.arange(0, 5, 1.5, _dt(m, dtype)))


def test_arange_forms_and_errors():
    check(lambda m: m.arange(5, step=2))
    check(lambda m: m.arange(0, 1, 0.1))
    check(lambda m: m.arange(10, 0, -3.5))
    check(lambda m: m.arange(2**31, 2**31 + 3))
    check(lambda m: m.arange(5, 1))
    check(lambda m: m.arange(-3))
    check_raises(lambda m: m.arange(1, 5, 0), ValueError, "[arange]")
    check_raises(lambda m: m.arange(True), ValueError)
    check_raises(lambda m: m.arange(1e10), ValueError, "[arange]")
    check_raises(lambda m: m.arange(math.inf), ValueError, "[arange]")
    check_raises(lambda m: m.arange(math.nan), ValueError, "[arange]")


@given(
    start=_floats,
    stop=_floats,
    num=st.integers(0, 20),
    endpoint=st.booleans(),
    dtype=st.sampled_from(["float32", "float16", "float64", "int32", "bfloat16"]),
)
def test_linspace_matches_mlx_and_numpy(start, stop, num, endpoint, dtype):
    r = check(
        lambda m: m.linspace(start, stop, num, endpoint=endpoint, dtype=dt(m, dtype)), 1e-6, 1e-5
    )
    if r is not None and dtype in ("float32", "float64"):
        np.testing.assert_allclose(
            r.value, np.linspace(start, stop, num, endpoint=endpoint), rtol=1e-5, atol=1e-5
        )


def test_linspace_defaults_and_errors():
    check(lambda m: m.linspace(0, 1))
    check(lambda m: m.linspace(0, 1, num=3))
    check(lambda m: m.linspace(5, 1, 3))
    check(lambda m: m.linspace(0, 1, 1, endpoint=False))
    check_raises(lambda m: m.linspace(0, 1, -1), ValueError, "[linspace]")


# ---------------------------------------------------------------------------------------------
# eye / identity / tri / tril / triu
# ---------------------------------------------------------------------------------------------


@given(
    n=st.integers(0, 5),
    mm=st.one_of(st.none(), st.integers(0, 5)),
    k=st.integers(-6, 6),
    dtype=st.sampled_from(DTYPE_OR_NONE),
)
def test_eye_and_tri_with_offsets(n, mm, k, dtype):
    r = check(lambda m: m.eye(n, mm, k, _dt(m, dtype)) if dtype else m.eye(n, mm, k))
    if r is not None:
        np.testing.assert_array_equal(r.value, np.eye(n, mm, k))
    r = check(lambda m: m.tri(n, mm, k, _dt(m, dtype)) if dtype else m.tri(n, mm, k))
    if r is not None:
        np.testing.assert_array_equal(r.value, np.tri(n, mm, k))
    check(lambda m: m.eye(n, m=mm, k=k))
    check(lambda m: m.tri(n, m=mm, k=k, dtype=_dt(m, dtype)))


@pytest.mark.parametrize("dtype", DTYPE_OR_NONE)
def test_identity(dtype):
    for n in (0, 1, 3):
        check(lambda m: m.identity(n, _dt(m, dtype)) if dtype else m.identity(n))


def test_eye_errors():
    check_raises(lambda m: m.eye(-1), ValueError, "[eye]")
    check_raises(lambda m: m.identity(-2), ValueError)


@given(x=inputs(dtypes=ALL_DTYPES, min_dims=2, max_dims=4), k=st.integers(-5, 5))
def test_tril_triu(x, k):
    check(lambda m: m.tril(x(m), k))
    check(lambda m: m.triu(x(m), k=k))
    check(lambda m: m.tril(x(m)))
    if x.dtype in ("int32", "float32", "bool"):
        check_numpy(SUBJECT.tril(x(SUBJECT), k), np.tril(x.values, k))
        check_numpy(SUBJECT.triu(x(SUBJECT), k), np.triu(x.values, k))


def test_tril_triu_require_2d():
    check_raises(lambda m: m.tril(m.ones(3)), ValueError, "[tril]")
    check_raises(lambda m: m.triu(m.ones(3)), ValueError, "[triu]")


# ---------------------------------------------------------------------------------------------
# meshgrid
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_meshgrid_indexing_and_sparse(data):
    n = data.draw(st.integers(1, 3), label="n")
    arrays = [
        data.draw(
            inputs(
                dtypes=("int32", "float32", "int8", "bool"), shape=(data.draw(st.integers(0, 3)),)
            ),
            label=f"x{i}",
        )
        for i in range(n)
    ]
    indexing = data.draw(st.sampled_from(["xy", "ij"]), label="indexing")
    sparse = data.draw(st.booleans(), label="sparse")
    r = check(lambda m: m.meshgrid(*[a(m) for a in arrays], indexing=indexing, sparse=sparse))
    check(lambda m: m.meshgrid(*[a(m) for a in arrays]))
    expected = np.meshgrid(*[a.values for a in arrays], indexing=indexing, sparse=sparse)
    assert len(r.items) == len(expected)
    for got, exp in zip(r.items, expected, strict=True):
        assert got.shape == exp.shape


def test_meshgrid_edge_cases():
    check(lambda m: m.meshgrid())
    check(lambda m: m.meshgrid(m.arange(2)))
    check(lambda m: m.meshgrid(m.zeros((2, 2)), m.arange(3)))
    check_raises(lambda m: m.meshgrid(m.arange(2), indexing="bad"), ValueError, "[meshgrid]")


# ---------------------------------------------------------------------------------------------
# the array constructor and asarray
# ---------------------------------------------------------------------------------------------

SCALARS = [
    True,
    False,
    0,
    1,
    -7,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**62,
    1.5,
    -0.0,
    1e30,
    1e-30,
    math.inf,
    math.nan,
    1j,
    2.5 - 3j,
]


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_array_from_python_scalar(value):
    check(lambda m: m.array(value))
    check(lambda m: m.asarray(value))
    for target in ALL_DTYPES:
        if (
            isinstance(value, float)
            and (math.isinf(value) or math.isnan(value) or abs(value) > 1e4)
            and target in INTEGER + ("bool",)
        ):
            continue  # out-of-range float -> int conversion is undefined behaviour
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and value < 0
            and target in INTEGER[:4]
        ):
            continue
        check(lambda m: m.array(value, dt(m, target)))


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3],
        [True, False],
        [1, 2.5],
        [True, 2],
        [1, 2j],
        [2**31, 1],
        [2**31, 1.5],
        [-(2**63)],
        [1, -(2**63)],
        [2**32],
        [[1, 2], [3, 4]],
        ((1, 2), (3, 4)),
        [(1, 2), [3, 4]],
        [[], []],
        [[]],
        [],
        [[[1.5]]],
        [1, True],
        [[True, 1], [2.5, 0]],
        [1e40],
        [0.1, 0.2, 0.3],
        [[1, 2], [3.0, 4]],
    ],
    ids=repr,
)
def test_array_from_nested_sequences_infers_dtype(values):
    r = check(lambda m: m.array(values))
    check(lambda m: m.asarray(values))
    check(lambda m: m.array(values, m.float16))
    check(lambda m: m.array(values, dtype=m.complex64))
    assert r is not None


def test_array_from_sequences_containing_arrays():
    check(lambda m: m.array([m.array(1), 2.5]))
    check(lambda m: m.array([m.array([1, 2]), m.array([3.0, 4.0])]))
    check(lambda m: m.array([[m.array([1, 2])], [m.array([3, 4])]]))
    check(lambda m: m.array([m.array(1, dtype=m.int8), m.array(2, dtype=m.int8)]))
    check(lambda m: m.array([np.float64(1.5), 2]))


@pytest.mark.parametrize(
    "values",
    [
        [[1], [2, 3]],
        [[1, 2], 3],
        [1, [2]],
        "abc",
        ["a"],
        [None],
        {},
        range(3),
        (x for x in range(3)),
    ],
    ids=repr,
)
def test_array_rejects_ragged_and_non_numeric(values):
    check_raises(lambda m: m.array(values))


def test_array_rejects_none_and_huge_ints():
    check_raises(lambda m: m.array(None), TypeError)
    check_raises(lambda m: m.array(2**63), RuntimeError)
    check_raises(lambda m: m.array([2**64]), RuntimeError)
    check_raises(lambda m: m.array([np.float32(1), np.float32(2)]), ValueError)
    check_raises(lambda m: m.array([np.int64(1)]), ValueError)


def test_array_from_list_with_dtype_wraps_or_truncates():
    check(lambda m: m.array([300], m.uint8))  # wraps, unlike arithmetic with a Python scalar
    check(lambda m: m.array([-1], m.uint8))
    check(lambda m: m.array([1.7, -2.7], dtype=m.int32))
    check(lambda m: m.array([0, 2], m.bool_))
    check(lambda m: m.array(1j, m.float32))
    check(lambda m: m.array(3.7, m.int8))


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != "bfloat16"] + ["float128"])
def test_array_from_numpy_of_every_dtype(dtype):
    if dtype == "float128":
        check_raises(lambda m: m.array(np.array([1.0], np.longdouble)), RuntimeError)
        return
    vals = np.stack([sample_values(dtype)] * 2).astype(NUMPY_HOLDER[dtype])
    r = check(lambda m: m.array(vals))
    expected = {"float64": "float32"}.get(dtype, dtype)  # float64 NumPy arrays become float32
    assert r.dtype == expected
    check(lambda m: m.array(vals, dtype=dt(m, dtype)))
    check(lambda m: m.asarray(vals))
    check(lambda m: m.array(vals[0, 0]))  # NumPy scalar
    check(lambda m: m.array(np.asarray(vals[0, 0])))  # 0-d array
    for target in ("float32", "int64", "bool", "complex64"):
        check(lambda m: m.array(np.abs(vals) if dtype != "bool" else vals, dtype=dt(m, target)))


def test_array_from_complex128_numpy_becomes_complex64():
    check(lambda m: m.array(np.array([1 + 2j, 3j])))


def test_array_from_numpy_layouts():
    base = np.arange(6, dtype=np.int64).reshape(2, 3)
    check(lambda m: m.array(np.asfortranarray(base)))
    check(lambda m: m.array(base.T))
    check(lambda m: m.array(base[:, ::2]))
    check(lambda m: m.array(np.zeros((2, 0))).shape)
    check_raises(lambda m: m.array(np.arange(6)[::-1]), ValueError)  # negative strides are refused


def test_array_from_bytes_is_uint8():
    check(lambda m: m.array(b"ab"))


@given(x=inputs(dtypes=ALL_DTYPES), target=st.sampled_from(DTYPE_OR_NONE))
def test_array_from_array_copies_and_casts(x, target):
    if target is not None and target.startswith("uint") and x.dtype in FLOATING + ("complex64",):
        return  # negative float -> unsigned is undefined behaviour
    check(lambda m: m.array(x(m)))
    check(lambda m: m.array(x(m), _dt(m, target)))
    check(lambda m: m.asarray(x(m), _dt(m, target)))


def test_asarray_copy_argument():
    check(lambda m: m.asarray([1, 2], copy=True))
    check(lambda m: m.asarray(m.ones(2), copy=True))
    check_raises(lambda m: m.asarray(m.ones(2), copy=False), ValueError)


def test_default_float_dtype_is_float32():
    for build in (
        lambda m: m.array(1.0),
        lambda m: m.zeros(2),
        lambda m: m.linspace(0, 1, 3),
        lambda m: m.eye(2),
        lambda m: m.tri(2),
        lambda m: m.arange(1.0),
    ):
        assert dtype_name(build(SUBJECT).dtype) == "float32"
        check(build)


def test_large_arrays_from_numpy_keep_values():
    vals = np.random.default_rng(0).normal(size=(257, 129)).astype(np.float32)
    check_numpy(SUBJECT.array(vals), vals)
    check(lambda m: m.array(vals))
