#include "mlx/backend/cpu/copy.h"

#include <algorithm>
#include <cstring>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/transpose_tile.h"

namespace mlx_core::cpu {

namespace {

// Transposing copies (the source walks its last axis with a large stride but
// some other axis with stride 1) go tile by tile so both sides stay in cache.
template <typename In, typename Out>
bool copy_transposed_tiles(const In* src, Out* dst, const CollapsedLayout<2>& layout) {
  int nd = int(layout.shape.size());
  if (nd < 2) return false;
  const Strides &ss = layout.strides[0], &ds = layout.strides[1];
  if (ds[nd - 1] != 1 || ss[nd - 1] == 1 || ss[nd - 2] != 1 || ds[nd - 2] == 0) return false;
  int64_t rows = layout.shape[nd - 2], cols = layout.shape[nd - 1];
  if (rows < 16 || cols < 16) return false;
  int64_t outer = 1;
  for (int d = 0; d < nd - 2; ++d) outer *= layout.shape[d];
  constexpr int64_t B = 32;
  int64_t row_tiles = (rows + B - 1) / B;
  parallel_for(size_t(outer * row_tiles), 1, [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      int64_t o = int64_t(t) / row_tiles, r0 = (int64_t(t) % row_tiles) * B;
      int64_t so = 0, dof = 0, rem = o;
      for (int d = nd - 3; d >= 0; --d) {
        int64_t i = rem % layout.shape[d];
        rem /= layout.shape[d];
        so += i * ss[d];
        dof += i * ds[d];
      }
      int64_t r1 = std::min(rows, r0 + B);
      for (int64_t c0 = 0; c0 < cols; c0 += B) {
        int64_t c1 = std::min(cols, c0 + B);
        if constexpr (std::is_same_v<In, Out>) {  // no conversion: whole lines through registers
          constexpr int64_t T = kTransposeTile;
          for (int64_t r = r0; r < r1; r += T) {
            for (int64_t c = c0; c < c1; c += T) {
              gather_transposed(src + so + r + c * ss[nd - 1], ss[nd - 1], sizeof(In),
                                dst + dof + r * ds[nd - 2] + c, ds[nd - 2], int(std::min(T, r1 - r)),
                                int(std::min(T, c1 - c)));
            }
          }
          continue;
        }
        for (int64_t r = r0; r < r1; ++r) {
          Out* d = dst + dof + r * ds[nd - 2];
          const In* sp = src + so + r;
          for (int64_t c = c0; c < c1; ++c) d[c] = convert<Out>(sp[c * ss[nd - 1]]);
        }
      }
    }
  });
  return true;
}

template <typename In, typename Out>
void copy_rows(const In* src, Out* dst, const CollapsedLayout<2>& layout) {
  if (copy_transposed_tiles(src, dst, layout)) return;
  for_each_row(layout, [&](const std::array<int64_t, 2>& off, int64_t n,
                           const std::array<int64_t, 2>& st) {
    const In* s = src + off[0];
    Out* d = dst + off[1];
    if (st[0] == 1 && st[1] == 1) {
      if constexpr (std::is_same_v<In, Out>) {
        std::memcpy(d, s, n * sizeof(In));
      } else {
        for (int64_t i = 0; i < n; ++i) d[i] = convert<Out>(s[i]);
      }
    } else if (st[0] == 0) {
      Out v = convert<Out>(s[0]);
      for (int64_t i = 0; i < n; ++i) d[i * st[1]] = v;
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * st[1]] = convert<Out>(s[i * st[0]]);
    }
  });
}

template <typename In, typename Out>
void convert_run_of(const void* src, int64_t src_stride, void* dst, int64_t n) {
  const In* s = static_cast<const In*>(src);
  Out* d = static_cast<Out*>(dst);
  if (src_stride == 0) {
    std::fill(d, d + n, convert<Out>(s[0]));
  } else if constexpr (std::is_same_v<In, Out>) {
    std::memcpy(d, s, size_t(n) * sizeof(In));
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = convert<Out>(s[i]);
  }
}

// Same-dtype copies only move bytes: four instantiations cover every dtype.
void copy_dispatch(const void* src, Dtype in_type, void* dst, Dtype out_type,
                   const CollapsedLayout<2>& layout) {
  if (in_type == out_type) {
    dispatch_bytes(in_type.size, "copy", [&](auto tag) {
      using T = typename decltype(tag)::type;
      copy_rows(static_cast<const T*>(src), static_cast<T*>(dst), layout);
    });
    return;
  }
  dispatch_all(in_type, "astype", [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    dispatch_all(out_type, "astype", [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      copy_rows(static_cast<const In*>(src), static_cast<Out*>(dst), layout);
    });
  });
}

}  // namespace

ConvertRun convert_run(Dtype from, Dtype to) {
  ConvertRun run = nullptr;
  dispatch_all(from, "astype", [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    dispatch_all(to, "astype", [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      run = &convert_run_of<In, Out>;
    });
  });
  return run;
}

void copy_strided(const void* src, Dtype src_dtype, const Strides& src_strides, void* dst,
                  Dtype dst_dtype, const Strides& dst_strides, const Shape& shape) {
  if (shape_size(shape) == 0) return;
  auto layout = collapse_contiguous_dims<2>(shape, {&src_strides, &dst_strides});
  copy_dispatch(src, src_dtype, dst, dst_dtype, layout);
}

void copy_into(const array& src, array& dst, const Strides& dst_strides, int64_t dst_offset,
               const Shape& shape) {
  char* base = dst.data<char>() + dst_offset * int64_t(dst.itemsize());
  copy_strided(src.data<void>(), src.dtype(), src.strides(), base, dst.dtype(), dst_strides, shape);
}

void copy_to_row_contiguous(const array& src, array& dst) {
  if (src.is_donatable() && src.itemsize() == dst.itemsize() && src.dtype() == dst.dtype()) {
    dst.copy_shared_buffer(src);
    return;
  }
  dst.set_data(allocator::malloc(dst.nbytes()));
  if (src.flags().row_contiguous && src.data_size() == src.size()) {
    copy_dense(src, dst);
    return;
  }
  // Walk src in logical order; dst may have another shape of the same size (reshape).
  copy_into(src, dst, row_major_strides(src.shape()), 0, src.shape());
}

void copy_dense(const array& src, array& dst) {
  if (src.data_size() == 0) return;
  CollapsedLayout<2> layout;
  layout.shape = {int32_t(src.data_size())};
  layout.strides = {Strides{1}, Strides{1}};
  copy_dispatch(src.data<void>(), src.dtype(), dst.data<void>(), dst.dtype(), layout);
}

void fill(const array& scalar, array& dst) {
  Strides zero(dst.ndim(), 0);
  auto layout = collapse_contiguous_dims<2>(dst.shape(), {&zero, &dst.strides()});
  if (dst.size()) copy_dispatch(scalar.data<void>(), scalar.dtype(), dst.data<void>(), dst.dtype(), layout);
}

array ensure_row_contiguous(const array& in) {
  if (in.flags().row_contiguous) return in;
  return row_contiguous_copy(in, in.dtype());
}

array row_contiguous_copy(const array& in, Dtype dtype) {
  array out(allocator::malloc(in.size() * dtype.size), in.shape(), dtype);
  copy_into(in, out, out.strides(), 0, in.shape());
  return out;
}

}  // namespace mlx_core::cpu
