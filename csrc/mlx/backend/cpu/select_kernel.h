// where(c, x, y) over one run of elements, shared by Select::eval_cpu and the
// fused kernels. T is an unsigned integer of the element's size: the choice is
// a bit mask, not a branch, so the loop vectorises and a random condition
// costs no mispredictions (the branch ran 5x slower).
#pragma once

#include <cstdint>

namespace mlx_core::cpu {

// o[i * so] = c[i * sc] ? x[i * sx] : y[i * sy] for i < n.
template <typename T>
void select_run(const bool* c, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy, T* o,
                int64_t so, int64_t n) {
  auto blend = [&](auto x_at, auto y_at) {
    for (int64_t i = 0; i < n; ++i) {
      T mask = T(0) - T(c[i] != 0);
      o[i] = (x_at(i) & mask) | (y_at(i) & ~mask);
    }
  };
  auto dense = [](const T* p) { return [p](int64_t i) { return p[i]; }; };
  auto one = [](const T* p) { return [v = p[0]](int64_t) { return v; }; };
  bool dense_out = sc == 1 && so == 1;
  if (dense_out && sx == 1 && sy == 1) {
    blend(dense(x), dense(y));
  } else if (dense_out && sx == 1 && sy == 0) {  // where(x > 0, x, 0)
    blend(dense(x), one(y));
  } else if (dense_out && sx == 0 && sy == 1) {
    blend(one(x), dense(y));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      T mask = T(0) - T(c[i * sc] != 0);
      o[i * so] = (x[i * sx] & mask) | (y[i * sy] & ~mask);
    }
  }
}

}  // namespace mlx_core::cpu
