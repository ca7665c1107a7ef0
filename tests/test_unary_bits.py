"""Unary ops that reproduce MLX 0.32.4's bits exactly for float32, float16 and bfloat16 (its own
approximations of erf, exp, sigmoid and erfinv, and the C library's functions where MLX calls
them). A sampled version of
tools/sweep_unary_f32.py, which checks every float32 bit pattern."""

import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import ORACLE, SUBJECT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from sweep_unary_f32 import compare  # noqa: E402

pytestmark = pytest.mark.skipif(ORACLE is None, reason="needs real MLX")

# Bit-identical to MLX for every float32 input (tools/sweep_unary_f32.py, all 2^32 patterns).
EXACT_F32 = ["erf", "exp", "erfinv", "sigmoid", "log1p", "log2", "log10", "tan", "sinh", "cosh", "arcsin",
             "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "sqrt", "rsqrt"]
# MLX computes these for float64 input in float32 (sigmoid: only its exponential).
FLOAT64_IN_DOUBLE = ["erf", "exp", "sigmoid"]


def _patterns(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spread = np.arange(0, 1 << 32, 8191, dtype=np.uint64).astype(np.uint32)  # every binade
    near = rng.uniform(-10, 10, 100_000).astype(np.float32).view(np.uint32)
    return np.concatenate([spread, near, rng.integers(0, 1 << 32, 100_000, dtype=np.uint64)
                           .astype(np.uint32)])


@pytest.mark.parametrize("op", EXACT_F32)
def test_float32_bits_match_mlx(op):
    value, _, worst, examples = compare(op, _patterns(len(op)), SUBJECT, ORACLE)
    assert value == 0, f"{op}: {value} results differ (max {worst} ulp), e.g. {examples}"


def _half_bits(lib, bits, dtype):
    if dtype == "float16":
        return lib.array(bits.view(np.float16))
    return lib.array(bits).view(lib.bfloat16)


def _as_f32(bits, dtype):
    if dtype == "float16":
        return bits.view(np.float16).astype(np.float32)
    return (bits.astype(np.uint32) << 16).view(np.float32)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["erf", "exp", "erfinv", "sigmoid"])
def test_half_precision_bits_match_mlx_for_every_input(op, dtype):
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    with ORACLE.stream(ORACLE.cpu):
        want = np.array(getattr(ORACLE, op)(_half_bits(ORACLE, bits, dtype)).view(ORACLE.uint16))
    got = np.array(getattr(SUBJECT, op)(_half_bits(SUBJECT, bits, dtype)).view(SUBJECT.uint16))
    # MLX turns every NaN into one pattern when it rounds to float16; the NaN bits are not compared.
    both_nan = np.isnan(_as_f32(want, dtype)) & np.isnan(_as_f32(got, dtype))
    bad = (want != got) & ~both_nan
    assert not bad.any(), f"{op} {dtype}: {bad.sum()} differ, inputs {bits[bad][:5]}"


@pytest.mark.parametrize("op", FLOAT64_IN_DOUBLE)
def test_float64_computed_in_double_precision(op):
    # MLX computes these in float32 for float64 input; mlx_core keeps double precision
    # (docs/differences.md), so float64 gradients survive finite differences.
    import math

    ref = {"erf": math.erf, "exp": math.exp, "sigmoid": lambda v: 1 / (1 + math.exp(-v))}[op]
    x = np.random.default_rng(1).uniform(-5, 5, 2000)
    got = np.array(getattr(SUBJECT, op)(SUBJECT.array(x, dtype=SUBJECT.float64)))
    np.testing.assert_allclose(got, [ref(v) for v in x], rtol=1e-14, atol=1e-16)


def test_erf_famous_values():
    # Independent of MLX: A&S 7.1.26 (1.5e-7) plus float32 cancellation in 1 - e; erf(+0) is -0 as in MLX.
    import math

    x = np.linspace(-4, 4, 2001).astype(np.float32)
    got = np.array(SUBJECT.erf(SUBJECT.array(x)))
    want = np.array([math.erf(v) for v in x.astype(np.float64)])
    assert np.abs(got - want).max() < 5e-7
    assert np.signbit(np.array(SUBJECT.erf(SUBJECT.array([0.0])))[0])


@pytest.mark.parametrize("op", ["sin", "cos"])
def test_sin_cos_of_huge_arguments(op):
    # Arguments far beyond 2^20 take the C library's full argument reduction (was -inf at 1e30).
    x = np.array([1e30, -1e30, 3e38, 1e20, 1e7, 2e6, 1048576.0, 1048575.9, 5.0] * 40, np.float32)
    want = getattr(np, op)(x.astype(np.float64))
    for arr in (SUBJECT.array(x), SUBJECT.array(x[::-1].copy())[::-1]):  # contiguous, strided
        got = np.array(getattr(SUBJECT, op)(arr))
        np.testing.assert_allclose(got, want, atol=2e-7)
    with ORACLE.stream(ORACLE.cpu):
        mlx = np.array(getattr(ORACLE, op)(ORACLE.array(x)))
    np.testing.assert_allclose(np.array(getattr(SUBJECT, op)(SUBJECT.array(x))), mlx, atol=2e-7)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "erf"])
def test_vector_kernels_bits_at_every_length_and_in_fused_chains(op):
    # exp, sigmoid and erf have AVX-512 block kernels (vector_math.cpp): two vectors at a time,
    # then one, then a scalar tail, so every length up to 70 takes each path; the same ops
    # inside a fused chain run on blocks of 512 with a tail.
    rng = np.random.default_rng(7)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 88.0, 88.5, -87.5, -88.0, -89.0, 1e-40,
                        -1e-40, 3.4e38, -3.4e38, 9.2, -9.2], np.float32)
    pool = np.concatenate([special, rng.uniform(-30, 30, 200).astype(np.float32)])
    for n in list(range(1, 71)) + [511, 512, 513, 1537]:
        x = rng.choice(pool, n)
        with ORACLE.stream(ORACLE.cpu):
            want = np.array(getattr(ORACLE, op)(ORACLE.array(x)))
            want_chain = np.array(getattr(ORACLE, op)(ORACLE.array(x) * 0.5) + 1.0)
        got = np.array(getattr(SUBJECT, op)(SUBJECT.array(x)))
        chain = SUBJECT.compile(lambda v: getattr(SUBJECT, op)(v * 0.5) + 1.0)
        got_chain = np.array(chain(SUBJECT.array(x)))
        for w, g in ((want, got), (want_chain, got_chain)):
            same = (w.view(np.uint32) == g.view(np.uint32)) | (np.isnan(w) & np.isnan(g))
            assert same.all(), f"{op} n={n}: inputs {x[~same][:4]} give {g[~same][:4]}, MLX {w[~same][:4]}"


def _range_edges() -> np.ndarray:
    # 2000 patterns either side of where e^x overflows (88, 88.72) or underflows (-87.3),
    # erf's e^{-x^2} underflows (9.37), and the signalling and quiet NaNs of both signs.
    centres = np.array([88.0, -88.0, 87.33, -87.33, 88.72, -88.72, 9.37, -9.37, 0.5, -0.5], np.float32)
    near = centres.view(np.uint32).astype(np.int64)[:, None] + np.arange(-2000, 2001)
    nans = np.array([0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FC00000, 0xFFC00000, 0x7FC00001, 0xFFFFFFFF],
                    np.int64)
    return np.concatenate([near.ravel(), nans]).astype(np.uint32)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("op", ["exp", "erf", "sigmoid"])
def test_avx512_kernels_keep_mlx_bits_and_nan_payloads(op, compiled):
    # The AVX-512 forms (vector_math_avx512.h) are shared by the eager block loops and the
    # register runs of compiled chains; sigmoid's NaN comes out of x86's NaN propagation, not
    # a select, so NaN payloads are compared too. `* 1.0` keeps the compiled op in a chain.
    x = np.concatenate([_patterns(3), _range_edges()]).view(np.float32)
    with ORACLE.stream(ORACLE.cpu):
        want = getattr(ORACLE, op)(ORACLE.array(x))
        want = np.array(want * 1.0 if compiled else want).view(np.uint32)
    f = getattr(SUBJECT, op)
    if compiled:
        f = SUBJECT.compile(lambda v: getattr(SUBJECT, op)(v) * 1.0)
    got = np.array(f(SUBJECT.array(x))).view(np.uint32)
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, (f"{bad.size} differ, e.g. input {x.view(np.uint32)[bad[0]]:#010x} gives "
                           f"{got[bad[0]]:#010x}, MLX {want[bad[0]]:#010x}")


@pytest.mark.parametrize("op", ["exp", "erf", "sigmoid"])
def test_nan_payloads_on_the_scalar_tails(op):
    # Lengths 1-40 put each NaN on the vector loops and on the scalar tail after them; the
    # scalar erf once kept a quiet NaN's sign (which NaN operand a multiply-add passes on
    # was the compiler's choice) where MLX sets it.
    nans = np.array([0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FC00000, 0xFFC00000, 0x7FC00001,
                     0xFFFFFFFF, 0xFF812345], np.uint32)
    for n in range(1, 41):
        x = np.resize(nans, n).view(np.float32)
        with ORACLE.stream(ORACLE.cpu):
            want = np.array(getattr(ORACLE, op)(ORACLE.array(x))).view(np.uint32)
        got = np.array(getattr(SUBJECT, op)(SUBJECT.array(x))).view(np.uint32)
        assert (got == want).all(), f"{op} n={n}: {[hex(v) for v in got]} vs MLX {[hex(v) for v in want]}"
