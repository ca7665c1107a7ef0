// Scan kernels. The input is made row contiguous and viewed as
// [outer, n, inner] with the scanned axis in the middle. Contiguous rows
// (inner == 1) scan one after another, split over threads; a few very long
// rows use a two-pass blocked scan (reduce each block, scan the block totals,
// then rescan each block from its carry). Other axes scan whole inner rows at
// a time so the loop over `inner` vectorises.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/scan.h"

namespace mlx_core {

namespace cpu {
namespace {

template <typename C> constexpr bool is_cplx = std::is_same_v<C, complex64_t>;

template <typename C>
bool is_nan(C a) {
  if constexpr (std::is_floating_point_v<C> || is_cplx<C>) return a != a;
  else return false;
}

template <typename C>
bool less_than(C a, C b) {  // lexicographic for complex, as MLX orders them
  if constexpr (is_cplx<C>) return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  else return a < b;
}

// Integer arithmetic wraps (as MLX's); done in unsigned types to avoid UB.
template <typename C>
using wide_unsigned_t = std::conditional_t<(sizeof(C) < 4), uint32_t, std::make_unsigned_t<C>>;

struct SumOp {
  template <typename C> static C init() { return C(0); }
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C> && !std::is_same_v<C, bool>) {
      return C(wide_unsigned_t<C>(a) + wide_unsigned_t<C>(b));
    } else {
      return a + b;
    }
  }
};
struct ProdOp {
  template <typename C> static C init() { return C(1); }
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a && b;
    else if constexpr (std::is_integral_v<C>) return C(wide_unsigned_t<C>(a) * wide_unsigned_t<C>(b));
    else return a * b;
  }
};
struct MaxOp {
  template <typename C> static C init() {
    if constexpr (std::is_floating_point_v<C>) return -std::numeric_limits<C>::infinity();
    else if constexpr (is_cplx<C>) {
      float inf = std::numeric_limits<float>::infinity();
      return C(-inf, -inf);
    } else return std::numeric_limits<C>::lowest();
  }
  template <typename C> C operator()(C a, C b) const { return (less_than(a, b) || is_nan(b)) ? b : a; }
};
struct MinOp {
  template <typename C> static C init() {
    if constexpr (std::is_floating_point_v<C>) return std::numeric_limits<C>::infinity();
    else if constexpr (is_cplx<C>) {
      float inf = std::numeric_limits<float>::infinity();
      return C(inf, inf);
    } else return std::numeric_limits<C>::max();
  }
  template <typename C> C operator()(C a, C b) const { return (less_than(b, a) || is_nan(b)) ? b : a; }
};
struct LogAddExpOp {
  template <typename C> static C init() {
    if constexpr (is_cplx<C>) return C(-std::numeric_limits<float>::infinity(), 0);
    else return -std::numeric_limits<C>::infinity();
  }
  template <typename C> C operator()(C a, C b) const {
    if constexpr (is_cplx<C>) {
      if (a.real() < b.real()) std::swap(a, b);  // a has the larger real part
      if (std::isinf(b.real()) && b.real() < 0) return a;
      return a + std::log(C(1) + std::exp(b - a));
    } else {
      if (a != a || b != b) return a + b;  // NaN
      C hi = a < b ? b : a, lo = a < b ? a : b;
      if (lo == -std::numeric_limits<C>::infinity() || hi == std::numeric_limits<C>::infinity()) return hi;
      return hi + std::log1p(std::exp(lo - hi));
    }
  }
};

// 16-bit floats round after every step, as MLX computes them on the CPU.
template <typename T, typename C>
inline C round_step(C v) {
  if constexpr (is_half_v<T>) return C(T(v));
  else return v;
}

// Scans n contiguous elements, starting from `acc`.
template <typename T, typename Op>
void scan_row(const T* x, T* y, int64_t n, bool reverse, bool inclusive, compute_t<T> acc, Op op) {
  using C = compute_t<T>;
  if (!reverse) {
    if (inclusive) {
      for (int64_t i = 0; i < n; ++i) {
        acc = round_step<T>(op(acc, C(x[i])));
        y[i] = convert<T>(acc);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        C v = C(x[i]);
        y[i] = convert<T>(acc);
        acc = round_step<T>(op(acc, v));
      }
    }
  } else {
    if (inclusive) {
      for (int64_t i = n - 1; i >= 0; --i) {
        acc = round_step<T>(op(acc, C(x[i])));
        y[i] = convert<T>(acc);
      }
    } else {
      for (int64_t i = n - 1; i >= 0; --i) {
        C v = C(x[i]);
        y[i] = convert<T>(acc);
        acc = round_step<T>(op(acc, v));
      }
    }
  }
}

// The op-total of n contiguous elements, with independent accumulators.
template <typename T, typename Op>
compute_t<T> reduce_block(const T* x, int64_t n, Op op) {
  using C = compute_t<T>;
  if constexpr (std::is_integral_v<C>) {
    // Integer ops are associative: a plain loop vectorises. (The lane-array
    // form below gave wrong int32 totals in this build with GCC 12 -O3
    // -march=znver3, though a standalone copy did not; keep integers out of it.)
    C r = Op::template init<C>();
    for (int64_t i = 0; i < n; ++i) r = op(r, C(x[i]));
    return r;
  }
  constexpr int L = 8;
  C acc[L];
  for (int j = 0; j < L; ++j) acc[j] = Op::template init<C>();
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    for (int j = 0; j < L; ++j) acc[j] = op(acc[j], C(x[i + j]));
  }
  C r = Op::template init<C>();
  for (int j = 0; j < L; ++j) r = op(r, acc[j]);
  for (; i < n; ++i) r = op(r, C(x[i]));
  return r;
}

template <typename T, typename Op>
void scan_long_row(const T* x, T* y, int64_t n, bool reverse, bool inclusive, Op op) {
  using C = compute_t<T>;
  int parts = num_threads();
  int64_t chunk = (n + parts - 1) / parts;
  std::unique_ptr<C[]> total(new C[parts]), carry(new C[parts]);  // not vector<bool>
  for (int p = 0; p < parts; ++p) total[p] = Op::template init<C>();
  parallel_for(size_t(parts), 1, [&](size_t b, size_t e) {
    for (size_t p = b; p < e; ++p) {
      int64_t lo = int64_t(p) * chunk, hi = std::min(n, lo + chunk);
      if (lo < hi) total[p] = reduce_block(x + lo, hi - lo, op);
    }
  });
  // Carry into each block: the totals of the blocks before it in scan order.
  C acc = Op::template init<C>();
  for (int k = 0; k < parts; ++k) {
    int p = reverse ? parts - 1 - k : k;
    carry[p] = acc;
    acc = op(acc, total[p]);
  }
  parallel_for(size_t(parts), 1, [&](size_t b, size_t e) {
    for (size_t p = b; p < e; ++p) {
      int64_t lo = int64_t(p) * chunk, hi = std::min(n, lo + chunk);
      if (lo < hi) scan_row(x + lo, y + lo, hi - lo, reverse, inclusive, carry[p], op);
    }
  });
}

template <typename T, typename Op>
void run_scan(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool reverse,
              bool inclusive, Op op) {
  using C = compute_t<T>;
  if (inner == 1) {
    bool few_long_rows = outer < 2 * num_threads() && n >= (int64_t(1) << 22);
    if (few_long_rows && !is_half_v<T> && num_threads() > 1) {
      for (int64_t r = 0; r < outer; ++r) scan_long_row(x + r * n, y + r * n, n, reverse, inclusive, op);
      return;
    }
    size_t grain = std::max<size_t>(1, kStreamingGrain / std::max<int64_t>(n, 1));
    parallel_for(size_t(outer), grain, [&](size_t b, size_t e) {
      for (size_t r = b; r < e; ++r) {
        scan_row(x + r * n, y + r * n, n, reverse, inclusive, Op::template init<C>(), op);
      }
    });
    return;
  }
  // Scan whole rows of `inner` elements, a block of columns at a time.
  constexpr int64_t B = 256;
  int64_t blocks = (inner + B - 1) / B;
  size_t grain = std::max<size_t>(1, kStreamingGrain / std::max<int64_t>(n * B, 1));
  parallel_for(size_t(outer * blocks), grain, [&](size_t b, size_t e) {
    C acc[B];
    for (size_t t = b; t < e; ++t) {
      int64_t o = int64_t(t) / blocks, k0 = (int64_t(t) % blocks) * B;
      int64_t w = std::min(B, inner - k0);
      const T* xb = x + o * n * inner + k0;
      T* yb = y + o * n * inner + k0;
      for (int64_t k = 0; k < w; ++k) acc[k] = Op::template init<C>();
      for (int64_t s = 0; s < n; ++s) {
        int64_t i = reverse ? n - 1 - s : s;
        const T* xr = xb + i * inner;
        T* yr = yb + i * inner;
        if (inclusive) {
          for (int64_t k = 0; k < w; ++k) {
            acc[k] = round_step<T>(op(acc[k], C(xr[k])));
            yr[k] = convert<T>(acc[k]);
          }
        } else {
          for (int64_t k = 0; k < w; ++k) {
            C v = C(xr[k]);
            yr[k] = convert<T>(acc[k]);
            acc[k] = round_step<T>(op(acc[k], v));
          }
        }
      }
    }
  });
}

}  // namespace
}  // namespace cpu

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  // Each element is read before its output is written, so a dead input's
  // buffer (or our own row-contiguous copy) can hold the result.
  bool donate = inputs[0].is_donatable() && inputs[0].dtype() == out.dtype();
  array in = ensure_row_contiguous(inputs[0]);
  if (!donate && !in.is_same(inputs[0])) donate = in.is_donatable() && in.dtype() == out.dtype();
  if (donate) {
    out.copy_shared_buffer(in);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
  }
  if (out.size() == 0) return;
  int64_t n = in.shape(axis_), inner = 1, outer = 1;
  for (int i = 0; i < axis_; ++i) outer *= in.shape(i);
  for (int i = axis_ + 1; i < in.ndim(); ++i) inner *= in.shape(i);
  auto run = [&](auto op, auto dispatch) {
    dispatch(in.dtype(), name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_scan<T>(in.data<T>(), out.data<T>(), outer, n, inner, reverse_, inclusive_, op);
    });
  };
  auto all = [](Dtype d, const char* nm, auto&& f) { return dispatch_all(d, nm, f); };
  auto inexact = [](Dtype d, const char* nm, auto&& f) { return dispatch_inexact(d, nm, f); };
  switch (type_) {
    case ScanType::Sum: return run(SumOp{}, all);
    case ScanType::Prod: return run(ProdOp{}, all);
    case ScanType::Max: return run(MaxOp{}, all);
    case ScanType::Min: return run(MinOp{}, all);
    case ScanType::LogAddExp: return run(LogAddExpOp{}, inexact);
  }
}

}  // namespace mlx_core
