// Bindings of the product ops: einsum, tensordot, inner/outer/kron/vecdot,
// addmm, the masked/gathered/segmented matmuls, hadamard_transform, fp8
// conversions, depends and the window functions.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "mlx/ops/einsum.h"
#include "mlx/ops/products.h"
#include "mlx/ops/shape_util.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// MLX takes `*operands` as arrays only; anything else fails its cast
// (std::bad_cast, a RuntimeError).
std::vector<array> operand_arrays(nb::args operands, const char* op) {
  std::vector<array> out;
  for (auto h : operands) {
    if (!nb::isinstance<array>(h)) {
      throw std::runtime_error(msg("[", op, "] Expected array operands, got ",
                                   nb::type_name(h.type()).c_str(), "."));
    }
    out.push_back(nb::cast<array>(h));
  }
  return out;
}

// An `array | Sequence[array]` argument; a single array is returned as is.
std::vector<array> array_or_list(nb::handle h, bool& single) {
  single = nb::isinstance<array>(h);
  if (single) return {nb::cast<array>(h)};
  if (!nb::isinstance<nb::sequence>(h) || nb::isinstance<nb::str>(h)) {
    throw std::runtime_error(msg("[depends] Expected an array or a sequence of arrays, got ",
                                 nb::type_name(h.type()).c_str(), "."));
  }
  std::vector<array> out;
  for (auto item : nb::borrow<nb::sequence>(h)) {
    if (!nb::isinstance<array>(item)) {
      throw std::runtime_error(msg("[depends] Expected arrays, got ",
                                   nb::type_name(item.type()).c_str(), "."));
    }
    out.push_back(nb::cast<array>(item));
  }
  return out;
}

}  // namespace

void init_products(nb::module_& m) {
  m.def("einsum", [](const std::string& subscripts, nb::args operands, StreamOrDevice s) {
    return einsum(subscripts, operand_arrays(operands, "einsum"), s);
  }, "subscripts"_a, "operands"_a, nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def einsum(subscripts: str, *operands, stream: Stream | Device | None = None) -> array"),
     R"(Perform the Einstein summation convention on the operands.

Contractions run through :func:`matmul` and share its requirements.

Args:
  subscripts (str): The Einstein summation convention equation.
  *operands (array): The input arrays.

Returns:
  array: The output array.)");
  m.def("einsum_path", [](const std::string& subscripts, nb::args operands) {
    auto [path, text] = einsum_path(subscripts, operand_arrays(operands, "einsum_path"));
    nb::list steps;
    for (auto& p : path) {
      nb::list t;
      for (int i : p) t.append(i);
      steps.append(nb::tuple(t));
    }
    return nb::make_tuple(steps, text);
  }, "subscripts"_a, "operands"_a,
     nb::sig("def einsum_path(subscripts: str, *operands)"),
     R"(Compute the contraction order for the given Einstein summation.

Args:
  subscripts (str): The Einstein summation convention equation.
  *operands (array): The input arrays.

Returns:
  tuple(list(tuple(int, int)), str):
    The einsum path and a string containing information about the
    chosen path.)");
}
