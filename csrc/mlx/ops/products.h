// Products beyond matmul (tensordot, inner, outer, kron, vecdot, addmm, the
// block-masked, gathered and segmented matmuls), the Hadamard transform, fp8
// conversions, depends, and the window functions.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

}  // namespace mlx_core
