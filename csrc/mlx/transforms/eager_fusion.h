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

// A stage of a row group (transforms/row_fusion.h): a kernel that makes a
// tape node's value a few rows at a time.
struct RowStage {
  array node;                         // the value it makes
  std::shared_ptr<Primitive> kernel;  // FusedReduce (one value per row) or Compiled (one output)
  std::vector<array> inputs;
};

struct RowGroup {
  std::vector<RowStage> stages;  // in tape order
  int64_t rows = 0, row_length = 0;
};

struct EagerFusionPlan {
  enum Role : int { Run = -1, Absorbed = -2 };  // else: index into groups
  struct Group {
    std::shared_ptr<Primitive> kernel;  // a Compiled node computing the root
    std::vector<array> inputs;          // its inputs, all earlier on the tape
  };
  std::vector<int> role;  // per tape entry
  std::vector<Group> groups;
  // Per tape entry, the row group it is a stage of (-1: none). A group's
  // buffers are made when eval reaches its first stage (views of them may be
  // made before it runs), and it runs at its last stage.
  std::vector<int> row_group;
  std::vector<RowGroup> row_groups;
  std::vector<int> row_group_first, row_group_last;  // per row group: tape indices
};

// Plans fusion over an eval tape (inputs before users, each node once).
// Chains are fused only when large enough to be memory-bound.
EagerFusionPlan plan_eager_fusion(const std::vector<array>& tape);

}  // namespace mlx_core
