// Float helpers shared by the random kernels: rounding to a storage type and
// MLX's single-precision erfinv (bit for bit).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "mlx/backend/cpu/random_logf_table.h"

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

// log(x) in double for normal x > 0, to ~1e-15 relative: x = 2^e m with m in
// [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s), s = (m - 1) / (m + 1). Branch-free
// so loops calling it vectorise.
inline double log_double(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  double e = double(int64_t(b >> 52) - 1023);
  uint64_t mb = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  std::memcpy(&m, &mb, 8);
  bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  double f = m - 1.0, s = f / (2.0 + f), z = s * s;
  double r = 2.0 / 19;
  r = r * z + 2.0 / 17;
  r = r * z + 2.0 / 15;
  r = r * z + 2.0 / 13;
  r = r * z + 2.0 / 11;
  r = r * z + 2.0 / 9;
  r = r * z + 2.0 / 7;
  r = r * z + 2.0 / 5;
  r = r * z + 2.0 / 3;
  double log_m = 2.0 * s + s * z * r;
  // ln 2 split so e * ln2_hi is exact.
  return e * 0.6931471803691238 + (e * 1.9082149292705877e-10 + log_m);
}

// logf(t) for t in [2^-24, 32), vectorisable, with a flag for the elements it
// cannot vouch for. The C library's logf (which MLX uses) is not vectorisable,
// so log is taken in double and rounded to float; that equals logf except where
// logf itself misrounds, which only happens within a small, measured distance of
// a rounding midpoint (random_logf_table.h). Elements that close to a midpoint,
// or outside [2^-24, 32), are flagged. Checked against logf for every float in
// [2^-24, 32].
inline float logf_unless_hard(float t, bool& hard) {
  uint32_t tb;
  std::memcpy(&tb, &t, 4);
  uint32_t e = tb >> 23;
  int base = int(tb >> 16) - (103 << 7);
  int idx = e == 126 ? 3072 + int((tb >> 11) & 4095) : base + (e >= 127 ? 4096 : 0);
  bool in_range = tb - (103u << 23) < (132u << 23) - (103u << 23);  // [2^-24, 32)
  idx = idx < 0 ? 0 : (idx > 7168 + 639 ? 7168 + 639 : idx);  // a clamp (not a select) vectorises
  double d = log_double(double(t));
  float f = float(d);
  uint32_t fb;
  std::memcpy(&fb, &f, 4);
  uint32_t ulp_bits = (fb & 0x7f800000u) - (23u << 23);  // 2^(exponent of f - 23)
  float ulp;
  std::memcpy(&ulp, &ulp_bits, 4);
  double delta = double(kLogfHardThreshold[idx]) * double(ulp);
  hard = !in_range | (float(d - delta) != float(d + delta));  // no short circuit: vectorises
  return f;
}

// erfinv_mlx over a block, vectorised (logf_unless_hard), bit for bit: the
// flagged elements are recomputed with the scalar function.
inline void erfinv_mlx_block(const float* v, float* out, size_t m) {
  constexpr size_t kMax = 256;
  alignas(64) uint8_t hard[kMax];
  for (size_t i0 = 0; i0 < m; i0 += kMax) {
    size_t n = m - i0 < kMax ? m - i0 : kMax;
    const float* a = v + i0;
    alignas(64) float o[kMax];  // out may be v itself (a donated buffer)
    for (size_t i = 0; i < n; ++i) {
      float x = a[i];
      bool h;
      float lt = logf_unless_hard(std::fma(x, -x, 1.0f), h);
      hard[i] = uint8_t(h);
      float p1 = 3.03697567e-10f;
      p1 = std::fma(p1, lt, 2.93243101e-8f);
      p1 = std::fma(p1, lt, 1.22150334e-6f);
      p1 = std::fma(p1, lt, 2.84108955e-5f);
      p1 = std::fma(p1, lt, 3.93552968e-4f);
      p1 = std::fma(p1, lt, 3.02698812e-3f);
      p1 = std::fma(p1, lt, 4.83185798e-3f);
      p1 = std::fma(p1, lt, -2.64646143e-1f);
      p1 = std::fma(p1, lt, 8.40016484e-1f);
      float p2 = 5.43877832e-9f;
      p2 = std::fma(p2, lt, 1.43285448e-7f);
      p2 = std::fma(p2, lt, 1.22774793e-6f);
      p2 = std::fma(p2, lt, 1.12963626e-7f);
      p2 = std::fma(p2, lt, -5.61530760e-5f);
      p2 = std::fma(p2, lt, -1.47697632e-4f);
      p2 = std::fma(p2, lt, 2.31468678e-3f);
      p2 = std::fma(p2, lt, 1.15392581e-2f);
      p2 = std::fma(p2, lt, -2.32015476e-1f);
      p2 = std::fma(p2, lt, 8.86226892e-1f);
      o[i] = x * (std::fabs(lt) > 6.125f ? p1 : p2);
    }
    // Compact the flagged positions first: a branch per element mispredicts.
    alignas(64) uint16_t todo[kMax];
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      todo[k] = uint16_t(i);
      k += hard[i];
    }
    for (size_t j = 0; j < k; ++j) o[todo[j]] = erfinv_mlx(a[todo[j]]);
    std::memcpy(out + i0, o, n * sizeof(float));
  }
}

}  // namespace mlx_core::cpu
