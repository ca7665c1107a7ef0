#include "mlx/transforms/compile.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"
#include "mlx/transforms/export_io.h"
#include "mlx/transforms/graph_walk.h"

namespace mlx_core {

// Fusable: elementwise, single-output, and computing exactly as the op's own
// kernel does (the power kernel sees a scalar exponent in block mode too).
bool is_fusable_elementwise(const Primitive& p) {
  if (auto* b = dynamic_cast<const Binary*>(&p)) return b->op() != BinaryOp::DivMod;
  return dynamic_cast<const Unary*>(&p) || dynamic_cast<const Select*>(&p) ||
         dynamic_cast<const AsType*>(&p);
}

namespace {

// The program while it is being simplified: values may be aliased to others.
struct Builder {
  std::vector<Shape> shapes;  // per value
  std::vector<Dtype> dtypes;
  std::vector<int> alias;     // value -> value it was replaced by (itself if none)
  std::vector<int> producer;  // value -> node index (-1: input or constant)
  std::vector<CompiledGraph::Node> nodes;
  std::vector<std::vector<int>> node_values;  // node -> its output values
  std::vector<bool> dead;                     // node removed

  int add_value(const Shape& s, Dtype d, int node) {
    shapes.push_back(s);
    dtypes.push_back(d);
    alias.push_back(int(alias.size()));
    producer.push_back(node);
    return int(alias.size()) - 1;
  }
  int resolve(int v) {
    while (alias[v] != v) v = alias[v];
    return v;
  }
};

bool same_scalar_constant(const array& a, const array& b) {
  return a.is_evaluated() && b.is_evaluated() && a.dtype() == b.dtype() && a.size() == 1 &&
         b.size() == 1 && a.shape() == b.shape() &&
         std::memcmp(a.data<char>(), b.data<char>(), a.itemsize()) == 0;
}

// Drops casts, reshapes and broadcasts that change nothing, and (shapeless) the
// broadcasts feeding elementwise ops, which replay broadcasts by itself.
void remove_noops(Builder& b, bool shapeless, const std::vector<int>& outputs) {
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    auto& node = b.nodes[i];
    for (auto& a : node.args) a = b.resolve(a);
    if (node.args.size() != 1 || b.node_values[i].size() != 1) continue;
    Primitive* p = node.primitive.get();
    int in = node.args[0], out = b.node_values[i][0];
    bool same = b.shapes[in] == b.shapes[out] && b.dtypes[in] == b.dtypes[out];
    bool noop = same && (dynamic_cast<AsType*>(p) ||
                         (!shapeless && (dynamic_cast<Reshape*>(p) || dynamic_cast<Broadcast*>(p))));
    if (noop) {
      b.alias[out] = in;
      b.dead[i] = true;
    }
  }
  if (!shapeless) return;
  // Which values only feed elementwise ops.
  std::vector<bool> only_elementwise(b.alias.size(), true);
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    if (b.dead[i]) continue;
    bool ew = is_fusable_elementwise(*b.nodes[i].primitive);
    for (int a : b.nodes[i].args) only_elementwise[a] = only_elementwise[a] && ew;
  }
  for (int o : outputs) only_elementwise[b.resolve(o)] = false;
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    // One with more inputs follows their shapes (MLX's form, see export_lowering.cpp).
    if (b.dead[i] || !dynamic_cast<Broadcast*>(b.nodes[i].primitive.get()) || b.nodes[i].args.size() != 1) {
      continue;
    }
    int out = b.node_values[i][0];
    if (!only_elementwise[out]) continue;
    b.alias[out] = b.resolve(b.nodes[i].args[0]);
    b.dead[i] = true;
  }
}

// Merges nodes that apply an equivalent primitive to the same values.
void merge_common(Builder& b) {
  std::map<std::pair<std::string, std::vector<int>>, std::vector<int>> seen;
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    if (b.dead[i]) continue;
    auto& node = b.nodes[i];
    for (auto& a : node.args) a = b.resolve(a);
    auto& candidates = seen[{node.primitive->name(), node.args}];
    bool merged = false;
    for (int j : candidates) {
      auto& other = b.nodes[j];
      if (other.shapes == node.shapes && other.dtypes == node.dtypes &&
          node.primitive->is_equivalent(*other.primitive)) {
        for (size_t k = 0; k < b.node_values[i].size(); ++k) {
          b.alias[b.node_values[i][k]] = b.node_values[j][k];
        }
        b.dead[i] = true;
        merged = true;
        break;
      }
    }
    if (!merged) candidates.push_back(int(i));
  }
}

// Fuses chains of elementwise nodes of one shape into Compiled nodes. A node
// joins the chain of its user only when each of its other users comes after
// the chain's root (graph order is topological): those read the value as one
// more output of the fused node, which takes the root's place, so nothing the
// chain reads can depend on it: no cycles. (An MLP's pre-activation h @ w + b
// is read by the relu and by the gradient: one kernel writes both.) Not under
// a reduction: eval fuses a single-output chain into the reduction after it
// and computes a cheap shared value such as a layer norm's x - mean again.
void fuse(Builder& b, std::vector<int>& outputs) {
  size_t nv = b.alias.size();
  std::vector<std::vector<int>> users(nv);
  std::vector<bool> is_output(nv, false);
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    if (b.dead[i]) continue;
    for (int a : b.nodes[i].args) users[a].push_back(int(i));
  }
  for (int o : outputs) is_output[o] = true;
  std::vector<int> group_of(b.nodes.size(), -1);
  auto fusable = [&](int i) {
    return !b.dead[i] && b.node_values[i].size() == 1 && is_fusable_elementwise(*b.nodes[i].primitive);
  };
  int ngroups = 0;
  for (int r = int(b.nodes.size()) - 1; r >= 0; --r) {
    if (!fusable(r) || group_of[r] >= 0) continue;
    const Shape shape = b.nodes[r].shapes[0];
    bool under_reduction = false;
    for (int u : users[b.node_values[r][0]]) {
      under_reduction |= dynamic_cast<const Reduce*>(b.nodes[u].primitive.get()) != nullptr;
    }
    int g = ngroups++;
    std::vector<int> members{r};
    group_of[r] = g;
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t m = 0; m < members.size(); ++m) {
        for (int a : b.nodes[members[m]].args) {
          int p = b.producer[a];
          if (p < 0 || group_of[p] >= 0 || !fusable(p) || b.nodes[p].shapes[0] != shape) continue;
          bool joins = true;
          for (int u : users[a]) joins &= group_of[u] == g || (u > r && !under_reduction);
          if (!joins) continue;
          group_of[p] = g;
          members.push_back(p);
          grew = true;
        }
      }
    }
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end());
    // Number the chain's values: external inputs first, then one per op.
    std::unordered_map<int, int> local;
    std::vector<int> ext;
    std::vector<Dtype> ext_dtypes;
    for (int m : members) local[b.node_values[m][0]] = -1;  // produced inside
    for (int m : members) {
      for (int a : b.nodes[m].args) {
        if (!local.count(a)) {
          local[a] = int(ext.size());
          ext.push_back(a);
          ext_dtypes.push_back(b.dtypes[a]);
        }
      }
    }
    std::vector<FusedOp> ops;
    std::vector<int> outs_local, outs_values;
    for (size_t k = 0; k < members.size(); ++k) {
      int m = members[k];
      int v = b.node_values[m][0];
      local[v] = int(ext.size() + k);
      FusedOp op{b.nodes[m].primitive, {}, b.dtypes[v]};
      for (int a : b.nodes[m].args) op.args.push_back(local[a]);
      ops.push_back(std::move(op));
      bool read_outside = false;
      for (int u : users[v]) read_outside |= group_of[u] != g;
      if (m == r || is_output[v] || read_outside) {
        outs_local.push_back(local[v]);
        outs_values.push_back(v);
      }
    }
    CompiledGraph::Node node;
    node.primitive = std::make_shared<Compiled>(b.nodes[r].primitive->stream(), std::move(ops),
                                                ext_dtypes, outs_local);
    node.args = ext;
    for (int a : ext) node.arg_shapes.push_back(b.shapes[a]);
    for (int v : outs_values) {
      node.shapes.push_back(shape);
      node.dtypes.push_back(b.dtypes[v]);
    }
    for (int m : members) b.dead[m] = true;
    // The fused node takes the root's place (all its inputs come before it).
    b.nodes[r] = std::move(node);
    b.dead[r] = false;
    std::vector<int> new_values;
    for (size_t k = 0; k < outs_values.size(); ++k) {
      int v = b.add_value(shape, b.dtypes[outs_values[k]], r);
      b.alias[outs_values[k]] = v;
      new_values.push_back(v);
    }
    b.node_values[r] = new_values;
  }
}

}  // namespace

std::shared_ptr<CompiledGraph> build_compiled_graph(const std::vector<array>& outputs,
                                                    const std::vector<array>& tracers,
                                                    bool shapeless, bool fuse_chains) {
  auto graph = std::make_shared<CompiledGraph>();
  graph->shapeless = shapeless;
  graph->num_inputs = int(tracers.size());
  Builder b;
  std::unordered_map<uintptr_t, int> value_of;
  for (auto& t : tracers) value_of[t.id()] = b.add_value(t.shape(), t.dtype(), -1);
  std::vector<array> constants;
  auto constant = [&](const array& a) {
    auto found = value_of.find(a.id());
    if (found != value_of.end()) return found->second;
    // Scalar constants with equal values are one value.
    for (size_t k = 0; k < constants.size(); ++k) {
      if (same_scalar_constant(constants[k], a)) {
        return value_of[a.id()] = value_of[constants[k].id()];
      }
    }
    constants.push_back(a);
    return value_of[a.id()] = b.add_value(a.shape(), a.dtype(), -1);
  };
  TracedGraph traced = traced_graph(outputs, id_set(tracers));
  // A constant broadcast for an elementwise op in a shapeless graph: replay
  // broadcasts its source to the new shape instead.
  auto constant_source = [&](const array& node, const array& in) {
    array c = in;
    if (!shapeless || !is_fusable_elementwise(node.primitive())) return c;
    while (c.has_primitive() && dynamic_cast<Broadcast*>(c.primitive_ptr().get())) {
      c = c.inputs()[0];
    }
    return c;
  };
  // Constants first, so their values come right after the inputs.
  for (auto& node : traced.nodes) {
    for (auto& in : node.inputs()) {
      if (!traced.depends.count(in.id())) constant(constant_source(node, in));
    }
  }
  for (auto& o : outputs) {
    if (!traced.depends.count(o.id())) constant(o);
  }
  for (auto& node : traced.nodes) {
    CompiledGraph::Node n;
    n.primitive = node.primitive_ptr();
    for (auto& in : node.inputs()) {
      if (!traced.depends.count(in.id())) {
        array c = constant_source(node, in);
        n.args.push_back(constant(c));
        n.arg_shapes.push_back(c.shape());
        continue;
      }
      n.args.push_back(value_of.at(in.id()));
      n.arg_shapes.push_back(in.shape());
    }
    int index = int(b.nodes.size());
    std::vector<int> vals;
    for (auto& o : node.outputs()) {
      n.shapes.push_back(o.shape());
      n.dtypes.push_back(o.dtype());
      vals.push_back(value_of[o.id()] = b.add_value(o.shape(), o.dtype(), index));
    }
    b.nodes.push_back(std::move(n));
    b.node_values.push_back(std::move(vals));
    b.dead.push_back(false);
  }
  std::vector<int> outs;
  for (auto& o : outputs) outs.push_back(value_of.at(o.id()));

  remove_noops(b, shapeless, outs);
  merge_common(b);
  for (auto& o : outs) o = b.resolve(o);
  // Dead nodes: nothing (live) uses their values.
  std::vector<bool> used(b.alias.size(), false);
  for (int o : outs) used[o] = true;
  for (int i = int(b.nodes.size()) - 1; i >= 0; --i) {
    if (b.dead[i]) continue;
    bool live = false;
    for (int v : b.node_values[i]) live |= used[v];
    if (!live) {
      b.dead[i] = true;
      continue;
    }
    for (auto& a : b.nodes[i].args) {
      a = b.resolve(a);
      used[a] = true;
    }
  }
  if (fuse_chains) {
    fuse(b, outs);
    for (auto& o : outs) o = b.resolve(o);
  }

  // Renumber the live program densely: inputs, constants, node outputs.
  std::vector<int> final_value(b.alias.size(), -1);
  int next = 0;
  for (int i = 0; i < graph->num_inputs; ++i) final_value[i] = next++;
  for (size_t k = 0; k < constants.size(); ++k) {
    final_value[graph->num_inputs + k] = next++;
  }
  graph->constants = std::move(constants);
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    if (b.dead[i]) continue;
    auto node = std::move(b.nodes[i]);
    for (auto& a : node.args) a = final_value.at(b.resolve(a));
    for (int v : b.node_values[i]) final_value[v] = next++;
    graph->nodes.push_back(std::move(node));
  }
  for (int o : outs) graph->outputs.push_back(final_value.at(o));
  return graph;
}

namespace {
// A traced reshape applied to an input of a new shape: same size keeps the
// traced shape; a squeeze or expand_dims (the same dims other than 1s) keeps
// its pattern; a flatten flattens. Anything else cannot be inferred.
Shape shapeless_reshape(const Shape& traced_in, const Shape& traced_out, const Shape& in) {
  size_t size = 1;
  for (auto d : in) size *= size_t(d);
  size_t traced_size = 1;
  for (auto d : traced_out) traced_size *= size_t(d);
  if (size == traced_size) return traced_out;
  if (traced_out.size() == 1) return {int32_t(size)};
  std::vector<int> in_dims, out_dims;  // positions of the dims other than 1
  for (size_t i = 0; i < traced_in.size(); ++i) {
    if (traced_in[i] != 1) in_dims.push_back(int(i));
  }
  for (size_t i = 0; i < traced_out.size(); ++i) {
    if (traced_out[i] != 1) out_dims.push_back(int(i));
  }
  bool pattern = in_dims.size() == out_dims.size() && traced_in.size() == in.size();
  for (size_t k = 0; pattern && k < in_dims.size(); ++k) {
    pattern = traced_in[in_dims[k]] == traced_out[out_dims[k]];
  }
  Shape out = traced_out;
  for (size_t k = 0; pattern && k < in_dims.size(); ++k) out[out_dims[k]] = in[in_dims[k]];
  for (size_t i = 0; pattern && i < traced_in.size(); ++i) {
    // A dim squeezed away must still be 1.
    if (traced_in[i] == 1 && in[i] != 1) pattern = false;
  }
  if (!pattern) {
    throw std::invalid_argument(msg("[compile] Cannot infer the shape of reshape ", shape_str(traced_in),
                                    " -> ", shape_str(traced_out), " for an input of shape ",
                                    shape_str(in), " with shapeless=True."));
  }
  return out;
}
}  // namespace

namespace {
// A node replayed on inputs of new shapes must still be one its kernel can
// run: a shape rule alone can let a kernel read past an input (take_along_axis
// whose indices were traced against a larger array). The checks are import's
// (export_checks.cpp), which guard against files that lie.
void check_replayed_node(const CompiledGraph& graph, const CompiledGraph::Node& node,
                         const std::vector<array>& args, const std::vector<Shape>& shapes) {
  std::vector<Shape> in;
  std::vector<Dtype> dt;
  bool same = true;
  for (size_t k = 0; k < args.size(); ++k) {
    in.push_back(args[k].shape());
    dt.push_back(args[k].dtype());
    same &= args[k].shape() == node.arg_shapes[k];
  }
  // The replay itself broadcasts elementwise inputs and re-infers reshapes
  // and broadcasts.
  const Primitive& p = *node.primitive;
  if (same || is_fusable_elementwise(p) || dynamic_cast<const Compiled*>(&p) ||
      dynamic_cast<const Reshape*>(&p) || dynamic_cast<const Broadcast*>(&p)) {
    return;
  }
  try {
    export_io::check_node(*node.primitive, in, dt, shapes, node.dtypes, true);
  } catch (const std::invalid_argument&) {
    if (graph.replayed_by != "compile") {
      throw std::invalid_argument(msg("[", graph.replayed_by, "] Inputs of these shapes do not fit the ",
                                      p.name(), " node of the function exported with shapeless=True."));
    }
    throw std::invalid_argument(msg("[compile] Cannot compile ", p.name(),
                                    " with shapeless=True for inputs of new shapes."));
  }
}
}  // namespace

std::vector<array> replay_compiled_graph(const CompiledGraph& graph,
                                         const std::vector<array>& inputs) {
  if (int(inputs.size()) != graph.num_inputs) {
    throw std::invalid_argument("[compile] Wrong number of inputs for the compiled graph.");
  }
  std::vector<array> values(inputs.begin(), inputs.end());
  values.insert(values.end(), graph.constants.begin(), graph.constants.end());
  for (auto& node : graph.nodes) {
    std::vector<array> args;
    args.reserve(node.args.size());
    for (int a : node.args) args.push_back(values[a]);
    std::vector<Shape> shapes = node.shapes;
    if (graph.shapeless) {
      bool same = true;
      for (size_t k = 0; k < args.size(); ++k) same &= args[k].shape() == node.arg_shapes[k];
      bool fused = dynamic_cast<Compiled*>(node.primitive.get()) != nullptr;
      if (is_fusable_elementwise(*node.primitive) || fused) {
        // Elementwise nodes broadcast their inputs (the traced broadcasts were dropped).
        Shape s;
        if (same) {
          s = node.shapes[0];
        } else {
          for (auto& a : args) s = broadcast_shapes(s, a.shape());
        }
        if (!fused) {
          for (auto& a : args) {
            if (a.shape() != s) a = broadcast_to(a, s);
          }
        }
        shapes.assign(node.shapes.size(), s);
      } else if (!same && dynamic_cast<Reshape*>(node.primitive.get())) {
        shapes = {shapeless_reshape(node.arg_shapes[0], node.shapes[0], args[0].shape())};
      } else if (!same && dynamic_cast<Broadcast*>(node.primitive.get())) {
        // The traced target shape, if the new input still broadcasts to it.
        if (broadcast_shapes(args[0].shape(), node.shapes[0]) != node.shapes[0]) {
          throw std::invalid_argument(msg("[broadcast_shapes] Shapes ", shape_str(args[0].shape()),
                                          " and ", shape_str(node.shapes[0]),
                                          " cannot be broadcast."));
        }
      } else if (!same) {
        try {
          shapes = node.primitive->output_shapes(args);
        } catch (const std::invalid_argument&) {
          throw std::invalid_argument(msg("[compile] Cannot compile ", node.primitive->name(),
                                          " with shapeless=True for inputs of new shapes."));
        }
      }
    }
    if (graph.shapeless) check_replayed_node(graph, node, args, shapes);
    std::vector<array> outs =
        array::make_arrays(std::move(shapes), node.dtypes, node.primitive, std::move(args));
    for (auto& o : outs) values.push_back(std::move(o));
  }
  std::vector<array> result;
  for (int o : graph.outputs) result.push_back(values[o]);
  return result;
}

namespace {
std::vector<Ids> compile_tracers;  // one set per compile being traced (under the GIL)
}  // namespace

void enter_compile_trace(const std::vector<array>& tracers) {
  compile_tracers.push_back(id_set(tracers));
}

bool in_compile_trace() { return !compile_tracers.empty(); }

void exit_compile_trace() {
  if (!compile_tracers.empty()) compile_tracers.pop_back();
}

void check_no_compile_tracer(const std::vector<array>& tape) {
  if (compile_tracers.empty()) return;
  for (auto& node : tape) {
    for (auto& ids : compile_tracers) {
      if (ids.count(node.id())) {
        throw std::invalid_argument(
            "[eval] Attempting to eval an array during function transformations like compile "
            "or vmap is not allowed.");
      }
    }
  }
}

}  // namespace mlx_core
