// Runs of float32 arithmetic with a constant operand (x * 2 + 1, then * 3...)
// inside a fused kernel, done in one pass over a block: each value stays in
// registers from one step to the next, where the block program would store
// and reload a whole block per op. Each step rounds as its own op does, so the
// bits are those of the unfused ops.
#pragma once

#include <cstdint>

namespace mlx_core::cpu {

struct ScalarStep {
  enum Kind : uint8_t {
    Add,       // v + c
    Subtract,  // v - c
    SubtractFrom,  // c - v
    Multiply,  // v * c
    Divide,    // v / c
    DivideInto,    // c / v
  } kind;
  float c;
};

// y[i] = the steps applied in order to x[i], for i < n (y may be x).
void run_scalar_steps(const float* x, float* y, int64_t n, const ScalarStep* steps, int nsteps);

}  // namespace mlx_core::cpu
