// mx.compile's graph work: a traced function's graph becomes a small program
// (simplified: no-op casts/reshapes/broadcasts dropped, common subexpressions
// merged; elementwise chains fused into Compiled nodes) that later calls
// replay on new inputs without running the Python function again.
// The caching, pytrees and captured state live in mlx_core/_compile.py.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mlx/array.h"
#include "mlx/primitive.h"

namespace mlx_core {

struct CompiledGraph {
  struct Node {
    std::shared_ptr<Primitive> primitive;
    std::vector<int> args;  // value numbers
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    std::vector<Shape> arg_shapes;  // at trace time (shapeless replay checks them)
  };
  int num_inputs = 0;
  // Values: the inputs, then the constants, then each node's outputs in order.
  std::vector<array> constants;
  std::vector<Node> nodes;
  std::vector<int> outputs;
  bool shapeless = false;
  // Who replays it, for the error when new shapes do not fit a node.
  std::string replayed_by = "compile";
};

// The program computing `outputs` from `tracers` (compile's placeholders).
std::shared_ptr<CompiledGraph> build_compiled_graph(const std::vector<array>& outputs,
                                                    const std::vector<array>& tracers,
                                                    bool shapeless, bool fuse = true);
// Its outputs for new inputs (a lazy graph; nothing is computed).
std::vector<array> replay_compiled_graph(const CompiledGraph& graph,
                                         const std::vector<array>& inputs);

// Elementwise primitives that a Compiled node can run in its fused kernel.
bool is_fusable_elementwise(const Primitive& p);

// While a compiled function is traced, evaluating anything that depends on its
// placeholders raises (as MLX: the values do not exist yet).
void enter_compile_trace(const std::vector<array>& tracers);
void exit_compile_trace();
bool in_compile_trace();
// Raises if one of `tape`'s nodes is a placeholder of a compile being traced.
void check_no_compile_tracer(const std::vector<array>& tape);

}  // namespace mlx_core
