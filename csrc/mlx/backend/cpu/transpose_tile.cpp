#include "mlx/backend/cpu/transpose_tile.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace mlx_core::cpu {

namespace {

template <typename T>
void gather_items(const T* src, int64_t col_stride, T* dst, int64_t dst_row, int rows, int cols) {
  for (int c = 0; c < cols; ++c) {
    const T* column = src + c * col_stride;
    for (int r = 0; r < rows; ++r) dst[r * dst_row + c] = column[r];
  }
}

#if defined(__AVX512F__)
// Register v holds column v of the block (16 rows); afterwards it holds row v.
// Pairs of lanes, then pairs of pairs, then 128-bit quarters within 256-bit
// halves, then the halves.
void transpose16x16(__m512 v[16]) {
  __m512 t[16];
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]);
  }
  auto pairs = [](__m512 a, __m512 b, bool high) {
    __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
    return _mm512_castpd_ps(high ? _mm512_unpackhi_pd(x, y) : _mm512_unpacklo_pd(x, y));
  };
  for (int k = 0; k < 4; ++k) {
    v[4 * k + 0] = pairs(t[4 * k], t[4 * k + 2], false);
    v[4 * k + 1] = pairs(t[4 * k], t[4 * k + 2], true);
    v[4 * k + 2] = pairs(t[4 * k + 1], t[4 * k + 3], false);
    v[4 * k + 3] = pairs(t[4 * k + 1], t[4 * k + 3], true);
  }
  for (int h = 0; h < 2; ++h) {
    for (int k = 0; k < 4; ++k) {
      t[8 * h + k] = _mm512_shuffle_f32x4(v[8 * h + k], v[8 * h + k + 4], 0x88);
      t[8 * h + k + 4] = _mm512_shuffle_f32x4(v[8 * h + k], v[8 * h + k + 4], 0xdd);
    }
  }
  for (int k = 0; k < 8; ++k) {
    v[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
    v[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
  }
}

// 16 x 16 two-byte items, a 256-bit register per column; afterwards per row.
// Pairs, pairs of pairs, quadruples within 128-bit lanes, then the lanes.
void transpose16x16(__m256i v[16]) {
  __m256i a[16], b[16];
  for (int k = 0; k < 8; ++k) {
    a[2 * k] = _mm256_unpacklo_epi16(v[2 * k], v[2 * k + 1]);
    a[2 * k + 1] = _mm256_unpackhi_epi16(v[2 * k], v[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {
    b[4 * k + 0] = _mm256_unpacklo_epi32(a[4 * k], a[4 * k + 2]);
    b[4 * k + 1] = _mm256_unpackhi_epi32(a[4 * k], a[4 * k + 2]);
    b[4 * k + 2] = _mm256_unpacklo_epi32(a[4 * k + 1], a[4 * k + 3]);
    b[4 * k + 3] = _mm256_unpackhi_epi32(a[4 * k + 1], a[4 * k + 3]);
  }
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 4; ++j) {
      a[8 * k + 2 * j] = _mm256_unpacklo_epi64(b[8 * k + j], b[8 * k + j + 4]);
      a[8 * k + 2 * j + 1] = _mm256_unpackhi_epi64(b[8 * k + j], b[8 * k + j + 4]);
    }
  }
  for (int j = 0; j < 8; ++j) {
    v[j] = _mm256_permute2x128_si256(a[j], a[j + 8], 0x20);
    v[j + 8] = _mm256_permute2x128_si256(a[j], a[j + 8], 0x31);
  }
}

// 8 x 8 eight-byte items: pairs, then 128-bit quarters twice.
void transpose8x8(__m512d v[8]) {
  __m512d t[8], u[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm512_unpacklo_pd(v[2 * k], v[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_pd(v[2 * k], v[2 * k + 1]);
  }
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 2; ++j) {
      u[4 * h + j] = _mm512_shuffle_f64x2(t[4 * h + j], t[4 * h + j + 2], 0x88);
      u[4 * h + j + 2] = _mm512_shuffle_f64x2(t[4 * h + j], t[4 * h + j + 2], 0xdd);
    }
  }
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm512_shuffle_f64x2(u[j], u[j + 4], 0x88);
    v[j + 4] = _mm512_shuffle_f64x2(u[j], u[j + 4], 0xdd);
  }
}

bool whole_block(int rows, int cols) { return rows == kTransposeTile && cols == kTransposeTile; }

void gather_2byte(const uint16_t* src, int64_t col_stride, uint16_t* dst, int64_t dst_row, int rows, int cols) {
  if (!whole_block(rows, cols)) return gather_items(src, col_stride, dst, dst_row, rows, cols);
  __m256i v[16];
  for (int c = 0; c < 16; ++c) v[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + c * col_stride));
  transpose16x16(v);
  for (int r = 0; r < 16; ++r) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + r * dst_row), v[r]);
}

void gather_8byte(const uint64_t* src, int64_t col_stride, uint64_t* dst, int64_t dst_row, int rows, int cols) {
  if (!whole_block(rows, cols)) return gather_items(src, col_stride, dst, dst_row, rows, cols);
  for (int c0 = 0; c0 < 16; c0 += 8) {
    for (int r0 = 0; r0 < 16; r0 += 8) {
      __m512d v[8];
      for (int c = 0; c < 8; ++c) v[c] = _mm512_loadu_pd(src + (c0 + c) * col_stride + r0);
      transpose8x8(v);
      for (int r = 0; r < 8; ++r) _mm512_storeu_pd(dst + (r0 + r) * dst_row + c0, v[r]);
    }
  }
}

void gather_4byte(const uint32_t* src, int64_t col_stride, uint32_t* dst, int64_t dst_row, int rows, int cols) {
  if (!whole_block(rows, cols)) return gather_items(src, col_stride, dst, dst_row, rows, cols);
  __m512 v[16];
  for (int c = 0; c < 16; ++c) v[c] = _mm512_loadu_ps(src + c * col_stride);
  transpose16x16(v);
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(dst + r * dst_row, v[r]);
}
#endif

}  // namespace

void gather_transposed(const void* src, int64_t col_stride, size_t itemsize, void* dst, int64_t dst_row,
                       int rows, int cols) {
#if defined(__AVX512F__)
  switch (itemsize) {
    case 2:
      return gather_2byte(static_cast<const uint16_t*>(src), col_stride, static_cast<uint16_t*>(dst), dst_row,
                          rows, cols);
    case 4:
      return gather_4byte(static_cast<const uint32_t*>(src), col_stride, static_cast<uint32_t*>(dst), dst_row,
                          rows, cols);
    case 8:
      return gather_8byte(static_cast<const uint64_t*>(src), col_stride, static_cast<uint64_t*>(dst), dst_row,
                          rows, cols);
  }
#endif
  switch (itemsize) {
    case 1:
      return gather_items(static_cast<const uint8_t*>(src), col_stride, static_cast<uint8_t*>(dst), dst_row,
                          rows, cols);
    case 2:
      return gather_items(static_cast<const uint16_t*>(src), col_stride, static_cast<uint16_t*>(dst), dst_row,
                          rows, cols);
    case 4:
      return gather_items(static_cast<const uint32_t*>(src), col_stride, static_cast<uint32_t*>(dst), dst_row,
                          rows, cols);
    default:
      return gather_items(static_cast<const uint64_t*>(src), col_stride, static_cast<uint64_t*>(dst), dst_row,
                          rows, cols);
  }
}

}  // namespace mlx_core::cpu
