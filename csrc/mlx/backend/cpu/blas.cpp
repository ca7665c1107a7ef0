#include "mlx/backend/cpu/blas.h"

#include <cblas.h>

#include "mlx/backend/cpu/threading.h"

namespace mlx_core::cpu {

namespace {
CBLAS_TRANSPOSE op(bool transpose) { return transpose ? CblasTrans : CblasNoTrans; }

std::mutex& thread_count_mutex() {
  static std::mutex m;
  return m;
}

// Before a GEMM on OpenBLAS's threads, our spinning workers go to sleep so as
// not to take its cores. Under BlasSingleThreaded (our pool runs the GEMMs)
// they keep spinning: waking a sleeping worker for the next op costs 50-100
// microseconds on a VM (the op after each of an MLP's GEMMs took 4x its time).
void hand_cores_to_openblas() {
  if (scipy_openblas_get_num_threads() > 1) release_workers();
}
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
  hand_cores_to_openblas();
  scipy_cblas_sgemm(CblasRowMajor, op(ta), op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <>
void gemm<double>(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
                  const double* b, int ldb, double beta, double* c, int ldc) {
  hand_cores_to_openblas();
  scipy_cblas_dgemm(CblasRowMajor, op(ta), op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <>
void gemm<complex64_t>(bool ta, bool tb, int m, int n, int k, complex64_t alpha,
                       const complex64_t* a, int lda, const complex64_t* b, int ldb,
                       complex64_t beta, complex64_t* c, int ldc) {
  hand_cores_to_openblas();
  scipy_cblas_cgemm(CblasRowMajor, op(ta), op(tb), m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}

BlasSingleThreaded::BlasSingleThreaded()
    : lock_(thread_count_mutex()), previous_(scipy_openblas_get_num_threads()) {
  if (previous_ != 1) scipy_openblas_set_num_threads(1);
}

BlasSingleThreaded::~BlasSingleThreaded() {
  if (previous_ != 1) scipy_openblas_set_num_threads(previous_);
}

}  // namespace mlx_core::cpu
