// Blocks of a transposed operand gathered into rows. Walking a column of a
// row-major array at a power-of-two stride maps every element to the same L1
// set, so an element-by-element walk misses on almost every read (x.T + y on
// 4096 x 4096 float32 took 55 ms, against 7 for x + y); a block read whole
// lines at a time and turned in registers reads each line once.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlx_core::cpu {

// Rows and columns of the blocks that go through registers.
constexpr int kTransposeTile = 16;

// Element (r, c) of a block, r < rows, c < cols, is src[r + c * col_stride]
// (stride 1 down the block's rows), counted in items of `itemsize` bytes (1,
// 2, 4 or 8); it goes to dst[r * dst_row + c]. Full 16 x 16 blocks of 2-, 4-
// and 8-byte items go through registers where AVX-512 is available.
void gather_transposed(const void* src, int64_t col_stride, size_t itemsize, void* dst, int64_t dst_row,
                       int rows, int cols);

}  // namespace mlx_core::cpu
