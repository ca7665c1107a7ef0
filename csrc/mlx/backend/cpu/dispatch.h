// The one place that turns a runtime Dtype into a C++ type. Kernels write
//   dispatch_float(out.dtype(), "exp", [&](auto tag) { using T = typename decltype(tag)::type; ... });
// and only instantiate the types of their category.
#pragma once

#include <stdexcept>
#include <string>

#include "mlx/dtype.h"

namespace mlx_core::cpu {

template <typename T>
struct TypeTag {
  using type = T;
};

[[noreturn]] inline void unsupported_dtype(const char* op, Dtype d) {
  throw std::invalid_argument(std::string("[") + op + "] Unsupported dtype " + dtype_name(d) + ".");
}

#define MLX_CORE_CASE(DT, T) \
  case Dtype::Val::DT:       \
    return f(TypeTag<T>{});

template <typename F>
auto dispatch_float(Dtype d, const char* op, F&& f) {  // real floating types
  switch (d.val) {
    MLX_CORE_CASE(float16, float16_t)
    MLX_CORE_CASE(bfloat16, bfloat16_t)
    MLX_CORE_CASE(float32, float)
    MLX_CORE_CASE(float64, double)
    default: unsupported_dtype(op, d);
  }
}

template <typename F>
auto dispatch_inexact(Dtype d, const char* op, F&& f) {  // floating and complex
  if (d == complex64) return f(TypeTag<complex64_t>{});
  return dispatch_float(d, op, std::forward<F>(f));
}

template <typename F>
auto dispatch_integer(Dtype d, const char* op, F&& f) {  // integers and bool
  switch (d.val) {
    MLX_CORE_CASE(bool_, bool)
    MLX_CORE_CASE(uint8, uint8_t)
    MLX_CORE_CASE(uint16, uint16_t)
    MLX_CORE_CASE(uint32, uint32_t)
    MLX_CORE_CASE(uint64, uint64_t)
    MLX_CORE_CASE(int8, int8_t)
    MLX_CORE_CASE(int16, int16_t)
    MLX_CORE_CASE(int32, int32_t)
    MLX_CORE_CASE(int64, int64_t)
    default: unsupported_dtype(op, d);
  }
}

template <typename F>
auto dispatch_real(Dtype d, const char* op, F&& f) {  // everything but complex
  if (is_floating_point(d)) return dispatch_float(d, op, std::forward<F>(f));
  return dispatch_integer(d, op, std::forward<F>(f));
}

template <typename F>
auto dispatch_all(Dtype d, const char* op, F&& f) {
  if (d == complex64) return f(TypeTag<complex64_t>{});
  return dispatch_real(d, op, std::forward<F>(f));
}

// By element size only: for kernels that move bytes (copies, gathers).
template <typename F>
auto dispatch_bytes(size_t itemsize, const char* op, F&& f) {
  switch (itemsize) {
    case 1: return f(TypeTag<uint8_t>{});
    case 2: return f(TypeTag<uint16_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    case 8: return f(TypeTag<uint64_t>{});
    default: throw std::invalid_argument(std::string("[") + op + "] Bad element size.");
  }
}

#undef MLX_CORE_CASE

}  // namespace mlx_core::cpu
