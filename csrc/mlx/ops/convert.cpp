#include "mlx/ops/convert.h"

#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/convert.h"

namespace mlx_core {

array astype(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  return array(a.shape(), dtype, std::make_shared<AsType>(to_stream(s), dtype), {a});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(to_stream(s), allow_col_major), {a});
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<StopGradient>(to_stream(s)), {a});
}

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  Shape shape = a.shape();
  size_t in_size = a.itemsize(), out_size = dtype.size;
  array x = a;
  if (in_size != out_size) {
    if (a.ndim() == 0) {
      throw std::invalid_argument("[view] Changing the type of a scalar is only allowed for types with the same size.");
    }
    int64_t bytes = int64_t(shape.back()) * in_size;
    if (bytes % out_size != 0) {
      throw std::invalid_argument(
          "[view] When viewing as a larger dtype, the size in bytes of the last axis must be a "
          "multiple of the requested type size.");
    }
    shape.back() = int32_t(bytes / out_size);
    x = contiguous(a, false, s);
  }
  return array(shape, dtype, std::make_shared<View>(to_stream(s), dtype), {x});
}

}  // namespace mlx_core
