// Vectorising map (vmap) of the lazy graph.
//
// The caller makes one tracer per batched input from a single example (index 0
// along its batch axis), builds the outputs from the tracers, then asks for the
// batched outputs. The walk is iterative and forward: each node that depends on
// a tracer is rebuilt by its primitive's vmap rule from the batched inputs.
#pragma once

#include <utility>
#include <vector>

#include "mlx/array.h"

namespace mlx_core {

// Batched outputs and their batch axes (-1: the output does not depend on any
// tracer and is unbatched). `inputs[i]` is the batched array `tracers[i]`
// stands for, batched along `in_axes[i]`.
std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& outputs,
                                                     const std::vector<array>& tracers,
                                                     const std::vector<array>& inputs,
                                                     const std::vector<int>& in_axes);

// Helpers for the primitives' vmap rules.
// The batch size of the batched inputs (axes[i] >= 0); raises if they differ.
int vmap_batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);
// `x` with its batch axis moved to the front (unchanged when ax <= 0).
array vmap_to_front(const array& x, int ax);
// Every input with a leading batch axis of size B: batched ones moved there,
// unbatched ones broadcast (so all per-example shapes keep their alignment).
std::vector<array> vmap_align(const std::vector<array>& inputs, const std::vector<int>& axes);

}  // namespace mlx_core
