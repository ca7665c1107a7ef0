// Dtypes, categories and MLX's type-promotion table.
#pragma once

#include <complex>
#include <cstdint>
#include <string>

#include "mlx/half_types.h"

namespace mlx_core {

struct Dtype {
  // Order matters: it indexes the promotion table in dtype.cpp.
  enum class Val : uint8_t {
    bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
    float16, float32, float64, bfloat16, complex64,
  };
  static constexpr int count = 14;

  Val val;
  uint8_t size;

  constexpr Dtype(Val v, uint8_t s) : val(v), size(s) {}
  constexpr bool operator==(const Dtype& o) const { return val == o.val; }
  constexpr bool operator!=(const Dtype& o) const { return val != o.val; }
  constexpr int index() const { return static_cast<int>(val); }
};

inline constexpr Dtype bool_{Dtype::Val::bool_, 1};
inline constexpr Dtype uint8{Dtype::Val::uint8, 1};
inline constexpr Dtype uint16{Dtype::Val::uint16, 2};
inline constexpr Dtype uint32{Dtype::Val::uint32, 4};
inline constexpr Dtype uint64{Dtype::Val::uint64, 8};
inline constexpr Dtype int8{Dtype::Val::int8, 1};
inline constexpr Dtype int16{Dtype::Val::int16, 2};
inline constexpr Dtype int32{Dtype::Val::int32, 4};
inline constexpr Dtype int64{Dtype::Val::int64, 8};
inline constexpr Dtype float16{Dtype::Val::float16, 2};
inline constexpr Dtype float32{Dtype::Val::float32, 4};
inline constexpr Dtype float64{Dtype::Val::float64, 8};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16, 2};
inline constexpr Dtype complex64{Dtype::Val::complex64, 8};

Dtype dtype_from_index(int i);

enum class DtypeCategory {
  complexfloating, floating, inexact, signedinteger, unsignedinteger,
  integer, number, generic,
};

Dtype promote_types(Dtype a, Dtype b);
bool issubdtype(Dtype a, Dtype b);
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, Dtype b);
bool issubdtype(DtypeCategory a, DtypeCategory b);

const char* dtype_name(Dtype d);  // "float32"
const char* category_name(DtypeCategory c);

inline bool is_unsigned(Dtype d) {
  return d == uint8 || d == uint16 || d == uint32 || d == uint64;
}
inline bool is_signed_integer(Dtype d) {
  return d == int8 || d == int16 || d == int32 || d == int64;
}
inline bool is_integral(Dtype d) {  // bool counts, as in MLX's kernels
  return d == bool_ || is_unsigned(d) || is_signed_integer(d);
}
inline bool is_complex(Dtype d) { return d == complex64; }
inline bool is_floating_point(Dtype d) {
  return d == float16 || d == bfloat16 || d == float32 || d == float64;
}
inline bool is_inexact(Dtype d) { return is_floating_point(d) || is_complex(d); }

using complex64_t = std::complex<float>;

// C++ type for each dtype.
template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr Dtype value = bool_; };
template <> struct dtype_of<uint8_t> { static constexpr Dtype value = uint8; };
template <> struct dtype_of<uint16_t> { static constexpr Dtype value = uint16; };
template <> struct dtype_of<uint32_t> { static constexpr Dtype value = uint32; };
template <> struct dtype_of<uint64_t> { static constexpr Dtype value = uint64; };
template <> struct dtype_of<int8_t> { static constexpr Dtype value = int8; };
template <> struct dtype_of<int16_t> { static constexpr Dtype value = int16; };
template <> struct dtype_of<int32_t> { static constexpr Dtype value = int32; };
template <> struct dtype_of<int64_t> { static constexpr Dtype value = int64; };
template <> struct dtype_of<float16_t> { static constexpr Dtype value = float16; };
template <> struct dtype_of<float> { static constexpr Dtype value = float32; };
template <> struct dtype_of<double> { static constexpr Dtype value = float64; };
template <> struct dtype_of<bfloat16_t> { static constexpr Dtype value = bfloat16; };
template <> struct dtype_of<complex64_t> { static constexpr Dtype value = complex64; };

}  // namespace mlx_core
