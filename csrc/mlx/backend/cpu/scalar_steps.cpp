#include "mlx/backend/cpu/scalar_steps.h"

#include <cstring>

// Built with -ffp-contract=off (CMakeLists.txt): a multiply and the add after
// it are two roundings, as in the unfused ops, never one fused multiply-add.

namespace mlx_core::cpu {

namespace {

// Eight vectors of 16 floats per step: enough independent work to hide each
// operation's latency, and the step's dispatch is paid once per 128 values.
// The count is a template argument so that the tile is fully unrolled and
// lives in registers, not on the stack.
typedef float V __attribute__((vector_size(64)));
constexpr int kLanes = 16, kVectors = 8, kTile = kVectors * kLanes;

template <int count, typename T>
inline void apply(T* v, const ScalarStep& s) {
  const float c = s.c;
#define MLXC_EACH(expr) _Pragma("GCC unroll 8") for (int k = 0; k < count; ++k) v[k] = expr; break
  switch (s.kind) {
    case ScalarStep::Add: MLXC_EACH(v[k] + c);
    case ScalarStep::Subtract: MLXC_EACH(v[k] - c);
    case ScalarStep::SubtractFrom: MLXC_EACH(c - v[k]);
    case ScalarStep::Multiply: MLXC_EACH(v[k] * c);
    case ScalarStep::Divide: MLXC_EACH(v[k] / c);
    case ScalarStep::DivideInto: MLXC_EACH(c / v[k]);
  }
#undef MLXC_EACH
}

}  // namespace

void run_scalar_steps(const float* x, float* y, int64_t n, const ScalarStep* steps, int nsteps) {
  int64_t i = 0;
  for (; i + kTile <= n; i += kTile) {
    V v[kVectors];
    std::memcpy(v, x + i, sizeof(v));  // all loads before the stores: y may be x
    for (int s = 0; s < nsteps; ++s) apply<kVectors>(v, steps[s]);
    std::memcpy(y + i, v, sizeof(v));
  }
  for (; i < n; ++i) {
    float v = x[i];
    for (int s = 0; s < nsteps; ++s) apply<1>(&v, steps[s]);
    y[i] = v;
  }
}

}  // namespace mlx_core::cpu
