#include "mlx/ops/sort.h"
#include "mlx/ops/indexing.h"

#include <algorithm>
#include <limits>
#include <string>

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/reduce.h"
#include "mlx/ops/scan.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/ops/unary.h"
#include "mlx/primitives/sort.h"

namespace mlx_core {

namespace {

// The array to work on and its (non-negative) axis; nullopt flattens.
std::pair<array, int> axis_or_flat(const array& a, std::optional<int> axis, const char* name,
                                   StreamOrDevice s) {
  if (!axis) return {reshape(a, {int32_t(a.size())}, s), 0};
  int nd = a.ndim();
  if (*axis < -nd || *axis >= nd) {  // IndexError in MLX 0.32.4
    throw std::out_of_range(
        msg("[", name, "] Axis ", *axis, " is out of bounds for array with ", nd, " dimensions."));
  }
  return {a, *axis < 0 ? *axis + nd : *axis};
}

int checked_kth(const char* name, const array& x, int ax, int kth, std::optional<int> axis) {
  int n = x.shape(ax);
  int k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n) {  // MLX's messages (partition's lacks a space)
    const char* gap = std::string(name) == "partition" ? "" : " ";
    throw std::invalid_argument(msg("[", name, "] Received invalid kth ", kth, gap, "along axis ",
                                    axis ? *axis : 0, " for array with shape: ", shape_str(x.shape())));
  }
  return k;
}

array first_along(const array& x, int ax, int start, int stop, StreamOrDevice s) {
  Shape lo(x.ndim(), 0), hi = x.shape(), step(x.ndim(), 1);
  lo[ax] = start;
  hi[ax] = stop;
  return slice(x, lo, hi, step, s);
}

}  // namespace

array sort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = axis_or_flat(a, axis, "sort", s);
  return array(x.shape(), x.dtype(), std::make_shared<Sort>(to_stream(s), ax), {x});
}

array argsort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = axis_or_flat(a, axis, "argsort", s);
  return array(x.shape(), uint32, std::make_shared<ArgSort>(to_stream(s), ax), {x});
}

array partition(const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = axis_or_flat(a, axis, "partition", s);
  int k = checked_kth("partition", x, ax, kth, axis);
  return array(x.shape(), x.dtype(), std::make_shared<Partition>(to_stream(s), k, ax), {x});
}

array argpartition(const array& a, int kth, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = axis_or_flat(a, axis, "argpartition", s);
  int k = checked_kth("argpartition", x, ax, kth, axis);
  return array(x.shape(), uint32, std::make_shared<ArgPartition>(to_stream(s), k, ax), {x});
}

array topk(const array& a, int k, std::optional<int> axis, StreamOrDevice s) {
  auto [x, ax] = axis_or_flat(a, axis, "topk", s);
  if (k < 0 || k > x.shape(ax)) {
    throw std::invalid_argument(msg("[topk] Received invalid k=", k, " along axis ", axis ? *axis : 0,
                                    " for array with shape: ", shape_str(x.shape())));
  }
  Shape shape = x.shape();
  shape[ax] = k;
  array idx(shape, uint32, std::make_shared<ArgTopK>(to_stream(s), k, ax), {x});
  return gather_axis_internal(x, idx, ax, s);
}

array searchsorted(const array& sorted_sequence, const array& values, const std::string& side,
                   StreamOrDevice s) {
  if (side != "left" && side != "right") {
    throw std::invalid_argument(
        msg("[searchsorted] Invalid side '", side, "'. Expected 'left' or 'right'."));
  }
  if (sorted_sequence.ndim() != 1) {
    throw std::invalid_argument(msg("[searchsorted] The sorted sequence must be 1-D but has ",
                                    sorted_sequence.ndim(), " dimensions."));
  }
  Dtype d = promote_types(sorted_sequence.dtype(), values.dtype());
  return array(values.shape(), uint32, std::make_shared<SearchSorted>(to_stream(s), side == "right"),
               {astype(sorted_sequence, d, s), astype(values, d, s)});
}

std::vector<array> unique(const array& a, int size, bool return_index, bool return_inverse,
                          bool return_counts, std::optional<array> fill_value, StreamOrDevice s) {
  if (size < 0) throw std::invalid_argument(msg("[unique] Received negative size ", size, "."));
  int n = int(a.size());
  if (fill_value) {
    if (fill_value->size() != 1) {
      throw std::invalid_argument(msg("[unique] Fill value must have one element, but got shape ",
                                      shape_str(fill_value->shape()), "."));
    }
  } else if (n == 0 && size > 0) {
    throw std::invalid_argument("[unique] A fill value is required for an empty input with a non-zero size.");
  }
  array x = reshape(a, {n}, s);
  std::vector<array> outs;
  if (n == 0) {
    outs.push_back(size > 0 ? full({size}, astype(reshape(*fill_value, {}, s), a.dtype(), s), s)
                            : zeros({0}, a.dtype(), s));
    if (return_index) outs.push_back(zeros({size}, uint32, s));
    if (return_inverse) outs.push_back(zeros(a.shape(), uint32, s));
    if (return_counts) outs.push_back(zeros({size}, int32, s));
    return outs;
  }
  // Sort (stably); a sorted position starts a new unique value when it differs
  // from the one before (so every NaN is its own value, and -0.0 joins 0.0).
  array perm = argsort(x, 0, s);
  array sv = sort(x, 0, s);
  array fresh = concatenate({full({1}, array(true), s),
                             not_equal(first_along(sv, 0, 1, n, s), first_along(sv, 0, 0, n - 1, s), s)},
                            0, s);
  array group = subtract(cumsum(fresh, 0, false, true, std::nullopt, s), array(1), s);  // int32
  // Scatter each group's first sorted position and its size into `size` slots
  // plus one slot that swallows the groups past the end.
  array slot = minimum(group, array(size), s);
  array first_pos = where(fresh, arange(0, n, 1, int32, s), zeros({n}, int32, s), s);
  array starts = first_along(
      scatter_add_axis_internal(zeros({size + 1}, int32, s), astype(where(fresh, slot, full({n}, array(size), s), s), uint32, s),
                                first_pos, 0, s),
      0, 0, size, s);
  array n_unique = sum(astype(fresh, int32, s), false, s);
  array valid = less(arange(0, size, 1, int32, s), n_unique, s);
  array safe = astype(where(valid, starts, zeros({size}, int32, s), s), uint32, s);
  array fill = fill_value ? astype(reshape(*fill_value, {}, s), a.dtype(), s) : first_along(sv, 0, 0, 1, s);
  outs.push_back(where(valid, gather_axis_internal(sv, safe, 0, s), fill, s));
  if (return_index) outs.push_back(gather_axis_internal(perm, safe, 0, s));
  if (return_inverse) {
    // Truncated outputs clamp the inverse to the last entry, as MLX documents.
    array g = astype(minimum(group, array(std::max(size - 1, 0)), s), uint32, s);
    array inv = scatter_add_axis_internal(zeros({n}, uint32, s), perm, g, 0, s);
    outs.push_back(reshape(inv, a.shape(), s));
  }
  if (return_counts) {
    array counts = scatter_add_axis_internal(zeros({size + 1}, int32, s), astype(slot, uint32, s),
                                             ones({n}, int32, s), 0, s);
    outs.push_back(first_along(counts, 0, 0, size, s));
  }
  return outs;
}

array median(const array& a, std::optional<std::vector<int>> axes_in, bool keepdims, StreamOrDevice s) {
  if (!axes_in && a.ndim() == 0) return median(reshape(a, {1}, s), std::nullopt, false, s);
  std::vector<int> axes = axes_in ? *axes_in : all_axes(a.ndim());
  int nd = a.ndim();
  for (int& ax : axes) {
    if (ax < -nd || ax >= nd) {
      throw std::out_of_range(
          msg("[median] axis ", ax, " is out of bounds for array with ", nd, " dimensions."));
    }
    if (ax < 0) ax += nd;
  }
  std::vector<int> sorted_axes = axes;
  std::sort(sorted_axes.begin(), sorted_axes.end());
  if (std::adjacent_find(sorted_axes.begin(), sorted_axes.end()) != sorted_axes.end()) {
    throw std::invalid_argument("[median] Received duplicate axis.");
  }
  if (axes.empty()) {  // MLX 0.32.4 reaches flatten with an empty range here
    throw std::invalid_argument("[flatten] start_axis must be less than or equal to end_axis");
  }
  int n = 1;
  for (int ax : axes) n *= a.shape(ax);
  if (n == 0) throw std::invalid_argument("[median] Cannot take median along empty axis.");
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  // Move the reduced axes last, flatten them, and sort.
  std::vector<int> perm;
  Shape kept, kept_dims;
  for (int i = 0; i < nd; ++i) {
    if (!std::binary_search(sorted_axes.begin(), sorted_axes.end(), i)) {
      perm.push_back(i);
      kept.push_back(a.shape(i));
    }
  }
  for (int ax : sorted_axes) perm.push_back(ax);
  Shape flat = kept;
  flat.push_back(n);
  array x = reshape(transpose(astype(a, d, s), perm, s), flat, s);
  int last = int(kept.size());
  array sorted = sort(x, last, s);
  int lo = (n - 1) / 2, hi = n / 2;
  array mid = first_along(sorted, last, lo, hi + 1, s);
  // An odd count takes the middle element itself (no x + x overflow).
  array m = lo == hi ? squeeze(mid, {last}, s) : mean(mid, {last}, false, s);
  if (is_inexact(d)) {
    array has_nan = any(isnan(x, s), {last}, false, s);
    m = where(has_nan, astype(array(std::numeric_limits<float>::quiet_NaN()), d, s), m, s);
  }
  if (keepdims) {
    Shape out = a.shape();
    for (int ax : sorted_axes) out[ax] = 1;
    m = reshape(m, out, s);
  }
  return m;
}

std::pair<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims,
                               StreamOrDevice s) {
  array lo = min(a, axes, keepdims, s);
  return {lo, max(a, axes, keepdims, s)};
}

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  array nonzero = not_equal(a, zeros({}, a.dtype(), s), s);
  return astype(sum(nonzero, axes, keepdims, s), int32, s);
}

// The sort family's gathers and scatter-adds along one axis are the indexing
// family's GatherAxis and ScatterAxis (indices clamped into range there). The
// indices come from sorting the input: piecewise constant, so no gradient.
array gather_axis_internal(const array& a, const array& indices, int axis, StreamOrDevice s) {
  return take_along_axis(a, stop_gradient(indices, s), axis, s);
}

array scatter_add_axis_internal(const array& target, const array& indices, const array& updates,
                                int axis, StreamOrDevice s) {
  return scatter_axis(target, stop_gradient(indices, s), astype(updates, target.dtype(), s),
                      axis, ScatterReduce::Sum, s);
}

}  // namespace mlx_core
