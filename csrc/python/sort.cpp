// Bindings of sorting and searching, with MLX's signatures.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using Axes = std::optional<std::variant<int, std::vector<int>>>;

std::vector<int> axes_or_all(const Axes& axes, int ndim) {
  if (!axes) return all_axes(ndim);
  if (std::holds_alternative<int>(*axes)) return {std::get<int>(*axes)};
  return std::get<std::vector<int>>(*axes);
}

}  // namespace

void init_sort(nb::module_& m) {
  m.def("sort", [](const array& a, std::optional<int> axis, StreamOrDevice s) { return sort(a, axis, s); },
        "a"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        "A sorted copy of `a` along `axis` (flattened when None). Stable; NaN goes last.");
  m.def("argsort", [](const array& a, std::optional<int> axis, StreamOrDevice s) { return argsort(a, axis, s); },
        "a"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        "The uint32 indices that sort `a` along `axis` (flattened when None). Stable; NaN last.");
  m.def("partition", [](const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
    return partition(a, kth, axis, s);
  }, "a"_a, "kth"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
     "A copy of `a` with the element of sorted rank `kth` at index `kth`, smaller or equal "
     "elements before it and greater or equal ones after (in no particular order).");
  m.def("argpartition", [](const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
    return argpartition(a, kth, axis, s);
  }, "a"_a, "kth"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
     "The uint32 indices that partition `a` around its element of sorted rank `kth`.");
  m.def("topk", [](const array& a, int k, std::optional<int> axis, StreamOrDevice s) {
    return topk(a, k, axis, s);
  }, "a"_a, "k"_a, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
     "The `k` largest elements along `axis` (flattened when None). MLX leaves their order "
     "unspecified; mlx_core returns them in ascending order.");
  m.def("searchsorted", [](const array& seq, const array& values, const std::string& side, StreamOrDevice s) {
    return searchsorted(seq, values, side, s);
  }, "sorted_sequence"_a, "values"_a, "side"_a = "left", nb::kw_only(), "stream"_a = nb::none(),
     "uint32 indices where `values` would be inserted into the ascending 1-D "
     "`sorted_sequence` to keep it sorted: the first such place for side='left', the last "
     "for side='right'.");
  m.def("unique", [](const array& a, int size, bool return_index, bool return_inverse,
                     bool return_counts, nb::handle fill_value, StreamOrDevice s) -> nb::object {
    std::optional<array> fill;
    if (!fill_value.is_none()) {
      fill = is_python_scalar(fill_value) ? scalar_to_array(fill_value, a.dtype()) : to_operand(fill_value);
    }
    auto outs = unique(a, size, return_index, return_inverse, return_counts, fill, s);
    if (outs.size() == 1) return nb::cast(outs[0]);
    return nb::tuple(nb::cast(outs));
  }, "a"_a, "size"_a, "return_index"_a = false, "return_inverse"_a = false,
     "return_counts"_a = false, "fill_value"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def unique(a: array, /, size: int, return_index: bool = False, return_inverse: bool = False, "
             "return_counts: bool = False, fill_value: scalar | array | None = None, *, "
             "stream: Stream | Device | None = None) -> array | tuple[array, ...]"),
     "The `size` smallest unique values of the flattened `a` (padded with `fill_value`, by "
     "default the first unique value), and optionally the index of each one's first "
     "occurrence, the inverse that rebuilds `a`, and the counts.");
  m.def("median", [](const array& a, const Axes& axis, bool keepdims, StreamOrDevice s) {
    std::optional<std::vector<int>> axes;
    if (axis) axes = axes_or_all(axis, a.ndim());
    return median(a, axes, keepdims, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
     "The median over `axis` (every axis when None); integers give float32, NaN propagates.");
  m.def("minmax", [](const array& a, const Axes& axis, bool keepdims, StreamOrDevice s) {
    return minmax(a, axes_or_all(axis, a.ndim()), keepdims, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
     "The minimum and the maximum over `axis` (every axis when None), as a tuple.");
  m.def("count_nonzero", [](const array& a, const Axes& axis, bool keepdims, StreamOrDevice s) {
    return count_nonzero(a, axes_or_all(axis, a.ndim()), keepdims, s);
  // MLX 0.32.4 documents axis as keyword-only but accepts it by position.
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
     "The number of non-zero elements over `axis` (every axis when None), as int32.");
}
