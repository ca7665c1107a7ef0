// Value conversion between dtypes with MLX's rules: complex -> real takes the
// real part, anything -> bool tests != 0, 16-bit floats go through float.
#pragma once

#include <type_traits>

#include "mlx/dtype.h"

namespace mlx_core::cpu {

template <typename T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

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
