#include "mlx/transforms/autodiff.h"

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitive.h"
#include "mlx/primitives/convert.h"
#include "mlx/transforms/graph_walk.h"

namespace mlx_core {

namespace {

bool blocks_gradient(const array& a) {
  return dynamic_cast<const StopGradient*>(&a.primitive()) != nullptr;
}

void accumulate(std::unordered_map<uintptr_t, array>& sums, const array& key, const array& value) {
  auto it = sums.find(key.id());
  if (it == sums.end()) {
    sums.emplace(key.id(), value);
  } else {
    it->second = add(it->second, value);
  }
}

}  // namespace

array make_tracer(const array& primal) {
  return array(primal.shape(), primal.dtype(),
               std::make_shared<Identity>(default_stream(default_device())), {primal});
}

std::vector<array> vjp(const std::vector<array>& outputs, const std::vector<array>& tracers,
                       const std::vector<array>& cotangents) {
  if (outputs.size() != cotangents.size()) {
    throw std::invalid_argument(msg("[vjp] Number of outputs to compute gradients for (",
                                    outputs.size(), ") does not match number of cotangents (",
                                    cotangents.size(), ")."));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].shape() != cotangents[i].shape()) {
      throw std::invalid_argument(
          msg("[vjp] Output shape ", shape_str(outputs[i].shape()),
              " does not match cotangent shape ", shape_str(cotangents[i].shape()), ".",
              outputs[i].ndim() == 0 ? " If you are using grad your function must return a scalar."
                                     : ""));
    }
  }
  TracedGraph tape = traced_graph(outputs, id_set(tracers), blocks_gradient);
  std::unordered_map<uintptr_t, array> cots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!tape.depends.count(outputs[i].id())) continue;
    const array& c = cotangents[i];
    accumulate(cots, outputs[i], c.dtype() == outputs[i].dtype() ? c : astype(c, outputs[i].dtype()));
  }
  for (auto it = tape.nodes.rbegin(); it != tape.nodes.rend(); ++it) {
    array& node = *it;
    std::vector<array> outs = node.outputs();
    std::vector<array> out_cots;
    bool any = false;
    for (auto& o : outs) {
      auto found = cots.find(o.id());
      if (found != cots.end()) {
        out_cots.push_back(found->second);
        cots.erase(found);  // consumed: frees it once the rule holds it
        any = true;
      } else {
        out_cots.push_back(zeros_like(o));
      }
    }
    if (!any) continue;
    const auto& inputs = node.inputs();
    std::vector<int> argnums;
    for (int k = 0; k < int(inputs.size()); ++k) {
      if (tape.depends.count(inputs[k].id())) argnums.push_back(k);
    }
    std::vector<array> grads = node.primitive().vjp(inputs, out_cots, argnums, outs);
    for (size_t k = 0; k < argnums.size(); ++k) accumulate(cots, inputs[argnums[k]], grads[k]);
  }
  std::vector<array> result;
  for (auto& t : tracers) {
    auto found = cots.find(t.id());
    if (found == cots.end()) {
      result.push_back(zeros_like(t));
    } else {
      const array& g = found->second;
      result.push_back(g.dtype() == t.dtype() ? g : astype(g, t.dtype()));
    }
  }
  return result;
}

std::vector<array> jvp(const std::vector<array>& outputs, const std::vector<array>& tracers,
                       const std::vector<array>& tangents) {
  if (tracers.size() != tangents.size()) {
    throw std::invalid_argument("[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < tracers.size(); ++i) {
    if (tracers[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument("[jvp] Input shape does not match shape of tangent.");
    }
  }
  TracedGraph tape = traced_graph(outputs, id_set(tracers), blocks_gradient);
  std::unordered_map<uintptr_t, array> tans;
  for (size_t i = 0; i < tracers.size(); ++i) accumulate(tans, tracers[i], tangents[i]);
  for (auto& node : tape.nodes) {
    const auto& inputs = node.inputs();
    std::vector<int> argnums;
    std::vector<array> in_tans;
    for (int k = 0; k < int(inputs.size()); ++k) {
      auto found = tans.find(inputs[k].id());
      if (found != tans.end()) {
        argnums.push_back(k);
        in_tans.push_back(found->second);
      }
    }
    if (argnums.empty()) continue;
    std::vector<array> out_tans = node.primitive().jvp(inputs, in_tans, argnums);
    std::vector<array> outs = node.outputs();
    for (size_t k = 0; k < outs.size(); ++k) tans.insert_or_assign(outs[k].id(), out_tans[k]);
  }
  std::vector<array> result;
  for (auto& o : outputs) {
    auto found = tans.find(o.id());
    result.push_back(found == tans.end() ? zeros_like(o) : found->second);
  }
  return result;
}

}  // namespace mlx_core
