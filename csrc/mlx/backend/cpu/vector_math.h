// Whole-block float32 exp, sigmoid and erf with MLX 0.32.4's bits (the
// scalar definitions in simd_math.h), written with AVX-512 intrinsics where
// the build has them. GCC's vectorisation of the scalar forms spends about
// twice the instructions (selects for the range checks, integer exponent
// arithmetic); these use masks and vscalefps instead, and each range check
// only where the op's input can reach it.
#pragma once

#include <cmath>
#include <cstddef>

#include "mlx/backend/cpu/simd_math.h"

namespace mlx_core::cpu {

// y[i] = f(x[i]) for i < n; y may be x.
void exp_mlx_block(const float* x, float* y, size_t n);
void sigmoid_block(const float* x, float* y, size_t n);
void erf_block(const float* x, float* y, size_t n);
// sigmoid as MLX computes it for float16 and bfloat16 input (held in floats):
// the exponential is rounded to H (float16_t or bfloat16_t) before the rest.
template <typename H>
inline float sigmoid_rounded(float x) {
  float y = 1.0f / (1.0f + float(H(fast::exp_mlx(std::fabs(x)))));
  return x < 0.0f ? y : 1.0f - y;
}
// The same over a block.
void sigmoid_float16_block(const float* x, float* y, size_t n);
void sigmoid_bfloat16_block(const float* x, float* y, size_t n);

}  // namespace mlx_core::cpu
