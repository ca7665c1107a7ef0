#include "mlx/backend/cpu/threading.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace mlx_core::cpu {

namespace {

class ThreadPool {
 public:
  explicit ThreadPool(int n) : size_(n) {
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i] { work(i); });
  }
  int size() const { return size_; }

  // Runs job(t) for t in [0, size_) with the caller as t = 0; returns when all are done.
  void run(int parts, const std::function<void(int)>& job) {
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = &job;
    parts_ = parts;
    pending_ = parts - 1;
    ++generation_;
    lock.unlock();
    wake_.notify_all();
    job(0);
    lock.lock();
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void work(int index) {
    size_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (index >= parts_) continue;
      auto* job = job_;
      lock.unlock();
      (*job)(index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0, pending_ = 0;
  size_t generation_ = 0;
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

void parallel_for_dynamic(size_t n, size_t chunk, const std::function<void(size_t, size_t)>& fn) {
  chunk = std::max<size_t>(chunk, 1);
  size_t chunks = (n + chunk - 1) / chunk;
  std::atomic<size_t> next{0};
  parallel_for(std::min<size_t>(chunks, size_t(num_threads())), 1, [&](size_t, size_t) {
    for (size_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      fn(c * chunk, std::min(n, (c + 1) * chunk));
    }
  });
}

}  // namespace mlx_core::cpu
