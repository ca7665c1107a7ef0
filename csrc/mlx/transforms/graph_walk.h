// The part of a graph between some tracer nodes and the outputs, shared by
// the transforms (autodiff, vmap).
#pragma once

#include <functional>
#include <unordered_set>
#include <vector>

#include "mlx/array.h"

namespace mlx_core {

using Ids = std::unordered_set<uintptr_t>;

struct TracedGraph {
  std::vector<array> nodes;  // depend on a tracer; inputs before their users
  Ids depends;               // ids of nodes that depend on some tracer (tracers included)
};

// Post-order DFS with an explicit stack (no recursion). The walk stops at the
// tracers (what lies behind them is constant here, and belongs to an outer
// transform when transforms nest), at data nodes and where `stops_walk` says.
// A multi-output primitive appears once, at its first output reached.
TracedGraph traced_graph(const std::vector<array>& outputs, const Ids& tracers,
                         const std::function<bool(const array&)>& stops_walk = nullptr);

Ids id_set(const std::vector<array>& arrays);

}  // namespace mlx_core
