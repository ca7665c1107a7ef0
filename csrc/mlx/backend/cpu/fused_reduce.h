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

namespace cpu {
class ChainProgram;
struct ThreadScratch;
}  // namespace cpu

class FusedReduce : public UnaryPrimitive {
 public:
  // `ops` computes the chain over `shape` (its last op is the reduced value,
  // of `dtype`; with no ops, the one input is); each output element reduces
  // `row_length` consecutive chain elements.
  FusedReduce(Stream s, std::vector<FusedOp> ops, Shape shape, ReduceType type, int64_t row_length, Dtype dtype)
      : UnaryPrimitive(s), ops_(std::move(ops)), shape_(std::move(shape)), type_(type),
        row_length_(row_length), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "FusedReduce"; }

  // For row groups (transforms/row_fusion.h), which run the chain a few rows
  // at a time: out[r] for rows [r0, r1), with `program` the chain over
  // `shape()` (kept value: root(ninputs)) and `out` allocated.
  void reduce_rows(const cpu::ChainProgram& program, size_t ninputs, int64_t r0, int64_t r1, array& out,
                   cpu::ThreadScratch& scratch, char* base) const;
  int root(size_t ninputs) const;
  const std::vector<FusedOp>& ops() const { return ops_; }
  const Shape& shape() const { return shape_; }
  int64_t row_length() const { return row_length_; }

 private:
  std::vector<FusedOp> ops_;
  Shape shape_;
  ReduceType type_;
  int64_t row_length_;
  Dtype dtype_;
};

}  // namespace mlx_core
