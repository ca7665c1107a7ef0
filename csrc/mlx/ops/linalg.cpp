#include "mlx/ops/linalg.h"

#include "mlx/ops/convert.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/linalg.h"

namespace mlx_core {

array matmul(const array& a_in, const array& b_in, StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument("[matmul] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype d = promote_types(a_in.dtype(), b_in.dtype());
  if (!is_inexact(d)) {
    throw std::invalid_argument(msg("[matmul] Only inexact types are supported but ",
                                    dtype_name(a_in.dtype()), " and ", dtype_name(b_in.dtype()),
                                    " were provided which results in ", dtype_name(d),
                                    ", which is not a floating point type."));
  }
  array a = a_in.ndim() == 1 ? reshape(a_in, {1, a_in.shape(0)}, s) : a_in;
  array b = b_in.ndim() == 1 ? reshape(b_in, {b_in.shape(0), 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[matmul] Last dimension of first input with shape ",
                                    shape_str(a.shape()), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b.shape()), "."));
  }
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b);
  Shape sa = batch, sb = batch, out_shape = batch;
  sa.insert(sa.end(), {a.shape(-2), a.shape(-1)});
  sb.insert(sb.end(), {b.shape(-2), b.shape(-1)});
  out_shape.insert(out_shape.end(), {a.shape(-2), b.shape(-1)});
  a = broadcast_to(astype(a, d, s), sa, s);
  b = broadcast_to(astype(b, d, s), sb, s);
  array out(out_shape, d, std::make_shared<Matmul>(to_stream(s)), {a, b});
  if (a_in.ndim() == 1 || b_in.ndim() == 1) {
    Shape squeezed = batch;
    if (a_in.ndim() != 1) squeezed.push_back(a_in.shape(-2));
    if (b_in.ndim() != 1) squeezed.push_back(b_in.shape(-1));
    out = reshape(out, squeezed, s);
  }
  return out;
}

}  // namespace mlx_core
