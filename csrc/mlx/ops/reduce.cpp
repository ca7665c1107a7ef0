#include "mlx/ops/reduce.h"

#include <algorithm>
#include <limits>

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/ops/unary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/reduce.h"

namespace mlx_core {

std::vector<int> normalize_reduce_axes(const std::vector<int>& axes, int ndim) {
  std::vector<int> out;
  for (int ax : axes) {
    if (ax < -ndim || ax >= ndim) {
      throw std::out_of_range(msg("Invalid axis ", ax, " for array with ", ndim, " dimensions."));
    }
    out.push_back(ax < 0 ? ax + ndim : ax);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw std::invalid_argument("Duplicate axes detected in reduction.");
  }
  return out;
}

std::vector<int> all_axes(int ndim) {
  std::vector<int> axes(ndim);
  for (int i = 0; i < ndim; ++i) axes[i] = i;
  return axes;
}

namespace {

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < int(shape.size()); ++i) {
    bool reduced = std::binary_search(axes.begin(), axes.end(), i);
    if (!reduced) out.push_back(shape[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

array reduce(ReduceType type, const array& a, const std::vector<int>& axes_in, bool keepdims,
             Dtype out_dtype, StreamOrDevice s) {
  std::vector<int> axes = normalize_reduce_axes(axes_in, a.ndim());
  // No axes: MLX returns the input untouched (sum of uint8 stays uint8),
  // except that all/any still give bool.
  if (axes.empty()) return out_dtype == bool_ ? astype(a, bool_, s) : a;
  array x = astype(a, out_dtype, s);
  Shape kept = reduced_shape(a.shape(), axes, true);
  array out(kept, out_dtype, std::make_shared<Reduce>(to_stream(s), type, axes), {x});
  return keepdims ? out : reshape(out, reduced_shape(a.shape(), axes, false), s);
}

// Sum and prod widen small integers as MLX does.
Dtype accumulate_dtype(Dtype d) {
  if (d == bool_ || d == int8 || d == int16) return int32;
  if (d == uint8 || d == uint16) return uint32;
  return d;
}

void check_nonempty(const char* op, const array& a, const std::vector<int>& axes) {
  for (int ax : normalize_reduce_axes(axes, a.ndim())) {
    if (a.shape(ax) == 0) {
      throw std::invalid_argument(msg("[", op, "] Cannot ", op, " reduce over axis ", ax,
                                      " with size 0."));
    }
  }
}

// mean, var and std word an out-of-range axis their own way in MLX.
void check_mean_axes(const array& a, const std::vector<int>& axes) {
  for (int ax : axes) {
    if (ax < -a.ndim() || ax >= a.ndim()) {
      throw std::out_of_range(msg("[mean] axis ", ax, " is out of bounds for array with ",
                                  a.ndim(), " dimensions."));
    }
  }
}

}  // namespace

array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(ReduceType::Sum, a, axes, keepdims, accumulate_dtype(a.dtype()), s);
}
array sum(const array& a, bool keepdims, StreamOrDevice s) { return sum(a, all_axes(a.ndim()), keepdims, s); }

array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(ReduceType::Prod, a, axes, keepdims, accumulate_dtype(a.dtype()), s);
}

array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  check_nonempty("max", a, axes);
  return reduce(ReduceType::Max, a, axes, keepdims, a.dtype(), s);
}

array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  check_nonempty("min", a, axes);
  return reduce(ReduceType::Min, a, axes, keepdims, a.dtype(), s);
}

array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(ReduceType::And, a, axes, keepdims, bool_, s);
}
array all(const array& a, bool keepdims, StreamOrDevice s) { return all(a, all_axes(a.ndim()), keepdims, s); }

array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(ReduceType::Or, a, axes, keepdims, bool_, s);
}

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  check_mean_axes(a, axes);
  auto norm = normalize_reduce_axes(axes, a.ndim());
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  array total = sum(astype(a, d, s), norm, keepdims, s);
  // Multiply by 1/n in the result dtype, as MLX does (it differs from sum / n in the last
  // bit); an empty reduction gives 0 * inf = NaN.
  return multiply(total, NumberOfElements::make(a, norm, true, d, 0, to_stream(s)), s);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  check_mean_axes(a, axes);
  auto norm = normalize_reduce_axes(axes, a.ndim());
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, d, s);
  array centered = subtract(x, mean(x, norm, true, s), s);
  // Complex variance is real: E|x - mean|^2.
  array sq = is_complex(d) ? real(multiply(centered, conjugate(centered, s), s), s) : square(centered, s);
  array total = sum(sq, norm, keepdims, s);
  // 1/(n - ddof) from the shape (a node, so shapeless compile recomputes it); inf when <= 0.
  return multiply(total, NumberOfElements::make(a, norm, true, sq.dtype(), ddof, to_stream(s)), s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}

array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto norm = normalize_reduce_axes(axes, a.ndim());
  if (a.size() == 0) throw std::invalid_argument("[logsumexp] Received empty array.");
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, d, s);
  // Subtract the max so exp never overflows; an all -inf row keeps max 0.
  array m = stop_gradient(max(x, norm, true, s), s);
  m = where(isinf(m, s), zeros_like(m, s), m, s);
  array out = add(log(sum(exp(subtract(x, m, s), s), norm, true, s), s), m, s);
  if (!keepdims) out = squeeze(out, norm, s);
  return out;
}

array softmax(const array& a, const std::vector<int>& axes, bool precise, StreamOrDevice s) {
  auto norm = normalize_reduce_axes(axes, a.ndim());
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, d, s);
  array out = x;
  if (a.size() == 0) return a;  // MLX hands empty inputs back unchanged
  if (norm.size() == 1 && norm[0] == a.ndim() - 1 && !is_complex(d)) {
    out = array(x.shape(), d, std::make_shared<Softmax>(to_stream(s), precise), {x});
  } else if (norm.empty()) {
    array e = exp(subtract(x, x, s), s);  // each element alone: 1 (nan stays nan)
    out = divide(e, e, s);
  } else {
    array m = stop_gradient(max(x, norm, true, s), s);
    array e = exp(subtract(x, m, s), s);
    out = divide(e, sum(e, norm, true, s), s);
  }
  // Integer inputs compute in float32 (MLX 0.32.4 returns garbage or the
  // integer dtype here; see docs/differences.md).
  return out;
}

namespace {
array arg_reduce(ArgReduce::Kind kind, const char* name, const array& a, std::optional<int> axis,
                 bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    throw std::invalid_argument(msg("[", name, "] Cannot ", name, " reduce zero size array."));
  }
  if (!axis) {
    if (a.ndim() == 0 && keepdims) {  // MLX 0.32.4 raises (ValueError) here too
      throw std::invalid_argument(msg("[", name, "] Cannot keep the dimensions of a 0-d array."));
    }
    array flat = reshape(a, {int32_t(a.size())}, s);
    array out = arg_reduce(kind, name, flat, 0, true, s);
    if (keepdims) return reshape(out, Shape(a.ndim(), 1), s);
    return reshape(out, {}, s);
  }
  int ax = normalize_reduce_axes({*axis}, a.ndim())[0];
  Shape kept = a.shape();
  kept[ax] = 1;
  array out(kept, uint32, std::make_shared<ArgReduce>(to_stream(s), kind, ax), {a});
  return keepdims ? out : squeeze(out, {ax}, s);
}
}  // namespace

array argmax(const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(ArgReduce::ArgMax, "argmax", a, axis, keepdims, s);
}
array argmin(const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(ArgReduce::ArgMin, "argmin", a, axis, keepdims, s);
}

}  // namespace mlx_core
