#include "mlx/ops/scan.h"

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/scan.h"

namespace mlx_core {

namespace {

// axis = nullopt scans the flattened array (a 0-d input becomes shape (1,)).
array scan(ScanType type, const char* name, const array& a, std::optional<int> axis,
           bool reverse, bool inclusive, Dtype out_dtype, StreamOrDevice s) {
  array x = a;
  int ax = 0;
  if (!axis) {
    x = reshape(a, {int32_t(a.size())}, s);
  } else {
    int nd = a.ndim();
    if (*axis < -nd || *axis >= nd) {  // IndexError in MLX 0.32.4
      throw std::out_of_range(
          msg("[", name, "] Axis ", *axis, " is out of bounds for array with ", nd, " dimensions."));
    }
    ax = *axis < 0 ? *axis + nd : *axis;
  }
  x = astype(x, out_dtype, s);
  return array(x.shape(), out_dtype,
               std::make_shared<Scan>(to_stream(s), type, ax, reverse, inclusive), {x});
}

}  // namespace

array cumsum(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             std::optional<Dtype> dtype, StreamOrDevice s) {
  // `dtype` casts the input first; a bool sum then counts in int32 as MLX does.
  Dtype d = dtype ? *dtype : a.dtype();
  array x = dtype ? astype(a, d, s) : a;
  return scan(ScanType::Sum, "cumsum", x, axis, reverse, inclusive, d == bool_ ? int32 : d, s);
}

array cumprod(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
              std::optional<Dtype> dtype, StreamOrDevice s) {
  Dtype d = dtype ? *dtype : a.dtype();
  return scan(ScanType::Prod, "cumprod", a, axis, reverse, inclusive, d, s);
}

array cummax(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan(ScanType::Max, "cummax", a, axis, reverse, inclusive, a.dtype(), s);
}

array cummin(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan(ScanType::Min, "cummin", a, axis, reverse, inclusive, a.dtype(), s);
}

array logcumsumexp(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                   StreamOrDevice s) {
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  return scan(ScanType::LogAddExp, "logcumsumexp", a, axis, reverse, inclusive, d, s);
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (n < 0) throw std::invalid_argument("[diff] Order `n` must be non-negative.");
  int nd = a.ndim();
  if (axis < -nd || axis >= nd) {
    throw std::out_of_range("[diff] Axis is out of bounds for the array.");
  }
  int ax = axis < 0 ? axis + nd : axis;
  array x = a;
  for (int i = 0; i < n && x.shape(ax) > 0; ++i) {
    int len = x.shape(ax);
    Shape start(nd, 0), stop = x.shape(), step(nd, 1);
    start[ax] = 1;
    array hi = slice(x, start, stop, step, s);
    start[ax] = 0;
    stop[ax] = len - 1;
    array lo = slice(x, start, stop, step, s);
    x = x.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return x;
}

}  // namespace mlx_core
