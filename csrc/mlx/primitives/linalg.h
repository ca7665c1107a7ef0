// Matrix multiplication (batched; inputs have equal batch shapes).
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

class Matmul : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp, vmap: not yet (raise)
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const Matmul*>(&other) != nullptr;
  }
  const char* name() const override { return "Matmul"; }
};

}  // namespace mlx_core
