#include "mlx/backend/cpu/vector_math.h"

#include "mlx/backend/cpu/simd_math.h"

#include "mlx/backend/cpu/vector_math_avx512.h"
#include "mlx/half_types.h"

// Built with -ffp-contract=off (CMakeLists.txt): GCC implements the add and
// multiply intrinsics as plain vector arithmetic, which it would otherwise
// fuse into multiply-adds that round once where MLX rounds twice.

namespace mlx_core::cpu {

namespace {

// The tail of a block (fewer than 16 values), or every value without AVX-512.
template <typename F>
void scalar_loop(const float* x, float* y, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

#if defined(__AVX512F__)

using namespace avx512;
using V = __m512;

template <typename VF, typename SF>
void vector_loop(const float* x, float* y, size_t n, VF vf, SF sf) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {  // two vectors in flight hide the division's latency
    V a = vf(_mm512_loadu_ps(x + i)), b = vf(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, b);
  }
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, vf(_mm512_loadu_ps(x + i)));
  scalar_loop(x + i, y + i, n - i, sf);
}

// e rounded to float16 and back (round to nearest even, as the scalar cast).
inline V round_to_float16(V e) {
  return _mm512_cvtph_ps(_mm512_cvtps_ph(e, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
// e rounded to bfloat16 and back, as bfloat16_t::from_float: NaNs made quiet,
// others rounded to nearest even.
inline V round_to_bfloat16(V e) {
  __m512i u = _mm512_castps_si512(e);
  __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), odd));
  __mmask16 nan = _mm512_cmp_ps_mask(e, e, _CMP_UNORD_Q);
  rounded = _mm512_mask_or_epi32(rounded, nan, u, _mm512_set1_epi32(0x00400000));
  return _mm512_castsi512_ps(_mm512_and_si512(rounded, _mm512_set1_epi32(int(0xffff0000u))));
}
template <V (*Round)(V)>
V sigmoid_rounded_v(V x) {
  V e = Round(exp_v(abs_v(x)));
  V y = _mm512_div_ps(splat(1.0f), _mm512_add_ps(splat(1.0f), e));
  return _mm512_mask_sub_ps(y, _mm512_cmp_ps_mask(x, splat(0.0f), _CMP_NLT_UQ), splat(1.0f), y);
}

#endif

}  // namespace

#if defined(__AVX512F__)
void sigmoid_float16_block(const float* x, float* y, size_t n) {
  vector_loop(x, y, n, sigmoid_rounded_v<round_to_float16>, sigmoid_rounded<float16_t>);
}
void sigmoid_bfloat16_block(const float* x, float* y, size_t n) {
  vector_loop(x, y, n, sigmoid_rounded_v<round_to_bfloat16>, sigmoid_rounded<bfloat16_t>);
}
void exp_mlx_block(const float* x, float* y, size_t n) {
  vector_loop(x, y, n, exp_v, [](float v) { return fast::exp_mlx(v); });
}
void sigmoid_block(const float* x, float* y, size_t n) {
  vector_loop(x, y, n, sigmoid_v, [](float v) { return fast::sigmoid(v); });
}
void erf_block(const float* x, float* y, size_t n) {
  vector_loop(x, y, n, erf_v, [](float v) { return fast::erf(v); });
}
#else
void sigmoid_float16_block(const float* x, float* y, size_t n) { scalar_loop(x, y, n, sigmoid_rounded<float16_t>); }
void sigmoid_bfloat16_block(const float* x, float* y, size_t n) { scalar_loop(x, y, n, sigmoid_rounded<bfloat16_t>); }
void exp_mlx_block(const float* x, float* y, size_t n) {
  scalar_loop(x, y, n, [](float v) { return fast::exp_mlx(v); });
}
void sigmoid_block(const float* x, float* y, size_t n) {
  scalar_loop(x, y, n, [](float v) { return fast::sigmoid(v); });
}
void erf_block(const float* x, float* y, size_t n) {
  scalar_loop(x, y, n, [](float v) { return fast::erf(v); });
}
#endif

}  // namespace mlx_core::cpu
