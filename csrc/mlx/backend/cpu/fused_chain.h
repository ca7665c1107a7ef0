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
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/scalar_steps.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/primitives/compiled.h"

namespace mlx_core::cpu {

// Elements per block: 512 float32 values are 2 KiB, so a chain's live buffers
// stay in L1 next to the input and output streams. The per-op call per block
// is an indirect call to a captured loop (block_mode.h), small next to the
// loop. Measured on an AMD EPYC (Zen 4) VM, in one process, against 2048:
// x*x*x 4.5 -> 2.8 ms, silu 8.1 -> 5.3 ms on 16M float32 (1024 in between).
constexpr int64_t kBlock = 512;
// Scratch slots hold a block of the widest dtype (8 bytes), plus 256 bytes so
// that slots do not all sit at the same offset modulo 4 KiB (false
// store-to-load dependencies between one op's input and output).
constexpr size_t kSlotStride = size_t(kBlock) * 8 + 256;

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
  // scratch until the block ends). `streamed`: per kept value (or empty), the
  // buffer the caller streams it out to at the block's end; a register run
  // with no later reader writes there itself (writes_streamed).
  ChainProgram(const std::vector<FusedOp>& ops, const std::vector<array>& inputs,
               const Shape& shape, const std::vector<int>& kept, const std::vector<char*>& direct,
               const std::vector<char*>& streamed = {});
  // How far ahead (elements) run_block asks for dense inputs to be brought
  // into L2, 0 for not at all. Row groups ask for the next chunk of rows
  // while they compute on this one.
  void set_prefetch_ahead(int64_t elements) { prefetch_ahead_ = elements; }
  // Whether kept value k is already in its streamed buffer after each block.
  bool writes_streamed(size_t k) const { return k < writes_streamed_.size() && writes_streamed_[k]; }
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
    ConvertRun convert = nullptr;  // Cast: the conversion loop
    std::unique_ptr<BlockKernel> kernel;  // Kernel: the op's block loop
    int run_input = -1;
    std::vector<ScalarStep> steps;
    // The values the array steps read, in order; an input may come with a
    // constant step of its own (x * 0.5 read as x, the op skipped).
    struct RunOperandPlan {
      int value;
      bool has_step;
      ScalarStep step;
    };
    std::vector<RunOperandPlan> run_operands;
    bool stream = false;            // ScalarRun: `direct` is written past the caches
  };
  // Asks the op's kernel for its block loop (block_mode.h).
  void capture_kernel(const FusedOp& op, const std::vector<array>& inputs, OpPlan& plan) const;
  // Folds runs of float32 elementwise ops into ScalarRuns.
  void plan_scalar_runs(const std::vector<array>& inputs, const std::vector<int>& kept);
  // Op j as one step applied to value `through`, if it is one: `through` is
  // given (>= 0, the previous step's value) or chosen (-1); `operand` is the
  // other array the step reads, or -1; `folded`: an earlier op the step
  // computes too (a comparison under its cast), or -1. `uses`: readers per value.
  bool as_step(size_t j, const std::vector<array>& inputs, const std::vector<int>& uses, int& through,
               int& operand, ScalarStep& step, int& folded) const;
  const std::vector<FusedOp>& ops_;
  Shape shape_;
  int nin_;
  int nslots_ = 0;
  int64_t total_ = 0;  // elements of the output shape
  std::vector<InputPlan> plans_;
  std::vector<int> slot_of_;
  std::vector<OpPlan> op_plans_;
  std::vector<bool> writes_streamed_;
  // A few blocks: the ops' passes over a block in cache leave the memory idle
  // otherwise, and compute-heavy chains of block loops then run 10-15%
  // slower. (Register runs too: a layer norm's output pass, one run, takes
  // 13 ms without, 10.4 with, on 4096 x 4096 float32.)
  int64_t prefetch_ahead_ = 8192;
};

}  // namespace mlx_core::cpu
