#include "mlx/backend/cpu/threading.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mlx_core::cpu {

namespace {

// Workers spin for a while after each job before sleeping, and the caller
// spins while it waits for them: waking a sleeping thread costs tens of
// microseconds on a VM, which is as long as a whole kernel on data in cache,
// and eval runs kernels back to back.
class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i] { work(i); });
  }
  int size() const { return size_; }

  // Runs job(t) for t in [0, size_) with the caller as t = 0; returns when all are done.
  void run(int parts, const std::function<void(int)>& job) {
    job_ = &job;
    parts_ = parts;
    pending_.store(parts - 1);
    generation_.fetch_add(1);  // publishes job_ and parts_
    notify_sleepers();
    job(0);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 1 << 16) {
        _mm_pause();
      } else {
        std::this_thread::yield();  // a worker was descheduled: let it run
      }
    }
  }

  // Spinning workers go to sleep now (see release_workers).
  void release() { releases_.fetch_add(1, std::memory_order_relaxed); }

 private:
  // seq_cst on generation_ and sleepers_: a worker that counts itself
  // asleep after the caller looked finds the new generation in its predicate.
  void notify_sleepers() {
    if (sleepers_.load() == 0) return;
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }

  void work(int index) {
    uint64_t seen = 0;  // not a load: the first job may come before this thread starts
    while (true) {
      auto spin_until = std::chrono::steady_clock::now() + kSpin;
      uint64_t releases = releases_.load(std::memory_order_relaxed);
      uint64_t gen;
      for (int spins = 0; (gen = generation_.load(std::memory_order_acquire)) == seen; ++spins) {
        _mm_pause();
        if (releases_.load(std::memory_order_relaxed) != releases) break;
        if ((spins & 255) == 255 && std::chrono::steady_clock::now() > spin_until) break;
      }
      if (gen == seen) {  // idle: sleep until the next job
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
        sleepers_.fetch_sub(1);
        continue;
      }
      seen = gen;
      if (index < parts_) {
        (*job_)(index);
        pending_.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  static constexpr std::chrono::microseconds kSpin{1000};
  int size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  std::atomic<int> pending_{0}, sleepers_{0};
  std::atomic<uint64_t> generation_{0}, releases_{0};
};

ThreadPool& pool() {
  static ThreadPool* p = [] {
    int n = int(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("MLX_CORE_NUM_THREADS")) n = std::atoi(env);
    auto* tp = new ThreadPool(std::max(1, n));
    return tp;
  }();
  return *p;
}

std::mutex& pool_user() {  // one parallel region at a time; nested calls run inline
  static std::mutex m;
  return m;
}

}  // namespace

int num_threads() { return pool().size(); }

void release_workers() {
  if (num_threads() > 1) pool().release();
}


void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  int threads = num_threads();
  size_t parts = std::min<size_t>(threads, grain ? n / grain : n);
  if (parts <= 1) {
    if (n) fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> lock(pool_user(), std::try_to_lock);
  if (!lock.owns_lock()) {
    fn(0, n);
    return;
  }
  size_t chunk = (n + parts - 1) / parts;
  pool().run(int(parts), [&](int t) {
    size_t b = size_t(t) * chunk, e = std::min(n, b + chunk);
    if (b < e) fn(b, e);
  });
}

// Dynamic, not a static split: on a shared or virtual machine a worker often
// starts late (a sleeping vCPU takes a while to wake) or runs slow, and with a
// static split every other thread then waits for its share. On the 16-core
// host beside the lent GPU the dynamic split took 16M-element streaming ops
// and compiled chains from 0.53-2.5 ms (best of 12) to 0.46-0.84 ms.
void parallel_for_streaming(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  grain = std::max<size_t>(grain, 1);
  if (n / grain <= 1) {  // below two grains: inline, as parallel_for would
    if (n) fn(0, n);
    return;
  }
  parallel_for_dynamic(n, grain, fn);
}

void parallel_for_streaming(size_t n, const std::function<void(size_t, size_t)>& fn) {
  parallel_for_streaming(n, kStreamingGrain, fn);
}

void parallel_for_dynamic(size_t n, size_t chunk, const std::function<void(size_t, size_t)>& fn) {
  chunk = std::max<size_t>(chunk, 1);
  size_t chunks = (n + chunk - 1) / chunk;
  size_t threads = std::min<size_t>(chunks, size_t(num_threads()));
  if (threads <= 1) {
    if (n) fn(0, n);
    return;
  }
  // Each thread walks its own contiguous share of the chunks in order (one
  // unbroken stream for the prefetchers), then takes what is left of the
  // others' shares; a chunk goes to whoever bumps its share's cursor first.
  struct alignas(64) Share {
    std::atomic<size_t> next;
    size_t end;
  };
  std::unique_ptr<Share[]> shares(new Share[threads]);
  for (size_t t = 0; t < threads; ++t) {
    shares[t].next.store(t * chunks / threads, std::memory_order_relaxed);
    shares[t].end = (t + 1) * chunks / threads;
  }
  parallel_for(threads, 1, [&](size_t b, size_t e) {
    for (size_t me = b; me < e; ++me) {
      for (size_t k = 0; k < threads; ++k) {
        Share& s = shares[(me + k) % threads];
        for (size_t c; (c = s.next.fetch_add(1, std::memory_order_relaxed)) < s.end;) {
          fn(c * chunk, std::min(n, (c + 1) * chunk));
        }
      }
    }
  });
}

}  // namespace mlx_core::cpu
