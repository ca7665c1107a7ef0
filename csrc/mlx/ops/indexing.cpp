#include "mlx/ops/indexing.h"

#include <algorithm>
#include <numeric>

#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"

namespace mlx_core {

void check_index_dtype(const array& indices, const char* op) {
  if (!is_integral(indices.dtype()) || indices.dtype() == bool_) {
    throw std::invalid_argument(
        msg("[", op, "] Got indices with invalid dtype. Indices must be integral."));
  }
}

namespace {

std::vector<int> normalize_distinct_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<int> out;
  std::vector<bool> seen(ndim, false);
  for (int ax : axes) {
    int n = normalize_axis(ax, ndim, op);
    if (seen[n]) throw std::invalid_argument(msg("[", op, "] Repeated axis ", ax, "."));
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

// Every index broadcast to one shape (a stride-0 view where needed).
std::vector<array> broadcast_indices(const std::vector<array>& indices, const char* op,
                                     Shape& shape, StreamOrDevice s) {
  shape = {};
  for (auto& i : indices) {
    check_index_dtype(i, op);
    shape = broadcast_shapes(shape, i.shape());
  }
  std::vector<array> out;
  for (auto& i : indices) out.push_back(broadcast_to(i, shape, s));
  return out;
}

}  // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s, const char* op) {
  if (indices.size() != axes.size()) {
    throw std::invalid_argument(msg("[", op, "] Expected one index array per axis."));
  }
  std::vector<int> ax = normalize_distinct_axes(axes, a.ndim(), op);
  if (int(slice_sizes.size()) != a.ndim()) {
    throw std::invalid_argument(
        msg("[", op, "] Got slice_sizes of length ", slice_sizes.size(), " for array with ",
            a.ndim(), " dimensions."));
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_sizes[d] < 0 || slice_sizes[d] > a.shape(d)) {
      throw std::invalid_argument(msg("[", op, "] Slice sizes must be in [0, a.shape(i)]."));
    }
  }
  Shape idx_shape;
  std::vector<array> inputs{a};
  for (auto& i : broadcast_indices(indices, op, idx_shape, s)) inputs.push_back(i);
  Shape out_shape = idx_shape;
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  shape_size(out_shape, op);
  return array(out_shape, a.dtype(), std::make_shared<Gather>(to_stream(s), ax, slice_sizes),
               inputs);
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, ScatterReduce reduce, StreamOrDevice s,
              const char* op) {
  if (indices.size() != axes.size()) {
    throw std::invalid_argument(msg("[", op, "] Expected one index array per axis."));
  }
  std::vector<int> ax = normalize_distinct_axes(axes, a.ndim(), op);
  Shape idx_shape;
  std::vector<array> inputs{a};
  for (auto& i : broadcast_indices(indices, op, idx_shape, s)) inputs.push_back(i);
  int ni = int(idx_shape.size());
  if (updates.ndim() != ni + a.ndim()) {
    throw std::invalid_argument(msg("[", op, "] Updates with ", updates.ndim(),
                                    " dimensions do not match the sum of the array (", a.ndim(),
                                    ") and indices (", ni, ") dimensions."));
  }
  for (int d = 0; d < ni; ++d) {
    if (updates.shape(d) != idx_shape[d]) {
      throw std::invalid_argument(msg("[", op, "] Update shape ", shape_str(updates.shape()),
                                      " does not match the index shape ", shape_str(idx_shape),
                                      "."));
    }
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (updates.shape(ni + d) > a.shape(d)) {
      throw std::invalid_argument(msg("[", op, "] Update slices must fit in the array."));
    }
  }
  inputs.push_back(astype(updates, a.dtype(), s));
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(to_stream(s), reduce, ax), inputs);
}

// ---- take ----------------------------------------------------------------------

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[take] Received invalid axis ", axis, " for array with ",
                                a.ndim(), " dimensions."));
  }
  axis = axis < 0 ? axis + a.ndim() : axis;
  check_index_dtype(indices, "gather");
  if (a.shape(axis) == 0 && indices.size() > 0) {
    throw std::invalid_argument("[take] Cannot do a non-empty take from an empty axis.");
  }
  Shape sizes = a.shape();
  sizes[axis] = std::min(sizes[axis], 1);  // 0: an empty take from an empty axis
  array g = gather(a, {indices}, {axis}, sizes, s, "take");
  // (I..., a dims with 1 at axis) -> a dims with I... in place of axis.
  int ni = indices.ndim();
  Shape squeezed = indices.shape();
  for (int d = 0; d < a.ndim(); ++d) {
    if (d != axis) squeezed.push_back(a.shape(d));
  }
  g = reshape(g, squeezed, s);
  if (axis == 0 || ni == 0) return g;  // the index dims are already in place
  std::vector<int> perm;
  for (int d = 0; d < axis; ++d) perm.push_back(ni + d);
  for (int d = 0; d < ni; ++d) perm.push_back(d);
  for (int d = axis; d < a.ndim() - 1; ++d) perm.push_back(ni + d);
  return transpose(g, perm, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(reshape(a, {int32_t(a.size())}, s), indices, 0, s);
}

array take(const array& a, int64_t index, int axis, StreamOrDevice s) {
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[take] Received invalid axis ", axis, " for array with ",
                                a.ndim(), " dimensions."));
  }
  axis = axis < 0 ? axis + a.ndim() : axis;
  int64_t n = a.shape(axis);
  // Known at call time: NumPy's rules (negative wraps, out of range raises).
  if (index < -n || index >= n) {
    throw std::out_of_range(msg("[take] Index ", index, " is out of bounds for axis ", axis,
                                " with size ", n, "."));
  }
  if (index < 0) index += n;
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  start[axis] = int32_t(index);
  stop[axis] = int32_t(index + 1);
  return squeeze(slice(a, start, stop, step, s), {axis}, s);
}

array take(const array& a, int64_t index, StreamOrDevice s) {
  return take(reshape(a, {int32_t(a.size())}, s), index, 0, s);
}

// ---- along an axis ---------------------------------------------------------------

namespace {

Shape without(const Shape& shape, int axis) {
  Shape out = shape;
  out.erase(out.begin() + axis);
  return out;
}

Shape with_axis(Shape shape, int axis, int32_t n) {
  shape.insert(shape.begin() + axis, n);
  return shape;
}

}  // namespace

array take_along_axis(const array& a, const array& indices, std::optional<int> axis_opt,
                      StreamOrDevice s) {
  if (!axis_opt) {
    return take_along_axis(reshape(a, {int32_t(a.size())}, s), reshape(indices, {-1}, s), 0, s);
  }
  int axis = *axis_opt;
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[take_along_axis] Received invalid axis ", axis,
                                " for array with ", a.ndim(), " dimensions."));
  }
  axis = axis < 0 ? axis + a.ndim() : axis;
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(msg("[take_along_axis] Indices of dimension ", indices.ndim(),
                                    " does not match array of dimension ", a.ndim(), "."));
  }
  check_index_dtype(indices, "take_along_axis");
  Shape rest = broadcast_shapes(without(a.shape(), axis), without(indices.shape(), axis));
  array src = broadcast_to(a, with_axis(rest, axis, a.shape(axis)), s);
  array idx = broadcast_to(indices, with_axis(rest, axis, indices.shape(axis)), s);
  if (a.shape(axis) == 0 && idx.size() > 0) {
    throw std::invalid_argument(
        "[take_along_axis] Cannot do a non-empty take from an empty axis.");
  }
  return array(idx.shape(), a.dtype(), std::make_shared<GatherAxis>(to_stream(s), axis),
               {src, idx});
}

array scatter_axis(const array& a, const array& indices, const array& updates, int axis,
                   ScatterReduce reduce, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<ScatterAxis>(to_stream(s), reduce, axis),
               {a, indices, astype(updates, a.dtype(), s)});
}

array put_along_axis(const array& a, const array& indices, const array& values,
                     std::optional<int> axis_opt, StreamOrDevice s) {
  if (!axis_opt) {
    array flat = put_along_axis(reshape(a, {int32_t(a.size())}, s), reshape(indices, {-1}, s),
                                values, 0, s);
    return reshape(flat, a.shape(), s);
  }
  int axis = *axis_opt;
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[put_along_axis] Received invalid axis ", axis,
                                " for array with ", a.ndim(), " dimensions."));
  }
  axis = axis < 0 ? axis + a.ndim() : axis;
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(msg("[put_along_axis] Indices of dimension ", indices.ndim(),
                                    " does not match array of dimension ", a.ndim(), "."));
  }
  check_index_dtype(indices, "put_along_axis");
  // Indices broadcast against a (except along axis); values broadcast to them.
  Shape rest = broadcast_shapes(without(a.shape(), axis), without(indices.shape(), axis));
  if (rest != without(a.shape(), axis)) {
    throw std::invalid_argument(msg("[put_along_axis] Indices of shape ",
                                    shape_str(indices.shape()),
                                    " do not broadcast to the array's shape."));
  }
  array idx = broadcast_to(indices, with_axis(rest, axis, indices.shape(axis)), s);
  array upd = broadcast_to(values, idx.shape(), s);
  if (a.shape(axis) == 0 && idx.size() > 0) {
    throw std::invalid_argument("[put_along_axis] Cannot do a non-empty put into an empty axis.");
  }
  return scatter_axis(a, idx, upd, axis, ScatterReduce::None, s);
}

// ---- dynamic slices ------------------------------------------------------------------

namespace {

// One 0-d index per axis, read from the flattened start array; axes
// normalised in place.
std::vector<array> start_scalars(const array& start, std::vector<int>& axes, int ndim,
                                 const char* op, StreamOrDevice s) {
  if (!is_integral(start.dtype()) || start.dtype() == bool_) {
    throw std::invalid_argument(msg("[", op, "] Start indices must be integers, got type ",
                                    dtype_name(start.dtype()), "."));
  }
  size_t n = axes.size();
  if (start.size() != n) {
    throw std::invalid_argument(msg("[", op, "] Number of starting indices ", start.size(),
                                    " does not match number of axes ", n, "."));
  }
  std::vector<bool> seen(ndim, false);
  for (int& ax : axes) {
    if (ax < -ndim || ax >= ndim) {
      throw std::out_of_range(
          msg("[", op, "] Invalid axis ", ax, " for array with dimension ", ndim, "."));
    }
    if (ax < 0) ax += ndim;
    if (seen[ax]) throw std::invalid_argument(msg("[", op, "] Repeat axes not allowed."));
    seen[ax] = true;
  }
  array flat = reshape(start, {int32_t(n)}, s);
  std::vector<array> out;
  for (size_t k = 0; k < n; ++k) {
    out.push_back(reshape(slice(flat, {int32_t(k)}, {int32_t(k + 1)}, {1}, s), {}, s));
  }
  return out;
}

}  // namespace

array dynamic_slice(const array& a, const array& start_indices, std::vector<int> axes,
            const Shape& slice_size, StreamOrDevice s) {
  if (int(slice_size.size()) != a.ndim()) {
    throw std::invalid_argument(
        msg("[slice] Invalid slice size for array with ", a.ndim(), " dimensions."));
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_size[d] < 0 || slice_size[d] > a.shape(d)) {
      throw std::invalid_argument(msg("[slice] Invalid slice size ", shape_str(slice_size),
                                      " for array with shape ", shape_str(a.shape()), "."));
    }
  }
  auto starts = start_scalars(start_indices, axes, a.ndim(), "slice", s);
  return reshape(gather(a, starts, axes, slice_size, s, "slice"), slice_size, s);
}

array dynamic_slice_update(const array& src, const array& update,
                           const array& start_indices, std::vector<int> axes,
                           StreamOrDevice s) {
  if (update.ndim() > src.ndim()) {
    throw std::invalid_argument(msg("[slice_update] Update with ", update.ndim(),
                                    " dimensions does not fit an array with ", src.ndim(),
                                    " dimensions."));
  }
  auto starts = start_scalars(start_indices, axes, src.ndim(), "slice_update", s);
  // As MLX: dims the update lacks (leading) span the whole source axis, or 1
  // on the sliced axes; the update broadcasts to that slice shape.
  int lead = src.ndim() - update.ndim();
  Shape ushape = src.shape();
  for (int d = 0; d < src.ndim(); ++d) {
    if (d >= lead) {
      ushape[d] = update.shape(d - lead);
    } else if (std::find(axes.begin(), axes.end(), d) != axes.end()) {
      ushape[d] = 1;
    }
  }
  for (int d = 0; d < src.ndim(); ++d) {
    if (ushape[d] > src.shape(d)) {
      throw std::invalid_argument(msg("[slice_update] Update of shape ",
                                      shape_str(update.shape()), " does not fit in shape ",
                                      shape_str(src.shape()), "."));
    }
  }
  Shape padded(lead, 1);
  padded.insert(padded.end(), update.shape().begin(), update.shape().end());
  array upd = broadcast_to(reshape(update, padded, s), ushape, s);
  return scatter(src, starts, upd, axes, ScatterReduce::None, s, "slice_update");
}

}  // namespace mlx_core
