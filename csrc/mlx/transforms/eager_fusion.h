// Fusion of elementwise chains at eval time, without mx.compile. The graph is
// lazy, so by the time eval runs it knows which intermediates nobody else
// holds: a chain such as x * 0.5 * (1 + tanh(...)) whose inner values are
// unreachable from Python runs as one Compiled kernel (one read of each input,
// one write of the result) instead of one pass over memory per op. Values are
// identical: the fused kernel runs each op's own loop (block_mode.h).
#pragma once

#include <memory>
#include <vector>

#include "mlx/array.h"
#include "mlx/primitive.h"

namespace mlx_core {

struct EagerFusionPlan {
  enum Role : int { Run = -1, Absorbed = -2 };  // else: index into groups
  struct Group {
    std::shared_ptr<Primitive> kernel;  // a Compiled node computing the root
    std::vector<array> inputs;          // its inputs, all earlier on the tape
  };
  std::vector<int> role;  // per tape entry
  std::vector<Group> groups;
};

// Plans fusion over an eval tape (inputs before users, each node once).
// Chains are fused only when large enough to be memory-bound.
EagerFusionPlan plan_eager_fusion(const std::vector<array>& tape);

}  // namespace mlx_core
