// Index arrays to element offsets, shared by the gather and scatter kernels.
// Every index is wrapped once (negative -> + n) and clamped into [0, n - s]
// (s: the slice size on that axis), so no index value can reach memory outside
// the array, whatever its dtype or magnitude (MLX's CPU kernels do not check).
#pragma once

#include <type_traits>
#include <vector>

#include "mlx/array.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/threading.h"

namespace mlx_core::cpu {

template <typename I>
inline int64_t clamp_index(I v, int64_t n, int64_t hi) {
  if constexpr (std::is_unsigned_v<I>) {
    return uint64_t(v) > uint64_t(hi) ? hi : int64_t(v);
  } else {
    int64_t x = int64_t(v);
    if (x < 0) x += n;
    return x < 0 ? 0 : (x > hi ? hi : x);
  }
}

// `in` in logical row-major order with a dense buffer (a copy when needed).
inline array dense_row_major(const array& in) {
  if (in.flags().row_contiguous && in.data_size() == in.size()) return in;
  return row_contiguous_copy(in, in.dtype());
}

// offsets[p] = sum_k clamp(indices[k][p]) * strides[axes[k]] over the index
// positions p (all indices share one shape); one offset when there is no index.
inline std::vector<int64_t> index_offsets(const std::vector<array>& indices,
                                          const std::vector<int>& axes, const Shape& shape,
                                          const Shape& slice_sizes, const Strides& strides) {
  size_t n = indices.empty() ? 1 : indices[0].size();
  std::vector<int64_t> offsets(n, 0);
  for (size_t k = 0; k < indices.size(); ++k) {
    array idx = dense_row_major(indices[k]);
    int ax = axes[k];
    int64_t len = shape[ax], hi = len - slice_sizes[ax], stride = strides[ax];
    dispatch_integer(idx.dtype(), "gather", [&](auto tag) {
      using I = typename decltype(tag)::type;
      const I* p = idx.data<I>();
      int64_t* o = offsets.data();
      parallel_for(n, kStreamingGrain, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) o[i] += clamp_index(p[i], len, hi) * stride;
      });
    });
  }
  return offsets;
}

// Element offsets (in `strides`) of every position of a slice of shape
// `slice`, in row-major order; `contiguous` when they are 0, 1, 2, ...
inline std::vector<int64_t> slice_offsets(const Shape& slice, const Strides& strides,
                                          bool& contiguous) {
  int64_t expect = 1;
  contiguous = true;
  for (int d = int(slice.size()) - 1; d >= 0; --d) {
    if (slice[d] != 1 && strides[d] != expect) contiguous = false;
    expect *= slice[d];
  }
  if (contiguous) return {};
  std::vector<int64_t> out{0};
  for (size_t d = 0; d < slice.size(); ++d) {
    std::vector<int64_t> next;
    next.reserve(out.size() * slice[d]);
    for (int64_t base : out) {
      for (int32_t i = 0; i < slice[d]; ++i) next.push_back(base + i * strides[d]);
    }
    out.swap(next);
  }
  return out;
}

}  // namespace mlx_core::cpu
