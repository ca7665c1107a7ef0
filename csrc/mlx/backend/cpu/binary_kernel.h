// The loop shared by every binary op: picks the layout (scalar/vector/general)
// and runs op(a, b) in the compute type. Included only by binary*.cpp.
#pragma once

#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/elementwise.h"
#include "mlx/backend/cpu/half_float.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/transpose_tile.h"

namespace mlx_core::cpu {

// One operand transposed against a row-contiguous output (stride 1 down the
// rows of the last two axes), the other read along rows: rows in tiles of
// kTransposeTile, the transposed operand gathered into a buffer of rows first
// (transpose_tile.h). False for other layouts.
template <typename In, typename Out, typename Op>
bool binary_transposed_tiles(const In* pa, const In* pb, Out* po, const CollapsedLayout<3>& l, Op op) {
  using C = compute_t<In>;
  const int nd = int(l.shape.size());
  if (nd < 2) return false;
  const Strides &sa = l.strides[0], &sb = l.strides[1], &so = l.strides[2];
  auto transposed = [&](const Strides& s) { return s[nd - 2] == 1 && s[nd - 1] != 1 && s[nd - 1] != 0; };
  auto along_rows = [&](const Strides& s) { return s[nd - 1] == 1; };
  const bool a_turned = transposed(sa) && along_rows(sb);
  if (so[nd - 1] != 1 || !(a_turned || (transposed(sb) && along_rows(sa)))) return false;
  constexpr int64_t T = kTransposeTile, W = 4 * kTransposeTile;  // a buffer of T rows x W columns
  const int64_t rows = l.shape[nd - 2], cols = l.shape[nd - 1];
  if (rows < T || cols < T) return false;
  int64_t outer = 1;
  for (int d = 0; d < nd - 2; ++d) outer *= l.shape[d];
  const int64_t row_tiles = (rows + T - 1) / T;
  const In* turned = a_turned ? pa : pb;
  const In* other = a_turned ? pb : pa;
  const Strides &st = a_turned ? sa : sb, &sr = a_turned ? sb : sa;
  size_t grain = std::max<size_t>(1, kStreamingGrain / size_t(T * cols));
  parallel_for(size_t(outer * row_tiles), grain, [&](size_t begin, size_t end) {
    In buf[T * W];
    for (size_t t = begin; t < end; ++t) {
      int64_t o = int64_t(t) / row_tiles, r0 = (int64_t(t) % row_tiles) * T, r1 = std::min(rows, r0 + T);
      int64_t ot = 0, orow = 0, oo = 0;
      for (int d = nd - 3; d >= 0; --d, o /= l.shape[d + 1]) {
        int64_t i = o % l.shape[d];
        ot += i * st[d];
        orow += i * sr[d];
        oo += i * so[d];
      }
      for (int64_t c0 = 0; c0 < cols; c0 += W) {
        const int64_t n = std::min(W, cols - c0);
        for (int64_t c = c0; c < c0 + n; c += T) {
          gather_transposed(turned + ot + r0 + c * st[nd - 1], st[nd - 1], sizeof(In), buf + (c - c0), W,
                            int(r1 - r0), int(std::min(T, c0 + n - c)));
        }
        for (int64_t r = r0; r < r1; ++r) {
          const In* g = buf + (r - r0) * W;
          const In* w = other + orow + r * sr[nd - 2] + c0;
          Out* z = po + oo + r * so[nd - 2] + c0;
          if (a_turned) {
            for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(g[i]), C(w[i])));
          } else {
            for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(w[i]), C(g[i])));
          }
        }
      }
    }
  });
  return true;
}

// float16 operands, dense (stride 1) or one value (stride 0): chunks go
// through float buffers converted 16 at a time (half_float.h), so that the
// op's loop runs on floats; the values are those of the element loop.
template <typename Out, typename Op>
void float16_run(const float16_t* x, bool x_dense, const float16_t* y, bool y_dense, Out* d, size_t n, Op op) {
  constexpr size_t K = 256;
  using R = decltype(op(0.0f, 0.0f));
  float xf[K], yf[K];
  R r[K];
  const float xs = float(x[0]), ys = float(y[0]);
  for (size_t i = 0; i < n; i += K) {
    const size_t m = std::min(K, n - i);
    if (x_dense) halves_to_floats(x + i, xf, m);
    if (y_dense) halves_to_floats(y + i, yf, m);
    if (x_dense && y_dense) {
      for (size_t k = 0; k < m; ++k) r[k] = op(xf[k], yf[k]);
    } else if (x_dense) {
      for (size_t k = 0; k < m; ++k) r[k] = op(xf[k], ys);
    } else {
      for (size_t k = 0; k < m; ++k) r[k] = op(xs, yf[k]);
    }
    if constexpr (std::is_same_v<Out, float16_t> && std::is_same_v<R, float>) {
      floats_to_halves(r, d + i, m);
    } else {
      for (size_t k = 0; k < m; ++k) d[i + k] = convert<Out>(r[k]);
    }
  }
}

template <typename In, typename Out, typename Op>
void binary_apply(const array& a, const array& b, array& out, Op op) {
  using C = compute_t<In>;
  if (BlockArgs* blk = block_args) {  // a block of a fused kernel (block_mode.h)
    run_or_capture(*blk, [op](const BlockArgs& blk) {
      const In* x = static_cast<const In*>(blk.in[0]);
      const In* y = static_cast<const In*>(blk.in[1]);
      Out* z = static_cast<Out*>(blk.out);
      int64_t n = blk.n;
      if constexpr (std::is_same_v<In, float16_t>) {
        if (blk.in_stride[0] == 1 || blk.in_stride[1] == 1) {
          float16_run(x, blk.in_stride[0] == 1, y, blk.in_stride[1] == 1, z, size_t(n), op);
          return;
        }
      }
      if (blk.in_stride[0] == 1 && blk.in_stride[1] == 1) {
        for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(x[i]), C(y[i])));
      } else if (blk.in_stride[1] == 1) {
        C s = C(x[0]);
        for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(s, C(y[i])));
      } else if (blk.in_stride[0] == 1) {
        C s = C(y[0]);
        for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(x[i]), s));
      } else {
        Out v = convert<Out>(op(C(x[0]), C(y[0])));
        for (int64_t i = 0; i < n; ++i) z[i] = v;
      }
    });
    return;
  }
  BinaryLayout layout = binary_layout(a, b);
  set_binary_output(a, b, out, layout);
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* po = out.data<Out>();
  // Dense outputs: fill(i, n, d) computes elements [i, i + n) into d; large
  // ones are streamed past the caches (streaming.h).
  bool stream = out.nbytes() >= kStreamingOutputBytes;
  auto apply = [&](size_t n, auto&& fill) {
    parallel_for_streaming(n, [&](size_t lo, size_t hi) { write_dense(po, lo, hi, stream, fill); });
  };
  if constexpr (std::is_same_v<In, float16_t>) {
    if (layout != BinaryLayout::General && layout != BinaryLayout::ScalarScalar) {
      const bool a_dense = layout != BinaryLayout::ScalarVector, b_dense = layout != BinaryLayout::VectorScalar;
      apply(a_dense ? a.data_size() : b.data_size(), [&](size_t i0, size_t n, Out* d) {
        float16_run(pa + (a_dense ? i0 : 0), a_dense, pb + (b_dense ? i0 : 0), b_dense, d, n, op);
      });
      return;
    }
  }
  switch (layout) {
    case BinaryLayout::ScalarScalar:
      po[0] = convert<Out>(op(C(pa[0]), C(pb[0])));
      return;
    case BinaryLayout::ScalarVector: {
      C s = C(pa[0]);
      apply(b.data_size(), [&](size_t i0, size_t n, Out* d) {
        const In* y = pb + i0;
        for (size_t i = 0; i < n; ++i) d[i] = convert<Out>(op(s, C(y[i])));
      });
      return;
    }
    case BinaryLayout::VectorScalar: {
      C s = C(pb[0]);
      apply(a.data_size(), [&](size_t i0, size_t n, Out* d) {
        const In* x = pa + i0;
        for (size_t i = 0; i < n; ++i) d[i] = convert<Out>(op(C(x[i]), s));
      });
      return;
    }
    case BinaryLayout::VectorVector:
      apply(a.data_size(), [&](size_t i0, size_t n, Out* d) {
        const In* x = pa + i0;
        const In* y = pb + i0;
        for (size_t i = 0; i < n; ++i) d[i] = convert<Out>(op(C(x[i]), C(y[i])));
      });
      return;
    case BinaryLayout::General: {
      auto l = collapse_contiguous_dims<3>(a.shape(), {&a.strides(), &b.strides(), &out.strides()});
      if (binary_transposed_tiles<In, Out>(pa, pb, po, l, op)) return;
      for_each_row(l, [&](const std::array<int64_t, 3>& off, int64_t n,
                          const std::array<int64_t, 3>& st) {
        const In* x = pa + off[0];
        const In* y = pb + off[1];
        Out* z = po + off[2];
        if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
          for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(x[i]), C(y[i])));
        } else if (st[0] == 0 && st[1] == 1 && st[2] == 1) {
          C s = C(x[0]);
          for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(s, C(y[i])));
        } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
          C s = C(y[0]);
          for (int64_t i = 0; i < n; ++i) z[i] = convert<Out>(op(C(x[i]), s));
        } else {
          for (int64_t i = 0; i < n; ++i)
            z[i * st[2]] = convert<Out>(op(C(x[i * st[0]]), C(y[i * st[1]])));
        }
      });
      return;
    }
  }
}

}  // namespace mlx_core::cpu
