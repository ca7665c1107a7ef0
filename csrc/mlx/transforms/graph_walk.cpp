#include "mlx/transforms/graph_walk.h"

#include "mlx/primitive.h"

namespace mlx_core {

TracedGraph traced_graph(const std::vector<array>& outputs, const Ids& tracers,
                         const std::function<bool(const array&)>& stops_walk) {
  TracedGraph graph;
  Ids visited;
  std::unordered_set<const Primitive*> seen_primitives;
  std::vector<std::pair<array, size_t>> stack;
  auto is_leaf = [&](const array& a) {
    return tracers.count(a.id()) || !a.has_primitive() || (stops_walk && stops_walk(a));
  };
  auto visit = [&](const array& a) {
    if (visited.insert(a.id()).second) stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    visit(out);
    while (!stack.empty()) {
      auto& top = stack.back();
      if (!is_leaf(top.first) && top.second < top.first.inputs().size()) {
        array next = top.first.inputs()[top.second++];
        visit(next);  // may reallocate `stack`; `top` is not used after this
        continue;
      }
      array node = std::move(stack.back().first);
      stack.pop_back();
      if (tracers.count(node.id())) {
        graph.depends.insert(node.id());
        continue;
      }
      if (is_leaf(node)) continue;
      bool depends = false;
      for (auto& in : node.inputs()) depends |= graph.depends.count(in.id()) > 0;
      if (!depends) continue;
      if (node.has_siblings()) {
        if (!seen_primitives.insert(node.primitive_ptr().get()).second) continue;
        for (auto& o : node.outputs()) graph.depends.insert(o.id());
      } else {
        graph.depends.insert(node.id());
      }
      graph.nodes.push_back(std::move(node));
    }
  }
  return graph;
}

Ids id_set(const std::vector<array>& arrays) {
  Ids ids;
  for (auto& a : arrays) ids.insert(a.id());
  return ids;
}

}  // namespace mlx_core
