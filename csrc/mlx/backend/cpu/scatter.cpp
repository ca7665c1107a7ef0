// Scatter and ScatterAxis kernels. The output starts as a row-contiguous copy
// of the source (its buffer when the source is dead); update slices are then
// applied in index order, so repeated indices accumulate and, for plain
// assignment, the last one wins. Large slices are split by column across
// threads: every thread sees every index in order, so the result does not
// depend on the thread count.
#include <cmath>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/index_offsets.h"
#include "mlx/primitives/indexing.h"

namespace mlx_core {

using namespace cpu;

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return std::isnan(v.real()) || std::isnan(v.imag());
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

template <typename T>
bool less(T a, T b) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}

template <ScatterReduce R, typename T>
struct Combine {
  using C = compute_t<T>;
  void operator()(T& dst, T v) const {
    if constexpr (R == ScatterReduce::None) {
      dst = v;
    } else if constexpr (R == ScatterReduce::Sum) {
      dst = T(C(dst) + C(v));
    } else if constexpr (R == ScatterReduce::Prod) {
      dst = T(C(dst) * C(v));
    } else {
      C a = C(dst), b = C(v);
      if (is_nan(a)) return;  // NaN propagates, as maximum/minimum do
      bool take = R == ScatterReduce::Max ? less(a, b) : less(b, a);
      if (take || is_nan(b)) dst = v;
    }
  }
};

template <typename F>
void dispatch_reduce(ScatterReduce r, F&& f) {
  switch (r) {
    case ScatterReduce::None: return f(std::integral_constant<ScatterReduce, ScatterReduce::None>{});
    case ScatterReduce::Sum: return f(std::integral_constant<ScatterReduce, ScatterReduce::Sum>{});
    case ScatterReduce::Prod: return f(std::integral_constant<ScatterReduce, ScatterReduce::Prod>{});
    case ScatterReduce::Max: return f(std::integral_constant<ScatterReduce, ScatterReduce::Max>{});
    case ScatterReduce::Min: return f(std::integral_constant<ScatterReduce, ScatterReduce::Min>{});
  }
}

// Applies updates[p, j] to out[offsets[p] + inner(j)] for every p in order.
template <typename T, typename Op>
void scatter_slices(T* out, const T* upd, const std::vector<int64_t>& offsets,
                    const std::vector<int64_t>& inner, bool contiguous, size_t ss, Op op) {
  size_t n = offsets.size();
  auto run = [&](size_t j0, size_t j1) {
    for (size_t p = 0; p < n; ++p) {
      T* o = out + offsets[p];
      const T* u = upd + p * ss;
      if (contiguous) {
        for (size_t j = j0; j < j1; ++j) op(o[j], u[j]);
      } else {
        for (size_t j = j0; j < j1; ++j) op(o[inner[j]], u[j]);
      }
    }
  };
  // Threads take column blocks of the slice (disjoint outputs, index order kept).
  if (ss >= 64 && n * ss >= kStreamingGrain && num_threads() > 1) {
    size_t block = 16, blocks = (ss + block - 1) / block;
    parallel_for(blocks, 1, [&](size_t b, size_t e) { run(b * block, std::min(ss, e * block)); });
  } else {
    run(0, ss);
  }
}

}  // namespace

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  copy_to_row_contiguous(inputs[0], out);
  const array& updates_in = inputs.back();
  if (updates_in.size() == 0 || out.size() == 0) return;
  std::vector<array> idx(inputs.begin() + 1, inputs.end() - 1);
  int ni = idx.empty() ? 0 : idx[0].ndim();
  Shape slice(updates_in.shape().begin() + ni, updates_in.shape().end());
  std::vector<int64_t> offsets = index_offsets(idx, axes_, out.shape(), slice, out.strides());
  bool contiguous;
  std::vector<int64_t> inner = slice_offsets(slice, out.strides(), contiguous);
  array upd = dense_row_major(updates_in);
  size_t ss = upd.size() / offsets.size();
  dispatch_reduce(reduce_, [&](auto r) {
    constexpr ScatterReduce R = decltype(r)::value;
    if constexpr (R == ScatterReduce::None) {
      dispatch_bytes(out.itemsize(), "scatter", [&](auto tag) {
        using T = typename decltype(tag)::type;
        scatter_slices(out.data<T>(), upd.data<T>(), offsets, inner, contiguous, ss,
                       Combine<R, T>{});
      });
    } else {
      dispatch_all(out.dtype(), "scatter", [&](auto tag) {
        using T = typename decltype(tag)::type;
        scatter_slices(out.data<T>(), upd.data<T>(), offsets, inner, contiguous, ss,
                       Combine<R, T>{});
      });
    }
  });
}

void ScatterAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  copy_to_row_contiguous(inputs[0], out);
  if (inputs[1].size() == 0) return;
  array idx = dense_row_major(inputs[1]);
  array upd = dense_row_major(inputs[2]);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis_; ++d) outer *= idx.shape(d);
  for (int d = axis_ + 1; d < idx.ndim(); ++d) inner *= idx.shape(d);
  int64_t n = out.shape(axis_), m = idx.shape(axis_);
  dispatch_reduce(reduce_, [&](auto r) {
    constexpr ScatterReduce R = decltype(r)::value;
    dispatch_integer(idx.dtype(), "put_along_axis", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* ip = idx.data<I>();
      dispatch_all(out.dtype(), "put_along_axis", [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* o = out.data<T>();
        const T* u = upd.data<T>();
        Combine<R, T> op;
        // Different outer rows never touch the same output: split them.
        parallel_for(size_t(outer), std::max<int64_t>(1, kStreamingGrain / (m * inner)),
                     [&](size_t b, size_t e) {
                       for (size_t i = b; i < e; ++i) {
                         T* orow = o + int64_t(i) * n * inner;
                         for (int64_t j = 0; j < m; ++j) {
                           int64_t r0 = (int64_t(i) * m + j) * inner;
                           for (int64_t k = 0; k < inner; ++k) {
                             op(orow[clamp_index(ip[r0 + k], n, n - 1) * inner + k], u[r0 + k]);
                           }
                         }
                       }
                     });
      });
    });
  });
}

}  // namespace mlx_core
