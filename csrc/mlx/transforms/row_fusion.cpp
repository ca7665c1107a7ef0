#include "mlx/transforms/row_fusion.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "mlx/backend/cpu/fused_reduce.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/shape.h"
#include "mlx/transforms/compile.h"

namespace mlx_core {

namespace {

// Smaller groups stay in cache as separate kernels anyway.
constexpr int64_t kMinGroupElements = 1 << 16;
// Longer rows would not leave a chunk of rows in L2 between its stages.
constexpr int64_t kMaxRowBytes = int64_t(64) << 10;

bool on_cpu(const array& a) {
  return a.has_primitive() && !a.is_evaluated() && !a.has_siblings() && a.primitive().device() == Device::cpu;
}

int64_t elements(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// A tape node as a stage, if it can be one: a fused chain or reduction that
// eager fusion planned, an elementwise node, or a reduction over the last axis.
struct Candidate {
  RowStage stage;
  bool reduces = false;
  Shape shape;  // of the chain: the reduced chain's for a reduction, else the node's
  int64_t row_length = 0;
};

std::optional<Candidate> candidate(const array& node, int role, const EagerFusionPlan& plan) {
  if (role == EagerFusionPlan::Absorbed || !on_cpu(node)) return std::nullopt;
  Candidate c{RowStage{node, nullptr, {}}};
  if (role >= 0) {
    const auto& group = plan.groups[size_t(role)];
    c.stage.kernel = group.kernel;
    c.stage.inputs = group.inputs;
    if (auto* reduce = dynamic_cast<const FusedReduce*>(group.kernel.get())) {
      c.reduces = true;
      c.shape = reduce->shape();
      c.row_length = reduce->row_length();
      if (c.shape.empty() || c.row_length != c.shape.back()) return std::nullopt;
      return c;
    }
    c.shape = node.shape();
    if (!dynamic_cast<const Compiled*>(group.kernel.get())) return std::nullopt;
    return c;
  }
  const Stream& stream = node.primitive().stream();
  if (dynamic_cast<const Compiled*>(&node.primitive())) {  // mx.compile's chain (one output)
    c.stage.kernel = node.primitive_ptr();
    c.stage.inputs = node.inputs();
    c.shape = node.shape();
    return c;
  }
  if (is_fusable_elementwise(node.primitive())) {  // one op: a chain of one
    std::vector<FusedOp> ops{FusedOp{node.primitive_ptr(), {}, node.dtype()}};
    std::vector<Dtype> dtypes;
    for (size_t k = 0; k < node.inputs().size(); ++k) {
      ops[0].args.push_back(int(k));
      dtypes.push_back(node.inputs()[k].dtype());
    }
    int out = int(node.inputs().size());
    c.stage.kernel = std::make_shared<Compiled>(stream, std::move(ops), std::move(dtypes), std::vector<int>{out});
    c.stage.inputs = node.inputs();
    c.shape = node.shape();
    return c;
  }
  auto* reduce = dynamic_cast<const Reduce*>(&node.primitive());
  if (!reduce) return std::nullopt;
  const array& in = node.inputs()[0];
  if (in.ndim() < 1 || reduce->axes() != std::vector<int>{in.ndim() - 1}) return std::nullopt;
  // A reduction of its input as it is: a chain of no ops.
  if (node.dtype() != in.dtype()) return std::nullopt;
  c.stage.kernel = std::make_shared<FusedReduce>(stream, std::vector<FusedOp>{}, in.shape(), reduce->type(),
                                                 in.shape().back(), in.dtype());
  c.stage.inputs = {in};
  c.reduces = true;
  c.shape = in.shape();
  c.row_length = in.shape().back();
  return c;
}

// The group being built: its stages and the shape of its rows.
struct Building {
  std::vector<int> members;  // tape indices
  std::vector<Candidate> stages;
  Shape full;                // rows x row_length
  Shape per_row_kept;        // `full` with a last axis of 1
  int64_t rows = 0, row_length = 0;
  std::unordered_map<uintptr_t, Shape> made;  // member values and their shapes

  bool empty() const { return stages.empty(); }

  bool start(const Candidate& c) {
    if (c.shape.empty() || c.shape.back() < 2) return false;
    full = c.shape;
    row_length = full.back();
    rows = elements(full) / row_length;
    per_row_kept = full;
    per_row_kept.back() = 1;
    return rows >= 2;
  }

  // Whether `c` reads the rows it makes and the values it reads row by row.
  bool fits(const Candidate& c) const {
    bool full_stage = c.shape == full;
    bool per_row = !c.reduces && !full_stage && elements(c.shape) == rows;
    if (c.reduces ? !(full_stage && c.row_length == row_length) : !(full_stage || per_row)) return false;
    for (auto& in : c.stage.inputs) {
      auto it = made.find(in.id());
      if (it == made.end()) continue;
      const Shape& s = it->second;
      if (per_row ? s != c.shape : !(s == full || s == per_row_kept)) return false;
    }
    return true;
  }

  void add(int index, Candidate c) {
    made[c.stage.node.id()] = c.stage.node.shape();
    members.push_back(index);
    stages.push_back(std::move(c));
  }

  // A broadcast of a stage's one value per row along the rows (x - mean's
  // mean): a view of the stage's buffer, made where it is on the tape (the
  // group's buffers exist from its first stage on); stages read it row by row.
  bool passes_through(const array& node) {
    if (!on_cpu(node) || !dynamic_cast<const Broadcast*>(&node.primitive()) || node.inputs().size() != 1) {
      return false;
    }
    auto it = made.find(node.inputs()[0].id());
    if (it == made.end() || it->second != per_row_kept || node.shape() != full) return false;
    made[node.id()] = per_row_kept;
    return true;
  }

  bool reads_member(const Candidate* c, const array& node) const {
    for (auto& in : c ? c->stage.inputs : node.inputs()) {
      if (made.count(in.id())) return true;
    }
    return false;
  }

  // Worth running as a group: a reduction, and an input of the full shape that
  // two stages read (it comes from memory once instead of twice).
  bool worth_it() const {
    if (elements(full) < kMinGroupElements) return false;
    bool reduces = false;
    std::unordered_map<uintptr_t, int> readers;
    int most = 0;
    for (auto& c : stages) {
      reduces |= c.reduces;
      if (c.shape != full) continue;
      for (auto& in : c.stage.inputs) {
        if (made.count(in.id()) || in.size() != size_t(elements(full))) continue;
        if (int64_t(in.itemsize()) * row_length > kMaxRowBytes) return false;
        most = std::max(most, ++readers[in.id()]);
      }
    }
    return reduces && most >= 2;
  }
};

}  // namespace

void plan_row_groups(const std::vector<array>& tape, EagerFusionPlan& plan) {
  // Small graphs (a cached call of a small function) pay for no planning.
  bool any = false;
  for (auto& a : tape) any |= int64_t(a.size()) >= kMinGroupElements;
  if (!any) return;
  plan.row_group.assign(tape.size(), -1);
  Building group;
  auto close = [&] {
    if (!group.empty() && group.worth_it()) {
      int g = int(plan.row_groups.size());
      RowGroup rg;
      rg.rows = group.rows;
      rg.row_length = group.row_length;
      for (size_t k = 0; k < group.members.size(); ++k) {
        plan.row_group[size_t(group.members[k])] = g;
        rg.stages.push_back(std::move(group.stages[k].stage));
      }
      plan.row_groups.push_back(std::move(rg));
      plan.row_group_first.push_back(group.members.front());
      plan.row_group_last.push_back(group.members.back());
    }
    group = Building{};
  };
  for (size_t i = 0; i < tape.size(); ++i) {
    int role = plan.role.empty() ? EagerFusionPlan::Run : plan.role[i];
    if (role == EagerFusionPlan::Absorbed) continue;
    const array& node = tape[i];
    std::optional<Candidate> c = candidate(node, role, plan);
    if (c && !group.empty() && group.fits(*c)) {
      group.add(int(i), std::move(*c));
      continue;
    }
    if (!c && !group.empty() && group.passes_through(node)) continue;
    // A node that reads a stage's value runs after the group: the group ends
    // before it (its stages run at the last one's place on the tape).
    if (!group.empty() && group.reads_member(c ? &*c : nullptr, node)) close();
    if (c && group.empty() && group.start(*c)) {
      if (group.fits(*c)) {
        group.add(int(i), std::move(*c));
      } else {
        group = Building{};
      }
    }
  }
  close();
}

}  // namespace mlx_core
