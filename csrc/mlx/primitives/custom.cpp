#include "mlx/primitives/custom.h"

#include "mlx/ops/creation.h"

namespace mlx_core {

void CustomTransforms::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[num_primals_ + i]);
}

std::vector<Shape> CustomTransforms::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> shapes;
  for (size_t i = num_primals_; i < inputs.size(); ++i) shapes.push_back(inputs[i].shape());
  return shapes;
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& inputs,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  std::vector<array> primal_grads;
  bool wants_primal = false;
  for (int a : argnums) wants_primal |= a < num_primals_;
  if (vjp_fn_ && wants_primal) {
    std::vector<array> primals(inputs.begin(), inputs.begin() + num_primals_);
    primal_grads = vjp_fn_(primals, cotangents, outputs);
  }
  std::vector<array> grads;
  for (int a : argnums) {
    if (a < num_primals_) {
      // Without a rule, primals get their gradient through the function's graph instead.
      bool have = vjp_fn_ && a < int(primal_grads.size());
      grads.push_back(have ? primal_grads[a] : zeros_like(inputs[a]));
    } else {
      // The function's outputs: the cotangent flows into its graph only without a rule.
      grads.push_back(vjp_fn_ ? zeros_like(inputs[a]) : cotangents[a - num_primals_]);
    }
  }
  return grads;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& inputs,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  size_t num_outputs = inputs.size() - num_primals_;
  if (jvp_fn_) {
    std::vector<array> primals(inputs.begin(), inputs.begin() + num_primals_);
    std::vector<array> primal_tangents;
    for (int i = 0; i < num_primals_; ++i) primal_tangents.push_back(zeros_like(inputs[i]));
    for (size_t k = 0; k < argnums.size(); ++k) {
      if (argnums[k] < num_primals_) primal_tangents[argnums[k]] = tangents[k];
    }
    return jvp_fn_(primals, primal_tangents);
  }
  // No rule: the tangents of the function's outputs, as its graph gives them.
  std::vector<array> out;
  for (size_t i = 0; i < num_outputs; ++i) out.push_back(zeros_like(inputs[num_primals_ + i]));
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] >= num_primals_) out[argnums[k] - num_primals_] = tangents[k];
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (vmap_fn_) {
    std::vector<array> primals(inputs.begin(), inputs.begin() + num_primals_);
    std::vector<int> primal_axes(axes.begin(), axes.begin() + num_primals_);
    auto [outs, out_axes] = vmap_fn_(primals, primal_axes);
    size_t expected = inputs.size() - num_primals_;
    if (outs.size() != expected || out_axes.size() != expected) {
      throw std::invalid_argument(
          "[custom_function] The vmap rule must return one output and one axis per output of the "
          "function.");
    }
    return {outs, out_axes};
  }
  // No rule: the function's own outputs, batched by its graph's rules.
  return {std::vector<array>(inputs.begin() + num_primals_, inputs.end()),
          std::vector<int>(axes.begin() + num_primals_, axes.end())};
}

std::vector<array> CustomTransforms::wrap(const std::vector<array>& primals,
                                          const std::vector<array>& outputs, CustomVJP vjp_fn,
                                          CustomJVP jvp_fn, CustomVmap vmap_fn) {
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  std::vector<array> inputs = primals;
  inputs.insert(inputs.end(), outputs.begin(), outputs.end());
  auto p = std::make_shared<CustomTransforms>(default_stream(default_device()), int(primals.size()),
                                              std::move(vjp_fn), std::move(jvp_fn),
                                              std::move(vmap_fn));
  return array::make_arrays(shapes, dtypes, p, inputs);
}

}  // namespace mlx_core
