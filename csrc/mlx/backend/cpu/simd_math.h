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
  return x != x ? x + x : y;  // x + x quiets a signalling NaN, as the C library does
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
  y = x < 0.0f ? -std::numeric_limits<float>::quiet_NaN() : y;  // logf gives x86's default NaN
  return x != x ? x + x : y;
}

inline float tanh(float x) {
  float ax = std::fabs(x);
  float a = ax < 9.5f ? ax : 9.5f;  // tanh(9.5) rounds to 1 in float
  float em = expm1(2.0f * a);
  float y = em / (em + 2.0f);
  y = std::copysign(y, x);
  return x != x ? x + x : y;
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

// MLX 0.32.4's CPU exp, reproduced bit for bit: e^x = 2^i * 2^f with
// i = floor(x log2(e) + 1/2), f in [-1/2, 1/2], 2^f from a degree-6 polynomial
// evaluated with fused multiply-adds; results below 2^-126 flush to 0, and x
// outside [-88, 88] gives 0 or inf. Up to ~16 ulp from the true value.
// The product x * log2(e) is taken through fma(x, c, 0) so that the compiler
// (-ffp-contract=fast) cannot fuse it into the following add or subtract: MLX
// rounds it first.
inline float exp_mlx(float x) {
  float xc = clampf(x, -88.0f, 88.0f);  // keeps the float -> int conversion defined
  float y = std::fma(xc, 1.442695f, 0.0f);
  float i = std::floor(y + 0.5f);
  float f = y - i;
  float p = 1.535336188319500e-4f;
  p = std::fma(p, f, 1.339887440266574e-3f);
  p = std::fma(p, f, 9.618437357674640e-3f);
  p = std::fma(p, f, 5.550332471162809e-2f);
  p = std::fma(p, f, 2.402264791363012e-1f);
  p = std::fma(p, f, 6.931472028550421e-1f);
  p = std::fma(p, f, 1.0f);
  float r = bits_to_float((int32_t(i) + 127) << 23) * p;
  r = x > 88.0f ? std::numeric_limits<float>::infinity() : r;
  r = x < -88.0f ? 0.0f : r;
  return x != x ? x : r;
}

// erf as MLX 0.32.4 computes it on the CPU, bit for bit: Abramowitz & Stegun
// 7.1.26, erf(|x|) = 1 - t (a1 + a2 t + ... + a5 t^4) e^{-x^2} with
// t = 1 / (1 + p |x|), the polynomial by fused multiply-adds, e^{-x^2} from
// exp_mlx, the sign from x. Absolute error up to ~1.5e-7 (the
// approximation's own), so tiny |x| gives 0 rather than 2x/sqrt(pi).
inline float erf(float x) {
  // A NaN comes out quiet with its payload and the sign set, as MLX's vector
  // form gives it. Here the compiler picks which NaN operand of the last
  // multiply-add is first (the instruction's operand order), and one of them
  // is negated: without this check the sign depended on the build.
  if (x != x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    bits |= 0x80400000u;
    std::memcpy(&x, &bits, sizeof bits);
    return x;
  }
  float a = std::fabs(x);
  float t = 1.0f / std::fma(0.3275911f, a, 1.0f);
  float p = std::fma(1.061405429f, t, -1.453152027f);
  p = std::fma(p, t, 1.421413741f);
  p = std::fma(p, t, -0.284496736f);
  p = std::fma(p, t, 0.254829592f);
  float y = std::fma(p, -(t * exp_mlx(-(x * x))), 1.0f);
  return x > 0.0f ? y : -y;  // as MLX: erf(+0) is -0
}

// sigmoid as MLX 0.32.4 computes it (bit for bit): y = 1 / (1 + e^|x|) from
// exp_mlx is the smaller of sigmoid(x) and sigmoid(-x); the other is 1 - y.
inline float sigmoid(float x) {
  float y = 1.0f / (1.0f + exp_mlx(std::fabs(x)));
  return x < 0.0f ? y : 1.0f - y;
}

}  // namespace mlx_core::cpu::fast
