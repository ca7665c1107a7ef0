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
// The dtype a Python scalar takes next to an array of dtype `other`.
array scalar_to_array(nb::handle scalar, Dtype other);
bool is_python_scalar(nb::handle obj);

#include <nanobind/ndarray.h>
nb::dlpack::dtype dlpack_dtype(Dtype d);
nb::object to_numpy(array a);  // evaluates; shares memory when possible
nb::object tolist(array a);
nb::object item(array a);
std::string array_repr(array a);
