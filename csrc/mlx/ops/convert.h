// Dtype conversion and copies.
#pragma once

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

array astype(const array& a, Dtype dtype, StreamOrDevice s = {});
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});
array stop_gradient(const array& a, StreamOrDevice s = {});
array view(const array& a, Dtype dtype, StreamOrDevice s = {});

}  // namespace mlx_core
