// Matrix products.
#pragma once

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

array matmul(const array& a, const array& b, StreamOrDevice s = {});

}  // namespace mlx_core
