#include "mlx/ops/creation.h"

#include <cmath>
#include <limits>

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/convert.h"

namespace mlx_core {

array full(const Shape& shape, const array& value, Dtype dtype, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[full] Negative dimensions not allowed.");
  }
  shape_size(shape, "full");
  // A broadcast view of one value: costs nothing until something writes it.
  return broadcast_to(astype(value, dtype, s), shape, s);
}

array full(const Shape& shape, const array& value, StreamOrDevice s) {
  return full(shape, value, value.dtype(), s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(false), dtype, s);
}

array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array(true), dtype, s);
}

array zeros_like(const array& a, StreamOrDevice s) { return zeros(a.shape(), a.dtype(), s); }
array ones_like(const array& a, StreamOrDevice s) { return ones(a.shape(), a.dtype(), s); }

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) throw std::invalid_argument("bool not supported for arange.");
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step) || std::isinf(start) ||
      std::isinf(stop)) {
    throw std::invalid_argument("[arange] Cannot compute length.");
  }
  if (step == 0) throw std::invalid_argument("[arange] step must be nonzero.");
  double real_size = std::ceil((stop - start) / step);
  if (real_size > double(std::numeric_limits<int32_t>::max())) {
    throw std::invalid_argument("[arange] Maximum size exceeded.");
  }
  int32_t n = int32_t(std::max(real_size, 0.0));
  // As MLX (and NumPy): the increment used is dtype(start + step) - dtype(start), so
  // arange(0.5, 5, 1.5, int32) steps by 2 and float32 ranges drift as MLX's do.
  if (is_integral(dtype)) {
    step = double(int64_t(start + step) - int64_t(start));
  } else if (dtype == float64) {
    step = (start + step) - start;
  } else {  // float32 arithmetic (an approximation of MLX's for float16 / bfloat16)
    step = double(float(start + step) - float(start));
  }
  if (dtype == complex64) {  // real values, complex storage
    return astype(arange(start, stop, step, float32, s), complex64, s);
  }
  return array(Shape{n}, dtype, std::make_shared<Arange>(to_stream(s), start, stop, step), {});
}

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  if (num < 0) {
    throw std::invalid_argument(msg("[linspace] number of samples, ", num, ", must be non-negative."));
  }
  if (num == 1) return astype(reshape(array(float(start)), {1}, s), dtype, s);
  // start * (1 - t) + stop * t with t = i / (num - 1): both ends are exact.
  array t = divide(arange(0, num, 1, float32, s), array(float(std::max(num - 1, 1))), s);
  array out = add(multiply(subtract(array(1.0f), t, s), array(float(start)), s),
                  multiply(t, array(float(stop)), s), s);
  return astype(out, dtype, s);
}

array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  array rows = reshape(arange(0, n, 1, int32, s), {n, 1}, s);
  array cols = reshape(arange(-k, m - k, 1, int32, s), {1, m}, s);
  return astype(greater_equal(rows, cols, s), dtype, s);
}

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) throw std::invalid_argument("[eye] N and M must be positive integers.");
  array rows = reshape(arange(0, n, 1, int32, s), {n, 1}, s);
  array cols = reshape(arange(-k, m - k, 1, int32, s), {1, m}, s);
  return astype(equal(rows, cols, s), dtype, s);
}

array tril(const array& x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) throw std::invalid_argument("[tril] array must be at least 2-D");
  array mask = tri(x.shape(-2), x.shape(-1), k, bool_, s);
  return where(mask, x, zeros_like(x, s), s);
}

array triu(const array& x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) throw std::invalid_argument("[triu] array must be at least 2-D");
  array mask = tri(x.shape(-2), x.shape(-1), k - 1, bool_, s);
  return where(mask, zeros_like(x, s), x, s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw std::invalid_argument("[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'.");
  }
  int n = int(arrays.size());
  std::vector<array> out;
  for (int i = 0; i < n; ++i) {
    Shape shape(n, 1);
    int pos = i;
    if (indexing == "xy" && n >= 2 && i < 2) pos = 1 - i;
    shape[pos] = int32_t(arrays[i].size());
    out.push_back(reshape(arrays[i], shape, s));
  }
  if (!sparse) out = broadcast_arrays(out, s);
  return out;
}

}  // namespace mlx_core
