// Low-level autodiff helpers; the user API (grad, vjp, ... with pytrees and
// MLX's argument checks) is mlx_core/_transforms.py on top of these.
#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "mlx/primitives/custom.h"
#include "mlx/transforms/autodiff.h"
#include "mlx/transforms/vmap.h"
#include "python/convert.h"

#include <string>
#include <unordered_set>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// Names of the primitives of the unevaluated graph behind `outputs` (each
// once, in first-seen order): the rules test checks which primitive an op
// builds with it.
std::vector<std::string> graph_primitive_names(const std::vector<array>& outputs) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen_names;
  std::unordered_set<uintptr_t> seen_nodes;
  std::vector<array> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!a.has_primitive() || !seen_nodes.insert(a.id()).second) continue;
    std::string name = a.primitive().name();
    if (seen_names.insert(name).second) names.push_back(name);
    for (const auto& in : a.inputs()) stack.push_back(in);
  }
  return names;
}

}  // namespace

void init_transforms(nb::module_& m) {
  m.def("_graph_primitive_names", &graph_primitive_names, "outputs"_a,
        "Names of the primitives in the unevaluated graph behind `outputs`.");
  m.def("_enter_trace", &mlx_core::enter_trace);
  m.def("_exit_trace", &mlx_core::exit_trace);
  m.def("_make_tracer", &mlx_core::make_tracer, "primal"_a,
        "A fresh identity node standing for `primal` inside a transform.");
  m.def("_vjp_graph",
        [](const std::vector<array>& outputs, const std::vector<array>& tracers,
           const std::vector<array>& cotangents) {
          return mlx_core::vjp(outputs, tracers, cotangents);
        },
        "outputs"_a, "tracers"_a, "cotangents"_a,
        "Cotangents of `tracers` given those of `outputs` built from them.");
  m.def("_jvp_graph",
        [](const std::vector<array>& outputs, const std::vector<array>& tracers,
           const std::vector<array>& tangents) {
          return mlx_core::jvp(outputs, tracers, tangents);
        },
        "outputs"_a, "tracers"_a, "tangents"_a,
        "Tangents of `outputs` given those of the `tracers` they were built from.");
  m.def("_vmap_graph",
        [](const std::vector<array>& outputs, const std::vector<array>& tracers,
           const std::vector<array>& inputs, const std::vector<int>& in_axes) {
          return mlx_core::vmap(outputs, tracers, inputs, in_axes);
        },
        "outputs"_a, "tracers"_a, "inputs"_a, "in_axes"_a,
        "Batched outputs (and their batch axes, -1 if unbatched) of `outputs` built from "
        "per-example `tracers` of the batched `inputs`.");
  // mx.custom_function's node: Python callables (or None) become the rules.
  m.def("_custom_transforms",
        [](const std::vector<array>& primals, const std::vector<array>& outputs, nb::object vjp_fn,
           nb::object jvp_fn, nb::object vmap_fn) {
          // The graph may drop its callbacks without holding the GIL: release them with it.
          auto hold = [](nb::object f) {
            return std::shared_ptr<nb::object>(new nb::object(std::move(f)), [](nb::object* o) {
              nb::gil_scoped_acquire gil;
              delete o;
            });
          };
          mlx_core::CustomVJP vjp;
          mlx_core::CustomJVP jvp;
          if (!vjp_fn.is_none()) {
            vjp = [f = hold(vjp_fn)](const std::vector<array>& p, const std::vector<array>& c,
                                     const std::vector<array>& o) {
              nb::gil_scoped_acquire gil;
              return nb::cast<std::vector<array>>((*f)(p, c, o));
            };
          }
          if (!jvp_fn.is_none()) {
            jvp = [f = hold(jvp_fn)](const std::vector<array>& p, const std::vector<array>& t) {
              nb::gil_scoped_acquire gil;
              return nb::cast<std::vector<array>>((*f)(p, t));
            };
          }
          mlx_core::CustomVmap vmap;
          if (!vmap_fn.is_none()) {
            // Python gets and returns batch axes as ints, -1 for unbatched.
            vmap = [f = hold(vmap_fn)](const std::vector<array>& p, const std::vector<int>& axes) {
              nb::gil_scoped_acquire gil;
              return nb::cast<std::pair<std::vector<array>, std::vector<int>>>((*f)(p, axes));
            };
          }
          return mlx_core::CustomTransforms::wrap(primals, outputs, vjp, jvp, vmap);
        },
        "primals"_a, "outputs"_a, "vjp"_a.none(), "jvp"_a.none(), "vmap"_a.none() = nb::none());
}
