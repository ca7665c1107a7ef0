// Elementwise binary primitives (inputs already broadcast to one shape and
// promoted to one dtype by the op builders). DivMod has two outputs.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

enum class BinaryOp {
  Add, Subtract, Multiply, Divide, Power, Maximum, Minimum, Remainder,
  FloorDivide, Equal, NaNEqual, NotEqual, Less, LessEqual, Greater, GreaterEqual,
  LogicalAnd, LogicalOr, BitwiseAnd, BitwiseOr, BitwiseXor, LeftShift,
  RightShift, ArcTan2, LogAddExp, DivMod,
};

// True for ops whose output is bool whatever the input dtype.
bool is_comparison(BinaryOp op);

class Binary : public Primitive {
 public:
  Binary(Stream stream, BinaryOp op) : Primitive(stream), op_(op) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  // vjp, jvp, vmap: not yet (raise, Primitive defaults)
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override;
  BinaryOp op() const { return op_; }

 private:
  BinaryOp op_;
};

}  // namespace mlx_core
