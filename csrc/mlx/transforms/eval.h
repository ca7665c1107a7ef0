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

}  // namespace mlx_core
