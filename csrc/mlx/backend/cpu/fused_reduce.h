// FusedReduce: an elementwise chain and the reduction of its last value over
// trailing elements, in one pass (eval's fusion, transforms/eager_fusion.cpp).
// The chain's values never reach memory: each block is reduced as it is made.
// The reduction adds in exactly Reduce's order (reduce_ops.h), so the result is
// the same bits as computing the chain and then reducing it.
// A kernel made at eval time only; it is never a node of a graph.
#pragma once

#include <vector>

#include "mlx/primitive.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/reduce.h"

namespace mlx_core {

class FusedReduce : public UnaryPrimitive {
 public:
  // `ops` computes the chain over `shape` (its last op is the reduced value);
  // each output element reduces `row_length` consecutive chain elements.
  FusedReduce(Stream s, std::vector<FusedOp> ops, Shape shape, ReduceType type, int64_t row_length)
      : UnaryPrimitive(s), ops_(std::move(ops)), shape_(std::move(shape)), type_(type),
        row_length_(row_length) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "FusedReduce"; }

 private:
  std::vector<FusedOp> ops_;
  Shape shape_;
  ReduceType type_;
  int64_t row_length_;
};

}  // namespace mlx_core
