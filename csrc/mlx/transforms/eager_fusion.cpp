#include "mlx/transforms/eager_fusion.h"

#include <algorithm>
#include <unordered_map>

#include "mlx/primitives/compiled.h"
#include "mlx/transforms/compile.h"

namespace mlx_core {

namespace {

// Below this many elements a chain stays in cache anyway and the separate
// kernels are as fast as the fused one.
constexpr size_t kMinFusedSize = 1 << 14;

bool fusable(const array& a) {
  return a.has_primitive() && !a.is_evaluated() && !a.has_siblings() &&
         a.primitive().device() == Device::cpu && is_fusable_elementwise(a.primitive());
}

}  // namespace

EagerFusionPlan plan_eager_fusion(const std::vector<array>& tape) {
  EagerFusionPlan plan;
  plan.role.assign(tape.size(), EagerFusionPlan::Run);
  bool any = false;
  for (auto& a : tape) any |= a.size() >= kMinFusedSize && fusable(a);
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
  auto private_to_tape = [&](int i) { return tape[i].use_count() == uses[i] + 1; };

  std::vector<int> group_of(tape.size(), -1);
  std::vector<int> uses_in_group(tape.size(), 0), touched;
  for (int r = int(tape.size()) - 1; r >= 0; --r) {
    const array& root = tape[r];
    if (group_of[r] >= 0 || root.size() < kMinFusedSize || !fusable(root)) continue;
    int g = int(plan.groups.size());
    std::vector<int> members{r};
    group_of[r] = g;
    // Grow towards the inputs: a node joins when every use of it is inside the
    // group and nothing outside the tape holds it (it never needs a buffer).
    for (size_t m = 0; m < members.size(); ++m) {
      for (auto& in : tape[members[m]].inputs()) {
        auto it = index.find(in.id());
        if (it == index.end()) continue;
        int p = it->second;
        if (uses_in_group[p]++ == 0) touched.push_back(p);
        if (group_of[p] >= 0 || uses_in_group[p] != uses[p] || !fusable(tape[p]) ||
            tape[p].shape() != root.shape() || !private_to_tape(p)) {
          continue;
        }
        group_of[p] = g;
        members.push_back(p);
      }
    }
    for (int p : touched) uses_in_group[p] = 0;
    touched.clear();
    if (members.size() < 2) {
      group_of[r] = -1;
      continue;
    }
    std::sort(members.begin(), members.end());  // tape order is a topological order
    // Values: the group's inputs first, then one per member.
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
    for (size_t k = 0; k < members.size(); ++k) {
      const array& node = tape[members[k]];
      value[node.id()] = int(group.inputs.size() + k);
      FusedOp op{node.primitive_ptr(), {}, node.dtype()};
      for (auto& in : node.inputs()) op.args.push_back(value[in.id()]);
      ops.push_back(std::move(op));
    }
    int out = int(group.inputs.size() + ops.size()) - 1;  // the root, last in tape order
    group.kernel = std::make_shared<Compiled>(root.primitive().stream(), std::move(ops),
                                              std::move(input_dtypes), std::vector<int>{out});
    for (int m : members) plan.role[m] = EagerFusionPlan::Absorbed;
    plan.role[r] = g;
    plan.groups.push_back(std::move(group));
  }
  return plan;
}

}  // namespace mlx_core
