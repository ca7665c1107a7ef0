// Python <-> array conversions shared by the bindings.
#pragma once

#include <nanobind/nanobind.h>

#include <nanobind/stl/variant.h>

#include <optional>
#include <variant>

#include "mlx/ops.h"


namespace nb = nanobind;
using namespace mlx_core;

// Any array-like (array, Python scalar, nested list/tuple, NumPy array or
// buffer) to an array; dtype=None infers as MLX does.
array to_array(nb::handle obj, std::optional<Dtype> dtype = std::nullopt);
// An op operand typed `array | scalar` in MLX: lists are rejected.
array to_operand(nb::handle obj);
// Binary-op operands: a Python scalar next to an array is "weak" and takes
// the array's dtype where it fits (int32 array + 1.5 -> float32).
std::pair<array, array> to_arrays(nb::handle a, nb::handle b);
// Exactly a Python bool, int, float or complex (not a NumPy scalar subclass).
bool is_plain_scalar(nb::handle h);
// The dtype a Python scalar takes next to an array of dtype `other`.
array scalar_to_array(nb::handle scalar, Dtype other);
// The same as the operand of a binary op with `other`, in other's shape when that
// has one element (so that no Broadcast is needed).
array scalar_operand(nb::handle scalar, const array& other);
bool is_python_scalar(nb::handle obj);

// A shape argument typed Sequence[int], read as MLX reads shapes: 32-bit
// dims, where an int that fits int64 but not int32 raises OverflowError
// (other bad input fails the signature check with a TypeError).
struct ShapeArg {
  Shape value;
};

namespace nanobind::detail {
template <>
struct type_caster<ShapeArg> {
  NB_TYPE_CASTER(ShapeArg, const_name("collections.abc.Sequence[int]"))
  bool from_python(handle src, uint32_t flags, cleanup_list* cleanup);  // may throw
  static handle from_cpp(const ShapeArg& shape, rv_policy, cleanup_list*) noexcept;
};
}  // namespace nanobind::detail

// The `int | Sequence[int]` shape of zeros/ones/full/empty. As in MLX, an int
// beyond int32 raises OverflowError and anything unreadable RuntimeError.
Shape shape_from_python(nb::handle shape, const char* op);

#include <nanobind/ndarray.h>
nb::dlpack::dtype dlpack_dtype(Dtype d);
nb::object to_numpy(array a);
// A DLPack-capable CPU object to an array (io.cpp): copy=None shares memory
// when the dtype needs no conversion, False insists on sharing, True copies.
array dlpack_to_array(nb::handle obj, std::optional<bool> copy);  // evaluates; shares memory when possible
nb::object tolist(array a);
nb::object item(array a);
std::string array_repr(array a);
