// The extension module: each family registers its bindings here.
#include <nanobind/nanobind.h>

namespace nb = nanobind;

void init_dtype(nb::module_& m);
void init_device(nb::module_& m);
void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_memory(nb::module_& m);
void init_transforms(nb::module_& m);
void init_compile(nb::module_& m);

NB_MODULE(_core, m) {
  m.doc() = "mlx_core: a fast re-implementation of the MLX array library";
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops(m);
  init_memory(m);
  init_transforms(m);
  init_compile(m);
}
