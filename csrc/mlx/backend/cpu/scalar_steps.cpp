#include "mlx/backend/cpu/scalar_steps.h"

#include <cstring>

// Built with -ffp-contract=off (CMakeLists.txt): a multiply and the add after
// it are two roundings, as in the unfused ops, never one fused multiply-add.

namespace mlx_core::cpu {

namespace {

// Four vectors of 16 floats per step: enough independent work to hide each
// operation's latency, and the step's dispatch is paid once per 64 values.
typedef float V __attribute__((vector_size(64)));
constexpr int kLanes = 16, kTile = 4 * kLanes;

template <typename T>
inline void apply(T* v, int count, const ScalarStep& s) {
  const float c = s.c;
  switch (s.kind) {
    case ScalarStep::Add: for (int k = 0; k < count; ++k) v[k] = v[k] + c; break;
    case ScalarStep::Subtract: for (int k = 0; k < count; ++k) v[k] = v[k] - c; break;
    case ScalarStep::SubtractFrom: for (int k = 0; k < count; ++k) v[k] = c - v[k]; break;
    case ScalarStep::Multiply: for (int k = 0; k < count; ++k) v[k] = v[k] * c; break;
    case ScalarStep::Divide: for (int k = 0; k < count; ++k) v[k] = v[k] / c; break;
    case ScalarStep::DivideInto: for (int k = 0; k < count; ++k) v[k] = c / v[k]; break;
  }
}

}  // namespace

void run_scalar_steps(const float* x, float* y, int64_t n, const ScalarStep* steps, int nsteps) {
  int64_t i = 0;
  for (; i + kTile <= n; i += kTile) {
    V v[4];
    std::memcpy(v, x + i, sizeof(v));  // all loads before the stores: y may be x
    for (int s = 0; s < nsteps; ++s) apply(v, 4, steps[s]);
    std::memcpy(y + i, v, sizeof(v));
  }
  for (; i < n; ++i) {
    float v = x[i];
    for (int s = 0; s < nsteps; ++s) apply(&v, 1, steps[s]);
    y[i] = v;
  }
}

}  // namespace mlx_core::cpu
