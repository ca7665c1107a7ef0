// Low-level compile helpers; mx.compile itself (cache, pytrees, captured
// state) is mlx_core/_compile.py on top of these.
#include <nanobind/nanobind.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "mlx/array.h"
#include "mlx/dtype.h"
#include "mlx/transforms/compile.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

void init_compile(nb::module_& m) {
  nb::class_<mlx_core::CompiledGraph>(m, "_CompiledGraph")
      .def_prop_ro("num_nodes", [](const mlx_core::CompiledGraph& g) { return g.nodes.size(); })
      .def_prop_ro("primitives", [](const mlx_core::CompiledGraph& g) {
        std::vector<std::string> names;
        for (auto& n : g.nodes) names.emplace_back(n.primitive->name());
        return names;
      });
  m.def("_compile_build", &mlx_core::build_compiled_graph, "outputs"_a, "tracers"_a,
        "shapeless"_a, "fuse"_a = true,
        "The simplified, fused program computing `outputs` from the placeholders `tracers`.");
  m.def("_compile_replay", &mlx_core::replay_compiled_graph, "graph"_a, "inputs"_a,
        "The outputs of a compiled program for new inputs (lazy).");
  // mx.compile's cache key when every positional argument is an array (the
  // common call), built as _compile.py builds it: (count, shape or ndim, dtype,
  // ...). None when an argument is something else.
  m.def("_compile_key", [](nb::tuple args, bool shapeless) -> nb::object {
    size_t n = args.size();
    nb::object key = nb::steal(PyTuple_New(Py_ssize_t(1 + 2 * n)));
    PyTuple_SET_ITEM(key.ptr(), 0, PyLong_FromSize_t(n));
    for (size_t i = 0; i < n; ++i) {
      nb::handle h = args[i];
      if (!nb::isinstance<mlx_core::array>(h)) return nb::none();  // no implicit conversions
      const mlx_core::array* a = nb::inst_ptr<mlx_core::array>(h);
      nb::object dims;
      if (shapeless) {
        dims = nb::int_(a->ndim());
      } else {
        dims = nb::steal(PyTuple_New(a->ndim()));
        for (int d = 0; d < a->ndim(); ++d) PyTuple_SET_ITEM(dims.ptr(), d, PyLong_FromLong(a->shape(d)));
      }
      PyTuple_SET_ITEM(key.ptr(), Py_ssize_t(1 + 2 * i), dims.release().ptr());
      PyTuple_SET_ITEM(key.ptr(), Py_ssize_t(2 + 2 * i), nb::cast(a->dtype()).release().ptr());
    }
    return key;
  }, "args"_a, "shapeless"_a);
  m.def("_compile_enter", &mlx_core::enter_compile_trace, "tracers"_a);
  m.def("_compile_exit", &mlx_core::exit_compile_trace);
}
