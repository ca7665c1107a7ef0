// Select: out = condition ? x : y (inputs broadcast, x and y one dtype).
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

class Select : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const Select*>(&other) != nullptr;
  }
  const char* name() const override { return "Select"; }
};

}  // namespace mlx_core
