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
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override;
  BinaryOp op() const { return op_; }

 private:
  // d out / d primals[arg] as an array (zeros where not differentiable).
  array partial(const std::vector<array>& primals, int arg, const array& out);
  BinaryOp op_;
};

}  // namespace mlx_core
