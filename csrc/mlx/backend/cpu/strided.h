// Walking arrays of any layout. Kernels collapse dimensions that are
// contiguous in every operand, then run a tight inner loop per row.
#pragma once

#include <array>
#include <vector>

#include "mlx/array.h"
#include "mlx/backend/cpu/threading.h"

namespace mlx_core::cpu {

template <size_t K>
struct CollapsedLayout {
  Shape shape;
  std::array<Strides, K> strides;
};

// Merges dim i into i+1 when, for every operand, stride[i] == stride[i+1] * shape[i+1].
template <size_t K>
CollapsedLayout<K> collapse_contiguous_dims(const Shape& shape,
                                            const std::array<const Strides*, K>& strides) {
  CollapsedLayout<K> out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1 && shape.size() > 1) continue;  // size-1 dims never matter
    bool merge = !out.shape.empty();
    for (size_t k = 0; merge && k < K; ++k) {
      merge = out.strides[k].back() == (*strides[k])[i] * shape[i];
    }
    if (merge) {
      out.shape.back() *= shape[i];
      for (size_t k = 0; k < K; ++k) out.strides[k].back() = (*strides[k])[i];
    } else {
      out.shape.push_back(shape[i]);
      for (size_t k = 0; k < K; ++k) out.strides[k].push_back((*strides[k])[i]);
    }
  }
  if (out.shape.empty()) {
    out.shape.push_back(1);
    for (size_t k = 0; k < K; ++k) out.strides[k].push_back(0);
  }
  return out;
}

template <size_t K, typename Row>
void run_row_chunks(const CollapsedLayout<K>& layout, int64_t r, Row& row) {
  const int nd = int(layout.shape.size());
  std::array<int64_t, K> off{}, inner;
  for (size_t k = 0; k < K; ++k) inner[k] = layout.strides[k].back();
  for (int d = nd - 2; d >= 0; --d) {
    int64_t i = r % layout.shape[d];
    r /= layout.shape[d];
    for (size_t k = 0; k < K; ++k) off[k] += i * layout.strides[k][d];
  }
  parallel_for(size_t(layout.shape.back()), kStreamingGrain, [&](size_t b, size_t e) {
    std::array<int64_t, K> o = off;
    for (size_t k = 0; k < K; ++k) o[k] += int64_t(b) * inner[k];
    row(o, int64_t(e - b), inner);
  });
}

// Calls row(offsets, n, inner_strides) for every innermost row of `layout`,
// where offsets are element offsets per operand. Rows are split over threads
// when the total size is large.
template <size_t K, typename Row>
void for_each_row(const CollapsedLayout<K>& layout, Row&& row) {
  const int nd = int(layout.shape.size());
  const int64_t n = layout.shape.back();
  std::array<int64_t, K> inner;
  for (size_t k = 0; k < K; ++k) inner[k] = layout.strides[k].back();
  int64_t rows = 1;
  for (int d = 0; d < nd - 1; ++d) rows *= layout.shape[d];
  auto run = [&](size_t begin, size_t end) {
    std::array<int64_t, K> off{};
    std::vector<int64_t> idx(std::max(nd - 1, 1), 0);
    // Position the multi-index at `begin`.
    int64_t r = int64_t(begin);
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = r % layout.shape[d];
      r /= layout.shape[d];
      for (size_t k = 0; k < K; ++k) off[k] += idx[d] * layout.strides[k][d];
    }
    for (size_t i = begin; i < end; ++i) {
      row(off, n, inner);
      for (int d = nd - 2; d >= 0; --d) {  // odometer increment
        for (size_t k = 0; k < K; ++k) off[k] += layout.strides[k][d];
        if (++idx[d] < layout.shape[d]) break;
        for (size_t k = 0; k < K; ++k) off[k] -= layout.strides[k][d] * layout.shape[d];
        idx[d] = 0;
      }
    }
  };
  if (rows < 2 * num_threads() && size_t(n) >= 2 * kStreamingGrain) {
    // Few long rows: split each row instead of the rows.
    for (int64_t r = 0; r < rows; ++r) {
      run_row_chunks(layout, r, row);
    }
    return;
  }
  size_t grain = std::max<size_t>(1, kStreamingGrain / std::max<int64_t>(n, 1));
  parallel_for(size_t(rows), grain, run);
}

}  // namespace mlx_core::cpu
