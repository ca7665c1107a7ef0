// Reduction operators and the contiguous reduction loop, shared by the
// Reduce kernels (reduce.cpp) and fused reductions (fused_reduce.cpp), which
// must accumulate in exactly the same order to give the same bits.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "mlx/backend/cpu/convert.h"

namespace mlx_core::cpu::reduce_ops {

template <typename T> constexpr bool is_cplx = std::is_same_v<T, complex64_t>;

template <typename C>
C lowest() {
  if constexpr (std::is_floating_point_v<C>) return -std::numeric_limits<C>::infinity();
  else if constexpr (is_cplx<C>) return C(-std::numeric_limits<float>::infinity(), 0);
  else return std::numeric_limits<C>::lowest();
}
template <typename C>
C highest() {
  if constexpr (std::is_floating_point_v<C>) return std::numeric_limits<C>::infinity();
  else if constexpr (is_cplx<C>) return C(std::numeric_limits<float>::infinity(), 0);
  else return std::numeric_limits<C>::max();
}
template <typename C>
bool less_than(C a, C b) {
  if constexpr (is_cplx<C>) return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  else return a < b;
}
template <typename C>
bool is_nan(C a) {
  if constexpr (std::is_floating_point_v<C>) return a != a;
  else if constexpr (is_cplx<C>) return a != a;
  else return false;
}

struct SumOp { template <typename C> static C init() { return C(0); }
  template <typename C> C operator()(C a, C b) const { return a + b; } };
struct ProdOp { template <typename C> static C init() { return C(1); }
  template <typename C> C operator()(C a, C b) const { return a * b; } };
struct MaxOp { template <typename C> static C init() { return lowest<C>(); }
  template <typename C> C operator()(C a, C b) const { return (less_than(a, b) || is_nan(b)) ? b : a; } };
struct MinOp { template <typename C> static C init() { return highest<C>(); }
  template <typename C> C operator()(C a, C b) const { return (less_than(b, a) || is_nan(b)) ? b : a; } };
struct AndOp { template <typename C> static C init() { return C(true); }
  template <typename C> C operator()(C a, C b) const { return a && b; } };
struct OrOp { template <typename C> static C init() { return C(false); }
  template <typename C> C operator()(C a, C b) const { return a || b; } };

// Reduces a run of contiguous values fed in pieces. Sixteen independent
// accumulators let the compiler vectorise without reassociating one chain;
// pieces must be multiples of 16 long except the last, so the order of
// additions is the same however the run is cut.
template <typename T, typename Op>
struct ContiguousReducer {
  using C = compute_t<T>;
  static constexpr int L = 16;
  Op op;
  C acc[L];
  explicit ContiguousReducer(Op o) : op(o) {
    for (int j = 0; j < L; ++j) acc[j] = Op::template init<C>();
  }
  // Adds x[0..n); a remainder of n % 16 values is added by finish(x + n - n % 16, n % 16).
  void add(const T* x, int64_t n) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float> && std::is_same_v<Op, SumOp>) {
      // The hottest reduction, written out: one vector of the 16 lanes, the
      // same additions as the loop below (GCC's version runs ~7% slower here).
      __m512 v = _mm512_loadu_ps(acc);
      for (const float* end = x + (n - n % L); x != end; x += L) v = _mm512_add_ps(v, _mm512_loadu_ps(x));
      _mm512_storeu_ps(acc, v);
      return;
    }
    if constexpr (std::is_same_v<T, float> && (std::is_same_v<Op, MaxOp> || std::is_same_v<Op, MinOp>)) {
      // Max and min as the loop below does them per lane: take the new value
      // where it is larger (smaller) or NaN. GCC leaves that loop scalar.
      __m512 v = _mm512_loadu_ps(acc);
      for (const float* end = x + (n - n % L); x != end; x += L) {
        __m512 b = _mm512_loadu_ps(x);
        __mmask16 take = std::is_same_v<Op, MaxOp> ? _mm512_cmp_ps_mask(v, b, _CMP_LT_OQ)
                                                   : _mm512_cmp_ps_mask(b, v, _CMP_LT_OQ);
        take |= _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q);
        v = _mm512_mask_mov_ps(v, take, b);
      }
      _mm512_storeu_ps(acc, v);
      return;
    }
#endif
    C a[L];  // a local copy: the compiler need not fear that x aliases it
    for (int j = 0; j < L; ++j) a[j] = acc[j];
    // A pointer walk: the loop GCC makes from an index costs extra address
    // arithmetic per vector, measurable on this memory-bound loop.
    for (const T* end = x + (n - n % L); x != end; x += L) {
      for (int j = 0; j < L; ++j) a[j] = op(a[j], C(x[j]));
    }
    for (int j = 0; j < L; ++j) acc[j] = a[j];
  }
  C finish(const T* tail, int64_t n_tail) const {
    C r = Op::template init<C>();
    for (int j = 0; j < L; ++j) r = op(r, acc[j]);
    for (int64_t i = 0; i < n_tail; ++i) r = op(r, C(tail[i]));
    return r;
  }
};

template <typename T, typename Op>
compute_t<T> reduce_contiguous(const T* x, int64_t n, Op op) {
  ContiguousReducer<T, Op> r(op);
  r.add(x, n);
  int64_t tail = n % ContiguousReducer<T, Op>::L;
  return r.finish(x + (n - tail), tail);
}

// A full reduction of n values adds each of these parts (of 64Ki values) on
// its own and then the parts in order: the same bits on any number of
// threads, and threads take parts as they come free.
inline int64_t full_reduce_parts(int64_t n) {
  return std::min<int64_t>(256, std::max<int64_t>(1, n / (int64_t(1) << 16)));
}

}  // namespace mlx_core::cpu::reduce_ops
