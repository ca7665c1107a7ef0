// The rewrites export applies before writing a traced graph, so that the file
// holds what MLX 0.32.4 writes for the same function: compiled chains and custom
// functions as their ops, block-masked products with both operand masks, and
// lazy constants as the nodes computing them from evaluated arrays, and in
// shapeless traces the broadcasts of elementwise operands in MLX's form.
#include <algorithm>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/custom.h"
#include "mlx/primitives/export.h"
#include "mlx/primitives/products.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/ternary.h"
#include "mlx/transforms/autodiff.h"
#include "mlx/transforms/export_io.h"

namespace mlx_core::export_io {

namespace {

// The evaluated arrays that the lazy `constants` are computed from (none when all are evaluated).
std::vector<array> evaluated_sources(const std::vector<array>& constants) {
  std::vector<array> sources, stack;
  std::unordered_set<uintptr_t> seen;
  for (auto& c : constants) {
    if (c.has_primitive() && !c.is_evaluated()) stack.push_back(c);
  }
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (!seen.insert(a.id()).second) continue;
    if (!a.has_primitive() || a.is_evaluated() || dynamic_cast<FileConstant*>(a.primitive_ptr().get())) {
      sources.push_back(a);
      continue;
    }
    for (auto& in : a.inputs()) stack.push_back(in);
  }
  return sources;
}

// MLX's shapeless traces record how an elementwise op's operands are broadcast,
// so that a replay with other shapes can work theirs out: every operand goes
// through a Broadcast whose further inputs are the other operands (in order),
// even one that has the shape already. Ours replay broadcasts itself; a file MLX
// reads needs MLX's form.
std::vector<array> shape_following_broadcasts(const std::vector<array>& args, const Shape& shape) {
  std::vector<array> out;
  std::vector<std::pair<std::vector<uintptr_t>, array>> made;  // (input ids, node): x * x has one
  for (size_t k = 0; k < args.size(); ++k) {
    std::vector<array> ins{args[k]};
    for (size_t j = 0; j < args.size(); ++j) {
      if (j != k) ins.push_back(args[j]);
    }
    std::vector<uintptr_t> ids;
    for (auto& a : ins) ids.push_back(a.id());
    auto same = std::find_if(made.begin(), made.end(), [&](auto& m) { return m.first == ids; });
    if (same != made.end()) {
      out.push_back(same->second);
      continue;
    }
    auto b = std::make_shared<Broadcast>(default_stream(default_device()), shape);
    out.push_back(array(shape, args[k].dtype(), b, std::move(ins)));
    made.emplace_back(std::move(ids), out.back());
  }
  return out;
}

bool broadcasts_operands(const Primitive& p) {
  return dynamic_cast<const Binary*>(&p) || dynamic_cast<const Select*>(&p);
}

}  // namespace

bool needs_lowering(const Primitive& p) {
  if (dynamic_cast<const Compiled*>(&p) || dynamic_cast<const CustomTransforms*>(&p) ||
      dynamic_cast<const Identity*>(&p)) {
    return true;
  }
  if (auto* ne = dynamic_cast<const NumberOfElements*>(&p)) return ne->ddof() != 0;
  auto* bm = dynamic_cast<const BlockMaskedMM*>(&p);
  return bm && bm->has_lhs() != bm->has_rhs();
}

std::shared_ptr<CompiledGraph> lower_for_export(const std::shared_ptr<CompiledGraph>& graph,
                                                const std::vector<Shape>& input_shapes,
                                                const std::vector<Dtype>& input_dtypes) {
  bool any = false;
  for (auto& n : graph->nodes) any |= needs_lowering(*n.primitive) || (graph->shapeless && broadcasts_operands(*n.primitive));
  // MLX writes the graph down to evaluated arrays: a lazy constant (x * 2's broadcast 2,
  // a slice of a captured array) is written as its nodes over its evaluated sources. Not
  // for shapeless graphs, whose replay broadcasts constants itself.
  std::vector<array> sources = graph->shapeless ? std::vector<array>{} : evaluated_sources(graph->constants);
  if (!any && sources.empty()) return graph;
  std::vector<array> tracers;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    tracers.push_back(make_tracer(zeros(input_shapes[i], input_dtypes[i])));
  }
  std::vector<array> values = tracers;
  values.insert(values.end(), graph->constants.begin(), graph->constants.end());
  for (auto& node : graph->nodes) {
    std::vector<array> args;
    for (int a : node.args) args.push_back(values[a]);
    std::vector<array> outs;
    Primitive& p = *node.primitive;
    if (auto* c = dynamic_cast<Compiled*>(&p)) {
      outs = c->expand(args);  // MLX writes a compiled function's ops
    } else if (auto* ne = dynamic_cast<NumberOfElements*>(&p); ne && ne->ddof() != 0) {
      // MLX's layout has no ddof: var's divisor as MLX builds it, max(n - ddof, 0), then 1/that.
      Dtype d = ne->dtype();
      array n(Shape{}, d, std::make_shared<NumberOfElements>(p.stream(), ne->axes(), false, d), {args[0]});
      array m = subtract(n, astype(array(double(ne->ddof())), d));
      if (ne->inverted()) m = divide(astype(array(1.0), d), maximum(m, astype(array(0.0), d)));
      outs = {m};
    } else if (dynamic_cast<Identity*>(&p)) {
      outs = args;  // a transform's tracer inside the function (grad within it): a view
    } else if (auto* ct = dynamic_cast<CustomTransforms*>(&p)) {
      // The function's outputs: the custom rules (Python callables) cannot be written.
      outs.assign(args.begin() + ct->num_primals(), args.end());
    } else if (auto* bm = dynamic_cast<BlockMaskedMM*>(&p); bm && needs_lowering(p)) {
      // MLX's layout has both operand masks or neither: the missing one keeps every block.
      const Shape& o = node.shapes[0];
      int bs = bm->block_size(), M = o[o.size() - 2], N = o[o.size() - 1];
      int K = args[0].shape(-1);
      Shape mask(o.begin(), o.end() - 2);
      auto blocks = [&](int x) { return (x + bs - 1) / bs; };
      mask.push_back(blocks(bm->has_lhs() ? K : M));
      mask.push_back(blocks(bm->has_lhs() ? N : K));
      array all = broadcast_to(array(true), mask);
      args.insert(args.begin() + (bm->has_lhs() ? args.size() : args.size() - 1), all);
      auto q = std::make_shared<BlockMaskedMM>(p.stream(), bs, bm->has_out(), true, true);
      outs = array::make_arrays(node.shapes, node.dtypes, q, args);
    } else {
      if (graph->shapeless && broadcasts_operands(p)) args = shape_following_broadcasts(args, node.shapes[0]);
      outs = array::make_arrays(node.shapes, node.dtypes, node.primitive, args);
    }
    values.insert(values.end(), outs.begin(), outs.end());
  }
  std::vector<array> outputs;
  for (int o : graph->outputs) outputs.push_back(values[o]);
  // The sources go in as inputs after the real ones (so the lazy constants become nodes),
  // then turn into the first constants: the value numbers stay as they are.
  std::vector<array> all = tracers;
  all.insert(all.end(), sources.begin(), sources.end());
  auto lowered = build_compiled_graph(outputs, all, graph->shapeless, false);
  lowered->num_inputs = int(tracers.size());
  lowered->constants.insert(lowered->constants.begin(), sources.begin(), sources.end());
  return lowered;
}

}  // namespace mlx_core::export_io
