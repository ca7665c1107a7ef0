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

  using Axes2 = std::variant<int, std::vector<std::vector<int>>>;
  m.def("tensordot", [](const array& a, const array& b, const Axes2& axes, StreamOrDevice s) {
    if (auto* n = std::get_if<int>(&axes)) return tensordot(a, b, *n, s);
    auto& lists = std::get<std::vector<std::vector<int>>>(axes);
    if (lists.size() != 2) {
      throw std::invalid_argument("[tensordot] axes must be a list of two lists.");
    }
    return tensordot(a, b, lists[0], lists[1], s);
  }, nb::arg(), nb::arg(), "axes"_a = 2, nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def tensordot(a: array, b: array, /, axes: int | list[Sequence[int]] = 2, *, stream: Stream | Device | None = None) -> array"),
     "Compute the tensor dot product along the specified axes.");
  m.def("inner", [](const array& a, const array& b, StreamOrDevice s) { return inner(a, b, s); },
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def inner(a: array, b: array, /, *, stream: Stream | Device | None = None) -> array"),
        "Ordinary inner product of vectors for 1-D arrays, in higher dimensions a sum product "
        "over the last axes.");
  m.def("outer", [](const array& a, const array& b, StreamOrDevice s) { return outer(a, b, s); },
        nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def outer(a: array, b: array, /, *, stream: Stream | Device | None = None) -> array"),
        "Compute the outer product of two 1-D arrays (other arrays are flattened first).");
  m.def("kron", [](const array& a, const array& b, StreamOrDevice s) { return kron(a, b, s); },
        "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(),
        "Compute the Kronecker product of two arrays ``a`` and ``b``.");
  m.def("vecdot", [](const array& a, const array& b, int axis, StreamOrDevice s) {
    return vecdot(a, b, axis, s);
  }, nb::arg(), nb::arg(), nb::kw_only(), "axis"_a = -1, "stream"_a = nb::none(),
     nb::sig("def vecdot(a: array, b: array, /, *, axis: int = -1, stream: Stream | Device | None = None) -> array"),
     "Compute the vector dot product of two arrays along an axis (``a`` is conjugated).");
  m.def("addmm", [](const array& c, const array& a, const array& b, float alpha, float beta,
                    StreamOrDevice s) { return addmm(c, a, b, alpha, beta, s); },
        "c"_a, nb::arg(), nb::arg(), "alpha"_a = 1.0f, "beta"_a = 1.0f, nb::kw_only(),
        "stream"_a = nb::none(),
     nb::sig("def addmm(c: array, a: array, b: array, /, alpha: float = 1.0, beta: float = 1.0, *, stream: Stream | Device | None = None) -> array"), "Matrix multiplication with addition: ``alpha * (a @ b) + beta * c``.");
  m.def("block_masked_mm", [](const array& a, const array& b, int block_size,
                              std::optional<array> mask_out, std::optional<array> mask_lhs,
                              std::optional<array> mask_rhs, StreamOrDevice s) {
    return block_masked_mm(a, b, block_size, mask_out, mask_lhs, mask_rhs, s);
  }, nb::arg(), nb::arg(), "block_size"_a = 64, "mask_out"_a = nb::none(),
     "mask_lhs"_a = nb::none(), "mask_rhs"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def block_masked_mm(a: array, b: array, /, block_size: int = 64, mask_out: array | None = None, mask_lhs: array | None = None, mask_rhs: array | None = None, *, stream: Stream | Device | None = None) -> array"),
     "Matrix multiplication with ``block_size x block_size`` blocks of the output and the "
     "operands masked (bool masks) or scaled (other masks).");
  m.def("gather_mm", [](const array& a, const array& b, std::optional<array> lhs_indices,
                        std::optional<array> rhs_indices, bool sorted_indices, StreamOrDevice s) {
    return gather_mm(a, b, lhs_indices, rhs_indices, sorted_indices, s);
  }, nb::arg(), nb::arg(), "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(),
     nb::kw_only(), "sorted_indices"_a = false, "stream"_a = nb::none(),
     nb::sig("def gather_mm(a: array, b: array, /, lhs_indices: array | None = None, rhs_indices: array | None = None, *, sorted_indices: bool = False, stream: Stream | Device | None = None) -> array"),
     "Matrix multiplication of matrices picked from the batches of ``a`` and ``b`` by flat "
     "indices.");
  m.def("segmented_mm", [](const array& a, const array& b, const array& segments,
                           StreamOrDevice s) { return segmented_mm(a, b, segments, s); },
        nb::arg(), nb::arg(), "segments"_a, nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def segmented_mm(a: array, b: array, /, segments: array, *, stream: Stream | Device | None = None) -> array"),
        "Matrix products of the segments ``(k0, k1)`` of the inner dimension, one per segment.");
  m.def("hadamard_transform", [](const array& a, std::optional<float> scale, StreamOrDevice s) {
    return hadamard_transform(a, scale, s);
  }, "a"_a, "scale"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def hadamard_transform(a: array, scale: float | None = None, stream: Stream | Device | None = None) -> array"),
     "Perform the Walsh-Hadamard transform along the final axis (sizes ``m * 2^k`` for ``m`` in "
     "1, 12, 20, 28); ``scale`` defaults to ``1/sqrt(n)``.");
  m.def("to_fp8", [](const array& x, StreamOrDevice s) { return to_fp8(x, s); }, "x"_a,
        nb::kw_only(), "stream"_a = nb::none(),
        "Convert the array to fp8 (e4m3) from another floating-point type.");
  m.def("from_fp8", [](const array& x, Dtype dtype, StreamOrDevice s) {
    return from_fp8(x, dtype, s);
  }, "x"_a, "dtype"_a = bfloat16, nb::kw_only(), "stream"_a = nb::none(),
     "Convert the array from fp8 (e4m3) to another floating-point type.");
  m.def("depends", [](nb::handle inputs, nb::handle dependencies) -> nb::object {
    bool single_in = false, single_dep = false;
    auto ins = array_or_list(inputs, single_in);
    auto deps = array_or_list(dependencies, single_dep);
    auto outs = depends(ins, deps);
    if (single_in) return nb::cast(outs[0]);
    nb::list l;
    for (auto& o : outs) l.append(o);
    return l;
  }, "inputs"_a, "dependencies"_a,
     nb::sig("def depends(inputs: array | Sequence[array], dependencies: array | Sequence[array])"),
     "Insert dependencies between arrays in the graph: the outputs equal ``inputs`` but are "
     "evaluated after ``dependencies``.");
  struct { const char* name; array (*fn)(int, StreamOrDevice); } windows[] = {
      {"bartlett", bartlett}, {"blackman", blackman}, {"hamming", hamming}, {"hanning", hanning}};
  for (auto& w : windows) {
    auto fn = w.fn;
    m.def(w.name, [fn](int M, StreamOrDevice s) { return fn(M, s); }, "M"_a, nb::kw_only(),
          "stream"_a = nb::none(), "Return the window of M points (maximum normalised to one).");
  }
}
