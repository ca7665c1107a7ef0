// The loop shared by every binary op: picks the layout (scalar/vector/general)
// and runs op(a, b) in the compute type. Included only by binary*.cpp.
#pragma once

#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/elementwise.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/streaming.h"

namespace mlx_core::cpu {

template <typename In, typename Out, typename Op>
void binary_apply(const array& a, const array& b, array& out, Op op) {
  using C = compute_t<In>;
  if (BlockArgs* blk = block_args) {  // a block of a fused kernel (block_mode.h)
    run_or_capture(*blk, [op](const BlockArgs& blk) {
      const In* x = static_cast<const In*>(blk.in[0]);
      const In* y = static_cast<const In*>(blk.in[1]);
      Out* z = static_cast<Out*>(blk.out);
      int64_t n = blk.n;
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
    parallel_for(n, kStreamingGrain, [&](size_t lo, size_t hi) { write_dense(po, lo, hi, stream, fill); });
  };
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
