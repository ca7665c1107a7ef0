// Block mode for the elementwise kernels, used by compile's fused kernel
// (backend/cpu/compiled.cpp): while a thread has a BlockArgs set, the shared
// unary/binary loops skip output allocation and layout dispatch and run the
// op once over `n` elements of caller-owned block buffers. That way a fused
// chain reuses every op's own vectorised loop (and rounding) unchanged.
#pragma once

#include <cstdint>

namespace mlx_core::cpu {

struct BlockArgs {
  const void* in[2];
  int64_t in_stride[2];  // 1: a dense block, 0: one value for the whole block
  void* out;
  int64_t n;
};

inline thread_local BlockArgs* block_args = nullptr;

}  // namespace mlx_core::cpu
