#include "mlx/backend/cpu/gemm_f32.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "mlx/backend/cpu/transpose_tile.h"
#endif

namespace mlx_core::cpu {

#if defined(__AVX512F__)

namespace {

// The microkernel's tile: 8 rows of C by 48 columns (three registers), 24
// accumulators of the 32 registers. Per step of K it loads three vectors of
// B and broadcasts eight values of A: 24 multiply-adds to 11 loads, so the
// multiply-add pipes, not the loads, set the pace.
constexpr int kRows = 8, kCols = 48;
// A's rows are copied 16 at a time (two tiles' worth, one 16 x 16 turn per
// 16 steps of K).
constexpr int kRowGroup = 16;
// Steps of K per block: a group of A's rows (16 KiB) stays in L1.
constexpr int64_t kDepth = 256;
// Columns per block, at most: a block of B (256 x 768, 768 KiB) stays in L2.
constexpr int64_t kMaxWidth = 768;

// Lanes [0, cols) of a vector of 16 columns.
inline __mmask16 first_lanes(int cols) {
  return cols >= 16 ? __mmask16(0xFFFF) : cols <= 0 ? __mmask16(0) : __mmask16((1u << cols) - 1);
}

// C[r][j] (+)= sum over kc steps of ap[step * kRowGroup + r] * bp[step * kCols + j],
// for r < 8 and j < 16 * kVectors (a tile at C's right edge may be narrower:
// kVectors < 3); the products start from zero, then C is added once.
template <bool kAccumulate, int kVectors>
void tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc) {
  __m512 acc[kRows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 3
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < kc; ++s) {
    __m512 b[kVectors];
#pragma GCC unroll 3
    for (int v = 0; v < kVectors; ++v) b[v] = _mm512_load_ps(bp + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      __m512 a = _mm512_set1_ps(ap[r]);
#pragma GCC unroll 3
      for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
    ap += kRowGroup;
    bp += kCols;
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    float* cr = c + r * ldc;
#pragma GCC unroll 3
    for (int v = 0; v < kVectors; ++v) {
      __m512 x = acc[r][v];
      if (kAccumulate) x = _mm512_add_ps(_mm512_loadu_ps(cr + 16 * v), x);
      _mm512_storeu_ps(cr + 16 * v, x);
    }
  }
}

template <int kVectors>
void tile_into(bool accumulate, int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc) {
  accumulate ? tile<true, kVectors>(kc, ap, bp, c, ldc) : tile<false, kVectors>(kc, ap, bp, c, ldc);
}

// A tile of `rows` x `cols` at C's edges.
void run_tile(bool accumulate, int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int rows,
              int cols) {
  if (rows == kRows && cols % 16 == 0) {  // the usual case: whole vectors
    if (cols == 48) return tile_into<3>(accumulate, kc, ap, bp, c, ldc);
    if (cols == 32) return tile_into<2>(accumulate, kc, ap, bp, c, ldc);
    return tile_into<1>(accumulate, kc, ap, bp, c, ldc);
  }
  // The whole tile into a buffer, then its part of C.
  alignas(64) float t[kRows * kCols];
  int vectors = (cols + 15) / 16;
  if (vectors == 3) tile<false, 3>(kc, ap, bp, t, kCols);
  else if (vectors == 2) tile<false, 2>(kc, ap, bp, t, kCols);
  else tile<false, 1>(kc, ap, bp, t, kCols);
  for (int r = 0; r < rows; ++r) {
    float* cr = c + r * ldc;
    for (int v = 0; v < vectors; ++v) {
      __mmask16 lanes = first_lanes(cols - 16 * v);
      __m512 x = _mm512_load_ps(t + r * kCols + 16 * v);
      if (accumulate) x = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, cr + 16 * v), x);
      _mm512_mask_storeu_ps(cr + 16 * v, lanes, x);
    }
  }
}

// dst[r * dst_row + c] = src[r + c * stride] for r < rows, c < cols, a
// 16 x 16 block at a time (gather_transposed turns one block).
void transpose_into(const float* src, int64_t stride, float* dst, int64_t dst_row, int64_t rows, int cols) {
  for (int c0 = 0; c0 < cols; c0 += kTransposeTile) {
    int nc = std::min(kTransposeTile, cols - c0);
    for (int64_t r0 = 0; r0 < rows; r0 += kTransposeTile) {
      int nr = int(std::min<int64_t>(kTransposeTile, rows - r0));
      gather_transposed(src + r0 + c0 * stride, stride, 4, dst + r0 * dst_row + c0, dst_row, nr, nc);
    }
  }
}

// 64-byte aligned scratch of at least `floats` floats, kept per thread.
float* scratch(std::unique_ptr<float, decltype(&std::free)>& buf, size_t& size, size_t floats) {
  if (floats > size) {
    buf.reset(static_cast<float*>(std::aligned_alloc(64, (floats * 4 + 63) / 64 * 64)));
    size = buf ? floats : 0;
  }
  return buf.get();
}

// Copies rows [i0, i0 + rows) of op(A), steps [p0, p0 + kc) of K, to
// ap[step * 16 + r], zeros past `rows`.
void pack_rows(bool trans_a, const float* a, int64_t lda, int64_t i0, int rows, int64_t p0, int64_t kc,
               float* ap) {
  if (trans_a) {  // A is stored K x M: the 16 values of a step are contiguous
    __mmask16 lanes = first_lanes(rows);
    for (int64_t s = 0; s < kc; ++s) {
      _mm512_store_ps(ap + s * kRowGroup, _mm512_maskz_loadu_ps(lanes, a + (p0 + s) * lda + i0));
    }
    return;
  }
  if (rows < kRowGroup) std::memset(ap, 0, size_t(kc) * kRowGroup * 4);
  transpose_into(a + i0 * lda + p0, lda, ap, kRowGroup, kc, rows);
}

// Copies columns [j0, j0 + cols) of op(B), steps [p0, p0 + kc), as panels
// of 48 columns: bp[panel * kc * 48 + step * 48 + j], zeros past `cols`.
void pack_columns(bool trans_b, const float* b, int64_t ldb, int64_t j0, int64_t cols, int64_t p0, int64_t kc,
                  float* bp) {
  int64_t panels = (cols + kCols - 1) / kCols;
  if (!trans_b) {  // B is stored K x N: a step's columns are contiguous, read a row at a time
    int tail = int(cols - (panels - 1) * kCols);
    __mmask16 m0 = first_lanes(tail), m1 = first_lanes(tail - 16), m2 = first_lanes(tail - 32);
    for (int64_t s = 0; s < kc; ++s) {
      const float* src = b + (p0 + s) * ldb + j0;
      float* dst = bp + s * kCols;
      for (int64_t q = 0; q + 1 < panels; ++q, src += kCols, dst += kc * kCols) {
        _mm512_store_ps(dst, _mm512_loadu_ps(src));
        _mm512_store_ps(dst + 16, _mm512_loadu_ps(src + 16));
        _mm512_store_ps(dst + 32, _mm512_loadu_ps(src + 32));
      }
      _mm512_store_ps(dst, _mm512_maskz_loadu_ps(m0, src));
      _mm512_store_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
      _mm512_store_ps(dst + 32, _mm512_maskz_loadu_ps(m2, src + 32));
    }
    return;
  }
  for (int64_t q = 0; q < panels; ++q) {
    float* panel = bp + q * kc * kCols;
    int width = int(std::min<int64_t>(kCols, cols - q * kCols));
    if (width < kCols) std::memset(panel, 0, size_t(kc) * kCols * 4);
    transpose_into(b + (j0 + q * kCols) * ldb + p0, ldb, panel, kCols, kc, width);
  }
}

}  // namespace

// Below about a million multiply-adds OpenBLAS's small-matrix kernels, which
// copy nothing, win (100 x 100 x 100: 0.8x ours; 64 x 128 x 64: 1.2x).
bool sgemm_suits(int64_t m, int64_t n, int64_t k) {
  return m >= kRows && n >= 2 * kCols && k >= 16 && double(m) * double(n) * double(k) >= double(1 << 20);
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc) {
  thread_local std::unique_ptr<float, decltype(&std::free)> a_buf(nullptr, &std::free), b_buf(nullptr, &std::free);
  thread_local size_t a_size = 0, b_size = 0;
  // Blocks of columns of equal width, in whole tiles.
  int64_t blocks = (n + kMaxWidth - 1) / kMaxWidth;
  int64_t width = ((n + blocks - 1) / blocks + kCols - 1) / kCols * kCols, depth = std::min(k, kDepth);
  float* ap = scratch(a_buf, a_size, size_t(depth) * kRowGroup);
  float* bp = scratch(b_buf, b_size, size_t(depth) * width);
  if (!ap || !bp) throw std::bad_alloc();
  for (int64_t j0 = 0; j0 < n; j0 += width) {
    int64_t cols = std::min(width, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
      int64_t kc = std::min(kDepth, k - p0);
      bool accumulate = p0 > 0;
      pack_columns(trans_b, b, ldb, j0, cols, p0, kc, bp);
      for (int64_t i0 = 0; i0 < m; i0 += kRowGroup) {
        int rows = int(std::min<int64_t>(kRowGroup, m - i0));
        pack_rows(trans_a, a, lda, i0, rows, p0, kc, ap);
        for (int half = 0; half * kRows < rows; ++half) {
          int tile_rows = std::min(kRows, rows - half * kRows);
          float* c_rows = c + (i0 + half * kRows) * ldc + j0;
          for (int64_t q = 0; q < cols; q += kCols) {
            run_tile(accumulate, kc, ap + half * kRows, bp + (q / kCols) * kc * kCols, c_rows + q, ldc,
                     tile_rows, int(std::min<int64_t>(kCols, cols - q)));
          }
        }
      }
    }
  }
}

#else  // no AVX-512: OpenBLAS does every product

bool sgemm_suits(int64_t, int64_t, int64_t) { return false; }
void sgemm(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t) {}

#endif

}  // namespace mlx_core::cpu
