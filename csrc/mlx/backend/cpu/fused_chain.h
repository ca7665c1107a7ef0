// The block program behind fused kernels (compiled.cpp, fused_reduce.cpp): a
// chain of elementwise ops runs over blocks of a few thousand elements, each
// op with its own vectorised loop (the unary/binary kernels' loops, captured
// once per call, see block_mode.h) on small buffers that stay in cache.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "mlx/array.h"
#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/scalar_steps.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/primitives/compiled.h"

namespace mlx_core::cpu {

// Elements per block: 2048 float32 values are 8 KiB, so a chain's live buffers
// stay in L1 next to the input and output streams, while the per-op call
// (~40 ns) stays small next to the loop. Measured here: 2048 beat 1024 and
// 4096 (slots filling L1), and 16384 was 3x slower.
constexpr int64_t kBlock = 2048;
// Scratch slots hold a block of the widest dtype (8 bytes).
constexpr size_t kSlotStride = size_t(kBlock) * 8;

// How the kernel reads one input for a block.
struct InputPlan {
  enum Kind { Dense, Scalar, Strided } kind;
  const char* ptr;
  size_t itemsize;
  Strides strides;  // Strided: element strides of the input broadcast to the output shape
};

// A thread's scratch and per-block value pointers.
struct ThreadScratch {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  std::vector<const char*> ptr;  // per value: where its block is
  std::vector<int64_t> stride;   // per value: 1, or 0 for one value
};

// How one call runs a chain: decided once, then applied to every block.
class ChainProgram {
 public:
  // `kept`: value numbers the caller reads after each block; `direct`: per
  // kept value, the buffer it is written to in place (nullptr: it stays in
  // scratch until the block ends).
  ChainProgram(const std::vector<FusedOp>& ops, const std::vector<array>& inputs,
               const Shape& shape, const std::vector<int>& kept, const std::vector<char*>& direct);
  // The thread's scratch, sized for this program.
  char* scratch_base(ThreadScratch& t) const;
  // Computes elements [begin, begin + len) (len <= kBlock) of every value;
  // afterwards t.ptr[v] points at value v's block.
  void run_block(int64_t begin, int64_t len, char* base, ThreadScratch& t) const;

 private:
  struct OpPlan {
    // Skip: folded into the ScalarRun of a later op, which applies `steps` to
    // value `run_input` (scalar_steps.h).
    enum Kind { Kernel, Where, Cast, Skip, ScalarRun } kind;
    Primitive* primitive;
    char* direct;                          // a caller's buffer, or nullptr for the slot
    int slot;
    size_t itemsize;
    Dtype from;  // Cast: the input dtype
    std::unique_ptr<BlockKernel> kernel;  // Kernel: the op's block loop
    int run_input = -1;
    std::vector<ScalarStep> steps;
  };
  // Asks the op's kernel for its block loop (block_mode.h).
  void capture_kernel(const FusedOp& op, const std::vector<array>& inputs, OpPlan& plan) const;
  // Folds runs of float32 arithmetic with constant operands into ScalarRuns.
  void plan_scalar_runs(const std::vector<array>& inputs, const std::vector<int>& kept);
  // Op j as one step applied to its other operand (`through`), if it is one.
  bool as_step(size_t j, const std::vector<array>& inputs, int& through, ScalarStep& step) const;
  const std::vector<FusedOp>& ops_;
  Shape shape_;
  int nin_;
  int nslots_ = 0;
  std::vector<InputPlan> plans_;
  std::vector<int> slot_of_;
  std::vector<OpPlan> op_plans_;
};

}  // namespace mlx_core::cpu
