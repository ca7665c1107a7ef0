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

void gather_4byte(const uint32_t* src, int64_t col_stride, uint32_t* dst, int64_t dst_row, int rows, int cols) {
  if (rows != kTransposeTile || cols != kTransposeTile) {
    gather_items(src, col_stride, dst, dst_row, rows, cols);
    return;
  }
  __m512 v[16];
  for (int c = 0; c < 16; ++c) v[c] = _mm512_loadu_ps(src + c * col_stride);
  transpose16x16(v);
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(dst + r * dst_row, v[r]);
}
#endif

}  // namespace

void gather_transposed(const void* src, int64_t col_stride, size_t itemsize, void* dst, int64_t dst_row,
                       int rows, int cols) {
  switch (itemsize) {
    case 1:
      return gather_items(static_cast<const uint8_t*>(src), col_stride, static_cast<uint8_t*>(dst), dst_row,
                          rows, cols);
    case 2:
      return gather_items(static_cast<const uint16_t*>(src), col_stride, static_cast<uint16_t*>(dst), dst_row,
                          rows, cols);
    case 4:
#if defined(__AVX512F__)
      return gather_4byte(static_cast<const uint32_t*>(src), col_stride, static_cast<uint32_t*>(dst), dst_row,
                          rows, cols);
#else
      return gather_items(static_cast<const uint32_t*>(src), col_stride, static_cast<uint32_t*>(dst), dst_row,
                          rows, cols);
#endif
    default:
      return gather_items(static_cast<const uint64_t*>(src), col_stride, static_cast<uint64_t*>(dst), dst_row,
                          rows, cols);
  }
}

}  // namespace mlx_core::cpu
