// float16 and bfloat16 storage types. Arithmetic happens in float32 and is
// rounded back to 16 bits after each op, which is how MLX rounds on the CPU.
#pragma once

#include <cstdint>
#include <cstring>

namespace mlx_core {

using float16_t = _Float16;  // GCC/Clang: IEEE binary16 with F16C conversions

struct bfloat16_t {
  uint16_t bits;
  bfloat16_t() = default;
  bfloat16_t(float f) : bits(from_float(f)) {}
  template <typename T, typename = decltype(static_cast<float>(T{}))>
  bfloat16_t(T v) : bfloat16_t(static_cast<float>(v)) {}
  operator float() const {
    uint32_t u = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  static uint16_t from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return uint16_t((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fff + ((u >> 16) & 1);  // round to nearest even
    return uint16_t(u >> 16);
  }
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t r;
    r.bits = b;
    return r;
  }
};

}  // namespace mlx_core
