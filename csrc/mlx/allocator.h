// Host memory with a size-bucketed cache, and the memory statistics API.
#pragma once

#include <cstddef>

namespace mlx_core::allocator {

struct Buffer {
  void* ptr = nullptr;
  size_t size = 0;      // requested bytes
  size_t capacity = 0;  // bytes actually reserved (the cache bucket)
};

// Throws std::runtime_error (MLX's error kind) when memory cannot be had.
Buffer malloc(size_t size);
void free(Buffer b);

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t get_memory_limit();
size_t set_memory_limit(size_t limit);  // returns the previous limit
size_t set_cache_limit(size_t limit);
size_t set_wired_limit(size_t limit);
void clear_cache();

}  // namespace mlx_core::allocator
