// The extension module: each family registers its bindings here.
#include <nanobind/nanobind.h>

namespace nb = nanobind;

void init_dtype(nb::module_& m);
void init_device(nb::module_& m);
void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_memory(nb::module_& m);
void init_transforms(nb::module_& m);
void init_conv(nb::module_& m);
void init_products(nb::module_& m);
void init_indexing(nb::module_& m);
void init_scan(nb::module_& m);
void init_sort(nb::module_& m);
void init_random(nb::module_& m);
void init_io(nb::module_& m);
void init_compile(nb::module_& m);
void init_export(nb::module_& m);

NB_MODULE(_core, m) {
  m.doc() = "mlx_core: a fast re-implementation of the MLX array library";
  // Python does not promise to collect every object before shutdown (e.g. bound
  // functions held in module globals of a test session), which nanobind would
  // report as leaks. Array memory is checked by tests through get_active_memory.
  nb::set_leak_warnings(false);
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops(m);
  init_memory(m);
  init_transforms(m);
  init_conv(m);
  init_products(m);
  init_indexing(m);
  init_scan(m);
  init_sort(m);
  init_random(m);
  init_io(m);
  init_compile(m);
  init_export(m);
}
