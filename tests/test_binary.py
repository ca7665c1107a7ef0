"""Binary and ternary elementwise ops: every op of op_db.BINARY_OPS over all dtype pairs,
broadcasting, weak Python scalars, NumPy references, the array operators (plain, reflected,
in-place), and where / clip / isclose / allclose / array_equal / divmod specifics."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import (
    ALL_DTYPES,
    FLOATING,
    INEXACT,
    INTEGER,
    ORACLE,
    SPECIAL_FLOATS,
    SUBJECT,
    Input,
    array_values,
    broadcastable_shapes,
    call,
    check,
    check_numpy,
    check_raises,
    dtype_name,
    inputs,
    layouts,
    make,
    sample_values,
)
from op_db import BINARY_OPERATORS, BINARY_OPS, BY_NAME, INPLACE_OPERATORS, REFLECTED_OPERATORS

OPS = [pytest.param(op, id=op.name) for op in BINARY_OPS]


def _pair(op, a_dtype, b_dtype):
    """Every value of a's sample against every value of b's, by broadcasting (n,1) with (1,k)."""
    a = Input(sample_values(a_dtype, op.domain(0))[:, None], a_dtype)
    b = Input(sample_values(b_dtype, op.domain(1))[None, :], b_dtype)
    return a, b


@pytest.mark.parametrize("a_dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_binary_op_promotion_and_values_for_every_dtype_pair(op, a_dtype):
    for b_dtype in ALL_DTYPES:
        a, b = _pair(op, a_dtype, b_dtype)
        check(lambda m: getattr(m, op.name)(a(m), b(m)), tol=op.tol)
    a, b = _pair(op, a_dtype, a_dtype)
    _, exc = call(ORACLE, lambda m: getattr(m, op.name)(a(m), b(m)))
    if a_dtype in op.dtypes:
        assert exc is None, f"op_db says {op.name} accepts {a_dtype}, MLX raised {exc!r}"
    else:
        assert type(exc) is op.error, f"op_db says {op.name} rejects {a_dtype}, MLX gave {exc!r}"


@st.composite
def operand_pair(draw, op):
    sa, sb = draw(broadcastable_shapes(2, max_dims=3))
    da = draw(st.sampled_from(op.dtypes), label="a_dtype")
    db = draw(st.sampled_from(op.dtypes), label="b_dtype")
    a = Input(draw(array_values(da, sa, op.domain(0))), da, draw(layouts()))
    b = Input(draw(array_values(db, sb, op.domain(1))), db, draw(layouts()))
    return a, b


@pytest.mark.parametrize("op", OPS)
@given(data=st.data())
def test_binary_op_matches_mlx_with_broadcasting(op, data):
    a, b = data.draw(operand_pair(op), label="operands")
    check(lambda m: getattr(m, op.name)(a(m), b(m)), tol=op.tol)


@pytest.mark.parametrize("dtype", FLOATING)
@pytest.mark.parametrize("op", OPS)
def test_binary_op_on_nan_inf_and_signed_zero(op, dtype):
    if dtype not in op.dtypes:
        pytest.skip(f"{op.name} rejects {dtype}")
    a = Input(SPECIAL_FLOATS[:, None], dtype)
    b = Input(SPECIAL_FLOATS[None, :], dtype)
    check(lambda m: getattr(m, op.name)(a(m), b(m)), tol=op.tol)


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].numpy is not None])
@given(data=st.data())
def test_binary_op_matches_numpy(op, data):
    dtype = data.draw(
        st.sampled_from([d for d in op.numpy_dtypes if d in op.dtypes]), label="dtype"
    )
    sa, sb = data.draw(broadcastable_shapes(2, max_dims=3), label="shapes")
    a = data.draw(array_values(dtype, sa, op.domain(0)), label="a")
    b = data.draw(array_values(dtype, sb, op.domain(1)), label="b")
    got = getattr(SUBJECT, op.name)(make(SUBJECT, a, dtype), make(SUBJECT, b, dtype))
    if isinstance(got, (list, tuple)):
        got = SUBJECT.stack(list(got))
    result_dtype = dtype_name(got.dtype)
    if result_dtype in ("float32", "float64") and dtype in INTEGER:
        a, b = a.astype(result_dtype), b.astype(result_dtype)  # MLX casts ints up front
    with np.errstate(all="ignore"):
        expected = np.asarray(op.numpy(a, b))
    if result_dtype in INEXACT:
        expected = expected.astype(np.float64)
    check_numpy(got, expected, tol=op.tol)


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].aliases])
def test_binary_alias_equals_function(op):
    a, b = _pair(op, "int32", "int32")
    for alias in op.aliases:
        assert hasattr(SUBJECT, alias)
        check(lambda m: getattr(m, alias)(a(m), b(m)))


# ---------------------------------------------------------------------------------------------
# Python scalars (weak typing): the array's dtype wins unless the scalar's kind is "higher"
# ---------------------------------------------------------------------------------------------

SCALARS = [
    True,
    False,
    0,
    1,
    3,
    -1,
    127,
    300,
    -129,
    70000,
    2**31,
    2**40,
    -(2**40),
    0.5,
    -2.5,
    1e10,
    math.inf,
    math.nan,
    1j,
    2.5 - 1j,
]


def _scalars_for(op):
    if op.name in ("left_shift", "right_shift"):
        return [True, 0, 1, 3, 7, 0.5]  # larger shifts are undefined behaviour in C++
    if op.name in ("divide", "floor_divide", "remainder", "divmod"):
        # no zero divisors: integer division by zero is undefined (MLX's divmod dies of
        # SIGFPE); 2**40 counts, as int32 arrays wrap it to 0
        return [s for s in SCALARS if s not in (0, False, 2**40, -(2**40))]
    if op.name == "power":
        return [True, False, 0, 1, 2, 3, 0.5, -2.5, math.nan, 1j]
    return SCALARS


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_binary_op_with_python_scalar_on_either_side(op, dtype):
    a = Input(sample_values(dtype, op.domain(0)), dtype)
    b = Input(sample_values(dtype, op.domain(1)), dtype)  # the array is now the right operand
    if op.name == "power" and dtype in INTEGER:
        a = b = Input(sample_values(dtype, "tiny"), dtype)
    for s in _scalars_for(op):
        check(lambda m: getattr(m, op.name)(a(m), s), tol=op.tol)
        check(lambda m: getattr(m, op.name)(s, b(m)), tol=op.tol)


@pytest.mark.parametrize("op", OPS)
def test_binary_op_of_two_python_scalars(op):
    for x, y in [(1, 2), (3, 2.0), (True, 2), (True, False), (2.5, 1j), (7, -2)]:
        if y == 0 and op.name in ("divide", "floor_divide", "remainder", "divmod"):
            continue
        check(lambda m: getattr(m, op.name)(x, y), tol=op.tol)


def test_weak_scalar_promotion_examples():
    # int32 array + 1.5 -> float32, float16 array + 1.5 stays float16, bool array + 1 -> int32
    assert check(lambda m: m.array([1, 2]) + 1.5).dtype == "float32"
    assert check(lambda m: m.array([1, 2], dtype=m.float16) + 1.5).dtype == "float16"
    assert check(lambda m: m.array([1, 2], dtype=m.bfloat16) * 2).dtype == "bfloat16"
    assert check(lambda m: m.array([True]) + 1).dtype == "int32"
    assert check(lambda m: m.array([True]) + True).dtype == "bool"
    assert check(lambda m: m.array([1], dtype=m.uint8) + 2).dtype == "uint8"
    assert check(lambda m: m.array([1], dtype=m.int8) * 2.0).dtype == "float32"
    assert check(lambda m: m.array([1], dtype=m.float64) + 1j).dtype == "complex64"


def test_scalar_that_does_not_fit_small_integer_array_raises():
    check_raises(lambda m: m.array([1, 2], dtype=m.uint8) + 300, ValueError)
    check_raises(lambda m: m.array([1, 2], dtype=m.uint8) - (-1), ValueError)
    check_raises(lambda m: m.array([1, 2], dtype=m.int8) * 1000, ValueError)
    check_raises(lambda m: m.array([1, 2], dtype=m.uint32) + (-1), ValueError)
    check_raises(lambda m: m.maximum(m.array([1], dtype=m.uint8), -1), ValueError)


def test_out_of_range_python_int_with_bool_and_wide_arrays():
    # A bool array takes a Python int as int32 without a range check (2**40 wraps to 0),
    # while an int32 array refuses it and a uint64 array wraps -1.
    check(lambda m: m.array([True, False]) + 2**40)
    check(lambda m: m.array([True, False]) * 3000000000)
    check_raises(lambda m: m.array([1, 2]) + 2**40, ValueError)
    check(lambda m: m.array([1, 2], dtype=m.int64) + 2**40)
    check(lambda m: m.array([1, 2], dtype=m.uint64) + (-1))


def test_python_int_beyond_int64_raises_runtime_error():
    check_raises(lambda m: m.array([1, 2]) + 2**63, RuntimeError)
    check_raises(lambda m: m.add(2**64, 1), RuntimeError)


def test_numpy_operands_behave_like_weak_scalars():
    # A NumPy array operand does not widen the MLX array's dtype.
    check(lambda m: m.array([1], dtype=m.int8) + np.array([1], np.int64))
    check(lambda m: m.array([1], dtype=m.float16) + np.array([1.5]))
    check(lambda m: m.add(m.array([1], dtype=m.float16), np.float64(1.5)))
    check(lambda m: m.add(np.float32(1.5), m.array([1], dtype=m.float16)))
    check(lambda m: m.add(np.array([1, 2]), 1))


def test_binary_op_rejects_lists():
    check_raises(lambda m: m.add([1, 2], [3, 4]), ValueError)
    check_raises(lambda m: m.multiply(m.array([1]), "x"))


@pytest.mark.parametrize("op", ["add", "multiply", "maximum", "equal", "logical_and", "bitwise_or"])
def test_binary_op_incompatible_shapes_raise(op):
    check_raises(
        lambda m: getattr(m, op)(m.zeros((2, 3), dtype=m.int32), m.zeros((3, 2), dtype=m.int32)),
        ValueError,
        "[broadcast_shapes]",
    )
    check_raises(
        lambda m: getattr(m, op)(m.zeros((2,), dtype=m.int32), m.zeros((0,), dtype=m.int32)),
        ValueError,
    )


@given(shapes=broadcastable_shapes(2, max_dims=4))
def test_broadcast_result_shape_matches_numpy(shapes):
    sa, sb = shapes
    r = check(lambda m: m.add(m.zeros(sa, dtype=m.int8), m.ones(sb, dtype=m.int8)))
    assert r.shape == np.broadcast_shapes(sa, sb)


# ---------------------------------------------------------------------------------------------
# arithmetic rules
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "float32", "float64", "float16"])
def test_floor_divide_and_remainder_follow_python_sign_rules(dtype):
    a = Input(np.array([-7, 7, -7, 7, 0, 6, -6])[:, None], dtype)
    b = Input(np.array([2, -2, 3, -3, 1])[None, :], dtype)
    q = check(lambda m: m.floor_divide(a(m), b(m)))
    r = check(lambda m: m.remainder(a(m), b(m)))
    av, bv = a.values.astype(np.int64), b.values.astype(np.int64)
    np.testing.assert_array_equal(q.value, av // bv)
    np.testing.assert_array_equal(r.value, av % bv)
    check(lambda m: a(m) // b(m))
    check(lambda m: a(m) % b(m))
    check(lambda m: m.divmod(a(m), b(m)))


def test_float_remainder_matches_numpy_including_specials():
    a = np.array([5.5, -5.5, 5.5, -5.5, 1.0, -1.0, 0.0, -0.0], np.float32)
    b = np.array([2.0, 2.0, -2.0, -2.0, np.inf, np.inf, 3.0, 3.0], np.float32)
    r = check(lambda m: m.remainder(m.array(a), m.array(b)))
    np.testing.assert_array_equal(r.value, np.remainder(a, b))


def test_divmod_returns_pair_of_quotient_and_remainder():
    a = Input(np.array([7, -7, 9]), "int32")
    r = check(lambda m: m.divmod(a(m), 2))
    assert r.kind in ("list", "tuple") and len(r.items) == 2
    check(lambda m: m.divmod(a(m).astype(m.float32), -2.5))
    check(lambda m: m.divmod(m.array([1 + 1j]), m.array([1j])))


def test_divmod_builtin_is_not_supported_on_arrays():
    check_raises(lambda m: divmod(m.array([7]), 3), TypeError)


def test_integer_divide_gives_float32():
    r = check(lambda m: m.array([1, 2, 3], dtype=m.int64) / m.array([2], dtype=m.int64))
    assert r.dtype == "float32"


def test_unsigned_arithmetic_wraps():
    check(lambda m: m.array([255], dtype=m.uint8) + m.array([1], dtype=m.uint8))
    check(lambda m: m.array([1, 2], dtype=m.uint8) - 3)
    check(lambda m: m.array([2**32 - 1], dtype=m.uint32) * m.array([2], dtype=m.uint32))


def test_bool_arithmetic_stays_bool():
    t = Input(np.array([True, False, True]), "bool")
    u = Input(np.array([True, True, False]), "bool")
    for fn in ("add", "subtract", "multiply", "maximum", "minimum", "floor_divide", "power"):
        assert check(lambda m: getattr(m, fn)(t(m), u(m))).dtype == "bool"


def test_shift_of_bool_promotes_to_uint8():
    t = Input(np.array([True, False]), "bool")
    assert check(lambda m: m.left_shift(t(m), t(m))).dtype == "uint8"
    assert check(lambda m: m.right_shift(t(m), t(m))).dtype == "uint8"


def test_shift_with_mixed_signedness_promotes():
    check(lambda m: m.right_shift(m.array([1, 2], dtype=m.uint8), m.array([1], dtype=m.int8)))
    check(lambda m: m.left_shift(m.array([1, 2], dtype=m.uint16), m.array([3], dtype=m.int64)))


def test_integer_power():
    check(lambda m: m.power(m.array([2, -2, 0, 3]), m.array([10, 3, 0, 0])))
    check(lambda m: m.power(m.array([3], dtype=m.uint8), m.array([5], dtype=m.uint8)))  # wraps
    check(lambda m: m.array([4, 5]) ** 0.5)
    check(lambda m: 2 ** m.array([1, 2]))
    check(lambda m: 2.0 ** m.array([1, 2]))


def test_float_power_specials():
    check(
        lambda m: m.power(
            m.array([0.0, -8.0, 2.0, -2.0, 1.0, np.nan]),
            m.array([0.0, 1 / 3, np.inf, 0.5, np.nan, 0.0]),
        )
    )


def test_maximum_minimum_propagate_nan():
    a = Input(np.array([1.0, np.nan, np.nan, -0.0]), "float32")
    b = Input(np.array([np.nan, 2.0, np.nan, 0.0]), "float32")
    check(lambda m: m.maximum(a(m), b(m)))
    check(lambda m: m.minimum(a(m), b(m)))


def test_complex_ordering_is_lexicographic():
    a = Input(np.array([1 + 1j, 1 + 2j, 2 + 0j, 1 + 1j], np.complex64), "complex64")
    b = Input(np.array([1 + 2j, 1 + 1j, 1 + 5j, 1 + 1j], np.complex64), "complex64")
    for fn in ("less", "less_equal", "greater", "greater_equal", "maximum", "minimum", "equal"):
        check(lambda m: getattr(m, fn)(a(m), b(m)))


def test_logaddexp_infinities_and_nan():
    a = Input(np.array([-np.inf, np.inf, 1.0, -np.inf, 1e30]), "float32")
    b = Input(np.array([-np.inf, np.inf, np.nan, 3.0, 1e30]), "float32")
    check(lambda m: m.logaddexp(a(m), b(m)))


def test_arctan2_signed_zero_quadrants():
    y = Input(np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0]), "float32")
    x = Input(np.array([0.0, 0.0, -0.0, -0.0, -np.inf, -np.inf]), "float32")
    r = check(lambda m: m.arctan2(y(m), x(m)))
    np.testing.assert_allclose(r.value, np.arctan2(y.values, x.values), rtol=1e-6)


def test_logical_ops_on_numbers_use_truthiness():
    a = Input(np.array([0, 1, -2, 0]), "int32")
    b = Input(np.array([0.0, 0.0, 0.5, np.nan]), "float32")
    for fn in ("logical_and", "logical_or", "logical_xor"):
        check(lambda m: getattr(m, fn)(a(m), b(m)))
    check(lambda m: m.logical_xor(1, 0))


def test_bitwise_ops_on_floats_raise():
    check_raises(
        lambda m: m.bitwise_and(m.array([1.0]), m.array([1.0])), RuntimeError, "[bitwise_and]"
    )
    check_raises(lambda m: m.array([3]) & 1.0, ValueError)
    check_raises(lambda m: m.array([3.0]) | 1, ValueError)
    check_raises(lambda m: m.left_shift(m.array([1]), m.array([1.5])), RuntimeError, "[left_shift]")


# ---------------------------------------------------------------------------------------------
# operators
# ---------------------------------------------------------------------------------------------

OPERATOR_DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "complex64"]


@pytest.mark.parametrize("dunder", sorted(BINARY_OPERATORS))
@pytest.mark.parametrize("dtype", OPERATOR_DTYPES)
def test_binary_operator_equals_function(dunder, dtype):
    op = BY_NAME[BINARY_OPERATORS[dunder]]
    a, b = _pair(op, dtype, dtype)
    if op.name == "power" and dtype in INTEGER:
        a = Input(sample_values(dtype, "tiny")[:, None], dtype)
    check(lambda m: getattr(a(m), dunder)(b(m)), tol=op.tol)
    if dtype not in op.rejected:  # the operator and the function agree within one library
        check(
            lambda m: m.array_equal(
                getattr(a(m), dunder)(b(m)), getattr(m, op.name)(a(m), b(m)), equal_nan=True
            )
        )
    for s in (2, 0.5, True):
        check(lambda m: getattr(a(m), dunder)(s), tol=op.tol)


@pytest.mark.parametrize("dunder", sorted(REFLECTED_OPERATORS))
@pytest.mark.parametrize("dtype", OPERATOR_DTYPES)
def test_reflected_operator_with_scalar_on_left(dunder, dtype):
    op = BY_NAME[REFLECTED_OPERATORS[dunder]]
    a = Input(sample_values(dtype, op.domain(1)), dtype)
    if op.name == "power" and dtype in INTEGER:
        a = Input(sample_values(dtype, "tiny"), dtype)
    symbol = {
        "add": "+",
        "subtract": "-",
        "multiply": "*",
        "divide": "/",
        "floor_divide": "//",
        "remainder": "%",
        "power": "**",
    }[op.name]
    for s in (2, 0.5, True, 3 - 1j):
        check(lambda m: eval(f"s {symbol} x", {"s": s, "x": a(m)}), tol=op.tol)
        check(lambda m: getattr(a(m), dunder)(s), tol=op.tol)


def test_shift_and_bitwise_operators_have_no_reflected_form_for_python_ints():
    check_raises(lambda m: 1 << m.array([1, 2]), TypeError)
    check_raises(lambda m: 1 >> m.array([1, 2]), TypeError)


@pytest.mark.parametrize("dunder", sorted(INPLACE_OPERATORS))
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32", "bool"])
def test_inplace_operator_updates_the_same_object(dunder, dtype):
    op = BY_NAME[INPLACE_OPERATORS[dunder]]
    values = sample_values(dtype, op.domain(0))
    other = sample_values(dtype, op.domain(1))[:1]
    if op.name == "power" and dtype in INTEGER:
        values = sample_values(dtype, "tiny")

    def inplace(m):
        a = make(m, values, dtype)
        alias = a
        out = getattr(a, dunder)(make(m, other, dtype))
        return out, alias, out is alias

    r = check(inplace, tol=op.tol)
    if r is not None:
        assert r.items[2].value is True, "in-place operator must return the same array object"


def test_inplace_add_visible_through_other_references_but_not_earlier_results():
    def run(m):
        a = m.array([1, 2, 3])
        alias = a
        before = a * 1
        view = a[1:]
        a += 10
        return a, alias, before, view

    check(run)


def test_inplace_operator_can_change_dtype():
    def run(m):
        a = m.array([1, 2])
        alias = a
        a += 1.5
        return a, alias

    r = check(run)
    assert r.items[1].dtype == "float32"


def test_inplace_operator_with_out_of_range_scalar_raises():
    def run(m):
        a = m.array([1, 2], dtype=m.uint8)
        a += 300
        return a

    check_raises(run, ValueError)


def test_matmul_operator_and_inplace_matmul():
    def run(m):
        a = m.array([[1.0, 2.0], [3.0, 4.0]])
        alias = a
        a @= m.array([[1.0, 0.0], [0.0, 2.0]])
        return a, alias, a @ a

    check(run)


def test_comparison_operators_with_scalars_and_reflection():
    a = Input(np.array([1, 2, 3]), "int32")
    check(lambda m: a(m) < 1.5)
    check(lambda m: 1.5 > a(m))
    check(lambda m: 2 == a(m))
    check(lambda m: a(m) != 2.0)
    check(lambda m: a(m) >= True)


# ---------------------------------------------------------------------------------------------
# ternary and closeness ops
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_where_promotes_and_broadcasts_like_mlx(data):
    sc, sx, sy = data.draw(broadcastable_shapes(3, max_dims=3), label="shapes")
    dc = data.draw(st.sampled_from(["bool", "int32", "float32"]), label="cond_dtype")
    dx = data.draw(st.sampled_from(ALL_DTYPES), label="x_dtype")
    dy = data.draw(st.sampled_from(ALL_DTYPES), label="y_dtype")
    c = Input(data.draw(array_values(dc, sc, "tiny")), dc, data.draw(layouts()))
    x = Input(data.draw(array_values(dx, sx, "small")), dx, data.draw(layouts()))
    y = Input(data.draw(array_values(dy, sy, "small")), dy, data.draw(layouts()))
    check(lambda m: m.where(c(m), x(m), y(m)))


def test_where_with_scalars():
    c = Input(np.array([True, False, True]), "bool")
    check(lambda m: m.where(c(m), 1, 2))
    check(lambda m: m.where(c(m), 1, 2.5))
    check(lambda m: m.where(c(m), m.array([1], dtype=m.int8), 2))
    check(lambda m: m.where(True, m.array([1], dtype=m.int8), m.array([2.5], dtype=m.float16)))
    check(lambda m: m.where(m.array([1.5, 0.0]), 1, 0))
    check(lambda m: m.where(c(m), 1j, 0))


def test_where_matches_numpy():
    c = np.array([[True, False], [False, True]])
    x = np.arange(4, dtype=np.float32).reshape(2, 2)
    r = check(lambda m: m.where(m.array(c), m.array(x), -1.0))
    np.testing.assert_array_equal(r.value, np.where(c, x, -1.0))


def test_where_shape_mismatch_raises():
    check_raises(lambda m: m.where(m.zeros(2), m.zeros(3), 1), ValueError, "[broadcast_shapes]")


@given(
    x=inputs(
        dtypes=("int8", "uint8", "int32", "float16", "float32", "float64", "bfloat16"),
        domain="small",
    ),
    lo=st.one_of(st.none(), st.integers(-5, 0), st.floats(-5, 0)),
    hi=st.one_of(st.none(), st.integers(1, 5), st.floats(1, 5)),
)
def test_clip_with_scalar_bounds(x, lo, hi):
    check(lambda m: m.clip(x(m), lo, hi))
    if lo is not None or hi is not None:
        check(lambda m: m.clip(x(m), a_min=lo, a_max=hi))


def test_clip_with_array_bounds_broadcasts_and_promotes():
    x = Input(np.arange(-5, 7).reshape(3, 4), "int32")
    lo = Input(np.array([-1, 0, 1, 2]), "int8")
    hi = Input(np.array([[2.5], [3.5], [4.5]]), "float32")
    check(lambda m: m.clip(x(m), lo(m), hi(m)))
    check(lambda m: m.clip(x(m), lo(m), None))
    check(lambda m: m.clip(m.array([1, 2], dtype=m.int8), m.array(1.5), 3))


def test_clip_errors():
    check_raises(lambda m: m.clip(m.array([1, 5]), None, None), ValueError)
    check_raises(lambda m: m.clip(m.array([1, 2], dtype=m.uint8), -1, 1), ValueError)
    check_raises(lambda m: m.clip(m.zeros(2), m.zeros(3), 1), ValueError, "[broadcast_shapes]")


def test_clip_with_nan():
    check(lambda m: m.clip(m.array([np.nan, 1.0, 10.0]), 0.0, 5.0))


@given(data=st.data())
def test_isclose_matches_mlx_and_numpy(data):
    dtype = data.draw(
        st.sampled_from(["float32", "float64", "float16", "int32", "bfloat16"]), label="dtype"
    )
    sa, sb = data.draw(broadcastable_shapes(2, max_dims=3), label="shapes")
    a = data.draw(array_values(dtype, sa, "small"), label="a")
    b = data.draw(array_values(dtype, sb, "small"), label="b")
    rtol = data.draw(st.sampled_from([1e-5, 1e-2, 0.0, 0.5]), label="rtol")
    atol = data.draw(st.sampled_from([1e-8, 1e-1, 0.0, 2.0]), label="atol")
    equal_nan = data.draw(st.booleans(), label="equal_nan")
    r = check(
        lambda m: m.isclose(make(m, a, dtype), make(m, b, dtype), rtol, atol, equal_nan=equal_nan)
    )
    if dtype in ("float32", "float64", "int32"):
        np.testing.assert_array_equal(r.value, np.isclose(a, b, rtol, atol, equal_nan=equal_nan))
    check(
        lambda m: m.allclose(
            make(m, a, dtype), make(m, b, dtype), rtol=rtol, atol=atol, equal_nan=equal_nan
        )
    )


def test_isclose_nan_and_inf_handling():
    a = Input(np.array([np.nan, np.inf, -np.inf, np.inf, 1.0]), "float32")
    b = Input(np.array([np.nan, np.inf, -np.inf, -np.inf, np.nan]), "float32")
    for equal_nan in (False, True):
        check(lambda m: m.isclose(a(m), b(m), equal_nan=equal_nan))
        check(lambda m: m.allclose(a(m), b(m), equal_nan=equal_nan))


def test_isclose_on_integers_and_complex():
    check(lambda m: m.isclose(m.array([1, 2]), m.array([1, 3])))
    check(lambda m: m.isclose(m.array([1 + 1j]), m.array([1 + 1.000001j])))
    check(lambda m: m.allclose(m.array([1, 2]), m.array([1.0, 2.0000001])))


def test_allclose_requires_arrays_and_returns_scalar_bool_array():
    r = check(lambda m: m.allclose(m.array([1.0, 2.0]), m.array([1.0, 2.0])))
    assert r.shape == () and r.dtype == "bool"
    check_raises(lambda m: m.allclose(1.0, 1.0), TypeError)
    check_raises(lambda m: m.allclose(m.zeros(2), m.zeros(3)), ValueError, "[broadcast_shapes]")


def test_array_equal_shapes_dtypes_and_nan():
    check(lambda m: m.array_equal(m.array([1, 2]), m.array([1.0, 2.0])))
    check(lambda m: m.array_equal(m.zeros(2), m.zeros(3)))
    check(lambda m: m.array_equal(m.zeros((2, 1)), m.zeros((2,))))
    check(lambda m: m.array_equal(1, 1.0))
    check(lambda m: m.array_equal(m.array([np.nan]), m.array([np.nan])))
    check(lambda m: m.array_equal(m.array([np.nan]), m.array([np.nan]), equal_nan=True))
    check(lambda m: m.array_equal(m.array([np.nan, 1]), m.array([np.nan, 2]), True))
    check(lambda m: m.array_equal(m.zeros((0,)), m.zeros((0,), dtype=m.int32)))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_python_scalar_next_to_one_element_arrays(dtype):
    # The scalar is made in the array's one-element shape (no Broadcast node): values,
    # dtypes and shapes must stay MLX's, whichever side and form, and cached scalars
    # must never be changed by in-place updates of results.
    for shape in [(1,), (1, 1), (1, 1, 1)]:
        x = Input(np.ones(shape) * 3, dtype)
        check(lambda m: x(m) + 1)
        check(lambda m: 2 - x(m))
        check(lambda m: m.multiply(x(m), 2))
        check(lambda m: m.maximum(1, x(m)))
        if dtype not in ("bool", "complex64"):
            check(lambda m: x(m) * 1.5 + 1)

    def in_place(m):
        y = m.array([2.0])
        outs = []
        for _ in range(3):
            y += 1
            outs.append(y * 1)
        z = m.array([5.0]) + 1  # the cached 1.0, as before any update
        return outs + [y, z]

    check(in_place)


def test_python_scalar_next_to_one_element_array_in_transforms():
    def f(m, x):
        return m.sum((x * 3 + 1) ** 2)

    check(lambda m: m.grad(lambda x: f(m, x))(m.array([0.5])))
    check(lambda m: m.compile(lambda x: x * 3 + 1)(m.array([0.5])))
    check(lambda m: m.vmap(lambda x: x * 3 + 1)(m.array([[0.5], [1.5]])))


@pytest.mark.parametrize("dtype", ["bool_", "uint8", "float16", "int32", "float32", "int64", "complex64"])
@pytest.mark.parametrize("fused", [False, True])
def test_where_random_conditions_every_operand_layout(dtype, fused):
    # Select (and the fused kernels) choose with a bit mask per element size; dense, one-value
    # and strided operands each take their own loop. Fused: the condition is computed in the
    # same graph, so the comparison and the select run as one kernel.
    rng = np.random.default_rng(len(dtype))
    n = 1 << 15  # above eager fusion's threshold
    u = rng.random(n).astype(np.float32)
    c = u < 0.5
    xv = (rng.standard_normal(n) * 50).astype(np.float64)
    npdt = np.bool_ if dtype == "bool_" else dtype
    xn, yn = xv.astype(npdt), (-xv).astype(npdt)
    mdt = getattr(SUBJECT, dtype)
    x, y, um = SUBJECT.array(xn, dtype=mdt), SUBJECT.array(yn, dtype=mdt), SUBJECT.array(u)
    cm = SUBJECT.array(c)
    SUBJECT.eval(x, y, um, cm)
    cond = (lambda: um < 0.5) if fused else (lambda: cm)
    cases = [
        (lambda: SUBJECT.where(cond(), x, y), np.where(c, xn, yn)),
        (lambda: SUBJECT.where(cond(), x, y[7]), np.where(c, xn, yn[7])),
        (lambda: SUBJECT.where(cond(), x[3], y), np.where(c, xn[3], yn)),
        (lambda: SUBJECT.where(cond()[::2], x[::2], y[1::2]), np.where(c[::2], xn[::2], yn[1::2])),
    ]
    for make, want in cases:
        np.testing.assert_array_equal(np.array(make()), want)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_floor_divide_and_remainder_of_the_most_negative_by_minus_one(dtype):
    # An integer division of INT_MIN by -1 traps (SIGFPE) on x86; MLX 0.32.4 crashes there.
    # mlx_core wraps as NumPy does: INT_MIN // -1 == INT_MIN, INT_MIN % -1 == 0.
    lo = np.iinfo(dtype).min
    x = np.array([lo, lo, -7, 7, lo + 1], dtype)
    y = np.array([-1, 1, -1, -1, -1], dtype)
    xm, ym = SUBJECT.array(x), SUBJECT.array(y)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(np.array(xm // ym), x // y)
        np.testing.assert_array_equal(np.array(xm % ym), x % y)
        q, r = SUBJECT.divmod(xm, ym)
        np.testing.assert_array_equal(np.array(q), x // y)
        np.testing.assert_array_equal(np.array(r), x % y)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64"])
def test_integer_floor_divide_and_remainder_match_numpy_on_extremes(dtype):
    # Up to 32 bits the quotient is taken in double precision; its floor must be the integer
    # floor everywhere, the extremes of the type included.
    info = np.iinfo(dtype)
    rng = np.random.default_rng(len(dtype))
    edge = np.array([info.min, info.max, info.min + 1, info.max - 1, 0, 1, 2, 3, 7], dtype=np.int64)
    if info.min < 0:
        edge = np.concatenate([edge, [-1, -2, -3, -7]])
    x = np.concatenate([np.repeat(edge, len(edge)), rng.integers(info.min, info.max, 5000, endpoint=True)])
    y = np.concatenate([np.tile(edge, len(edge)), rng.integers(info.min, info.max, 5000, endpoint=True)])
    x, y = x.astype(dtype), y.astype(dtype)
    keep = (y != 0) & ~((x == info.min) & (y.astype(np.int64) == -1)) if info.min < 0 else (y != 0)
    x, y = x[keep], y[keep]
    xm, ym = SUBJECT.array(x), SUBJECT.array(y)
    np.testing.assert_array_equal(np.array(xm // ym), x // y)
    np.testing.assert_array_equal(np.array(xm % ym), x % y)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "greater", "power", "arctan2"])
def test_float16_runs_match_the_element_loop_and_mlx(op):
    # Dense float16 operands go through float buffers 16 values at a time (half_float.h):
    # lengths around the 16- and 256-value steps, one-value operands on either side, and the
    # special values; the strided layout takes the element-by-element loop.
    rng = np.random.default_rng(11)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504, -65504, 6e-8, -6e-8, 1e-4, 1, -1, 0.5],
                       np.float16)
    for n in (1, 15, 16, 17, 255, 256, 257, 1000):
        x = np.concatenate([special, (rng.standard_normal(n) * 4).astype(np.float16)])[-n:]
        y = np.concatenate([(rng.standard_normal(n) * 4).astype(np.float16), special[::-1]])[:n]
        pairs = [(x, y, "contiguous"), (x, y, "strided"), (x, np.float16(2.5), "contiguous"),
                 (np.float16(-1.5), y, "contiguous")]
        for a, b, layout in pairs:
            results = []
            for lib in (SUBJECT, ORACLE):
                la = make(lib, a, "float16", layout)
                lb = make(lib, b, "float16", layout)
                results.append(np.asarray(getattr(lib, op)(la, lb).astype(lib.float32)))
            got, want = results
            same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
            assert same.all(), f"{op} n={n} {layout}: {a} {b} -> {got[~same]} vs MLX {want[~same]}"
