// Gather and GatherAxis kernels: each index position copies one slice of the
// source (a memcpy when the slice is contiguous there), threads split the
// positions of large gathers.
#include <cstring>

#include "mlx/backend/cpu/index_offsets.h"
#include "mlx/primitives/indexing.h"

namespace mlx_core {

using namespace cpu;

namespace {

// The common case (take, a[idx], a[:, idx]): one index array, read directly
// without first materialising the offsets.
void gather_one_index(const array& src, const array& index, int axis, const Shape& slice_sizes,
                      array& out) {
  array idx = dense_row_major(index);
  bool contiguous;
  std::vector<int64_t> inner = slice_offsets(slice_sizes, src.strides(), contiguous);
  size_t n = idx.size(), ss = out.size() / n, isz = out.itemsize();
  int64_t len = src.shape(axis), hi = len - slice_sizes[axis], stride = src.strides()[axis];
  size_t grain = std::max<size_t>(1, kStreamingGrain / ss);
  dispatch_integer(idx.dtype(), "gather", [&](auto itag) {
    using I = typename decltype(itag)::type;
    const I* ip = idx.data<I>();
    dispatch_bytes(isz, "gather", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = src.data<T>();
      T* o = out.data<T>();
      parallel_for(n, grain, [&](size_t b, size_t e) {
        for (size_t p = b; p < e; ++p) {
          const T* from = s + clamp_index(ip[p], len, hi) * stride;
          T* to = o + p * ss;
          if (ss == 1) {
            *to = *from;
          } else if (contiguous) {
            std::memcpy(to, from, ss * sizeof(T));
          } else {
            for (size_t j = 0; j < ss; ++j) to[j] = from[inner[j]];
          }
        }
      });
    });
  });
}

}  // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  const array& src = inputs[0];
  std::vector<array> idx(inputs.begin() + 1, inputs.end());
  if (idx.size() == 1) {
    gather_one_index(src, idx[0], axes_[0], slice_sizes_, out);
    return;
  }
  std::vector<int64_t> offsets =
      index_offsets(idx, axes_, src.shape(), slice_sizes_, src.strides());
  bool contiguous;
  std::vector<int64_t> inner = slice_offsets(slice_sizes_, src.strides(), contiguous);
  size_t n = offsets.size(), ss = out.size() / n, isz = out.itemsize();
  size_t grain = std::max<size_t>(1, kStreamingGrain / ss);
  if (contiguous) {
    const char* s = src.data<char>();
    char* o = out.data<char>();
    if (ss * isz >= 64) {
      parallel_for(n, grain, [&](size_t b, size_t e) {
        for (size_t p = b; p < e; ++p) {
          std::memcpy(o + p * ss * isz, s + offsets[p] * int64_t(isz), ss * isz);
        }
      });
      return;
    }
  }
  dispatch_bytes(isz, "gather", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* s = src.data<T>();
    T* o = out.data<T>();
    parallel_for(n, grain, [&](size_t b, size_t e) {
      for (size_t p = b; p < e; ++p) {
        const T* from = s + offsets[p];
        T* to = o + p * ss;
        if (contiguous) {
          for (size_t j = 0; j < ss; ++j) to[j] = from[j];
        } else {
          for (size_t j = 0; j < ss; ++j) to[j] = from[inner[j]];
        }
      }
    });
  });
}

// Views src and idx as (outer, axis, inner) blocks: the builder gave them equal
// shapes except along the axis.
void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  array src = dense_row_major(inputs[0]);
  array idx = dense_row_major(inputs[1]);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis_; ++d) outer *= idx.shape(d);
  for (int d = axis_ + 1; d < idx.ndim(); ++d) inner *= idx.shape(d);
  int64_t n = src.shape(axis_), m = idx.shape(axis_);
  dispatch_integer(idx.dtype(), "take_along_axis", [&](auto itag) {
    using I = typename decltype(itag)::type;
    const I* ip = idx.data<I>();
    dispatch_bytes(out.itemsize(), "take_along_axis", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = src.data<T>();
      T* o = out.data<T>();
      // Chunks of (outer row, index) positions; each run within one outer row
      // keeps a fixed source row, and inner == 1 (the common last-axis case) is
      // a plain indexed copy.
      parallel_for(size_t(outer * m), std::max<int64_t>(1, kStreamingGrain / inner),
                   [&](size_t b, size_t e) {
                     for (size_t r = b; r < e;) {
                       int64_t i = int64_t(r) / m, j0 = int64_t(r) % m;
                       int64_t j1 = std::min<int64_t>(m, j0 + int64_t(e - r));
                       const T* srow = s + i * n * inner;
                       const I* irow = ip + r * inner;
                       T* orow = o + r * inner;
                       if (inner == 1) {
                         for (int64_t j = 0; j < j1 - j0; ++j) {
                           orow[j] = srow[clamp_index(irow[j], n, n - 1)];
                         }
                       } else {
                         for (int64_t j = 0; j < j1 - j0; ++j) {
                           for (int64_t k = 0; k < inner; ++k) {
                             orow[j * inner + k] =
                                 srow[clamp_index(irow[j * inner + k], n, n - 1) * inner + k];
                           }
                         }
                       }
                       r += size_t(j1 - j0);
                     }
                   });
    });
  });
}

}  // namespace mlx_core
