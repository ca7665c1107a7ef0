#include "mlx/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlx_core::allocator {

namespace {

// Sizes are rounded to a bucket so freed buffers can be reused by requests
// of a similar size: a fresh large buffer costs page faults on every touch.
size_t bucket_size(size_t n) {
  if (n <= 256) return 256;
  if (n < (size_t(1) << 20)) {  // powers of two below 1 MiB
    size_t b = 512;
    while (b < n) b <<= 1;
    return b;
  }
  size_t page = 1 << 16;  // above: multiples of 64 KiB
  return (n + page - 1) / page * page;
}

size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return (pages > 0 && page > 0) ? size_t(pages) * size_t(page) : (size_t(1) << 34);
}

struct Allocator {
  std::mutex mutex;
  std::multimap<size_t, void*> cache;  // bucket size -> free block
  std::vector<void*> small_blocks;     // free 256-byte blocks: tiny arrays are the common case
  size_t active = 0, peak = 0, cached = 0;
  size_t memory_limit = physical_memory() / 10 * 8;
  size_t cache_limit = physical_memory();

  void trim_cache(size_t target) {
    while (cached > target && !small_blocks.empty()) {
      std::free(small_blocks.back());
      small_blocks.pop_back();
      cached -= 256;
    }
    while (cached > target && !cache.empty()) {
      auto it = cache.begin();  // evict small blocks first; cheap to recreate
      cached -= it->first;
      std::free(it->second);
      cache.erase(it);
    }
  }
};

Allocator& state() {
  static Allocator* a = new Allocator();  // never destroyed: arrays may outlive statics
  return *a;
}

}  // namespace

Buffer malloc(size_t size) {
  auto& a = state();
  size_t bucket = bucket_size(size);
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    if (bucket == 256 && !a.small_blocks.empty()) {
      Buffer b{a.small_blocks.back(), size, 256};
      a.small_blocks.pop_back();
      a.cached -= 256;
      a.active += 256;
      a.peak = std::max(a.peak, a.active);
      return b;
    }
    auto it = a.cache.lower_bound(bucket);
    // Reuse a cached block up to twice the request to bound waste.
    if (it != a.cache.end() && it->first <= 2 * bucket) {
      Buffer b{it->second, size, it->first};
      a.cached -= b.capacity;
      a.active += b.capacity;
      a.peak = std::max(a.peak, a.active);
      a.cache.erase(it);
      return b;
    }
    if (a.active + bucket > a.memory_limit) a.trim_cache(0);
    // Refuse what cannot fit rather than let the OS kill the process later.
    if (a.active + bucket > a.memory_limit) {
      throw std::runtime_error("[malloc] Attempting to allocate " + std::to_string(size) +
                               " bytes, which exceeds the memory limit of " +
                               std::to_string(a.memory_limit) + " bytes.");
    }
  }
  // Large blocks start on a 2 MiB boundary so the kernel can back them with
  // transparent huge pages (madvise needs an aligned start): streaming
  // kernels lose about a third of their bandwidth to TLB misses on 4 KiB pages.
  constexpr size_t kHuge = size_t(2) << 20;
  bool huge = bucket >= kHuge;
  size_t align = huge ? kHuge : 64;
  void* p = nullptr;
  if (posix_memalign(&p, align, bucket + 64) != 0 || p == nullptr) {
    std::lock_guard<std::mutex> lock(a.mutex);
    a.trim_cache(0);
    if (posix_memalign(&p, align, bucket + 64) != 0 || p == nullptr) {
      throw std::runtime_error("[malloc] Unable to allocate " + std::to_string(size) + " bytes.");
    }
  }
  if (huge) madvise(p, bucket / kHuge * kHuge, MADV_HUGEPAGE);
  std::lock_guard<std::mutex> lock(a.mutex);
  a.active += bucket;
  a.peak = std::max(a.peak, a.active);
  return Buffer{p, size, bucket};
}

void free(Buffer b) {
  if (b.ptr == nullptr) return;
  auto& a = state();
  size_t bucket = b.capacity;
  std::lock_guard<std::mutex> lock(a.mutex);
  a.active -= bucket;
  if (a.cache_limit == 0) {
    std::free(b.ptr);
    return;
  }
  if (bucket == 256) {
    a.small_blocks.push_back(b.ptr);
  } else {
    a.cache.emplace(bucket, b.ptr);
  }
  a.cached += bucket;
  a.trim_cache(a.cache_limit);
}

size_t get_active_memory() { std::lock_guard<std::mutex> l(state().mutex); return state().active; }
size_t get_peak_memory() { std::lock_guard<std::mutex> l(state().mutex); return state().peak; }
void reset_peak_memory() { std::lock_guard<std::mutex> l(state().mutex); state().peak = state().active; }
size_t get_cache_memory() { std::lock_guard<std::mutex> l(state().mutex); return state().cached; }
size_t get_memory_limit() { std::lock_guard<std::mutex> l(state().mutex); return state().memory_limit; }

size_t set_memory_limit(size_t limit) {
  std::lock_guard<std::mutex> l(state().mutex);
  size_t old = state().memory_limit;
  state().memory_limit = limit;
  return old;
}

size_t set_cache_limit(size_t limit) {
  std::lock_guard<std::mutex> l(state().mutex);
  size_t old = state().cache_limit;
  state().cache_limit = limit;
  state().trim_cache(limit);
  return old;
}

size_t set_wired_limit(size_t) {
  return 0;  // no wired memory on this platform; MLX on Linux also reports 0
}

void clear_cache() {
  std::lock_guard<std::mutex> l(state().mutex);
  state().trim_cache(0);
}

}  // namespace mlx_core::allocator
