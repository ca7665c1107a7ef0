// Product op builders. Most are compositions of matmul and elementwise ops,
// as in MLX (so integer inputs reach matmul's "inexact types" error exactly
// where MLX's do); the masked/gathered/segmented matmuls, the Hadamard
// transform, fp8 and depends have primitives (primitives/products.h).
#include "mlx/ops/products.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/products.h"

namespace mlx_core {

namespace {

array scalar_like(double v, Dtype d) { return astype(array(float(v)), d); }

// Moves `first` axes (in order) before the rest and merges each group into
// one axis: (rows, cols) for a matmul operand.
array as_matrix(const array& x, const std::vector<int>& first, bool first_is_rows, Stream s) {
  std::vector<bool> used(x.ndim(), false);
  for (int ax : first) used[ax] = true;
  std::vector<int> rest;
  for (int i = 0; i < x.ndim(); ++i) {
    if (!used[i]) rest.push_back(i);
  }
  auto size_of = [&](const std::vector<int>& axes) {
    int64_t n = 1;
    for (int ax : axes) n *= x.shape(ax);
    return int32_t(n);
  };
  std::vector<int> perm = first_is_rows ? rest : first;
  const std::vector<int>& tail = first_is_rows ? first : rest;
  perm.insert(perm.end(), tail.begin(), tail.end());
  Shape shape = first_is_rows ? Shape{size_of(rest), size_of(first)}
                              : Shape{size_of(first), size_of(rest)};
  return reshape(transpose(x, perm, s), shape, s);
}

void check_float_inputs(const char* op, const array& a, const array& b, Dtype d) {
  if (!is_floating_point(d)) {
    throw std::invalid_argument(msg("[", op, "] Only real floating point types are supported but ",
                                    dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
                                    " were provided which results in ", dtype_name(d),
                                    ", which is not a real floating point type."));
  }
}

}  // namespace

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0) throw std::invalid_argument("[tensordot] axis must be greater or equal to 0.");
  if (axes > std::min(a.ndim(), b.ndim())) {
    throw std::invalid_argument(
        "[tensordot] axis must be less than the number of dimensions of a and b.");
  }
  std::vector<int> axes_a, axes_b;
  for (int i = 0; i < axes; ++i) {
    axes_a.push_back(a.ndim() - axes + i);
    axes_b.push_back(i);
  }
  return tensordot(a, b, axes_a, axes_b, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a_in,
                const std::vector<int>& axes_b_in, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (axes_a_in.size() != axes_b_in.size()) {
    throw std::invalid_argument("[tensordot] axes must have the same size.");
  }
  auto normalize = [](const std::vector<int>& axes, const array& x) {
    std::vector<int> out;
    std::vector<bool> seen(x.ndim(), false);
    for (int ax : axes) {
      int n = ax < 0 ? ax + x.ndim() : ax;
      if (n < 0 || n >= x.ndim()) {
        throw std::out_of_range(msg("[tensordot] Axis ", ax, " is out of bounds for array with ",
                                    x.ndim(), " dimensions."));
      }
      if (seen[n]) throw std::invalid_argument("[tensordot] Repeated axes are not allowed.");
      seen[n] = true;
      out.push_back(n);
    }
    return out;
  };
  std::vector<int> axes_a = normalize(axes_a_in, a), axes_b = normalize(axes_b_in, b);
  for (size_t i = 0; i < axes_a.size(); ++i) {
    if (a.shape(axes_a[i]) != b.shape(axes_b[i])) {
      throw std::invalid_argument("[tensordot] a and b must have the same shape on the contracted axes.");
    }
  }
  Shape out_shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(axes_a.begin(), axes_a.end(), i) == axes_a.end()) out_shape.push_back(a.shape(i));
  }
  for (int i = 0; i < b.ndim(); ++i) {
    if (std::find(axes_b.begin(), axes_b.end(), i) == axes_b.end()) out_shape.push_back(b.shape(i));
  }
  array prod = matmul(as_matrix(a, axes_a, true, s), as_matrix(b, axes_b, false, s), s);
  return reshape(prod, out_shape, s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1)) {
    throw std::invalid_argument("[inner] a and b must have the same last dimension.");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {int32_t(a.size()), 1}, s), reshape(b, {int32_t(b.size())}, s), s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.size() == 0 || b.size() == 0) {
    throw std::invalid_argument("[kron] Input arrays cannot be empty.");
  }
  int nd = std::max(a.ndim(), b.ndim());
  Shape sa(nd - a.ndim(), 1), sb(nd - b.ndim(), 1);
  sa.insert(sa.end(), a.shape().begin(), a.shape().end());
  sb.insert(sb.end(), b.shape().begin(), b.shape().end());
  // (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0 b0, a1 b1, ...)
  Shape ia, ib, out;
  for (int i = 0; i < nd; ++i) {
    ia.insert(ia.end(), {sa[i], 1});
    ib.insert(ib.end(), {1, sb[i]});
    out.push_back(sa[i] * sb[i]);
  }
  return reshape(multiply(reshape(a, ia, s), reshape(b, ib, s), s), out, s);
}

// MLX 0.32.4's axis rules: the axis must be valid for a (IndexError), name
// the same position in b (ValueError "out of bounds" otherwise, so negative
// axes only work for equal ranks), and have the same size in both.
array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw std::invalid_argument("[vecdot] inputs must be at least 1D.");
  }
  if (axis < -a.ndim() || axis >= a.ndim()) {
    throw std::out_of_range("[vecdot] axis is out of bounds.");
  }
  int ax_a = axis < 0 ? axis + a.ndim() : axis;
  int ax_b = axis < 0 ? axis + b.ndim() : axis;
  if (ax_b < 0 || ax_b >= b.ndim() || ax_a != ax_b) {
    throw std::invalid_argument("[vecdot] axis is out of bounds.");
  }
  if (a.shape(ax_a) != b.shape(ax_b)) {
    throw std::invalid_argument("[vecdot] a and b must have the same size along axis.");
  }
  array x = is_complex(a.dtype()) ? conjugate(a, s) : a;
  return sum(multiply(x, b, s), {ax_a}, false, s);
}

array addmm(const array& c, const array& a_in, const array& b_in, float alpha, float beta,
            StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument(
        "[addmm] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype d = promote_types(c.dtype(), promote_types(a_in.dtype(), b_in.dtype()));
  if (!is_inexact(d)) {
    throw std::invalid_argument(msg("[addmm] Only real floating point types are supported but ",
                                    dtype_name(c.dtype()), ", ", dtype_name(a_in.dtype()), " and ",
                                    dtype_name(b_in.dtype()), " were provided which results in ",
                                    dtype_name(d), ", which is not a real floating point type."));
  }
  array a = a_in.ndim() == 1 ? reshape(a_in, {1, a_in.shape(0)}, s) : a_in;
  array b = b_in.ndim() == 1 ? reshape(b_in, {b_in.shape(0), 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[addmm] Last dimension of first input with shape ",
                                    shape_str(a.shape()), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b.shape()), "."));
  }
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2));
  int M = a.shape(-2), N = b.shape(-1), K = a.shape(-1);
  Shape squeezed = batch;
  if (a_in.ndim() != 1) squeezed.push_back(M);
  if (b_in.ndim() != 1) squeezed.push_back(N);
  Shape out_shape = broadcast_shapes(c.shape(), squeezed);
  if (out_shape != squeezed) {
    throw std::invalid_argument("[addmm] input c must broadcast to the output shape");
  }
  // As BLAS: beta == 0 ignores c (NaNs included), alpha == 0 skips the product.
  if (beta == 0.0f) {
    array prod = matmul(astype(a_in, d, s), astype(b_in, d, s), s);
    return alpha == 1.0f ? prod : multiply(scalar_like(alpha, d), prod, s);
  }
  if (alpha == 0.0f) {
    array cc = astype(c, d, s);
    return broadcast_to(beta == 1.0f ? cc : multiply(scalar_like(beta, d), cc, s), out_shape, s);
  }
  auto with_batch = [&](Shape tail) {
    Shape sh = batch;
    sh.insert(sh.end(), tail.begin(), tail.end());
    return sh;
  };
  Shape full = with_batch({M, N});
  array cc = reshape(broadcast_to(astype(c, d, s), squeezed, s), full, s);
  array out(full, d, std::make_shared<AddMM>(to_stream(s), alpha, beta),
            {cc, broadcast_to(astype(a, d, s), with_batch({M, K}), s),
             broadcast_to(astype(b, d, s), with_batch({K, N}), s)});
  return full == squeezed ? out : reshape(out, squeezed, s);
}

array block_masked_mm(const array& a_in, const array& b_in, int block_size,
                      std::optional<array> mask_out, std::optional<array> mask_lhs,
                      std::optional<array> mask_rhs, StreamOrDevice sd) {
  if (!mask_out && !mask_lhs && !mask_rhs) return matmul(a_in, b_in, sd);
  Stream s = to_stream(sd);
  if (block_size != 32 && block_size != 64) {
    throw std::invalid_argument(msg("[block_masked_mm] Only block_sizes 32, 64 are supported.",
                                    "Got block size ", block_size, "."));
  }
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument(
        "[matmul] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype d = promote_types(a_in.dtype(), b_in.dtype());
  check_float_inputs("block_masked_mm", a_in, b_in, d);
  array a = a_in.ndim() == 1 ? reshape(a_in, {1, a_in.shape(0)}, s) : a_in;
  array b = b_in.ndim() == 1 ? reshape(b_in, {b_in.shape(0), 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[block_masked_mm] Last dimension of first input with shape ",
                                    shape_str(a.shape()), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b.shape()), "."));
  }
  int M = a.shape(-2), N = b.shape(-1), K = a.shape(-1);
  auto blocks = [&](int n) { return int32_t((n + block_size - 1) / block_size); };
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2));
  // Each mask broadcasts with the batch first (MLX's order of checks).
  auto mask_shape = [&](array& m, int rows, int cols) {
    Shape tail{blocks(rows), blocks(cols)};
    Shape full_batch = broadcast_shapes(Shape(m.shape().begin(), m.shape().end() - std::min(2, m.ndim())),
                                        batch);
    Shape target = full_batch;
    target.insert(target.end(), tail.begin(), tail.end());
    Shape checked = broadcast_shapes(m.shape(), target);
    if (checked != target) {
      throw std::invalid_argument(msg("[block_masked_mm] Mask with shape ", shape_str(m.shape()),
                                      " cannot broadcast to ", shape_str(target), "."));
    }
    batch = full_batch;
  };
  if (mask_out) mask_shape(*mask_out, M, N);
  if (mask_lhs) mask_shape(*mask_lhs, M, K);
  if (mask_rhs) mask_shape(*mask_rhs, K, N);
  auto with_batch = [&](Shape tail) {
    Shape sh = batch;
    sh.insert(sh.end(), tail.begin(), tail.end());
    return sh;
  };
  std::vector<array> inputs{broadcast_to(astype(a, d, s), with_batch({M, K}), s),
                            broadcast_to(astype(b, d, s), with_batch({K, N}), s)};
  auto add_mask = [&](std::optional<array>& m, int rows, int cols) {
    if (!m) return;
    array x = m->dtype() == bool_ ? *m : astype(*m, d, s);
    inputs.push_back(broadcast_to(x, with_batch({blocks(rows), blocks(cols)}), s));
  };
  add_mask(mask_out, M, N);
  add_mask(mask_lhs, M, K);
  add_mask(mask_rhs, K, N);
  array out(with_batch({M, N}), d,
            std::make_shared<BlockMaskedMM>(s, block_size, bool(mask_out), bool(mask_lhs),
                                            bool(mask_rhs)),
            inputs);
  if (a_in.ndim() == 1 || b_in.ndim() == 1) {
    Shape squeezed = batch;
    if (a_in.ndim() != 1) squeezed.push_back(M);
    if (b_in.ndim() != 1) squeezed.push_back(N);
    out = reshape(out, squeezed, s);
  }
  return out;
}

array gather_mm(const array& a_in, const array& b_in, std::optional<array> lhs_indices,
                std::optional<array> rhs_indices, bool, StreamOrDevice sd) {
  if (!lhs_indices && !rhs_indices) return matmul(a_in, b_in, sd);
  Stream s = to_stream(sd);
  for (auto* idx : {&lhs_indices, &rhs_indices}) {
    if (*idx && (!is_integral((*idx)->dtype()) || (*idx)->dtype() == bool_)) {
      throw std::invalid_argument(
          "[gather_mm] Got indices with invalid dtype. Indices must be integral.");
    }
  }
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw std::invalid_argument(
        "[gather_mm] Got 0 dimension input. Inputs must have at least one dimension.");
  }
  Dtype d = promote_types(a_in.dtype(), b_in.dtype());
  check_float_inputs("gather_mm", a_in, b_in, d);
  array a = a_in.ndim() == 1 ? reshape(a_in, {1, a_in.shape(0)}, s) : a_in;
  array b = b_in.ndim() == 1 ? reshape(b_in, {b_in.shape(0), 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    throw std::invalid_argument(msg("[gather_mm] Last dimension of first input with shape ",
                                    shape_str(a.shape()), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b.shape()), "."));
  }
  int M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  // Missing indices enumerate the operand's batch (shaped like it).
  auto indices = [&](std::optional<array>& idx, const array& x) {
    Shape batch(x.shape().begin(), x.shape().end() - 2);
    int64_t n = 1;
    for (auto v : batch) n *= v;
    if (!idx) return std::make_pair(reshape(arange(0, double(n), 1, uint32, s), batch, s), n);
    return std::make_pair(*idx, n);
  };
  auto [li, na] = indices(lhs_indices, a);
  auto [ri, nb] = indices(rhs_indices, b);
  Shape out_batch = broadcast_shapes(li.shape(), ri.shape());
  // Nothing to gather from (MLX reads out of bounds here).
  if ((na == 0 || nb == 0) && shape_size(out_batch) > 0) {
    throw std::invalid_argument("[gather_mm] Cannot gather matrices from an empty batch.");
  }
  // Out-of-range indices are undefined in MLX; here they clamp into range.
  auto clamp = [&](const array& idx, int64_t n) {
    array x = astype(clip(astype(idx, int64, s), array(int64_t(0)),
                          array(int64_t(std::max<int64_t>(n - 1, 0))), s),
                     uint32, s);
    return broadcast_to(x, out_batch, s);
  };
  array af = reshape(astype(a, d, s), {int32_t(na), M, K}, s);
  array bf = reshape(astype(b, d, s), {int32_t(nb), K, N}, s);
  Shape out_shape = out_batch;
  out_shape.insert(out_shape.end(), {M, N});
  array out(out_shape, d, std::make_shared<GatherMM>(s),
            {af, bf, clamp(li, na), clamp(ri, nb)});
  if (a_in.ndim() == 1 || b_in.ndim() == 1) {
    Shape squeezed = out_batch;
    if (a_in.ndim() != 1) squeezed.push_back(M);
    if (b_in.ndim() != 1) squeezed.push_back(N);
    out = reshape(out, squeezed, s);
  }
  return out;
}

array segmented_mm(const array& a, const array& b, const array& segments, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (!is_integral(segments.dtype()) || segments.dtype() == bool_) {
    throw std::invalid_argument(
        "[segmented_mm] Got segments with invalid dtype. Segments must be integral.");
  }
  if (a.ndim() != 2 || b.ndim() != 2) {
    throw std::invalid_argument("[segmented_mm] Batched matmul not supported");
  }
  if (segments.ndim() < 1 || segments.shape(-1) != 2) {
    throw std::invalid_argument(msg("[segmented_mm] The segments should have shape (..., 2) but ",
                                    shape_str(segments.shape()), " was provided."));
  }
  Dtype d = promote_types(a.dtype(), b.dtype());
  check_float_inputs("segmented_mm", a, b, d);
  // MLX reads past b when the inner sizes differ; here that is an error.
  if (a.shape(1) != b.shape(0)) {
    throw std::invalid_argument(msg("[segmented_mm] Last dimension of first input with shape ",
                                    shape_str(a.shape()), " must match second to last dimension of"
                                    " second input with shape ", shape_str(b.shape()), "."));
  }
  int64_t K = a.shape(1);
  array seg = astype(clip(astype(segments, int64, s), array(int64_t(0)), array(K), s), uint32, s);
  Shape out_shape(segments.shape().begin(), segments.shape().end() - 1);
  out_shape.insert(out_shape.end(), {a.shape(0), b.shape(1)});
  return array(out_shape, d, std::make_shared<SegmentedMM>(s),
               {astype(a, d, s), astype(b, d, s), seg});
}

array hadamard_transform(const array& a, std::optional<float> scale_in, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (a.size() == 0) {
    throw std::invalid_argument("[hadamard_transform] Does not support empty arrays.");
  }
  // Integers, bool and complex (real part) compute in float32; float64 is refused.
  Dtype d = a.dtype();
  if (d == float64) throw std::invalid_argument("[hadamard] Unsupported type.");
  if (!is_floating_point(d)) d = float32;
  int n = a.ndim() == 0 ? 1 : a.shape(-1);
  float scale = scale_in ? *scale_in : float(1.0 / std::sqrt(double(n)));
  return array(a.shape(), d, std::make_shared<Hadamard>(s, scale), {astype(a, d, s)});
}

array to_fp8(const array& x, StreamOrDevice s) {
  if (!is_floating_point(x.dtype())) {
    throw std::invalid_argument(msg("[to_fp8] Only real floating types are supported but "
                                    "x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  return array(x.shape(), uint8, std::make_shared<ToFP8>(to_stream(s)), {x});
}

array from_fp8(const array& x, Dtype dtype, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(msg("[from_fp8] Only real floating types are supported but "
                                    "dtype == ",
                                    dtype_name(dtype), "."));
  }
  if (x.dtype() != uint8) {
    throw std::invalid_argument(msg("[from_fp8] Input must have type uint8 but x.dtype() == ",
                                    dtype_name(x.dtype()), "."));
  }
  return array(x.shape(), dtype, std::make_shared<FromFP8>(to_stream(s)), {x});
}

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  Stream s = to_stream({});
  return array::make_arrays(shapes, dtypes, std::make_shared<Depends>(s, int(inputs.size())), all);
}

// ---- windows ------------------------------------------------------------------
// Formulas and operation order chosen so float32 results equal MLX's bit for
// bit: n * (c / (M - 1)) with the constant rounded once from double.

namespace {

array window_positions(int M, double factor, Stream s) {
  return multiply(arange(0, M, 1, float32, s), array(float(factor / double(M - 1))), s);
}

std::optional<array> trivial_window(int M, Stream s) {
  if (M < 1) return zeros({0}, float32, s);
  if (M == 1) return ones({1}, float32, s);
  return std::nullopt;
}

}  // namespace

array bartlett(int M, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (auto w = trivial_window(M, s)) return *w;
  array one(1.0f);
  return subtract(one, abs(subtract(window_positions(M, 2.0, s), one, s), s), s);
}

array blackman(int M, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (auto w = trivial_window(M, s)) return *w;
  // 0.42 - 0.5 cos(x) + 0.08 cos(2x), with cos(2x) = 2 cos(x)^2 - 1.
  array c = cos(window_positions(M, 2.0 * M_PI, s), s);
  array lead = subtract(array(0.34f), multiply(array(0.5f), c, s), s);
  return add(lead, multiply(array(0.16f), square(c, s), s), s);
}

array hamming(int M, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (auto w = trivial_window(M, s)) return *w;
  array c = cos(window_positions(M, 2.0 * M_PI, s), s);
  return subtract(array(0.54f), multiply(array(0.46f), c, s), s);
}

array hanning(int M, StreamOrDevice sd) {
  Stream s = to_stream(sd);
  if (auto w = trivial_window(M, s)) return *w;
  // 0.5 - 0.5 cos(2 pi n / (M - 1)) written as sin(pi n / (M - 1))^2.
  return square(sin(window_positions(M, M_PI, s), s), s);
}

}  // namespace mlx_core
