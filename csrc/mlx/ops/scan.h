// Cumulative ops (cumsum, cumprod, cummax, cummin, logcumsumexp) and diff.
// axis = nullopt scans the flattened array.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

array cumsum(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
             StreamOrDevice s = {});
array cumprod(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
              bool inclusive = true, std::optional<Dtype> dtype = std::nullopt,
              StreamOrDevice s = {});
array cummax(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
             bool inclusive = true, StreamOrDevice s = {});
array logcumsumexp(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false,
                   bool inclusive = true, StreamOrDevice s = {});
// The n-th discrete difference along `axis` (not_equal for bool, as MLX).
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

}  // namespace mlx_core
