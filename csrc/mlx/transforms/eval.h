// Graph evaluation.
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx_core {

// Evaluates the arrays and everything they depend on, in topological order,
// without recursion (graphs of millions of nodes are fine).
void eval(std::vector<array> outputs);
// Same as eval for now: the CPU stream runs synchronously.
void async_eval(std::vector<array> outputs);
void synchronize();

// While a function transform traces (depth > 0), eval keeps each node's
// recipe after computing it, so gradients still flow through values the
// traced function evaluated (e.g. with .item() or print).
void enter_trace();
void exit_trace();
bool is_tracing();

}  // namespace mlx_core
