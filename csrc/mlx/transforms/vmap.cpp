#include "mlx/transforms/vmap.h"

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitive.h"
#include "mlx/transforms/graph_walk.h"

namespace mlx_core {

int vmap_batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    int n = inputs[i].shape(axes[i]);
    if (b >= 0 && n != b) {
      throw std::invalid_argument(msg("[vmap] Inconsistent axis sizes: ", b, " and ", n, "."));
    }
    b = n;
  }
  return b;
}

array vmap_to_front(const array& x, int ax) { return ax > 0 ? moveaxis(x, ax, 0) : x; }

std::vector<array> vmap_align(const std::vector<array>& inputs, const std::vector<int>& axes) {
  int b = vmap_batch_size(inputs, axes);
  std::vector<array> out;
  out.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      out.push_back(vmap_to_front(inputs[i], axes[i]));
    } else {
      Shape shape = inputs[i].shape();
      shape.insert(shape.begin(), b);
      out.push_back(broadcast_to(expand_dims(inputs[i], {0}), shape));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& outputs,
                                                     const std::vector<array>& tracers,
                                                     const std::vector<array>& inputs,
                                                     const std::vector<int>& in_axes) {
  if (tracers.size() != inputs.size() || inputs.size() != in_axes.size()) {
    throw std::invalid_argument("[vmap] Expected one input and axis per tracer.");
  }
  std::unordered_map<uintptr_t, std::pair<array, int>> batched;
  Ids tracer_ids;
  for (size_t i = 0; i < tracers.size(); ++i) {
    tracer_ids.insert(tracers[i].id());
    batched.insert_or_assign(tracers[i].id(), std::make_pair(inputs[i], in_axes[i]));
  }
  std::vector<array> order = traced_graph(outputs, tracer_ids).nodes;
  for (auto& node : order) {
    const auto& ins = node.inputs();
    std::vector<array> vins;
    std::vector<int> vaxes;
    bool any = false;
    for (auto& in : ins) {
      auto found = batched.find(in.id());
      if (found != batched.end() && found->second.second >= 0) {
        vins.push_back(found->second.first);
        vaxes.push_back(found->second.second);
        any = true;
      } else {
        vins.push_back(found != batched.end() ? found->second.first : in);
        vaxes.push_back(-1);
      }
    }
    if (!any) continue;
    auto [vouts, vout_axes] = node.primitive().vmap(vins, vaxes);
    std::vector<array> outs = node.outputs();
    for (size_t k = 0; k < outs.size(); ++k) {
      batched.insert_or_assign(outs[k].id(), std::make_pair(vouts[k], vout_axes[k]));
    }
  }
  std::vector<array> result;
  std::vector<int> axes;
  for (auto& o : outputs) {
    auto found = batched.find(o.id());
    if (found == batched.end()) {
      result.push_back(o);
      axes.push_back(-1);
    } else {
      result.push_back(found->second.first);
      axes.push_back(found->second.second);
    }
  }
  return {result, axes};
}

}  // namespace mlx_core
