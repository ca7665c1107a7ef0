// Reduce, ArgReduce and Softmax kernels. The input is walked in C order and
// its dims grouped into runs of kept/reduced axes; the common patterns
// (all, trailing rows, leading columns) get vectorised loops.
#include <cmath>
#include <limits>
#include <memory>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/reduce_ops.h"
#include "mlx/backend/cpu/simd_math.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/backend/cpu/vector_math.h"
#include "mlx/ops/shape.h"
#include "mlx/primitives/reduce.h"

namespace mlx_core {

namespace cpu {
namespace {

using namespace reduce_ops;

// out[k] = reduce over r of x[r * inner + k], for k < inner.
template <typename T, typename Op>
void reduce_columns(const T* x, int64_t rows, int64_t inner, compute_t<T>* acc, Op op) {
  using C = compute_t<T>;
  for (int64_t k = 0; k < inner; ++k) acc[k] = Op::template init<C>();
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * inner;
    for (int64_t k = 0; k < inner; ++k) acc[k] = op(acc[k], C(row[k]));
  }
}

template <typename T, typename Op>
void run_reduce(const array& in, array& out, const std::vector<int>& axes, Op op) {
  using C = compute_t<T>;
  const T* x = in.data<T>();
  T* y = out.data<T>();
  // Group C-order dims into alternating kept/reduced runs.
  std::vector<std::pair<int64_t, bool>> runs;  // (extent, reduced)
  for (int i = 0; i < in.ndim(); ++i) {
    bool red = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (in.shape(i) == 1) continue;
    if (!runs.empty() && runs.back().second == red) runs.back().first *= in.shape(i);
    else runs.emplace_back(in.shape(i), red);
  }
  size_t n_out = out.size();
  if (runs.empty() || (runs.size() == 1 && !runs[0].second)) {  // nothing really reduced
    for (size_t i = 0; i < n_out; ++i) y[i] = convert<T>(op(Op::template init<C>(), C(x[i])));
    return;
  }
  if (runs.size() == 1) {  // everything: split across threads, then combine
    int64_t n = runs[0].first;
    int parts = int(full_reduce_parts(n));
    std::unique_ptr<C[]> partial(new C[parts]);
    for (int p = 0; p < parts; ++p) partial[p] = Op::template init<C>();
    int64_t chunk = (n + parts - 1) / parts;
    parallel_for_dynamic(size_t(parts), 1, [&](size_t b, size_t e) {
      for (size_t p = b; p < e; ++p) {
        int64_t lo = int64_t(p) * chunk, hi = std::min(n, lo + chunk);
        if (lo < hi) partial[p] = reduce_contiguous(x + lo, hi - lo, op);
      }
    });
    C r = Op::template init<C>();
    for (int p = 0; p < parts; ++p) r = op(r, partial[p]);
    y[0] = convert<T>(r);
    return;
  }
  if (runs.size() == 2 && !runs[0].second) {  // [kept, reduced]: one row per output
    int64_t rows = runs[0].first, n = runs[1].first;
    parallel_for_dynamic(size_t(rows), std::max<size_t>(1, kStreamingGrain / std::max<int64_t>(n, 1)),
                         [&](size_t b, size_t e) {
                           for (size_t r = b; r < e; ++r) y[r] = convert<T>(reduce_contiguous(x + r * n, n, op));
                         });
    return;
  }
  if (runs.size() <= 3 && runs[0].second == (runs.size() == 2)) {
    // [reduced, kept] or [kept, reduced, kept]: accumulate whole rows, which
    // streams memory in order.
    int64_t outer = runs.size() == 3 ? runs[0].first : 1;
    int64_t rows = runs[runs.size() - 2].first, inner = runs.back().first;
    if (outer == 1 && rows >= 4 * num_threads() && int64_t(in.size()) >= int64_t(kStreamingGrain)) {
      // One slab of rows per thread into private accumulators, then combine.
      int parts = num_threads();
      std::unique_ptr<C[]> acc(new C[size_t(parts) * inner]);
      int64_t chunk = (rows + parts - 1) / parts;
      parallel_for(size_t(parts), 1, [&](size_t b, size_t e) {
        for (size_t p = b; p < e; ++p) {
          int64_t r0 = int64_t(p) * chunk, r1 = std::min(rows, r0 + chunk);
          C* a = acc.get() + p * inner;
          for (int64_t k = 0; k < inner; ++k) a[k] = Op::template init<C>();
          for (int64_t r = r0; r < r1; ++r) {
            const T* row = x + r * inner;
            for (int64_t k = 0; k < inner; ++k) a[k] = op(a[k], C(row[k]));
          }
        }
      });
      for (int64_t k = 0; k < inner; ++k) {
        C v = acc[k];
        for (int p = 1; p < parts; ++p) v = op(v, acc[size_t(p) * inner + k]);
        y[k] = convert<T>(v);
      }
      return;
    }
    parallel_for(size_t(outer * ((inner + 255) / 256)), 1, [&](size_t b, size_t e) {
      C acc[256];
      int64_t blocks = (inner + 255) / 256;
      for (size_t t = b; t < e; ++t) {
        int64_t o = int64_t(t) / blocks, k0 = (int64_t(t) % blocks) * 256;
        int64_t width = std::min<int64_t>(256, inner - k0);
        const T* base = x + o * rows * inner + k0;
        for (int64_t k = 0; k < width; ++k) acc[k] = Op::template init<C>();
        for (int64_t r = 0; r < rows; ++r) {
          const T* row = base + r * inner;
          for (int64_t k = 0; k < width; ++k) acc[k] = op(acc[k], C(row[k]));
        }
        for (int64_t k = 0; k < width; ++k) y[o * inner + k0 + k] = convert<T>(acc[k]);
      }
    });
    return;
  }
  // General: move reduced axes last with a copy, then reduce rows.
  std::vector<int> perm;
  for (int i = 0; i < in.ndim(); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  }
  int64_t n = 1;
  for (int ax : axes) {
    perm.push_back(ax);
    n *= in.shape(ax);
  }
  Shape tshape;
  Strides tstrides;
  for (int p : perm) {
    tshape.push_back(in.shape(p));
    tstrides.push_back(in.strides()[p]);
  }
  array tmp(allocator::malloc(in.nbytes()), tshape, in.dtype());
  copy_strided(in.data<void>(), in.dtype(), tstrides, tmp.data<void>(), in.dtype(),
               tmp.strides(), tshape);
  const T* t = tmp.data<T>();
  for (size_t r = 0; r < n_out; ++r) y[r] = convert<T>(reduce_contiguous(t + r * n, n, op));
}

}  // namespace
}  // namespace cpu

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  array in = ensure_row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  if (in.size() == 0) {  // empty reduction: the identity everywhere
    dispatch_all(out.dtype(), name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      C v{};
      switch (type_) {
        case ReduceType::Sum: case ReduceType::Or: v = C(0); break;
        case ReduceType::Prod: case ReduceType::And: v = C(1); break;
        case ReduceType::Max: v = lowest<C>(); break;
        case ReduceType::Min: v = highest<C>(); break;
      }
      for (size_t i = 0; i < out.size(); ++i) out.data<T>()[i] = convert<T>(v);
    });
    return;
  }
  auto run = [&](auto op) {
    dispatch_all(in.dtype(), name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_reduce<T>(in, out, axes_, op);
    });
  };
  switch (type_) {
    case ReduceType::Sum: return run(SumOp{});
    case ReduceType::Prod: return run(ProdOp{});
    case ReduceType::Max: return run(MaxOp{});
    case ReduceType::Min: return run(MinOp{});
    // The builder casts to bool for And/Or.
    case ReduceType::And: return run_reduce<bool>(in, out, axes_, AndOp{});
    case ReduceType::Or: return run_reduce<bool>(in, out, axes_, OrOp{});
  }
}

namespace cpu {
namespace {
using namespace reduce_ops;

// The first j < n with p[j] == v (or, for a NaN v, the first NaN); n if none.
template <typename T>
int64_t first_index_of(const T* p, int64_t n, compute_t<T> v) {
  using C = compute_t<T>;
  bool nan = is_nan(v);
  int64_t j = 0;
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    __m512 target = _mm512_set1_ps(v);
    for (; j + 16 <= n; j += 16) {
      __m512 x = _mm512_loadu_ps(p + j);
      __mmask16 hit = nan ? _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) : _mm512_cmp_ps_mask(x, target, _CMP_EQ_OQ);
      if (hit) return j + __builtin_ctz(unsigned(hit));
    }
  }
#endif
  for (; j < n; ++j) {
    C x = C(p[j]);
    if (nan ? is_nan(x) : x == v) return j;
  }
  return n;
}

// argmax/argmin along a contiguous axis: the extreme value first (vectorised,
// a NaN wins), then its first position, which is what a scan keeping the
// first strictly better value finds (-0 and +0 compare equal).
template <typename T>
uint32_t arg_extreme_contiguous(const T* p, int64_t n, bool is_max) {
  auto v = is_max ? reduce_contiguous(p, n, MaxOp{}) : reduce_contiguous(p, n, MinOp{});
  int64_t j = first_index_of(p, n, v);
  return uint32_t(j < n ? j : 0);
}

// argmax/argmin along an axis of stride `inner` over `width` neighbouring
// columns at once, for a row-contiguous input: rows are read in order and each
// column keeps its best value and index. A column whose best is NaN keeps it.
template <typename T>
void arg_extreme_columns(const T* p, int64_t axis_len, int64_t inner, int64_t width, bool is_max,
                         uint32_t* out) {
  using C = compute_t<T>;
  constexpr int64_t kWidth = 256;
  C best[kWidth];
  uint32_t idx[kWidth];
  for (int64_t k = 0; k < width; ++k) best[k] = C(p[k]), idx[k] = 0;
  for (int64_t j = 1; j < axis_len; ++j) {
    const T* row = p + j * inner;
    for (int64_t k = 0; k < width; ++k) {
      C v = C(row[k]);
      bool better = is_max ? less_than(best[k], v) : less_than(v, best[k]);
      better = !is_nan(best[k]) & (better | is_nan(v));  // no short circuit: vectorises
      best[k] = better ? v : best[k];
      idx[k] = better ? uint32_t(j) : idx[k];
    }
  }
  std::copy(idx, idx + width, out);
}

}  // namespace
}  // namespace cpu

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  const array& in = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t axis_len = in.shape(axis_), axis_stride = in.strides()[axis_];
  bool is_max = kind_ == ArgMax;
  size_t n_out = out.size();
  size_t grain = std::max<size_t>(1, kStreamingGrain / size_t(std::max<int64_t>(axis_len, 1)));
  dispatch_all(in.dtype(), "argreduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* x = in.data<T>();
    uint32_t* y = out.data<uint32_t>();
    if constexpr (!reduce_ops::is_cplx<C>) {
      int64_t inner = 1;  // elements after the axis
      for (int d = axis_ + 1; d < in.ndim(); ++d) inner *= in.shape(d);
      if (in.flags().row_contiguous && axis_len > 0 && inner > 0 && (axis_stride == inner || axis_len == 1)) {
        if (inner == 1) {  // the axis is the last one: one contiguous run per output
          parallel_for(n_out, grain, [&](size_t b, size_t e) {
            for (size_t i = b; i < e; ++i) y[i] = arg_extreme_contiguous(x + int64_t(i) * axis_len, axis_len, is_max);
          });
        } else {
          int64_t outer = int64_t(n_out) / inner, blocks = (inner + 255) / 256;
          parallel_for(size_t(outer * blocks), 1, [&](size_t b, size_t e) {
            for (size_t t = b; t < e; ++t) {
              int64_t o = int64_t(t) / blocks, k0 = (int64_t(t) % blocks) * 256;
              arg_extreme_columns(x + o * axis_len * inner + k0, axis_len, inner,
                                  std::min<int64_t>(256, inner - k0), is_max, y + o * inner + k0);
            }
          });
        }
        return;
      }
    }
    // Any layout: walk every output position and scan the axis with its stride.
    Shape outer_shape = in.shape();
    outer_shape[axis_] = 1;
    Strides in_strides = in.strides();
    in_strides[axis_] = 0;
    for (size_t i = 0; i < n_out; ++i) {
      int64_t rem = int64_t(i), off = 0;
      for (int d = in.ndim() - 1; d >= 0; --d) {
        off += (rem % outer_shape[d]) * in_strides[d];
        rem /= outer_shape[d];
      }
      const T* p = x + off;
      C best = C(p[0]);
      uint32_t idx = 0;
      for (int64_t j = 1; j < axis_len && !is_nan(best); ++j) {
        C v = C(p[j * axis_stride]);
        bool better = is_max ? (less_than(best, v) || is_nan(v)) : (less_than(v, best) || is_nan(v));
        if (better) {
          best = v;
          idx = uint32_t(j);
        }
      }
      y[i] = idx;
    }
  });
}

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  array in = ensure_row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t n = in.shape(-1), rows = int64_t(in.size()) / std::max<int64_t>(n, 1);
  dispatch_float(in.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    bool stream = out.nbytes() >= kStreamingOutputBytes;
    parallel_for(size_t(rows), std::max<size_t>(1, 4096 / std::max<int64_t>(n, 1)), [&](size_t b, size_t e) {
      // 64-byte aligned, as stream_block needs for non-temporal stores.
      std::unique_ptr<C[]> raw(new C[size_t(n) + 64 / sizeof(C)]);
      C* buf = reinterpret_cast<C*>((reinterpret_cast<uintptr_t>(raw.get()) + 63) & ~uintptr_t(63));
      for (size_t r = b; r < e; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        C m = reduce_contiguous(xr, n, MaxOp{});
        if constexpr (std::is_same_v<C, float>) {
          // MLX's float32 exponential (vector_math.h), as MLX's softmax uses.
          for (int64_t i = 0; i < n; ++i) buf[i] = C(xr[i]) - m;
          exp_mlx_block(buf, buf, size_t(n));
        } else {
          for (int64_t i = 0; i < n; ++i) buf[i] = std::exp(C(xr[i]) - m);
        }
        C total = reduce_contiguous(buf, n, SumOp{});
        C inv = C(1) / total;
        if constexpr (std::is_same_v<T, float>) {
          // Large outputs go past the caches (streaming.h): no read of each line first.
          for (int64_t i = 0; i < n; ++i) buf[i] *= inv;
          if (stream) {
            stream_block(reinterpret_cast<const char*>(buf), reinterpret_cast<char*>(yr), size_t(n) * 4);
          } else {
            std::copy(buf, buf + n, yr);
          }
        } else {
          for (int64_t i = 0; i < n; ++i) yr[i] = T(buf[i] * inv);
        }
      }
      if (stream) _mm_sfence();  // the stores are visible before the caller reads
    });
  });
}

}  // namespace mlx_core
