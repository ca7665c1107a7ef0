// Block mode for the elementwise kernels, used by the fused kernels
// (fused_chain.h): a chain of elementwise ops runs over small blocks, each op
// with its own vectorised loop (and rounding), unchanged.
//
// While a thread has a BlockArgs set, the shared unary/binary kernels skip
// output allocation and layout dispatch. With `capture` set they hand back
// their block loop as a BlockKernel instead of running it: the fused kernel
// asks each op once per call, then runs the loops block after block with one
// indirect call each (the op's eval_cpu, dtype dispatch and thread-local
// lookups per block cost as much as a loop over a block in cache).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

namespace mlx_core::cpu {

struct BlockArgs;

// One op's loop over one block.
class BlockKernel {
 public:
  virtual ~BlockKernel() = default;
  virtual void run(const BlockArgs& args) const = 0;
};

struct BlockArgs {
  const void* in[2];
  int64_t in_stride[2];  // 1: a dense block, 0: one value for the whole block
  void* out;
  int64_t n;
  // When set, the kernel stores its loop here and does not run it. in[k] and
  // in_stride[k] are then those of the first block; a kernel may rely on
  // inputs of stride 0 keeping their value (they are the chain's inputs).
  std::unique_ptr<BlockKernel>* capture = nullptr;
};

inline thread_local BlockArgs* block_args = nullptr;

template <typename Loop>
class BlockKernelOf final : public BlockKernel {
 public:
  explicit BlockKernelOf(Loop loop) : loop_(std::move(loop)) {}
  void run(const BlockArgs& args) const override { loop_(args); }

 private:
  Loop loop_;
};

// Runs `loop` on blk's block, or hands it back when blk is capturing.
template <typename Loop>
void run_or_capture(BlockArgs& blk, Loop loop) {
  if (blk.capture) {
    *blk.capture = std::make_unique<BlockKernelOf<Loop>>(std::move(loop));
  } else {
    loop(blk);
  }
}

}  // namespace mlx_core::cpu
