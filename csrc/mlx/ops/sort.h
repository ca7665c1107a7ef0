// Sorting and searching: sort, argsort, partition, argpartition, topk,
// searchsorted, unique, median, minmax, count_nonzero. axis = nullopt works
// on the flattened array.
#pragma once

#include <optional>
#include <string>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

array sort(const array& a, std::optional<int> axis = -1, StreamOrDevice s = {});
array argsort(const array& a, std::optional<int> axis = -1, StreamOrDevice s = {});
array partition(const array& a, int kth, std::optional<int> axis = -1, StreamOrDevice s = {});
array argpartition(const array& a, int kth, std::optional<int> axis = -1, StreamOrDevice s = {});
// The k largest entries along the axis, in ascending order (MLX leaves the
// order unspecified).
array topk(const array& a, int k, std::optional<int> axis = -1, StreamOrDevice s = {});
array searchsorted(const array& sorted_sequence, const array& values, const std::string& side = "left",
                   StreamOrDevice s = {});
// Outputs: values, then index / inverse / counts when asked for.
std::vector<array> unique(const array& a, int size, bool return_index, bool return_inverse,
                          bool return_counts, std::optional<array> fill_value, StreamOrDevice s = {});
// axes = nullopt: every axis.
array median(const array& a, std::optional<std::vector<int>> axes, bool keepdims = false,
             StreamOrDevice s = {});
std::pair<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims = false,
                               StreamOrDevice s = {});
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false,
                    StreamOrDevice s = {});

// Gather and scatter-add along one axis (take_along_axis and a Sum scatter),
// with indices of the output's (resp. updates') shape, for the sort and scan
// derivatives. Out-of-range indices are clamped, never read or written.
array gather_axis_internal(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array scatter_add_axis_internal(const array& target, const array& indices, const array& updates,
                                int axis, StreamOrDevice s = {});

}  // namespace mlx_core
