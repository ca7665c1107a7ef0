// Low-level autodiff helpers; the user API (grad, vjp, ... with pytrees and
// MLX's argument checks) is mlx_core/_transforms.py on top of these.
#include <nanobind/nanobind.h>
#include <nanobind/stl/vector.h>

#include "mlx/transforms/autodiff.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

void init_transforms(nb::module_& m) {
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
}
