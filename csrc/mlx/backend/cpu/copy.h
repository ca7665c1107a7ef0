// Copies between layouts and dtypes: the workhorse behind astype, contiguous,
// reshape of non-contiguous arrays, concatenate, pad and slice_update.
#pragma once

#include "mlx/array.h"

namespace mlx_core::cpu {

// The raw form: walks `shape` with the given element strides on both sides.
void copy_strided(const void* src, Dtype src_dtype, const Strides& src_strides, void* dst,
                  Dtype dst_dtype, const Strides& dst_strides, const Shape& shape);
// Writes src's elements (in src's logical order) into dst's buffer at the
// given strides and element offset, converting dtype if they differ. dst must
// already have data.
void copy_into(const array& src, array& dst, const Strides& dst_strides, int64_t dst_offset,
               const Shape& shape);
// Gives dst (shape of src) a fresh row-contiguous buffer holding src's values,
// converted to dst.dtype(); donates src's buffer when it can.
void copy_to_row_contiguous(const array& src, array& dst);
// Converts src's data_size() buffer elements in order into dst's buffer
// (both dense with the same layout).
void copy_dense(const array& src, array& dst);
// Fills dst (already allocated, row contiguous) with a scalar array's value.
void fill(const array& scalar, array& dst);
// `in` itself when already row contiguous, else an evaluated row-contiguous copy.
array ensure_row_contiguous(const array& in);
// An evaluated row-contiguous copy of `in`, converted to `dtype`.
array row_contiguous_copy(const array& in, Dtype dtype);

// dst[i] = src[i * src_stride] converted, for i < n, with src_stride 1 or 0
// (one value): the loop for one (from, to) pair, looked up once, for callers
// that convert many short runs (a fused kernel's blocks).
using ConvertRun = void (*)(const void* src, int64_t src_stride, void* dst, int64_t n);
ConvertRun convert_run(Dtype from, Dtype to);

}  // namespace mlx_core::cpu
