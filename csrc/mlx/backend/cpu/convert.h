// Value conversion between dtypes with MLX's rules: complex -> real takes the
// real part, anything -> bool tests != 0, 16-bit floats go through float.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "mlx/dtype.h"

namespace mlx_core::cpu {

template <typename T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// float -> uint32/uint64 as MLX 0.32.4 computes it on x86-64: values from 2^(n-1)
// up convert as (v - 2^(n-1)) with the top bit set back; everything else through
// the signed type, where out-of-range values and NaN give its minimum (the x86
// "integer indefinite"). So -300 wraps to 2^32 - 300, inf gives 0, NaN and -inf
// give 2^(n-1). (For uint32 this is MLX's vectorised loop; its scalar tail
// differs below -2^31 and from 2^32 up, where the C++ conversion is undefined.)
template <typename U, typename F>
inline U float_to_unsigned(F v) {
  using S = std::make_signed_t<U>;
  constexpr F top = F(U(1) << (sizeof(U) * 8 - 1));
  bool high = v >= top;
  F w = high ? v - top : v;
  bool fits = w >= -top && w < top;  // false for NaN
  S s = S(fits ? w : F(0));
  s = fits ? s : std::numeric_limits<S>::min();
  return U(s) ^ (high ? U(top) : U(0));
}

template <typename Out, typename In>
inline Out convert(In v) {
  if constexpr (std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (std::is_same_v<In, complex64_t> && std::is_same_v<Out, bool>) {
    return v.real() != 0 || v.imag() != 0;
  } else if constexpr (std::is_same_v<In, complex64_t>) {
    return convert<Out>(v.real());
  } else if constexpr (std::is_same_v<Out, complex64_t>) {
    return complex64_t(convert<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<In, bfloat16_t>) {
    return convert<Out>(static_cast<float>(v));
  } else if constexpr ((std::is_same_v<Out, uint32_t> || std::is_same_v<Out, uint64_t>) &&
                       (std::is_floating_point_v<In> || is_half_v<In>)) {
    using F = std::conditional_t<std::is_same_v<In, double>, double, float>;
    if constexpr (std::is_same_v<In, float16_t> && std::is_same_v<Out, uint32_t>) {
      // MLX converts float16 through int64 here (its scalar path): NaN and -inf give 0.
      return uint32_t(float_to_unsigned<uint64_t>(static_cast<float>(v)));
    } else {
      return float_to_unsigned<Out>(static_cast<F>(v));
    }
  } else if constexpr (std::is_same_v<Out, bool>) {
    return v != In(0);
  } else if constexpr (std::is_same_v<Out, bfloat16_t>) {
    return bfloat16_t(static_cast<float>(v));
  } else {
    return static_cast<Out>(v);
  }
}

// The type kernels compute in: 16-bit floats widen to float.
template <typename T>
using compute_t = std::conditional_t<is_half_v<T>, float, T>;

}  // namespace mlx_core::cpu
