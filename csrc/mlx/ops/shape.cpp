#include "mlx/ops/shape.h"

#include <algorithm>
#include <numeric>

#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/shape.h"
#include "mlx/transforms/eval.h"

namespace mlx_core {

int normalize_axis(int axis, int ndim, const char* op) {
  if (axis < -ndim || axis >= ndim) {
    throw std::out_of_range(msg("[", op, "] Invalid axis ", axis, " for array with ", ndim,
                                " dimensions."));
  }
  return axis < 0 ? axis + ndim : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument(msg("[", op, "] Shapes ", shape_str(a), " and ", shape_str(b),
                                      " cannot be broadcast."));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  size_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[reshape] Reshape can only infer one dimension.");
      infer = int(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument(msg("[reshape] Invalid negative dimension ", shape[i], "."));
    } else {
      known *= size_t(shape[i]);
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      throw std::invalid_argument(msg("[reshape] Cannot infer the shape of an empty array"));
    }
    shape[infer] = int32_t(a.size() / known);
    known *= size_t(shape[infer]);
  }
  if (known != a.size()) {
    Shape shown = shape;
    throw std::invalid_argument(msg("[reshape] Cannot reshape array of size ", a.size(),
                                    " into shape ", shape_str(shown), "."));
  }
  if (shape == a.shape()) return a;
  return array(shape, a.dtype(), std::make_shared<Reshape>(to_stream(s), shape), {a});
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd == 0) return reshape(a, {1}, s);
  // MLX clamps axes that are out of range after wrapping negatives, instead of raising.
  int start = std::max(start_axis < 0 ? start_axis + nd : start_axis, 0);
  int end = std::min(end_axis < 0 ? end_axis + nd : end_axis, nd - 1);
  if (start > end) throw std::invalid_argument("[flatten] start_axis must be less than or equal to end_axis");
  Shape shape(a.shape().begin(), a.shape().begin() + start);
  int64_t n = 1;
  for (int i = start; i <= end; ++i) n *= a.shape(i);
  shape.push_back(int32_t(n));
  shape.insert(shape.end(), a.shape().begin() + end + 1, a.shape().end());
  return reshape(a, shape, s);
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[unflatten] Invalid axes ", axis, " for array with ", a.ndim(),
                                " dimensions."));
  }
  int ax = axis < 0 ? axis + a.ndim() : axis;
  if (shape.empty()) throw std::invalid_argument("[unflatten] Shape to unflatten to cannot be empty.");
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[Unflatten] Can only infer one dimension.");
      infer = int(i);
    } else {
      known *= shape[i];
    }
  }
  // The inferred size is rounded down (MLX's message then shows it, e.g. (4,1) for 6).
  if (infer >= 0 && known > 0) shape[infer] = int32_t(a.shape(ax) / known);
  int64_t total = 1;
  for (auto d : shape) total *= d;
  if (total != a.shape(ax) || (infer >= 0 && known == 0)) {
    throw std::invalid_argument(msg("[Unflatten] Cannot unflatten axis ", axis, " with size ",
                                    a.shape(ax), " into shape ", shape_str(shape), "."));
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, out, s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  std::vector<bool> drop(a.ndim(), false);
  for (int ax : axes) {
    int n = normalize_axis(ax, a.ndim(), "squeeze");
    if (drop[n]) throw std::invalid_argument("[squeeze] Received duplicate axes.");
    if (a.shape(n) != 1) {
      throw std::invalid_argument(msg("[squeeze] Cannot squeeze axis ", ax, " with size ",
                                      a.shape(n), " which is not equal to 1."));
    }
    drop[n] = true;
  }
  Shape shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!drop[i]) shape.push_back(a.shape(i));
  }
  return reshape(a, shape, s);
}

array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) == 1) axes.push_back(i);
  }
  return squeeze(a, axes, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int out_nd = a.ndim() + int(axes.size());
  std::vector<int> norm;
  for (int ax : axes) {
    if (ax < -out_nd || ax >= out_nd) {
      throw std::out_of_range(msg("[expand_dims] Axis ", ax, " is out of bounds for array with ",
                                  out_nd, " dimensions."));
    }
    norm.push_back(ax < 0 ? ax + out_nd : ax);
  }
  std::sort(norm.begin(), norm.end());
  if (std::adjacent_find(norm.begin(), norm.end()) != norm.end()) {
    throw std::invalid_argument("[expand_dims] Received duplicate axes.");
  }
  Shape shape = a.shape();
  for (int ax : norm) shape.insert(shape.begin() + ax, 1);
  return reshape(a, shape, s);
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (int(axes.size()) != a.ndim()) {
    throw std::invalid_argument(msg("[transpose] Received ", axes.size(), " axes for array with ",
                                    a.ndim(), " dimensions."));
  }
  std::vector<bool> seen(a.ndim(), false);
  Shape shape;
  for (auto& ax : axes) {
    ax = normalize_axis(ax, a.ndim(), "transpose");
    if (seen[ax]) throw std::invalid_argument("[transpose] Repeat axes not allowed.");
    seen[ax] = true;
    shape.push_back(a.shape(ax));
  }
  bool identity = true;
  for (int i = 0; i < a.ndim(); ++i) identity &= axes[i] == i;
  if (identity) return a;
  return array(shape, a.dtype(), std::make_shared<Transpose>(to_stream(s), axes), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, axes, s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int i = normalize_axis(axis1, a.ndim(), "swapaxes");
  int j = normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[i], axes[j]);
  return transpose(a, axes, s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int src = normalize_axis(source, a.ndim(), "moveaxis");
  int dst = normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + src);
  axes.insert(axes.begin() + dst, src);
  return transpose(a, axes, s);
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[broadcast_to] Negative dimensions not allowed.");
  }
  if (a.shape() == shape) return a;
  Shape out = broadcast_shapes(a.shape(), shape);  // "[broadcast_shapes] ..." as in MLX
  if (out != shape) {
    throw std::invalid_argument(msg("Cannot broadcast array of shape ", shape_str(a.shape()),
                                    " into shape ", shape_str(shape), "."));
  }
  if (a.size() == 1 && shape_size(shape) == 1 && a.is_evaluated() && !a.has_primitive() && !is_tracing()) {
    // A constant of one element put in a one-element shape (the `y + 1` of
    // scalar code) is a view of that element: no node to build and run.
    to_stream(s);  // still rejects a bad stream argument
    return array(a.data_shared_ptr(), const_cast<void*>(a.data<void>()), shape, a.dtype(), row_major_strides(shape));
  }
  return array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s) {
  Shape shape;
  for (auto& in : inputs) shape = broadcast_shapes(shape, in.shape());
  std::vector<array> out;
  for (auto& in : inputs) out.push_back(broadcast_to(in, shape, s));
  return out;
}

array slice(const array& a, Shape start, Shape stop, Shape step, StreamOrDevice s) {
  int nd = a.ndim();
  if (int(start.size()) != nd || int(stop.size()) != nd || int(step.size()) != nd) {
    throw std::invalid_argument(msg("[slice] Invalid number of indices or strides for array with ",
                                    nd, " dimensions."));
  }
  Shape shape(nd);
  bool identity = true;
  for (int i = 0; i < nd; ++i) {
    int64_t n = a.shape(i), st = step[i];
    if (st == 0) throw std::invalid_argument("[slice] Slice step cannot be 0.");
    // Clamp like Python slices.
    int64_t b = start[i], e = stop[i];
    if (b < 0) b += n;
    if (e < 0) e += n;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
      shape[i] = int32_t(e > b ? (e - b + st - 1) / st : 0);
    } else {
      b = std::clamp<int64_t>(b, -1, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
      shape[i] = int32_t(b > e ? (b - e - st - 1) / -st : 0);
    }
    start[i] = int32_t(shape[i] > 0 ? b : 0);
    identity &= start[i] == 0 && st == 1 && shape[i] == n;
  }
  if (identity) return a;
  return array(shape, a.dtype(), std::make_shared<Slice>(to_stream(s), start, stop, step), {a});
}

array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape step,
                   StreamOrDevice s) {
  int nd = src.ndim();
  if (int(start.size()) != nd || int(stop.size()) != nd || int(step.size()) != nd) {
    throw std::invalid_argument(msg("[slice_update] Invalid number of indices or strides for "
                                    "array with ", nd, " dimensions."));
  }
  // Normalise exactly as slice does, then check the update fits.
  array view = slice(src, start, stop, step, s);
  Shape region = view.shape();
  Shape norm_start(nd);
  for (int i = 0; i < nd; ++i) {
    int64_t n = src.shape(i), b = start[i], st = step[i];
    if (b < 0) b += n;
    b = st > 0 ? std::clamp<int64_t>(b, 0, n) : std::clamp<int64_t>(b, -1, n - 1);
    norm_start[i] = int32_t(region[i] > 0 ? b : 0);
  }
  if (update.ndim() > nd) {
    throw std::invalid_argument("[slice_update] Update array has more dimensions than source.");
  }
  array upd = broadcast_to(astype(update, src.dtype(), s), region, s);
  return array(src.shape(), src.dtype(),
               std::make_shared<SliceUpdate>(to_stream(s), norm_start, stop, step), {src, upd});
}

array concatenate(std::vector<array> arrays, std::optional<int> axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[concatenate] No arrays provided for concatenation");
  if (!axis) {
    for (auto& a : arrays) a = flatten(a, 0, -1, s);
    axis = 0;
  }
  const array& first = arrays[0];
  for (auto& a : arrays) {
    if (a.ndim() != first.ndim()) {
      throw std::invalid_argument(msg("[concatenate] All the input arrays must have the same number "
                                      "of dimensions. However, got arrays with dimensions ",
                                      first.ndim(), " and ", a.ndim(), "."));
    }
  }
  int ax = normalize_axis(*axis, first.ndim(), "concatenate");
  Shape shape = first.shape();
  Dtype dtype = first.dtype();
  for (size_t k = 1; k < arrays.size(); ++k) {
    const array& a = arrays[k];
    for (int i = 0; i < a.ndim(); ++i) {
      if (i != ax && a.shape(i) != shape[i]) {
        std::string shapes;
        for (auto& b : arrays) shapes += shape_str(b.shape()) + ", ";
        throw std::invalid_argument(msg("[concatenate] All the input array dimensions must match "
                                        "exactly except for the concatenation axis. However, the "
                                        "provided shapes are ", shapes, "and the concatenation "
                                        "axis is ", *axis, "."));
      }
    }
    shape[ax] += a.shape(ax);
    dtype = promote_types(dtype, a.dtype());
  }
  for (auto& a : arrays) a = astype(a, dtype, s);
  if (arrays.size() == 1) return arrays[0];
  return array(shape, dtype, std::make_shared<Concatenate>(to_stream(s), ax), std::move(arrays));
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[stack] No arrays provided for stacking");
  for (auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) throw std::invalid_argument("[stack] All arrays must have the same shape");
  }
  int nd = arrays[0].ndim() + 1;
  if (axis < -nd || axis >= nd) {
    throw std::out_of_range(msg("[stack] Invalid axis ", axis, " for array with ", nd - 1,
                                " dimensions."));
  }
  std::vector<array> expanded;
  for (auto& a : arrays) expanded.push_back(expand_dims(a, {axis}, s));
  return concatenate(expanded, axis < 0 ? axis + nd : axis, s);
}

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  // Piece k is a[indices[k-1]:indices[k]] along the axis with Python slice rules, so
  // unsorted or out-of-range indices give empty or overlapping pieces, as in MLX.
  std::vector<array> out;
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  for (size_t i = 0; i <= indices.size(); ++i) {
    start[ax] = i == 0 ? 0 : indices[i - 1];
    stop[ax] = i < indices.size() ? indices[i] : a.shape(ax);
    out.push_back(slice(a, start, stop, step, s));
  }
  return out;
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  if (num_splits <= 0) {
    throw std::invalid_argument(
        msg("[split] num_splits must be positive and non-zero but got ", num_splits, "."));
  }
  if (a.shape(ax) % num_splits != 0) {
    throw std::invalid_argument(msg("Array split does not result in sub arrays with equal size: "
                                    "attempting ", num_splits, " splits along axis ", axis,
                                    " for shape ", shape_str(a.shape()), "."));
  }
  int chunk = a.shape(ax) / num_splits;
  Shape indices;
  for (int i = 1; i < num_splits; ++i) indices.push_back(i * chunk);
  return split(a, indices, ax, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range(msg("[unstack] Axis ", axis, " is out of bounds for array with ",
                                a.ndim(), " dimensions."));
  }
  int ax = axis < 0 ? axis + a.ndim() : axis;
  std::vector<array> out;
  if (a.shape(ax) == 0) return out;
  for (auto& part : split(a, a.shape(ax), ax, s)) out.push_back(squeeze(part, {ax}, s));
  return out;
}

namespace {

// a[start:stop] along `axis` (Python slice rules).
array slice_axis(const array& a, int axis, int start, int stop, StreamOrDevice s) {
  Shape begin(a.ndim(), 0), end = a.shape(), step(a.ndim(), 1);
  begin[axis] = start;
  end[axis] = stop;
  return slice(a, begin, end, step, s);
}

// MLX's edge padding of an empty array: pad with zeros, then copy the element
// next to each pad region into it. With nothing to copy the broadcast fails,
// so some widths raise and others give zeros; this reproduces both.
array pad_edge_of_empty(const array& a, const std::vector<std::pair<int, int>>& pad_width,
                        const Shape& out_shape, StreamOrDevice s) {
  array out = zeros(out_shape, a.dtype(), s);
  for (int i = 0; i < a.ndim(); ++i) {
    auto [lo, hi] = pad_width[i];
    int n = a.shape(i);
    Shape start(out.ndim(), 0), stop = out.shape(), step(out.ndim(), 1), region = out.shape();
    if (lo > 0) {
      region[i] = lo;
      stop[i] = lo;
      out = slice_update(out, broadcast_to(slice_axis(out, i, lo, lo + 1, s), region, s), start,
                         stop, step, s);
    }
    if (hi > 0) {
      region[i] = hi;
      start[i] = lo + n;
      stop[i] = lo + n + hi;
      out = slice_update(out, broadcast_to(slice_axis(out, i, lo + n - 1, lo + n, s), region, s),
                         start, stop, step, s);
    }
  }
  return out;
}

// Reflect / symmetric padding along one axis: the padded axis reads the periodic
// extension of x, flip(x) (without its ends for "reflect"), as NumPy does for any width.
array pad_mirror_axis(const array& x, int axis, int lo, int hi, bool symmetric,
                      StreamOrDevice s) {
  int n = x.shape(axis);
  array period = x;
  if (symmetric) {
    period = concatenate({x, flip(x, std::vector<int>{axis}, s)}, axis, s);
  } else if (n > 1) {
    period = concatenate({x, slice_axis(flip(x, std::vector<int>{axis}, s), axis, 1, n - 1, s)},
                         axis, s);
  }
  int64_t len = period.shape(axis), total = int64_t(lo) + n + hi;
  int64_t first = ((-int64_t(lo)) % len + len) % len;
  int64_t copies = (first + total + len - 1) / len;
  array tiled = copies == 1 ? period : concatenate(std::vector<array>(copies, period), axis, s);
  return slice_axis(tiled, axis, int(first), int(first + total), s);
}

}  // namespace

array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width, const array& value,
          const std::string& mode, StreamOrDevice s) {
  // These messages have no [pad] prefix in MLX.
  if (int(pad_width.size()) != a.ndim()) {
    throw std::invalid_argument(
        msg("Invalid number of padding sizes passed to pad with axes of size ", a.ndim()));
  }
  Shape out_shape = a.shape();
  for (int i = 0; i < a.ndim(); ++i) {
    auto [lo, hi] = pad_width[i];
    if (lo < 0) throw std::invalid_argument(msg("Invalid low padding size (", lo, ") passed to pad for axis ", i, ". Padding sizes must be non-negative"));
    if (hi < 0) throw std::invalid_argument(msg("Invalid high padding size (", hi, ") passed to pad for axis ", i, ". Padding sizes must be non-negative"));
    out_shape[i] += lo + hi;
  }
  if (mode == "constant") {
    array base = full(out_shape, astype(value, a.dtype(), s), a.dtype(), s);
    Shape start(a.ndim()), stop(a.ndim()), step(a.ndim(), 1);
    for (int i = 0; i < a.ndim(); ++i) {
      start[i] = pad_width[i].first;
      stop[i] = start[i] + a.shape(i);
    }
    return slice_update(base, a, start, stop, step, s);
  }
  if (mode == "edge") {
    if (a.size() == 0) return pad_edge_of_empty(a, pad_width, out_shape, s);
    array out = a;
    for (int i = 0; i < a.ndim(); ++i) {
      auto [lo, hi] = pad_width[i];
      if (lo == 0 && hi == 0) continue;
      int n = out.shape(i);
      Shape rep_shape = out.shape();
      std::vector<array> parts;
      rep_shape[i] = lo;
      if (lo) parts.push_back(broadcast_to(slice_axis(out, i, 0, 1, s), rep_shape, s));
      parts.push_back(out);
      rep_shape[i] = hi;
      if (hi) parts.push_back(broadcast_to(slice_axis(out, i, n - 1, n, s), rep_shape, s));
      out = concatenate(parts, i, s);
    }
    return out;
  }
  if (mode == "reflect" || mode == "symmetric") {
    array out = a;
    for (int i = 0; i < a.ndim(); ++i) {
      auto [lo, hi] = pad_width[i];
      if (lo == 0 && hi == 0) continue;
      if (a.shape(i) == 0) {
        throw std::invalid_argument(
            msg("[pad] Cannot pad empty axis ", i, " using mode '", mode, "'."));
      }
      out = pad_mirror_axis(out, i, lo, hi, mode == "symmetric", s);
    }
    return out;
  }
  throw std::invalid_argument(msg("Invalid padding mode (", mode, ") passed to pad"));
}

array tile(const array& a, std::vector<int> reps, StreamOrDevice s) {
  // Negative reps raise from broadcast_to ("[broadcast_to] Negative dimensions ..."), as in MLX.
  int nd = std::max<int>(a.ndim(), reps.size());
  array x = a;
  if (a.ndim() < nd) {
    Shape sh(nd - a.ndim(), 1);
    sh.insert(sh.end(), a.shape().begin(), a.shape().end());
    x = reshape(a, sh, s);
  }
  reps.insert(reps.begin(), nd - reps.size(), 1);
  // (r0, d0, r1, d1, ...) broadcast, then merge pairs.
  Shape expanded, bshape, final_shape;
  for (int i = 0; i < nd; ++i) {
    expanded.push_back(1);
    expanded.push_back(x.shape(i));
    bshape.push_back(reps[i]);
    bshape.push_back(x.shape(i));
    final_shape.push_back(reps[i] * x.shape(i));
  }
  return reshape(broadcast_to(reshape(x, expanded, s), bshape, s), final_shape, s);
}

array repeat(const array& a, int repeats, std::optional<int> axis, StreamOrDevice s) {
  if (repeats < 0) throw std::invalid_argument("[repeat] Number of repeats cannot be negative");
  array x = axis ? a : flatten(a, 0, -1, s);
  int ax = axis ? normalize_axis(*axis, x.ndim(), "repeat") : 0;
  if (x.ndim() == 0) x = reshape(x, {1}, s);
  Shape expanded = x.shape(), bshape = x.shape(), final_shape = x.shape();
  expanded.insert(expanded.begin() + ax + 1, 1);
  bshape.insert(bshape.begin() + ax + 1, repeats);
  final_shape[ax] *= repeats;
  return reshape(broadcast_to(reshape(x, expanded, s), bshape, s), final_shape, s);
}

array flip(const array& a, std::optional<std::vector<int>> axes, StreamOrDevice s) {
  std::vector<int> ax;
  if (axes) {
    for (int x : *axes) {
      if (x < -a.ndim() || x >= a.ndim()) {
        throw std::out_of_range(msg("[flip] Axis ", x, " is out of bounds for array with ",
                                    a.ndim(), " dimensions."));
      }
      ax.push_back(x < 0 ? x + a.ndim() : x);
    }
  } else {
    for (int i = 0; i < a.ndim(); ++i) ax.push_back(i);
  }
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  for (int x : ax) {
    start[x] = a.shape(x) - 1;
    stop[x] = -a.shape(x) - 1;
    step[x] = -1;
  }
  return slice(a, start, stop, step, s);
}

array roll(const array& a, const Shape& shift, std::optional<std::vector<int>> axes,
           StreamOrDevice s) {
  if (!axes) {  // the flattened array rolls by the sum of the shifts
    array flat = flatten(a, 0, -1, s);
    int64_t total = 0;
    for (auto v : shift) total += v;
    return reshape(roll(flat, {int32_t(total)}, std::vector<int>{0}, s), a.shape(), s);
  }
  // Shift k goes with axis k; shifts beyond the last axis are ignored, as in MLX.
  if (shift.size() < axes->size()) {
    throw std::invalid_argument(msg("[roll] At least one shift value per axis is required, ",
                                    shift.size(), " provided for ", axes->size(), " axes."));
  }
  array out = a;
  for (size_t k = 0; k < axes->size(); ++k) {
    int ax = normalize_axis((*axes)[k], a.ndim(), "roll");
    int n = a.shape(ax);
    if (n == 0) continue;
    int sh = int((int64_t(shift[k]) % n + n) % n);
    if (sh == 0) continue;
    auto parts = split(out, Shape{n - sh}, ax, s);
    out = concatenate({parts[1], parts[0]}, ax, s);
  }
  return out;
}

array atleast_nd(const array& a, int n, StreamOrDevice s) {
  if (a.ndim() >= n) return a;
  Shape shape = a.shape();
  if (n == 1) shape = {1};
  if (n == 2) shape = a.ndim() == 0 ? Shape{1, 1} : Shape{1, a.shape(0)};
  if (n == 3) {
    if (a.ndim() == 0) shape = {1, 1, 1};
    else if (a.ndim() == 1) shape = {1, a.shape(0), 1};
    else shape = {a.shape(0), a.shape(1), 1};
  }
  return reshape(a, shape, s);
}

array as_strided(const array& a, Shape shape, Strides strides, size_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    throw std::invalid_argument("[as_strided] Shape and strides must have the same length.");
  }
  shape_size(shape, "as_strided");
  // Stricter than MLX: a view that would reach outside the array raises.
  int64_t lo = int64_t(offset), hi = int64_t(offset);
  if (shape_size(shape) > 0) {
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t span = int64_t(shape[i] - 1) * strides[i];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= int64_t(a.size())) {
      throw std::invalid_argument("[as_strided] The requested view reaches outside the array.");
    }
  }
  array x = contiguous(a, false, s);
  return array(shape, a.dtype(),
               std::make_shared<AsStrided>(to_stream(s), shape, strides, int64_t(offset)), {x});
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument(msg("[diagonal] Array must have at least two dimensions, but got ",
                                    a.ndim(), " dimensions."));
  }
  int ax1 = normalize_axis(axis1, a.ndim(), "diagonal");
  int ax2 = normalize_axis(axis2, a.ndim(), "diagonal");
  if (ax1 == ax2) throw std::invalid_argument("[diagonal] axis1 and axis2 cannot be the same axis");
  // Move the two axes last, then take a strided view of the flattened pair.
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != ax1 && i != ax2) perm.push_back(i);
  }
  perm.push_back(ax1);
  perm.push_back(ax2);
  array x = contiguous(transpose(a, perm, s), false, s);
  int rows = a.shape(ax1), cols = a.shape(ax2);
  int64_t r0 = offset >= 0 ? 0 : -int64_t(offset), c0 = offset >= 0 ? offset : 0;
  int64_t len = std::max<int64_t>(0, std::min<int64_t>(rows - r0, cols - c0));
  Shape shape(x.shape().begin(), x.shape().end() - 2);
  shape.push_back(int32_t(len));
  Strides strides = row_major_strides(x.shape());
  Strides vstrides(strides.begin(), strides.end() - 2);
  vstrides.push_back(int64_t(cols) + 1);
  size_t off = len > 0 ? size_t(r0 * cols + c0) : 0;
  if (len == 0 || x.size() == 0) {
    return reshape(slice(flatten(x, 0, -1, s), {0}, {0}, {1}, s), shape, s);
  }
  return array(shape, a.dtype(),
               std::make_shared<AsStrided>(to_stream(s), shape, vstrides, int64_t(off)), {x});
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 1) {
    int n = a.shape(0) + std::abs(k);
    array base = zeros({n, n}, a.dtype(), s);
    // Scatter a onto the diagonal: a strided update of the flattened matrix.
    array flat = reshape(base, {n * n}, s);
    int start = k >= 0 ? k : -k * n;
    int stop = start + (a.shape(0) - 1) * (n + 1) + 1;
    if (a.shape(0) == 0) return base;
    return reshape(slice_update(flat, a, {start}, {stop}, {n + 1}, s), {n, n}, s);
  }
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  throw std::invalid_argument("[diag] array must be 1-D or 2-D");
}

}  // namespace mlx_core
