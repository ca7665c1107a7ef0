// Elementwise unary primitives. One class serves the family; `UnaryOp`
// selects the function and name() gives each its own MLX name.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

enum class UnaryOp {
  Abs, ArcCos, ArcCosh, ArcSin, ArcSinh, ArcTan, ArcTanh, BitwiseInvert, Ceil,
  Conjugate, Cos, Cosh, Erf, ErfInv, Exp, Expm1, Floor, Imag, Log, Log2, Log10,
  Log1p, LogicalNot, Negative, Real, Round, Rsqrt, Sigmoid, Sign, Sin, Sinh,
  Sqrt, Square, Tan, Tanh,
};

class Unary : public UnaryPrimitive {
 public:
  Unary(Stream stream, UnaryOp op) : UnaryPrimitive(stream), op_(op) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override;
  UnaryOp op() const { return op_; }

 private:
  // f'(x) as a graph (zeros for piecewise-constant ops); `out` is f(x).
  array derivative(const array& x, const array& out);
  UnaryOp op_;
};

}  // namespace mlx_core
