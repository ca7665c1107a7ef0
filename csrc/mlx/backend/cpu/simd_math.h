// Branch-free float32 transcendental functions. Written as plain scalar code
// with selects instead of branches so that GCC vectorises the loops that call
// them (AVX-512/AVX2); calling libm per element is 5-10x slower.
// Accuracy: within a few ULP of the correctly rounded result (tested against
// NumPy and MLX in tests/test_unary.py).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace mlx_core::cpu::fast {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
inline int32_t float_to_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i;
}

// 2^n for n in [-126, 127].
inline float exp2i(int32_t n) { return bits_to_float((n + 127) << 23); }

// std::fmin/fmax/floor do not vectorise with GCC; plain selects do.
inline float clampf(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

// 2^n as a product of two in-range powers, so n down to -252 stays exact
// (denormal results) and up to 254 overflows cleanly to inf.
inline float exp2i_split(float n) {
  int32_t ni = int32_t(n);
  int32_t half = ni >> 1;  // floor(n / 2)
  return exp2i(half) * exp2i(ni - half);
}

// e^r - 1 for |r| <= ln2/2: Taylor series to r^8 (error < 2e-9 relative).
inline float expm1_reduced(float r) {
  float p = 1.0f / 40320;
  p = p * r + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  return (p * r) * r + r;
}

inline void reduce_ln2(float x, float& n, float& r) {
  n = std::nearbyint(x * 1.44269504088896341f);
  r = std::fma(n, -0.693145751953125f, x);  // ln2 split in two for an exact product
  r = std::fma(n, -1.428606765330187e-06f, r);
}

inline float exp(float x) {
  float xc = clampf(x, -104.0f, 88.8f);
  float n, r;
  reduce_ln2(xc, n, r);
  float p = expm1_reduced(r) + 1.0f;
  float y = p * exp2i_split(n);
  y = x > 88.72283935546875f ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : y;
}

inline float expm1(float x) {
  float xc = clampf(x, -30.0f, 88.8f);
  float n, r;
  reduce_ln2(xc, n, r);
  float em = expm1_reduced(r);
  float s = exp2i_split(n);
  // 2^n (e^r - 1) + (2^n - 1); exact cancellation when n == 0.
  float y = std::fma(s, em, s - 1.0f);
  y = x > 88.72283935546875f ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : y;
}

inline float log(float x) {
  // Denormals: scale into the normal range first (selects, not branches).
  float tiny = x < 1.17549435e-38f ? 1.0f : 0.0f;
  float xs = x * (1.0f + tiny * 8388607.0f);
  int32_t bits = float_to_bits(xs);
  // Split x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
  int32_t e = (bits - 0x3f3504f3) >> 23;
  float m = bits_to_float(bits - int32_t(uint32_t(e) << 23));
  float ef = float(e) - 23.0f * tiny;
  float f = m - 1.0f;
  float s = f / (2.0f + f);
  float z = s * s;
  // log(m) = 2 atanh(s) = 2s (1 + z/3 + z^2/5 + ...)
  float p = 2.0f / 11;
  p = p * z + 2.0f / 9;
  p = p * z + 2.0f / 7;
  p = p * z + 2.0f / 5;
  p = p * z + 2.0f / 3;
  float logm = std::fma(s * z, p, 2.0f * s);
  float y = std::fma(ef, 0.693145751953125f, std::fma(ef, 1.428606765330187e-06f, logm));
  const float inf = std::numeric_limits<float>::infinity();
  y = x == inf ? inf : y;
  y = x == 0.0f ? -inf : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  return x != x ? x : y;
}

inline float tanh(float x) {
  float ax = std::fabs(x);
  float a = ax < 9.5f ? ax : 9.5f;  // tanh(9.5) rounds to 1 in float
  float em = expm1(2.0f * a);
  float y = em / (em + 2.0f);
  y = std::copysign(y, x);
  return x != x ? x : y;
}

inline float sigmoid(float x) {
  // 1 / (1 + e^-x), computed from the side where the exponential does not overflow.
  float e = exp(-std::fabs(x));
  float pos = 1.0f / (1.0f + e);
  float y = x >= 0.0f ? pos : e * pos;
  return x != x ? x : y;
}

// sin and cos: reduce by pi/2 in double (accurate far beyond the float range
// people use), then Taylor polynomials on [-pi/4, pi/4] (error < 2e-9).
inline void reduce_half_pi(float x, float& r, int32_t& quadrant) {
  double k = std::nearbyint(double(x) * 0.63661977236758134);
  r = float(std::fma(-k, 1.5707963267948966, double(x)));
  quadrant = int32_t(int64_t(k) & 3);
}
inline float sin_poly(float r) {
  float z = r * r;
  float p = 1.0f / 362880;
  p = p * z - 1.0f / 5040;
  p = p * z + 1.0f / 120;
  p = p * z - 1.0f / 6;
  return std::fma(r * z, p, r);
}
inline float cos_poly(float r) {
  float z = r * r;
  float p = -1.0f / 3628800;
  p = p * z + 1.0f / 40320;
  p = p * z - 1.0f / 720;
  p = p * z + 1.0f / 24;
  p = p * z - 0.5f;
  return std::fma(z, p, 1.0f);
}
inline float sin(float x) {
  float r;
  int32_t q;
  reduce_half_pi(x, r, q);
  float s = sin_poly(r), c = cos_poly(r);
  float y = (q & 1) ? c : s;
  y = (q & 2) ? -y : y;
  return (x - x != 0.0f) ? std::numeric_limits<float>::quiet_NaN() : y;  // inf, nan
}
inline float cos(float x) {
  float r;
  int32_t q;
  reduce_half_pi(x, r, q);
  float s = sin_poly(r), c = cos_poly(r);
  float y = (q & 1) ? s : c;
  y = ((q + 1) & 2) ? -y : y;
  return (x - x != 0.0f) ? std::numeric_limits<float>::quiet_NaN() : y;
}

// erf: an odd Taylor series near 0 (|x| < 0.5), and 1 - erfc elsewhere with
// the classic Chebyshev-fitted erfc (fractional error < 1.2e-7).
inline float erf(float x) {
  float a = std::fabs(x);
  float z = x * x;
  float p = -1.0f / 75600;  // coefficients of 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
  p = p * z + 1.0f / 9360;
  p = p * z - 1.0f / 1320;
  p = p * z + 1.0f / 216;
  p = p * z - 1.0f / 42;
  p = p * z + 1.0f / 10;
  p = p * z - 1.0f / 3;
  float small = 1.1283791670955126f * std::fma(x * z, p, x);
  float t = 1.0f / (1.0f + 0.5f * a);
  float q = 0.17087277f;
  q = q * t - 0.82215223f;
  q = q * t + 1.48851587f;
  q = q * t - 1.13520398f;
  q = q * t + 0.27886807f;
  q = q * t - 0.18628806f;
  q = q * t + 0.09678418f;
  q = q * t + 0.37409196f;
  q = q * t + 1.00002368f;
  q = q * t - 1.26551223f;
  float erfc = t * exp(-z + q);
  float large = std::copysign(1.0f - erfc, x);
  float y = a < 0.5f ? small : large;
  return x != x ? x : y;
}

}  // namespace mlx_core::cpu::fast
