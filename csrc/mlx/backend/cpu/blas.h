// The one door to OpenBLAS's GEMM (the scipy-openblas32 wheel: symbols carry a
// `scipy_` prefix). A call that OpenBLAS runs on its own threads first stops
// our pool's workers from spinning (release_workers), so that they get the
// cores.
#pragma once

#include <mutex>

#include "mlx/dtype.h"

namespace mlx_core::cpu {

// Row-major C (m x n, ldc) = alpha op(A) op(B) + beta C, where op transposes
// when asked; for float, double and complex64_t.
template <typename T>
void gemm(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda,
          const T* b, int ldb, T beta, T* c, int ldc);

// OpenBLAS single-threaded while it lives, for our pool's threads to run one
// GEMM each. Its thread count is global, so such scopes take turns.
class BlasSingleThreaded {
 public:
  BlasSingleThreaded();
  ~BlasSingleThreaded();
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  int previous_;
};

}  // namespace mlx_core::cpu
