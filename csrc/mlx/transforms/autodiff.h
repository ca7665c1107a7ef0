// Reverse (vjp) and forward (jvp) mode differentiation of the lazy graph.
//
// The caller makes one tracer per primal (make_tracer), builds the outputs
// from the tracers, then asks for cotangents or tangents. Both walks are
// iterative, so graphs of millions of nodes do not overflow the stack, and
// every rule is built from op builders, so the results are graphs too and
// can be differentiated again (grad of grad).
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx_core {

// A fresh identity node standing for `primal`: a distinct node even when the
// same array is passed twice, and a view (no copy) when evaluated.
array make_tracer(const array& primal);

// Cotangents of `tracers` given cotangents of `outputs` (one per output, same
// shapes). Tracers the outputs do not depend on get zeros.
std::vector<array> vjp(const std::vector<array>& outputs, const std::vector<array>& tracers,
                       const std::vector<array>& cotangents);

// Tangents of `outputs` given tangents of `tracers` (one per tracer, same shapes).
std::vector<array> jvp(const std::vector<array>& outputs, const std::vector<array>& tracers,
                       const std::vector<array>& tangents);

}  // namespace mlx_core
