// Memory statistics and limits.
#include <nanobind/nanobind.h>

#include "mlx/allocator.h"
#include "mlx/array.h"

namespace nb = nanobind;
using namespace nb::literals;
using namespace mlx_core;

void init_memory(nb::module_& m) {
  m.def("get_active_memory", &allocator::get_active_memory, "Bytes in use by arrays.");
  m.def("get_peak_memory", &allocator::get_peak_memory, "Peak bytes in use since start or reset.");
  m.def("reset_peak_memory", &allocator::reset_peak_memory, "Reset the peak memory to zero.");
  m.def("get_cache_memory", &allocator::get_cache_memory, "Bytes held in the buffer cache.");
  m.def("get_memory_limit", &allocator::get_memory_limit, "The memory limit in bytes.");
  m.def("set_memory_limit", &allocator::set_memory_limit, "limit"_a,
        "Set the memory limit; returns the previous one.");
  m.def("set_cache_limit", &allocator::set_cache_limit, "limit"_a,
        "Set the buffer cache limit; returns the previous one.");
  m.def("set_wired_limit", &allocator::set_wired_limit, "limit"_a,
        "Set the wired memory limit (no effect on this platform); returns the previous one.");
  m.def("clear_cache", &allocator::clear_cache, "Free the buffer cache.");
}
