#include "mlx/transforms/eval.h"


#include "mlx/primitive.h"
#include "mlx/transforms/compile.h"
#include "mlx/transforms/eager_fusion.h"
#include "mlx/transforms/row_fusion.h"

namespace mlx_core {

namespace {

// Post-order DFS with an explicit stack: inputs come before their users.
std::vector<array> build_tape(const std::vector<array>& outputs) {
  static uint64_t traversal = 0;  // eval runs under the GIL: one traversal at a time
  uint64_t mark = ++traversal;
  std::vector<array> tape;
  std::vector<std::pair<array, size_t>> stack;
  auto visit = [&](const array& a) {
    if (a.is_evaluated() || !a.mark_visited(mark)) return;
    stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    visit(out);
    while (!stack.empty()) {
      auto& top = stack.back();
      if (top.second < top.first.inputs().size()) {
        array next = top.first.inputs()[top.second++];
        visit(next);  // may reallocate `stack`; `top` is not used after this
      } else {
        tape.push_back(std::move(stack.back().first));
        stack.pop_back();
      }
    }
  }
  return tape;
}

}  // namespace

void eval(std::vector<array> outputs) {
  std::vector<array> tape = build_tape(outputs);
  check_no_compile_tracer(tape);
  bool keep_graph = is_tracing();
  // Transforms read the graph after eval, so it stays as built while tracing.
  EagerFusionPlan fusion = keep_graph ? EagerFusionPlan{} : plan_eager_fusion(tape);
  if (!keep_graph) plan_row_groups(tape, fusion);
  std::vector<array> outs;  // reused: most nodes have one output
  for (size_t i = 0; i < tape.size(); ++i) {
    // Take the node out of the tape so its buffer can be donated downstream.
    array node = std::move(tape[i]);
    if (node.is_evaluated()) continue;  // produced together with a sibling
    int role = fusion.role.empty() ? EagerFusionPlan::Run : fusion.role[i];
    if (role == EagerFusionPlan::Absorbed) continue;  // computed inside its root's kernel
    if (int g = fusion.row_group.empty() ? -1 : fusion.row_group[i]; g >= 0) {
      RowGroup& group = fusion.row_groups[size_t(g)];
      if (fusion.row_group_first[size_t(g)] == int(i)) allocate_row_group(group);
      if (fusion.row_group_last[size_t(g)] != int(i)) continue;  // runs with the group's last stage
      run_row_group(group);
      for (auto& stage : group.stages) stage.node.detach();
      group = {};
      continue;
    }
    if (node.has_siblings()) {
      outs = node.outputs();
    } else {
      outs.clear();
      outs.push_back(node);
    }
    Primitive& p = node.primitive();
    if (role >= 0) {
      auto& group = fusion.groups[size_t(role)];
      group.kernel->eval_cpu(group.inputs, outs);
      group = {};
    } else if (p.device() == Device::gpu) {
      p.eval_gpu(node.inputs(), outs);
    } else {
      p.eval_cpu(node.inputs(), outs);
    }
    for (auto& o : outs) {
      if (keep_graph) {
        o.set_evaluated();
      } else {
        o.detach();
      }
    }
    outs.clear();  // hold no reference past the node: its buffer may be donated next
  }
}

namespace {
int trace_depth = 0;  // changed under the GIL only
}  // namespace

void enter_trace() { ++trace_depth; }
void exit_trace() { trace_depth = trace_depth > 0 ? trace_depth - 1 : 0; }
bool is_tracing() { return trace_depth > 0; }

void async_eval(std::vector<array> outputs) { eval(std::move(outputs)); }

void synchronize() {}

}  // namespace mlx_core
