// Dtype, DtypeCategory, the dtype objects and promotion queries.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include "mlx/dtype.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;
using namespace mlx_core;

void init_dtype(nb::module_& m) {
  nb::class_<Dtype>(m, "Dtype", "An object holding the type of an array's elements.")
      .def_prop_ro("size", [](const Dtype& d) { return int(d.size); }, "Size of the type in bytes.")
      .def("__repr__", [](const Dtype& d) { return std::string("mlx_core.") + dtype_name(d); })
      .def("__eq__", [](const Dtype& a, nb::handle b) {
        return nb::isinstance<Dtype>(b) && a == nb::cast<Dtype>(b);
      })
      .def("__hash__", [](const Dtype& d) { return d.index(); });

  const std::pair<const char*, Dtype> dtypes[] = {
      {"bool_", bool_}, {"uint8", uint8}, {"uint16", uint16}, {"uint32", uint32},
      {"uint64", uint64}, {"int8", int8}, {"int16", int16}, {"int32", int32},
      {"int64", int64}, {"float16", float16}, {"float32", float32}, {"float64", float64},
      {"bfloat16", bfloat16}, {"complex64", complex64}};
  for (auto& [name, d] : dtypes) m.attr(name) = nb::cast(d);

  nb::enum_<DtypeCategory>(m, "DtypeCategory", "Type to hold categories of dtypes.")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic);
  for (auto c : {DtypeCategory::complexfloating, DtypeCategory::floating, DtypeCategory::inexact,
                 DtypeCategory::signedinteger, DtypeCategory::unsignedinteger,
                 DtypeCategory::integer, DtypeCategory::number, DtypeCategory::generic}) {
    m.attr(category_name(c)) = nb::cast(c);
  }

  m.def("issubdtype", [](nb::handle a, nb::handle b) {
    auto is_dt = [](nb::handle h) { return nb::isinstance<Dtype>(h); };
    auto is_cat = [](nb::handle h) { return nb::isinstance<DtypeCategory>(h); };
    if (!is_dt(a) && !is_cat(a)) throw std::invalid_argument("[issubdtype] Received invalid type for first input.");
    if (!is_dt(b) && !is_cat(b)) throw std::invalid_argument("[issubdtype] Received invalid type for second input.");
    if (is_dt(a) && is_dt(b)) return issubdtype(nb::cast<Dtype>(a), nb::cast<Dtype>(b));
    if (is_dt(a)) return issubdtype(nb::cast<Dtype>(a), nb::cast<DtypeCategory>(b));
    if (is_dt(b)) return issubdtype(nb::cast<DtypeCategory>(a), nb::cast<Dtype>(b));
    return issubdtype(nb::cast<DtypeCategory>(a), nb::cast<DtypeCategory>(b));
  }, "arg1"_a, "arg2"_a, "Check if a Dtype or DtypeCategory is a subtype of another.");

  m.def("result_type", [](nb::args args) {
    if (args.size() == 0) throw std::invalid_argument("[result_type] At least one input is required.");
    std::optional<Dtype> out;
    for (auto h : args) {
      if (!nb::isinstance<Dtype>(h) && !nb::isinstance<array>(h)) {
        throw std::invalid_argument("[result_type] Inputs must be arrays or dtypes.");
      }
      Dtype d = nb::isinstance<Dtype>(h) ? nb::cast<Dtype>(h) : nb::cast<array>(h).dtype();
      out = out ? promote_types(*out, d) : d;
    }
    return *out;
  }, nb::sig("def result_type(*arrays_and_dtypes: array | Dtype) -> Dtype"),
     "The type that results from applying type promotion to the inputs.");

  m.def("_promote_types", [](Dtype a, Dtype b) { return promote_types(a, b); });
}
