// Float helpers shared by the random kernels: rounding to a storage type and
// MLX's single-precision erfinv (bit for bit).
#pragma once

#include <cmath>
#include <type_traits>

#include "mlx/dtype.h"

namespace mlx_core::cpu {

// x rounded to T and back (identity for float and double).
template <typename T, typename C>
inline C rnd(C x) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return x;
  } else {
    return C(float(T(float(x))));
  }
}

// The largest value below 1 in T.
template <typename T>
inline T one_below_one() {
  if constexpr (std::is_same_v<T, float16_t>) {
    return T(0.99951171875f);
  } else if constexpr (std::is_same_v<T, bfloat16_t>) {
    return T(0.99609375f);
  } else {
    return T(0x1.fffffep-1f);
  }
}

// MLX computes erfinv in float32 with N. Juffa's published minimax
// approximation in t = log(1 - a^2) (two branches, fused multiply-adds) and the
// C library's logf; both choices are needed to reproduce its bits.
inline float erfinv_mlx(float a) {
  float t = std::log(std::fma(a, -a, 1.0f));
  float p;
  if (std::fabs(t) > 6.125f) {
    p = 3.03697567e-10f;
    p = std::fma(p, t, 2.93243101e-8f);
    p = std::fma(p, t, 1.22150334e-6f);
    p = std::fma(p, t, 2.84108955e-5f);
    p = std::fma(p, t, 3.93552968e-4f);
    p = std::fma(p, t, 3.02698812e-3f);
    p = std::fma(p, t, 4.83185798e-3f);
    p = std::fma(p, t, -2.64646143e-1f);
    p = std::fma(p, t, 8.40016484e-1f);
  } else {
    p = 5.43877832e-9f;
    p = std::fma(p, t, 1.43285448e-7f);
    p = std::fma(p, t, 1.22774793e-6f);
    p = std::fma(p, t, 1.12963626e-7f);
    p = std::fma(p, t, -5.61530760e-5f);
    p = std::fma(p, t, -1.47697632e-4f);
    p = std::fma(p, t, 2.31468678e-3f);
    p = std::fma(p, t, 1.15392581e-2f);
    p = std::fma(p, t, -2.32015476e-1f);
    p = std::fma(p, t, 8.86226892e-1f);
  }
  return a * p;
}

}  // namespace mlx_core::cpu
