// Shape and layout ops.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

// Normalises a possibly negative axis; raises "[op] Axis ... is out of bounds ...".
int normalize_axis(int axis, int ndim, const char* op);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes");

array reshape(const array& a, Shape shape, StreamOrDevice s = {});
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s = {});

array slice(const array& a, Shape start, Shape stop, Shape step, StreamOrDevice s = {});
array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape step,
                   StreamOrDevice s = {});

array concatenate(std::vector<array> arrays, std::optional<int> axis, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s = {});
std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s = {});
std::vector<array> unstack(const array& a, int axis, StreamOrDevice s = {});

// pad_width: one (before, after) pair per axis.
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& value, const std::string& mode, StreamOrDevice s = {});
array tile(const array& a, std::vector<int> reps, StreamOrDevice s = {});
array repeat(const array& a, int repeats, std::optional<int> axis, StreamOrDevice s = {});
array flip(const array& a, std::optional<std::vector<int>> axes, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, std::optional<std::vector<int>> axes,
           StreamOrDevice s = {});
array atleast_nd(const array& a, int n, StreamOrDevice s = {});
array as_strided(const array& a, Shape shape, Strides strides, size_t offset, StreamOrDevice s = {});
array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s = {});
array diag(const array& a, int k, StreamOrDevice s = {});

}  // namespace mlx_core
