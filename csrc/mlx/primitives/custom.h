// CustomTransforms: the node mx.custom_function puts after the wrapped
// function's outputs so that transforms use the user's rules instead of the
// function's own graph.
#pragma once

#include <functional>

#include "mlx/primitive.h"

namespace mlx_core {

// (primals, cotangents, outputs) -> one cotangent per primal
using CustomVJP = std::function<std::vector<array>(const std::vector<array>&,
                                                   const std::vector<array>&,
                                                   const std::vector<array>&)>;
// (primals, tangents) -> one tangent per output
using CustomJVP = std::function<std::vector<array>(const std::vector<array>&,
                                                   const std::vector<array>&)>;
// (batched primals, their batch axes or -1) -> (outputs, their batch axes or -1)
using CustomVmap = std::function<std::pair<std::vector<array>, std::vector<int>>(
    const std::vector<array>&, const std::vector<int>&)>;

// Inputs: the primals, then the function's outputs. Outputs: views of the
// function's outputs. Without a custom rule, derivatives (and vmap) flow
// through the function's own graph; with one, only through the rule. As in
// MLX, a vmapped node keeps no custom derivative rules.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_primals, CustomVJP vjp_fn, CustomJVP jvp_fn,
                   CustomVmap vmap_fn)
      : Primitive(s),
        num_primals_(num_primals),
        vjp_fn_(std::move(vjp_fn)),
        jvp_fn_(std::move(jvp_fn)),
        vmap_fn_(std::move(vmap_fn)) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive&) const override { return false; }  // holds callbacks
  const char* name() const override { return "CustomTransforms"; }

  // Wraps `outputs` of a function of `primals` in one CustomTransforms node.
  static std::vector<array> wrap(const std::vector<array>& primals,
                                 const std::vector<array>& outputs, CustomVJP vjp_fn,
                                 CustomJVP jvp_fn, CustomVmap vmap_fn = nullptr);

  int num_primals() const { return num_primals_; }

 private:
  int num_primals_;
  CustomVJP vjp_fn_;
  CustomJVP jvp_fn_;
  CustomVmap vmap_fn_;
};

}  // namespace mlx_core
