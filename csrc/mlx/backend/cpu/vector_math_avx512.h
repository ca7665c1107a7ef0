// The AVX-512 forms of exp, sigmoid and erf with MLX 0.32.4's bits, one
// vector of 16 floats at a time: the whole-block loops (vector_math.cpp) and
// the register runs of fused kernels (scalar_steps.cpp) share them. Include
// only from files built with -ffp-contract=off (CMakeLists.txt): GCC would
// otherwise fuse the add and multiply intrinsics into multiply-adds that
// round once where MLX rounds twice.
#pragma once

#if defined(__AVX512F__)
#include <immintrin.h>

namespace mlx_core::cpu::avx512 {

using V = __m512;
inline __m512 splat(float c) { return _mm512_set1_ps(c); }

// e^x = 2^i p(f) as exp_mlx (simd_math.h) computes it, with
// i = floor(x log2(e) + 1/2) and f = x log2(e) - i; p(f) and i, before any
// range check. x log2(e) is a plain product: exp_mlx's fma(x, c, 0) differs
// from it only in the sign of a zero, which the rest cannot see.
struct ExpParts {
  V p, i;
};
inline ExpParts exp_parts(V x) {
  V y = _mm512_mul_ps(x, splat(1.442695f));
  V i = _mm512_roundscale_ps(_mm512_add_ps(y, splat(0.5f)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  V f = _mm512_sub_ps(y, i);
  V p = splat(1.535336188319500e-4f);
  p = _mm512_fmadd_ps(p, f, splat(1.339887440266574e-3f));
  p = _mm512_fmadd_ps(p, f, splat(9.618437357674640e-3f));
  p = _mm512_fmadd_ps(p, f, splat(5.550332471162809e-2f));
  p = _mm512_fmadd_ps(p, f, splat(2.402264791363012e-1f));
  p = _mm512_fmadd_ps(p, f, splat(6.931472028550421e-1f));
  p = _mm512_fmadd_ps(p, f, splat(1.0f));
  return {p, i};
}

// exp_mlx for inputs that are not NaN and at most 88 (callers clamp or mask
// above): below -88 it is clamped as the scalar form does. 2^i p comes from
// vscalefps, one rounding as the scalar multiply by 2^i; i = -127 is where
// the scalar form builds the bits of 0.
inline __m512 exp_core(V x) {
  ExpParts e = exp_parts(_mm512_max_ps(x, splat(-88.0f)));
  __mmask16 normal = _mm512_cmp_ps_mask(e.i, splat(-126.5f), _CMP_GT_OQ);
  return _mm512_maskz_scalef_ps(normal, e.p, e.i);
}

inline __m512 abs_v(V x) { return _mm512_abs_ps(x); }
// -x in the lanes of `lanes` (the sign bit flipped, as the scalar negation).
inline __m512 flip_sign(V x, __mmask16 lanes) {
  __m512i bits = _mm512_castps_si512(x);
  return _mm512_castsi512_ps(_mm512_mask_xor_epi32(bits, lanes, bits, _mm512_set1_epi32(int(0x80000000u))));
}
inline __mmask16 nan_mask(V x) { return _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q); }

inline __m512 exp_v(V x) {
  // exp_core takes the low end; here the upper clamp and the inf for x > 88,
  // and NaN gives NaN back.
  V r = exp_core(_mm512_min_ps(x, splat(88.0f)));
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, splat(88.0f), _CMP_GT_OQ), splat(__builtin_inff()));
  return _mm512_mask_mov_ps(r, nan_mask(x), x);
}

// sigmoid: y = 1 / (1 + e^|x|), then y for x < 0 and 1 - y otherwise. |x| is
// never below 0, so only the upper range check remains. The selects ride on
// masked ops, as a blend each would cost an op of the pipes this function
// fills: past 88, e^|x| is inf and y is +0, which the masked divide writes
// (those lanes need no clamp of the exponent, as they are overwritten). A NaN
// comes out as the scalar form gives it, |x| made quiet, with no select: x86
// arithmetic passes on its NaN operand's payload, quieted, from |x| through
// every op (tests/test_unary_bits.py compares NaN payloads with MLX's, and
// tools/sweep_unary_f32.py every float32 input).
inline __m512 sigmoid_v(V x) {
  V a = abs_v(x);
  ExpParts parts = exp_parts(a);
  V e = _mm512_scalef_ps(parts.p, parts.i);
  __mmask16 in_range = _mm512_cmp_ps_mask(a, splat(88.0f), _CMP_NGT_UQ);
  V y = _mm512_maskz_div_ps(in_range, splat(1.0f), _mm512_add_ps(splat(1.0f), e));
  return _mm512_mask_sub_ps(y, _mm512_cmp_ps_mask(x, splat(0.0f), _CMP_NLT_UQ), splat(1.0f), y);
}

// erf (Abramowitz & Stegun 7.1.26 as MLX computes it): e^{-x^2} has an input
// of at most 0, within exp_core's range; a NaN input stays NaN through t.
inline __m512 erf_v(V x) {
  V a = abs_v(x);
  V t = _mm512_div_ps(splat(1.0f), _mm512_fmadd_ps(splat(0.3275911f), a, splat(1.0f)));
  V p = _mm512_fmadd_ps(splat(1.061405429f), t, splat(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, splat(1.421413741f));
  p = _mm512_fmadd_ps(p, t, splat(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, splat(0.254829592f));
  V neg_sq = flip_sign(_mm512_mul_ps(x, x), 0xFFFF);  // -(x*x)
  V e = exp_core(neg_sq);
  V y = _mm512_fnmadd_ps(p, _mm512_mul_ps(t, e), splat(1.0f));  // fma(p, -(t e), 1)
  // x > 0 ? y : -y, as the scalar form: +0 and NaN come out negated.
  __mmask16 negate = _mm512_cmp_ps_mask(x, splat(0.0f), _CMP_NGT_UQ);
  return flip_sign(y, negate);
}

}  // namespace mlx_core::cpu::avx512

#endif
