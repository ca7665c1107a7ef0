// A persistent thread pool for large kernels. Work below a size threshold runs
// inline: waking threads costs more than small loops.
#pragma once

#include <cstddef>
#include <functional>

namespace mlx_core::cpu {

int num_threads();
// Workers spinning for the next job go to sleep at once. Called before handing
// the cores to another thread pool (OpenBLAS's): a spinning worker would take a
// core from it for up to a millisecond.
void release_workers();
// Calls fn(begin, end) over disjoint chunks covering [0, n). Runs inline when
// n * cost_per_item is small or only one thread is available.
void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

// Like parallel_for, but in chunks of `chunk` items: each thread walks its own
// contiguous share in order, then takes the chunks left in the others' shares,
// so a thread that starts late or runs slow does less. For memory-bound loops
// where a static split leaves one core idle at the end. fn(begin, end) is
// called once per chunk.
void parallel_for_dynamic(size_t n, size_t chunk, const std::function<void(size_t, size_t)>& fn);

// A streaming (memory-bound) loop over n items: inline below two grains, else
// parallel_for_dynamic in chunks of `grain` items (threading.cpp says why).
void parallel_for_streaming(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);
// The same with the default grain, kStreamingGrain.
void parallel_for_streaming(size_t n, const std::function<void(size_t, size_t)>& fn);

// Elements below which a streaming (memory-bound) kernel stays single-threaded.
constexpr size_t kStreamingGrain = 1 << 16;

}  // namespace mlx_core::cpu
