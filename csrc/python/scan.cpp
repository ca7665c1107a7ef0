// Bindings of the cumulative ops and diff, with MLX's signatures.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>

#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

void init_scan(nb::module_& m) {
  m.def("cumsum", [](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                     std::optional<Dtype> dtype, StreamOrDevice s) {
    return cumsum(a, axis, reverse, inclusive, dtype, s);
  }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
     "dtype"_a = nb::none(), "stream"_a = nb::none(),
     "Cumulative sum along `axis` (the flattened array when None). `reverse` scans from the "
     "end, `inclusive=False` leaves each element out of its own output, `dtype` casts the "
     "input first. bool inputs count in int32.");
  m.def("cumprod", [](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                      std::optional<Dtype> dtype, StreamOrDevice s) {
    return cumprod(a, axis, reverse, inclusive, dtype, s);
  }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
     "dtype"_a = nb::none(), "stream"_a = nb::none(),
     "Cumulative product along `axis` (the flattened array when None); see cumsum for the "
     "keywords.");
  // MLX exposes the NumPy 2 names as the same functions.
  m.attr("cumulative_sum") = m.attr("cumsum");
  m.attr("cumulative_prod") = m.attr("cumprod");
  m.def("cummax", [](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                     StreamOrDevice s) { return cummax(a, axis, reverse, inclusive, s); },
     "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
     "stream"_a = nb::none(),
     "Running maximum along `axis` (the flattened array when None); NaN propagates.");
  m.def("cummin", [](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                     StreamOrDevice s) { return cummin(a, axis, reverse, inclusive, s); },
     "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
     "stream"_a = nb::none(),
     "Running minimum along `axis` (the flattened array when None); NaN propagates.");
  m.def("logcumsumexp", [](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                           StreamOrDevice s) { return logcumsumexp(a, axis, reverse, inclusive, s); },
     "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
     "stream"_a = nb::none(),
     "Running log(sum(exp(x))) along `axis`, computed without overflow; integer inputs give "
     "float32.");
  m.def("diff", [](const array& a, int n, int axis, StreamOrDevice s) { return diff(a, n, axis, s); },
     "a"_a, "n"_a = 1, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
     "The n-th discrete difference along `axis` (for bool inputs, where neighbours differ).");
}
