// Low-level compile helpers; mx.compile itself (cache, pytrees, captured
// state) is mlx_core/_compile.py on top of these.
#include <nanobind/nanobind.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

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
  m.def("_compile_enter", &mlx_core::enter_compile_trace, "tracers"_a);
  m.def("_compile_exit", &mlx_core::exit_compile_trace);
}
