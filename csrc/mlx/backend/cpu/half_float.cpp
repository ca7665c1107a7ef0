#include "mlx/backend/cpu/half_float.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace mlx_core::cpu {

void halves_to_floats(const float16_t* x, float* y, size_t n) {
  size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    _mm512_storeu_ps(y + i, _mm512_cvtph_ps(h));
  }
#endif
  for (; i < n; ++i) y[i] = float(x[i]);
}

void floats_to_halves(const float* x, float16_t* y, size_t n) {
  size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), h);
  }
#endif
  for (; i < n; ++i) y[i] = float16_t(x[i]);
}

}  // namespace mlx_core::cpu
