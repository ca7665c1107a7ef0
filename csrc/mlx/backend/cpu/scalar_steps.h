// Register runs: chains of float32 elementwise ops inside a fused kernel
// (x / c, then erf, then + 1, then * w...) done in one pass over a block. The
// running value stays in registers from one step to the next, where the block
// program would store and reload a whole block per op. Each step rounds as
// its own op does, so the bits are those of the unfused ops.
#pragma once

#include <cstdint>

namespace mlx_core::cpu {

struct ScalarStep {
  enum Kind : uint8_t {
    // v op c, with the step's constant c.
    Add,
    Subtract,
    SubtractFrom,  // c - v
    Multiply,
    Divide,
    DivideInto,  // c / v
    Maximum,     // maximum(v, c), as MLX: a NaN first operand wins, else the larger, else c
    MaximumInto,  // maximum(c, v)
    Minimum,
    MinimumInto,
    // v op w, with w the run's next array operand (RunOperand), in order.
    AddArray,
    SubtractArray,
    SubtractFromArray,  // w - v
    MultiplyArray,
    DivideArray,
    DivideIntoArray,  // w / v
    MaximumArray,
    MaximumIntoArray,  // maximum(w, v)
    MinimumArray,
    MinimumIntoArray,
    // f(v), as the unary op computes it.
    Negative,
    Abs,
    Square,
    Sqrt,
    Exp,
    Erf,
    Sigmoid,
    // A comparison then its cast to float32 (1 or 0): v cmp c, v cmp w.
    CompareConstant,
    CompareArray,
  } kind;
  // No default member values: arrays of steps are made per call without
  // initialising them (value-initialise a step, `ScalarStep s{}`, to zero it).
  float c;
  enum Comparison : uint8_t { Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual } cmp;

  bool takes_operand() const { return (kind >= AddArray && kind <= MinimumIntoArray) || kind == CompareArray; }
  bool is_constant_step() const { return kind <= MinimumInto; }
};

// Where a run reads a value for a block: element i at ptr[i * stride], with
// stride 1, or 0 for one value repeated. An array operand may come with a
// step of its own, with a constant (Add to MinimumInto), applied as it is read:
// the w of v * (x * 0.5) is x read with the step * 0.5.
struct RunOperand {
  const float* ptr;
  int64_t stride;
  const ScalarStep* step;  // or nullptr (left out of a braced initialiser: nullptr)
};

// The most array operands one run takes: callers pass them in a fixed array.
constexpr int kMaxRunOperands = 16;

// y[i] = the steps applied in order to x[i], for i < n; the k-th array step
// reads operands[k]. y may be x or any operand of stride 1 (a tile is read in
// full before it is written). `stream`: y is written with non-temporal
// stores where it is 64-byte aligned (the caller fences before others read).
void run_scalar_steps(RunOperand x, float* y, int64_t n, const ScalarStep* steps, int nsteps,
                      const RunOperand* operands, bool stream = false);

}  // namespace mlx_core::cpu
