// Our own float32 GEMM for AVX-512 machines, single-threaded (the caller
// splits a product over the pool). OpenBLAS's runs its microkernel at the
// machine's peak but spends a fifth of an MLP's products around it: a pass
// that zeroes C before every product, and copies of both operands in both
// orientations. Here C is written by the first block of K (no zeroing pass),
// only the operand that is read across a row of registers is copied, and
// transposed operands are turned 16 x 16 at a time in registers.
#pragma once

#include <cstdint>

namespace mlx_core::cpu {

// Whether sgemm below has a kernel in this build (AVX-512) and the product is
// one it runs well: wide enough for its 8 x 48 tiles, and big enough to pay
// for copying the operands.
bool sgemm_suits(int64_t m, int64_t n, int64_t k);

// Row-major C (m x n, ldc) = op(A) op(B), op transposing where asked (the
// operands are row-major with leading dimensions lda, ldb, as BLAS takes
// them). Each element sums its K products in order, in blocks of 256 added
// to C in order: the bits do not depend on how the caller splits C.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc);

}  // namespace mlx_core::cpu
