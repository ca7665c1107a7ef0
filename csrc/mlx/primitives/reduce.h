// Reductions. Reduce keeps reduced axes as size 1 (the op builder squeezes).
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

enum class ReduceType { Sum, Prod, Max, Min, And, Or };

class Reduce : public UnaryPrimitive {
 public:
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override {
    return {reduced_shape(in[0])};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override;
  ReduceType type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  Shape reduced_shape(const array& x) const;  // x's shape, reduced axes kept as 1
  ReduceType type_;
  std::vector<int> axes_;
};

// Index of the max/min along one axis (kept as size 1); uint32 output.
class ArgReduce : public UnaryPrimitive {
 public:
  enum Kind { ArgMin, ArgMax };
  ArgReduce(Stream s, Kind kind, int axis) : UnaryPrimitive(s), kind_(kind), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override {
    Shape s = in[0].shape();
    s[axis_] = 1;
    return {s};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "ArgReduce"; }
  Kind kind() const { return kind_; }
  int axis() const { return axis_; }

 private:
  Kind kind_;
  int axis_;
};

// Softmax over the last axis, computed row by row in one pass over memory.
class Softmax : public UnaryPrimitive {
 public:
  Softmax(Stream s, bool precise) : UnaryPrimitive(s), precise_(precise) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Softmax"; }
  bool precise() const { return precise_; }

 private:
  bool precise_;
};

}  // namespace mlx_core
