#include "mlx/backend/cpu/scalar_steps.h"

#include <cstring>

// Built with -ffp-contract=off (CMakeLists.txt): a multiply and the add after
// it are two roundings, as in the unfused ops, never one fused multiply-add.

namespace mlx_core::cpu {

namespace {

// Eight vectors of 16 floats per step: enough independent work to hide each
// operation's latency, and the step's dispatch is paid once per 128 values.
// They are eight named variables, not an array, so that they stay in
// registers from one step to the next (an array indexed inside the step's
// switch went through the stack: a store and a load per vector and step).
typedef float V __attribute__((vector_size(64)));
typedef float VUnaligned __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16, kVectors = 8, kTile = kVectors * kLanes;

struct Tile {
  V v0, v1, v2, v3, v4, v5, v6, v7;
};

// All loads before any store: y may be x.
inline Tile load(const float* x) {
  auto at = [x](int k) { return V(*reinterpret_cast<const VUnaligned*>(x + k * kLanes)); };
  return {at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)};
}

inline void store(const Tile& t, float* y) {
  const V* v[kVectors] = {&t.v0, &t.v1, &t.v2, &t.v3, &t.v4, &t.v5, &t.v6, &t.v7};
  for (int k = 0; k < kVectors; ++k) *reinterpret_cast<VUnaligned*>(y + k * kLanes) = *v[k];
}

template <typename F>
inline void each(Tile& t, F f) {
  t.v0 = f(t.v0), t.v1 = f(t.v1), t.v2 = f(t.v2), t.v3 = f(t.v3);
  t.v4 = f(t.v4), t.v5 = f(t.v5), t.v6 = f(t.v6), t.v7 = f(t.v7);
}

template <typename T, typename Each>
inline void apply(const ScalarStep& s, Each&& each_value) {
  const float c = s.c;
  switch (s.kind) {
    case ScalarStep::Add: return each_value([c](T v) { return v + c; });
    case ScalarStep::Subtract: return each_value([c](T v) { return v - c; });
    case ScalarStep::SubtractFrom: return each_value([c](T v) { return c - v; });
    case ScalarStep::Multiply: return each_value([c](T v) { return v * c; });
    case ScalarStep::Divide: return each_value([c](T v) { return v / c; });
    case ScalarStep::DivideInto: return each_value([c](T v) { return c / v; });
  }
}

}  // namespace

void run_scalar_steps(const float* x, float* y, int64_t n, const ScalarStep* steps, int nsteps) {
  int64_t i = 0;
  for (; i + kTile <= n; i += kTile) {
    Tile t = load(x + i);
    for (int s = 0; s < nsteps; ++s) apply<V>(steps[s], [&t](auto f) { each(t, f); });
    store(t, y + i);
  }
  for (; i < n; ++i) {
    float v = x[i];
    for (int s = 0; s < nsteps; ++s) apply<float>(steps[s], [&v](auto f) { v = f(v); });
    y[i] = v;
  }
}

}  // namespace mlx_core::cpu
