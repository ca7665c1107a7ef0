"""Unary elementwise ops: every op of op_db.UNARY_OPS over all 14 dtypes, hypothesis values,
special values, NumPy references, method/alias forms, plus op-specific edge cases."""

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
    call,
    check,
    check_numpy,
    check_raises,
    inputs,
    make,
    sample_values,
)
from op_db import UNARY_OPS

OPS = [pytest.param(op, id=op.name) for op in UNARY_OPS]


def _apply(op, x, **kw):
    return lambda m: getattr(m, op.name)(x(m), **kw)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_unary_op_result_dtype_and_values_for_every_dtype(op, dtype):
    x = Input(sample_values(dtype, op.domain(0)), dtype)
    check(_apply(op, x), tol=op.tol)
    # The table says which dtypes MLX rejects; keep it honest.
    _, exc = call(ORACLE, _apply(op, x))
    if dtype in op.dtypes:
        assert exc is None, f"op_db says {op.name} accepts {dtype}, MLX raised {exc!r}"
    else:
        assert type(exc) is op.error, f"op_db says {op.name} rejects {dtype}, MLX gave {exc!r}"


@pytest.mark.parametrize("op", OPS)
@given(data=st.data())
def test_unary_op_matches_mlx_on_random_arrays(op, data):
    x = data.draw(inputs(dtypes=op.dtypes, domain=op.domain(0)), label="x")
    check(_apply(op, x), tol=op.tol)


@pytest.mark.parametrize("dtype", FLOATING)
@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].special_values])
def test_unary_op_on_nan_inf_and_signed_zero(op, dtype):
    if dtype not in op.dtypes:
        pytest.skip(f"{op.name} rejects {dtype}")
    if (op.name, dtype) == ("exp", "float64"):
        # MLX's float64 exp overflows at float32's range (exp(100.0) == inf); mlx_core does not.
        got = np.array(SUBJECT.exp(SUBJECT.array(SPECIAL_FLOATS, dtype=SUBJECT.float64)))
        np.testing.assert_allclose(got, np.exp(SPECIAL_FLOATS.astype(np.float64)), rtol=1e-12)
        return
    x = Input(SPECIAL_FLOATS, dtype)
    check(_apply(op, x), tol=op.tol)


@pytest.mark.parametrize("op", [p for p in OPS if "complex64" in p.values[0].dtypes])
def test_unary_op_on_complex_specials(op):
    vals = np.array([0, 1 + 1j, -2.5 + 0.5j, 3j, -1 - 1j, 0.5 - 0.25j], dtype=np.complex64)
    x = Input(vals, "complex64")
    check(_apply(op, x), tol=op.tol)


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].numpy is not None])
@given(data=st.data())
def test_unary_op_matches_numpy(op, data):
    dtype = data.draw(
        st.sampled_from([d for d in op.numpy_dtypes if d in op.dtypes]), label="dtype"
    )
    x = data.draw(inputs(dtypes=(dtype,), domain=op.domain(0), layout="contiguous"), label="x")
    got = getattr(SUBJECT, op.name)(x(SUBJECT))
    result_dtype = str(got.dtype).rsplit(".", 1)[-1]
    holder = {
        "float32": np.float32,
        "float64": np.float64,
        "float16": np.float16,
        "complex64": np.complex64,
        "bool": np.bool_,
    }.get(result_dtype)
    src = x.values
    if holder is not None and result_dtype != "bool" and dtype in INTEGER:
        src = src.astype(holder)  # MLX casts integer inputs to the float result type first
    with np.errstate(all="ignore"):
        expected = op.numpy(src)
    if result_dtype in INEXACT and np.asarray(expected).dtype.kind in "fc":
        expected = np.asarray(expected).astype(
            np.complex128 if result_dtype == "complex64" else np.float64
        )
    check_numpy(got, expected, tol=op.tol)


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].method])
@given(x=inputs(dtypes=("float32", "int32", "float16"), domain="positive"))
def test_unary_array_method_equals_function(op, x):
    check(lambda m: getattr(x(m), op.name)())
    check(lambda m: getattr(m, op.name)(x(m)) == getattr(x(m), op.name)())


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].aliases])
def test_unary_alias_equals_function(op):
    x = Input(sample_values("float32", op.domain(0)), "float32")
    for alias in op.aliases:
        check(lambda m: getattr(m, alias)(x(m)))
        check(
            lambda m: m.array_equal(
                getattr(m, alias)(x(m)), getattr(m, op.name)(x(m)), equal_nan=True
            )
        )


@pytest.mark.parametrize("op", OPS)
def test_unary_op_accepts_python_scalar(op):
    for scalar in (2, 0.5, True):
        check(lambda m: getattr(m, op.name)(scalar), tol=op.tol)


@pytest.mark.parametrize("op", OPS)
def test_unary_op_preserves_empty_and_scalar_shapes(op):
    for shape in [(0,), (2, 0, 3), ()]:
        x = Input(np.ones(shape, np.float32) / 2, "float32")
        check(_apply(op, x), tol=op.tol)


@pytest.mark.parametrize("op", OPS)
def test_unary_op_rejects_non_array_arguments(op):
    check(lambda m: getattr(m, op.name)([1.0, 2.0]))
    check(lambda m: getattr(m, op.name)("x"))


# ---------------------------------------------------------------------------------------------
# op-specific behaviour
# ---------------------------------------------------------------------------------------------


def test_sign_of_nan_is_zero_unlike_numpy():
    r = check(lambda m: m.sign(m.array([math.nan, -0.0, 0.0, -3.0, 2.0])))
    assert r.value[0] == 0  # NumPy gives nan here


def test_sign_of_complex_is_unit_phase():
    x = Input(np.array([3 + 4j, 0, -2j], np.complex64), "complex64")
    r = check(lambda m: m.sign(x(m)), 1e-6, 1e-7)
    np.testing.assert_allclose(r.value, [0.6 + 0.8j, 0, -1j], rtol=1e-6, atol=1e-7)


def test_abs_of_complex_is_float32_modulus():
    x = Input(np.array([3 + 4j, -5j, 0], np.complex64), "complex64")
    r = check(lambda m: m.abs(x(m)))
    assert r.dtype == "float32"
    np.testing.assert_array_equal(r.value, [5, 5, 0])


def test_abs_wraps_minimum_signed_integer():
    for dtype in ("int8", "int16", "int32", "int64"):
        lo = np.iinfo(dtype).min
        check(lambda m: m.abs(make(m, np.array([lo, lo + 1, -1], dtype), dtype)))


def test_negative_of_bool_is_rejected_with_hint():
    check_raises(lambda m: m.negative(m.array([True, False])), ValueError, "[negative]")
    check_raises(lambda m: -m.array([True]), ValueError, "[negative]")


def test_negative_of_unsigned_wraps():
    check(lambda m: m.negative(m.array([0, 1, 255], dtype=m.uint8)))
    check(lambda m: -m.array([1, 2], dtype=m.uint32))


@pytest.mark.parametrize("decimals", [-3, -1, 0, 1, 2, 5])
@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "float16", "bfloat16", "int32", "uint8", "int64"]
)
def test_round_with_decimals(dtype, decimals):
    if dtype in INTEGER and decimals < 0:
        # MLX rounds integers through float32 products and truncates (round(999, -3) == 999);
        # mlx_core rounds exactly (docs/differences.md). Checked against NumPy instead.
        x = np.array([15, 25, 35, 149, 151, 250, 1250, 0]).astype(dtype)
        got = np.array(SUBJECT.round(SUBJECT.array(x), decimals))
        np.testing.assert_array_equal(got, np.round(x.astype(np.float64), decimals).astype(dtype))
        return
    vals = [0.5, 1.5, 2.5, -2.5, 1.25, 1234.5678, -0.125, 149.0, 151.0, 250.0]
    if dtype in INTEGER:
        vals = [15, 25, 35, 149, 151, 250, 1250, 0]
    x = Input(np.array(vals), dtype)
    check(lambda m: m.round(x(m), decimals), 1e-6, 0)
    check(lambda m: m.round(x(m), decimals=decimals), 1e-6, 0)
    check(lambda m: x(m).round(decimals), 1e-6, 0)


def test_round_half_to_even_matches_numpy():
    vals = np.array([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5], np.float32)
    r = check(lambda m: m.round(m.array(vals)))
    np.testing.assert_array_equal(r.value, np.round(vals))


def test_round_default_decimals_is_zero():
    check(lambda m: m.round(m.array([1.26, -1.5])))


def test_floor_ceil_trunc_of_integers_keep_dtype():
    for fn in ("floor", "ceil", "trunc"):
        for dtype in ("int8", "uint16", "int64", "bool"):
            r = check(lambda m: getattr(m, fn)(make(m, sample_values(dtype), dtype)))
            assert r.dtype == dtype


def test_sqrt_of_integers_is_float32_even_for_int64():
    r = check(lambda m: m.sqrt(m.array([4, 9, 2**40], dtype=m.int64)))
    assert r.dtype == "float32"


def test_reciprocal_and_rsqrt_of_zero_are_infinite():
    check(lambda m: m.reciprocal(m.array([0.0, -0.0])))
    check(lambda m: m.rsqrt(m.array([0.0, -1.0])))


def test_log_of_zero_and_negative():
    for fn in ("log", "log2", "log10", "log1p"):
        check(lambda m: getattr(m, fn)(m.array([0.0, -1.0, -0.0])))


def test_erfinv_at_plus_minus_one_is_infinite():
    check(lambda m: m.erfinv(m.array([-1.0, 1.0, 0.0, 1.5])))


def test_erf_of_erfinv_round_trips():
    x = np.linspace(-0.99, 0.99, 41).astype(np.float32)
    got = check(lambda m: m.erf(m.erfinv(m.array(x))), 2e-6, 1e-6)
    np.testing.assert_allclose(got.value, x, atol=2e-5)


def test_sigmoid_saturates_without_nan():
    check(lambda m: m.sigmoid(m.array([-1000.0, -100.0, 0.0, 100.0, 1000.0])))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_nan_to_num_defaults_use_dtype_extremes(dtype):
    x = Input(np.array([np.nan, np.inf, -np.inf, 1.5], np.float32), dtype)
    check(lambda m: m.nan_to_num(x(m)))


def test_nan_to_num_custom_replacements():
    x = Input(np.array([np.nan, np.inf, -np.inf, 1.5], np.float32), "float32")
    check(lambda m: m.nan_to_num(x(m), nan=5.0, posinf=7.0, neginf=-7.0))
    check(lambda m: m.nan_to_num(x(m), 1.0))
    check(lambda m: m.nan_to_num(x(m), posinf=1e3))
    check(lambda m: m.nan_to_num(x(m), neginf=-1))
    check(lambda m: m.nan_to_num(x(m).astype(m.float16), posinf=1e6))


def test_nan_to_num_rejects_float64():
    check(lambda m: m.nan_to_num(m.array([np.nan], dtype=m.float64)))


def test_real_imag_conj_on_complex():
    x = Input(np.array([1 + 2j, -3.5 - 0.5j, 0], np.complex64), "complex64")
    for fn in ("real", "imag", "conj", "conjugate"):
        check(lambda m: getattr(m, fn)(x(m)))
    check(lambda m: x(m).real)
    check(lambda m: x(m).imag)
    check(lambda m: x(m).conj())


def test_imag_of_real_input_is_zero_of_same_dtype():
    for dtype in ("float32", "int16", "bool"):
        check(lambda m: m.imag(make(m, sample_values(dtype), dtype)))


def test_logical_not_of_numbers_is_truthiness():
    check(lambda m: m.logical_not(m.array([0, 1, -2])))
    check(lambda m: m.logical_not(m.array([0.0, -0.0, np.nan, 0.5])))


def test_bitwise_invert_and_operator():
    for dtype in ("bool", "uint8", "int8", "uint64", "int64"):
        x = Input(sample_values(dtype), dtype)
        check(lambda m: m.bitwise_invert(x(m)))
        check(lambda m: ~x(m))
    check(lambda m: ~m.array([1.5]))


def test_isposinf_isneginf_on_integers_are_false():
    check(lambda m: m.isposinf(m.array([1, 2**31 - 1])))
    check(lambda m: m.isneginf(m.array([-1], dtype=m.int8)))


def test_degrees_radians_round_trip():
    x = np.linspace(-720, 720, 33).astype(np.float32)
    r = check(lambda m: m.radians(m.degrees(m.array(x))), 2e-6, 1e-5)
    np.testing.assert_allclose(r.value, x, rtol=1e-5)


def test_unary_operators_neg_pos_abs_invert():
    x = Input(np.array([[-1.5, 2.0], [0.0, -0.0]], np.float32), "float32", "transposed")
    check(lambda m: -x(m))
    check(lambda m: +x(m))
    check(lambda m: abs(x(m)))
    i = Input(np.array([-3, 0, 7], np.int16), "int16", "reversed")
    check(lambda m: -i(m))
    check(lambda m: abs(i(m)))
    check(lambda m: ~i(m))


@given(x=inputs(dtypes=("float32",), domain="exp", min_dims=1))
def test_exp_of_log_is_identity_on_positive(x):
    y = Input(np.abs(x.values) + 1, x.dtype, x.layout)
    check(lambda m: m.exp(m.log(y(m))), 2e-6, 1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("n", [5, 40000])  # one value at a time; the vectorised and fused paths
def test_abs_clears_the_sign_bit_as_mlx(dtype, n):
    """|-0.0| is +0.0 and |-nan| a positive NaN in MLX (the sign bit is cleared), where a
    compare-and-negate would keep both signs."""
    vals = np.resize(np.array([-0.0, 0.0, -1.5, np.nan, -np.nan, -np.inf], np.float32), n)
    signs = {}
    for lib in (SUBJECT, ORACLE) if ORACLE is not None else (SUBJECT,):
        x = lib.array(vals).astype(getattr(lib, dtype))
        outs = [lib.abs(x), lib.abs(x * 1.0) * 1.0]  # alone, and inside a fused chain
        signs[lib] = [np.signbit(np.array(o.astype(lib.float32))) for o in outs]
    for got in signs[SUBJECT]:
        assert not got.any()
        if ORACLE is not None:
            np.testing.assert_array_equal(got, signs[ORACLE][0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["negative", "abs", "exp", "sqrt", "sin", "floor", "erf", "logical_not", "sigmoid"])
def test_float16_runs_match_the_element_loop_and_mlx(op, dtype):
    # Dense float16 runs convert through float buffers 16 values at a time (half_float.h), in
    # eager ops and in the blocks of fused kernels, and sigmoid of both 16-bit types has a
    # block form; lengths around the 16- and 512-value steps (and the block forms' scalar
    # tails); the strided layout takes the element-by-element loop.
    rng = np.random.default_rng(12)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504, -65504, 6e-8, -6e-8, 0.5, -2.5],
                       np.float16)
    for n in (1, 15, 16, 17, 511, 512, 513, 1500):
        x = np.concatenate([special, (rng.standard_normal(n) * 3).astype(np.float16)])[-n:]
        outs = []
        for lib, layout, compiled in ((SUBJECT, "contiguous", False), (SUBJECT, "strided", False),
                                      (SUBJECT, "contiguous", True), (ORACLE, "contiguous", False)):
            f = getattr(lib, op)
            g = lib.compile(lambda v: f(v + 0.0)) if compiled else (lambda v: f(v + 0.0))
            outs.append(np.asarray(g(make(lib, x.astype(np.float32), dtype, layout)).astype(lib.float32)))
        for got in outs[:3]:
            want = outs[3]
            same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
            assert same.all(), f"{op} n={n}: {x[~same][:4]} -> {got[~same][:4]}, MLX {want[~same][:4]}"
