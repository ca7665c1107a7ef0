#include "mlx/backend/cpu/vector_math.h"

#include "mlx/backend/cpu/simd_math.h"

#include "mlx/backend/cpu/vector_math_avx512.h"

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

#endif

}  // namespace

#if defined(__AVX512F__)
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
