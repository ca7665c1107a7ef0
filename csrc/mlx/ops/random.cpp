#include "mlx/ops/random.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/indexing.h"
#include "mlx/ops/linalg.h"
#include "mlx/ops/reduce.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/ops/sort.h"
#include "mlx/ops/unary.h"
#include "mlx/primitives/random.h"

namespace mlx_core::random {

namespace {

constexpr double kSqrt2 = 1.4142135623730951;

// The global key. MLX seeds it from the wall clock in milliseconds on first use.
struct KeySequence {
  std::mutex mutex;
  std::optional<array> key;
  array& get() {
    if (!key) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
      key = random::key(uint64_t(ms));
    }
    return *key;
  }
};

KeySequence& key_sequence() {
  static KeySequence* seq = new KeySequence();  // never destroyed: arrays may outlive statics
  return *seq;
}

array resolve_key(const std::optional<array>& key) { return key ? *key : next_key(); }

void check_key(const array& key) {
  if (key.dtype() != uint32) {
    throw std::invalid_argument(msg("[bits] Expected key type uint32 but received ", dtype_name(key.dtype()), "."));
  }
  if (key.ndim() != 1 || key.shape(0) != 2) {
    throw std::invalid_argument(msg("[bits] Expected key shape (2) but received ", shape_str(key.shape()), "."));
  }
}

void check_shape(const Shape& shape) {
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument("[bits] Negative dimensions not allowed.");
  }
}

// x rounded to dtype (a float type) and back.
double round_to(double x, Dtype dtype) {
  if (dtype == float64) return x;
  float f = float(x);
  if (dtype == float16) return double(float(float16_t(f)));
  if (dtype == bfloat16) return double(float(bfloat16_t(f)));
  return double(f);
}

// The value of an evaluated real 0-d array, if it is one.
std::optional<double> known_scalar(const array& a) {
  if (a.ndim() != 0 || !a.is_evaluated() || is_complex(a.dtype())) return std::nullopt;
  return cpu::dispatch_real(a.dtype(), "random", [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    return double(static_cast<cpu::compute_t<T>>(a.data<T>()[0]));
  });
}

array sample(SampleKind kind, const Shape& shape, Dtype dtype, double a, double b, bool has_b,
             const array& key, StreamOrDevice s) {
  check_key(key);
  check_shape(shape);
  return array(shape, dtype, std::make_shared<RandomSample>(to_stream(s), kind, shape, dtype, a, b, has_b), {key});
}

void check_uniform_dtype(Dtype dtype) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[uniform] Can only generate uniform numbers with real floating point type.");
  }
}


}  // namespace

array key(uint64_t seed) {
  auto k = array(allocator::malloc(8), Shape{2}, uint32);
  k.data<uint32_t>()[0] = uint32_t(seed >> 32);
  k.data<uint32_t>()[1] = uint32_t(seed);
  return k;
}

void seed(uint64_t s) {
  auto& seq = key_sequence();
  std::lock_guard<std::mutex> lock(seq.mutex);
  seq.key = key(s);
}

array global_key() {
  auto& seq = key_sequence();
  std::lock_guard<std::mutex> lock(seq.mutex);
  return seq.get();
}

void set_global_key(const array& k) {
  auto& seq = key_sequence();
  std::lock_guard<std::mutex> lock(seq.mutex);
  seq.key = k;
}

array next_key() {
  auto& seq = key_sequence();
  std::lock_guard<std::mutex> lock(seq.mutex);
  array halves = split(seq.get(), 2);
  seq.key = reshape(slice(halves, {0, 0}, {1, 2}, {1, 1}), {2});
  return reshape(slice(halves, {1, 0}, {2, 2}, {1, 1}), {2});
}

array bits(const Shape& shape, int width, const std::optional<array>& key_in, StreamOrDevice s) {
  if (width != 1 && width != 2 && width != 4) {
    throw std::invalid_argument(msg("[bits] Bit width must be in {1, 2, 4} but got ", width, "."));
  }
  array key = resolve_key(key_in);
  check_key(key);
  check_shape(shape);
  Dtype dtype = width == 1 ? uint8 : (width == 2 ? uint16 : uint32);
  return array(shape, dtype, std::make_shared<RandomBits>(to_stream(s), shape, width), {key});
}

array split(const array& key, int num, StreamOrDevice s) { return bits({num, 2}, 4, key, s); }

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  check_uniform_dtype(dtype);
  array lo = astype(low, dtype, s), hi = astype(high, dtype, s);
  Shape range_shape = broadcast_shapes(lo.shape(), hi.shape());
  Shape out_shape = broadcast_shapes(shape, range_shape);
  if (out_shape != shape) {
    throw std::invalid_argument(msg("[uniform] Cannot generate random values of shape ", shape_str(shape),
                                    " from broadcasted shape ", shape_str(out_shape), "."));
  }
  if (dtype == float64) throw std::runtime_error("[uniform] Unsupported type.");
  array k = resolve_key(key);
  auto l = known_scalar(low), h = known_scalar(high);
  if (l && h) return sample(SampleKind::Uniform, shape, dtype, *l, *h, true, k, s);
  // Array bounds: lo + (hi - lo) * u with each op rounding in dtype, as MLX.
  array u = sample(SampleKind::Uniform, shape, dtype, 0.0, 1.0, true, k, s);
  return add(multiply(subtract(hi, lo, s), u, s), lo, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype) && dtype != complex64) {
    throw std::invalid_argument("[normal] Only floating point and complex64 types are supported.");
  }
  if (dtype == complex64) {
    // Real and imaginary parts are N(0, 1/2): float32 normals scaled by sqrt(1/2).
    Shape pairs = shape;
    pairs.push_back(2);
    // sqrt(2) * sqrt(1/2) rounds to exactly 1: the parts are erfinv(v).
    array re_im = sample(SampleKind::Normal, pairs, float32, 1.0, 0.0, false, resolve_key(key), s);
    array z = reshape(view(re_im, complex64, s), shape, s);
    if (scale) z = multiply(*scale, z, s);
    if (loc) z = add(*loc, z, s);
    return z;
  }
  array k = resolve_key(key);
  double sqrt2 = round_to(kSqrt2, dtype);
  // loc and scale take the output dtype.
  std::optional<array> loc_t, scale_t;
  if (loc) loc_t = astype(*loc, dtype, s);
  if (scale) scale_t = astype(*scale, dtype, s);
  auto fits = [&](const std::optional<array>& a) { return !a || (a->dtype() == dtype && known_scalar(*a)); };
  if (fits(loc) && fits(scale)) {
    // All-scalar parameters: one fused pass. MLX multiplies erfinv(v) by sqrt(2) * scale.
    double factor = scale ? round_to(sqrt2 * *known_scalar(*scale), dtype) : sqrt2;
    double l = loc ? *known_scalar(*loc) : 0.0;
    return sample(SampleKind::Normal, shape, dtype, factor, l, bool(loc), k, s);
  }
  array e = sample(SampleKind::Normal, shape, dtype, 1.0, 0.0, false, k, s);
  array factor = array(sqrt2, float64);
  factor = astype(factor, dtype, s);
  if (scale_t) factor = multiply(factor, *scale_t, s);
  array out = multiply(e, factor, s);
  if (loc_t) out = add(*loc_t, out, s);
  return out;
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_integral(dtype)) {
    throw std::invalid_argument("[randint] randint only accepts integer dtypes and bool.");
  }
  // floor of a float32 uniform, converted to dtype, then clamped in dtype to
  // [low, high - 1] (high - 1 taken in high's own dtype).
  array r = floor(uniform(low, high, shape, float32, key, s), s);
  // MLX's float -> integer conversion wraps like a conversion through int64
  // (-2.0 -> uint32 4294967294); going through int64 makes that explicit.
  r = astype(dtype == bool_ ? r : astype(r, int64, s), dtype, s);
  Dtype hd = high.dtype() == bool_ ? int32 : high.dtype();
  array top = astype(subtract(astype(high, hd, s), astype(array(1), hd, s), s), dtype, s);
  r = minimum(r, top, s);
  return maximum(r, astype(low, dtype, s), s);
}

array bernoulli(const array& p, const std::optional<Shape>& shape, const std::optional<array>& key,
                StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    throw std::invalid_argument("[bernoulli] bernoulli probability `p` must be a float type.");
  }
  Shape out_shape = shape ? *shape : p.shape();
  return less(uniform(array(0.0f), array(1.0f), out_shape, p.dtype(), key, s), p, s);
}

array truncated_normal(const array& lower, const array& upper, const std::optional<Shape>& shape,
                       Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[trunc_normal] trunc_normal only accepts floating point dtypes.");
  }
  array sqrt2 = astype(array(kSqrt2, float64), dtype, s);
  array lo = astype(lower, dtype, s), hi = astype(upper, dtype, s);
  array a = erf(divide(lo, sqrt2, s), s), b = erf(divide(hi, sqrt2, s), s);
  Shape out_shape = shape ? *shape : broadcast_shapes(lo.shape(), hi.shape());
  array u = uniform(a, b, out_shape, dtype, key, s);
  array out = multiply(sqrt2, erfinv(u, s), s);
  return maximum(minimum(hi, out, s), lo, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  check_uniform_dtype(dtype);
  if (dtype == float64) throw std::runtime_error("[uniform] Unsupported type.");
  return sample(SampleKind::Gumbel, shape, dtype, 0.0, 0.0, false, resolve_key(key), s);
}

array laplace(const Shape& shape, Dtype dtype, double loc, double scale, const std::optional<array>& key,
              StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument("[laplace] Only real floating point types are supported.");
  }
  double l = round_to(double(float(loc)), dtype), sc = round_to(double(float(scale)), dtype);
  return sample(SampleKind::Laplace, shape, dtype, sc, l, true, resolve_key(key), s);
}

array categorical(const array& logits, int axis, const std::optional<Shape>& shape_in,
                  std::optional<int> num_samples, const std::optional<array>& key, StreamOrDevice s) {
  int nd = logits.ndim();
  if (axis < -nd || axis >= nd) {
    throw std::out_of_range(msg("[categorical] Invalid axis ", axis, " for logits with ", nd, " dimensions."));
  }
  if (axis < 0) axis += nd;
  if (shape_in && num_samples) {
    throw std::invalid_argument("[categorical] At most one of shape or num_samples can be specified.");
  }
  Shape reduced = logits.shape();
  reduced.erase(reduced.begin() + axis);
  array l = logits;
  Shape shape = reduced;
  if (num_samples) {
    shape.push_back(*num_samples);
    l = expand_dims(logits, {-1}, s);
  } else if (shape_in) {
    shape = *shape_in;
    if (broadcast_shapes(shape, reduced) != shape) {
      throw std::invalid_argument(msg("[categorical] Requested shape ", shape_str(shape),
                                      " is not broadcast compatible with reduced logits shape",
                                      shape_str(reduced), "."));
    }
  }
  size_t batch = 1;
  for (auto d : reduced) batch *= size_t(d);
  if (batch == 1 && !shape.empty()) {
    // One distribution and an array of samples: MLX inverts the CDF with one
    // uniform per sample instead of the Gumbel-max trick.
    array probs = reshape(softmax(astype(logits, float32, s), {axis}, false, s), {logits.shape(axis)}, s);
    array u = uniform(array(0.0f), array(1.0f), shape, float32, key, s);
    return array(shape, uint32, std::make_shared<CategoricalSearch>(to_stream(s)),
                 {contiguous(probs, false, s), contiguous(u, false, s)});
  }
  // Gumbel-max: argmax over the category axis of logits + Gumbel noise.
  int offset = axis + int(shape.size()) - l.ndim() + 1;
  Shape noise_shape = shape;
  noise_shape.insert(noise_shape.begin() + offset, logits.shape(axis));
  array g = gumbel(noise_shape, float32, key, s);
  return argmax(add(g, l, s), offset, false, s);
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  if (dtype != float32) throw std::invalid_argument("[multivariate_normal] dtype must be float32.");
  if (mean.ndim() < 1) {
    throw std::invalid_argument("[multivariate_normal] mean must have at least one dimension.");
  }
  if (cov.ndim() < 2) {
    throw std::invalid_argument("[multivariate_normal] cov must have at least two dimensions.");
  }
  if (cov.shape(-1) != cov.shape(-2)) {
    throw std::invalid_argument("[multivariate_normal] last two dimensions of cov must be equal.");
  }
  int n = mean.shape(-1);
  if (n != cov.shape(-1)) {
    throw std::invalid_argument("[multivariate_normal] mean and cov must have compatible shapes.");
  }
  Shape mean_batch(mean.shape().begin(), mean.shape().end() - 1);
  Shape cov_batch(cov.shape().begin(), cov.shape().end() - 2);
  Shape out_shape = broadcast_shapes(broadcast_shapes(mean_batch, cov_batch), shape);
  out_shape.push_back(n);
  // Samples z N(0, I) scaled by the square root of cov from its SVD: mean + z U sqrt(S) V^T.
  array root = array(cov.shape(), float32, std::make_shared<CovarianceSqrt>(to_stream(s)),
                     {contiguous(astype(cov, float32, s), false, s)});
  array z = normal(out_shape, float32, std::nullopt, std::nullopt, key, s);
  array scaled = squeeze(matmul(expand_dims(z, {-2}, s), root, s), {-2}, s);
  return add(mean, scaled, s);
}

array permutation(int n, const std::optional<array>& key, StreamOrDevice s) {
  // MLX's permutation: the stable argsort of random bits.
  return argsort(bits({n}, 4, key, s), 0, s);
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  int nd = x.ndim();
  if (axis < -nd || axis >= nd) {
    throw std::out_of_range(msg("[permutation] Invalid axis ", axis, " for array with ", nd, " dimensions."));
  }
  if (axis < 0) axis += nd;
  return take(x, permutation(x.shape(axis), key, s), axis, s);
}

}  // namespace mlx_core::random
