// Gather/scatter ops: take, take_along_axis, put_along_axis, dynamic slices,
// and the gather/scatter builders the Python indexing layer composes.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/primitives/indexing.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

// out shape: broadcast(indices) + slice_sizes. `op` names the caller in errors.
array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s = {}, const char* op = "gather");
// updates shape: broadcast(indices) + an update slice of a's rank; updates are
// cast to a's dtype.
array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, ScatterReduce reduce, StreamOrDevice s = {},
              const char* op = "scatter");

array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take(const array& a, int64_t index, int axis, StreamOrDevice s = {});
array take(const array& a, int64_t index, StreamOrDevice s = {});

array take_along_axis(const array& a, const array& indices, std::optional<int> axis,
                      StreamOrDevice s = {});
array put_along_axis(const array& a, const array& indices, const array& values,
                     std::optional<int> axis, StreamOrDevice s = {});
// The ScatterAxis node without put_along_axis' broadcasting (shapes already match).
array scatter_axis(const array& a, const array& indices, const array& updates, int axis,
                   ScatterReduce reduce, StreamOrDevice s = {});

// Slices whose start comes from an array (known only at eval time).
array dynamic_slice(const array& a, const array& start_indices, std::vector<int> axes,
            const Shape& slice_size, StreamOrDevice s = {});
array dynamic_slice_update(const array& src, const array& update,
                           const array& start_indices,
                   std::vector<int> axes, StreamOrDevice s = {});

// Raises "[op] Got indices with invalid dtype. Indices must be integral." unless
// `indices` has an integer dtype (bool is not one).
void check_index_dtype(const array& indices, const char* op);

}  // namespace mlx_core
