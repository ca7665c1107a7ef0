// Reductions. `axes` empty with all_axes=true means every axis.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

// Normalises and checks reduction axes (duplicates, bounds); sorted result.
std::vector<int> normalize_reduce_axes(const std::vector<int>& axes, int ndim);
std::vector<int> all_axes(int ndim);

array sum(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false,
                StreamOrDevice s = {});
array softmax(const array& a, const std::vector<int>& axes, bool precise = false,
              StreamOrDevice s = {});
// axis = nullopt: over the flattened array.
array argmax(const array& a, std::optional<int> axis, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, std::optional<int> axis, bool keepdims = false, StreamOrDevice s = {});

}  // namespace mlx_core
