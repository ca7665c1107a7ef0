#include "mlx/transforms/eager_fusion.h"

#include <algorithm>
#include <unordered_map>

#include "mlx/backend/cpu/fused_reduce.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/unary.h"
#include "mlx/transforms/compile.h"

namespace mlx_core {

namespace {

// Below this many elements a chain stays in cache anyway and the separate
// kernels are as fast as the fused one.
constexpr size_t kMinFusedSize = 1 << 14;

bool on_cpu(const array& a) {
  return a.has_primitive() && !a.is_evaluated() && !a.has_siblings() &&
         a.primitive().device() == Device::cpu;
}

// Elementwise nodes, and mx.compile's fused chains (their ops are inlined).
bool fusable(const array& a) {
  return on_cpu(a) && (is_fusable_elementwise(a.primitive()) ||
                       dynamic_cast<const Compiled*>(&a.primitive()) != nullptr);
}

// How many elements of `in` a kernel reads from memory: a broadcast reads
// only its source.
size_t elements_read(const array& in) {
  if (in.is_evaluated()) return in.data_size();
  if (in.has_primitive() && dynamic_cast<const Broadcast*>(&in.primitive())) {
    return std::min(in.size(), elements_read(in.inputs()[0]));
  }
  return in.size();
}

// A node a group may compute again rather than read, when other nodes read it
// too (x - mean(x) under both the variance and the output of a layer norm): one
// cheap op (no Compiled chain, no transcendental) whose inputs come to no more
// memory than its own value, the full-size one (if any) already in memory, so
// recomputing it reads no more than reading it would and keeps no intermediate
// alive; if every reader recomputes it, it is never written at all.
bool cheap_to_recompute(const array& node) {
  if (!on_cpu(node) || !is_fusable_elementwise(node.primitive()) ||
      dynamic_cast<const Unary*>(&node.primitive())) {
    return false;
  }
  size_t full = 0;
  for (auto& in : node.inputs()) {
    if (elements_read(in) < node.size()) continue;
    if (!in.is_evaluated()) return false;
    ++full;
  }
  return full <= 1;
}

// The number of trailing elements each output of `node` (a Reduce) reduces,
// when it reduces trailing axes only (or everything); else 0.
int64_t trailing_row_length(const array& node) {
  auto* reduce = dynamic_cast<const Reduce*>(&node.primitive());
  if (!reduce || !on_cpu(node)) return 0;
  const array& in = node.inputs()[0];
  const auto& axes = reduce->axes();
  int first = in.ndim() - int(axes.size());
  int64_t n = 1;
  for (size_t k = 0; k < axes.size(); ++k) {
    if (axes[k] != first + int(k)) return 0;
    n *= in.shape(axes[k]);
  }
  return n >= 2 ? n : 0;
}

// Appends `node`'s computation to `ops`: its own primitive, or the inlined
// ops of a Compiled chain. `value` maps nodes to value numbers.
void append_ops(const array& node, std::unordered_map<uintptr_t, int>& value,
                std::vector<FusedOp>& ops, int first_value) {
  auto number = [&](const array& a) { return value.at(a.id()); };
  if (auto* compiled = dynamic_cast<const Compiled*>(&node.primitive())) {
    // The chain's own numbering: its inputs, then its ops.
    std::vector<int> local;
    for (auto& in : node.inputs()) local.push_back(number(in));
    for (const FusedOp& op : compiled->ops()) {
      FusedOp copy{op.primitive, {}, op.dtype};
      for (int a : op.args) copy.args.push_back(local[size_t(a)]);
      local.push_back(first_value + int(ops.size()));
      ops.push_back(std::move(copy));
    }
    value[node.id()] = local[size_t(compiled->outputs()[0])];
    return;
  }
  FusedOp op{node.primitive_ptr(), {}, node.dtype()};
  for (auto& in : node.inputs()) op.args.push_back(number(in));
  value[node.id()] = first_value + int(ops.size());
  ops.push_back(std::move(op));
}

}  // namespace

EagerFusionPlan plan_eager_fusion(const std::vector<array>& tape) {
  EagerFusionPlan plan;
  plan.role.assign(tape.size(), EagerFusionPlan::Run);
  bool any = false;
  for (auto& a : tape) {
    any |= a.size() >= kMinFusedSize && fusable(a);
    any |= !a.inputs().empty() && a.inputs()[0].size() >= kMinFusedSize && trailing_row_length(a);
  }
  if (!any) return plan;

  std::unordered_map<uintptr_t, int> index;  // node -> tape position
  for (size_t i = 0; i < tape.size(); ++i) index[tape[i].id()] = int(i);
  // How often each tape node is an input of a tape node. A node nothing
  // outside the tape holds has exactly that many references plus the tape's.
  std::vector<int> uses(tape.size(), 0);
  for (auto& a : tape) {
    for (auto& in : a.inputs()) {
      auto it = index.find(in.id());
      if (it != index.end()) ++uses[it->second];
    }
  }
  const std::vector<int> refs = uses;  // uses changes below; references do not
  auto private_to_tape = [&](int i) { return tape[i].use_count() == refs[i] + 1; };
  // mean and var count their elements with NumberOfElements(StopGradient(v)),
  // which reads only v's shape. Such a StopGradient need not run, and its use of
  // v is no reason to write v to memory (a fused reduction computes v in cache).
  std::vector<int> counting_uses(tape.size(), 0);
  for (auto& a : tape) {
    if (!a.has_primitive() || !dynamic_cast<const NumberOfElements*>(&a.primitive())) continue;
    auto it = index.find(a.inputs()[0].id());
    if (it != index.end()) ++counting_uses[it->second];
  }
  for (size_t i = 0; i < tape.size(); ++i) {
    if (counting_uses[i] == 0 || counting_uses[i] != uses[i] || !private_to_tape(int(i)) ||
        !dynamic_cast<const StopGradient*>(&tape[i].primitive())) {
      continue;
    }
    plan.role[i] = EagerFusionPlan::Absorbed;
    auto it = index.find(tape[i].inputs()[0].id());
    if (it != index.end()) --uses[it->second];
  }

  std::vector<int> group_of(tape.size(), -1);
  std::vector<int> uses_in_group(tape.size(), 0), touched;
  std::vector<int> recomputed_uses(tape.size(), 0);  // uses covered by groups that recompute the node
  for (int r = int(tape.size()) - 1; r >= 0; --r) {
    if (group_of[r] >= 0) continue;
    if (recomputed_uses[r] > 0 && recomputed_uses[r] == uses[r] && private_to_tape(r)) {
      plan.role[r] = EagerFusionPlan::Absorbed;  // every reader computes it itself
      continue;
    }
    // The chain's last value: the root itself, or the value a reduction at the
    // root reduces (which then need not exist in memory at all).
    int64_t row_length = trailing_row_length(tape[r]);
    int top = r;
    if (row_length) {
      auto it = index.find(tape[r].inputs()[0].id());
      if (it == index.end()) continue;
      top = it->second;
      if (group_of[top] >= 0 || uses[top] != 1 || !private_to_tape(top)) continue;
    }
    const array& last = tape[top];
    if (last.size() < kMinFusedSize || !fusable(last)) continue;
    int g = int(plan.groups.size());
    std::vector<int> members{top};
    group_of[top] = g;
    // Grow towards the inputs: a node joins when every use of it is inside the
    // group and nothing outside the tape holds it (it never needs a buffer).
    for (size_t m = 0; m < members.size(); ++m) {
      for (auto& in : tape[members[m]].inputs()) {
        auto it = index.find(in.id());
        if (it == index.end()) continue;
        int p = it->second;
        if (uses_in_group[p]++ == 0) touched.push_back(p);
        if (group_of[p] >= 0 || uses_in_group[p] != uses[p] || !fusable(tape[p]) ||
            tape[p].shape() != last.shape() || !private_to_tape(p)) {
          continue;
        }
        group_of[p] = g;
        members.push_back(p);
      }
    }
    // Inputs that others read too: computed again here when that is cheap
    // (not grown through: their own inputs stay inputs of the group).
    std::vector<std::pair<int, int>> recomputed;  // (node, its uses here)
    for (int p : touched) {
      if (group_of[p] >= 0 || tape[p].shape() != last.shape() || !cheap_to_recompute(tape[p])) continue;
      recomputed.emplace_back(p, uses_in_group[p]);
      recomputed_uses[p] += uses_in_group[p];
      members.push_back(p);
    }
    for (int p : touched) uses_in_group[p] = 0;
    touched.clear();
    // One node alone gains nothing; one under a reduction does.
    if (members.size() == 1 && !row_length) {
      for (auto [p, n] : recomputed) recomputed_uses[p] -= n;
      group_of[top] = -1;
      continue;
    }
    std::sort(members.begin(), members.end());  // tape order is a topological order
    // Values: the group's inputs first, then one per op.
    std::unordered_map<uintptr_t, int> value;
    EagerFusionPlan::Group group;
    std::vector<Dtype> input_dtypes;
    for (int m : members) value[tape[m].id()] = -1;
    for (int m : members) {
      for (auto& in : tape[m].inputs()) {
        if (value.count(in.id())) continue;
        value[in.id()] = int(group.inputs.size());
        group.inputs.push_back(in);
        input_dtypes.push_back(in.dtype());
      }
    }
    std::vector<FusedOp> ops;
    int first_value = int(group.inputs.size());
    for (int m : members) append_ops(tape[m], value, ops, first_value);
    const Stream& stream = tape[r].primitive().stream();
    if (row_length) {
      // The reduced value must come last: it does unless a Compiled member
      // ended on another of its values; copy it to the end then (a no-op cast).
      int reduced = value.at(last.id());
      if (reduced != first_value + int(ops.size()) - 1) {
        group_of[top] = -1;  // rare: leave this chain unfused
        for (int m : members) group_of[m] = -1;
        for (auto [p, n] : recomputed) recomputed_uses[p] -= n;
        continue;
      }
      auto* reduce = dynamic_cast<const Reduce*>(&tape[r].primitive());
      group.kernel = std::make_shared<FusedReduce>(stream, std::move(ops), last.shape(),
                                                   reduce->type(), row_length, last.dtype());
    } else {
      int out = value.at(last.id());
      group.kernel = std::make_shared<Compiled>(stream, std::move(ops), std::move(input_dtypes),
                                                std::vector<int>{out});
    }
    for (int m : members) {
      if (group_of[m] == g) plan.role[m] = EagerFusionPlan::Absorbed;
    }
    group_of[r] = g;
    plan.role[r] = g;
    plan.groups.push_back(std::move(group));
  }
  return plan;
}

}  // namespace mlx_core
