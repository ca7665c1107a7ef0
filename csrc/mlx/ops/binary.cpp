#include "mlx/ops/binary.h"

#include <cmath>
#include <limits>

#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/reduce.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/ops/unary.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/ternary.h"

namespace mlx_core {

namespace {

// Promote to `dtype`, broadcast both to one shape, make the node(s).
// This runs for every `x + y`: no copies of shapes or input lists it can move.
std::vector<array> binary_inputs(const array& a, const array& b, Dtype dtype, const Shape& shape,
                                 const StreamOrDevice& s) {
  std::vector<array> inputs;
  inputs.reserve(2);
  inputs.push_back(broadcast_to(astype(a, dtype, s), shape, s));
  inputs.push_back(broadcast_to(astype(b, dtype, s), shape, s));
  return inputs;
}

array make_binary_one(BinaryOp op, const array& a, const array& b, Dtype dtype, StreamOrDevice s) {
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape());
  std::vector<array> inputs = binary_inputs(a, b, dtype, shape, s);
  Dtype out = is_comparison(op) ? bool_ : dtype;
  return array(std::move(shape), out, std::make_shared<Binary>(to_stream(s), op), std::move(inputs));
}

std::vector<array> make_binary(BinaryOp op, const array& a, const array& b, Dtype dtype,
                               StreamOrDevice s) {
  if (op != BinaryOp::DivMod) return {make_binary_one(op, a, b, dtype, s)};
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  std::vector<array> inputs = binary_inputs(a, b, dtype, shape, s);
  Dtype out = is_comparison(op) ? bool_ : dtype;
  auto p = std::make_shared<Binary>(to_stream(s), op);
  return array::make_arrays({shape, shape}, {out, out}, p, std::move(inputs));
}

array binary(BinaryOp op, const array& a, const array& b, StreamOrDevice s) {
  return make_binary_one(op, a, b, promote_types(a.dtype(), b.dtype()), s);
}

// Ops defined on real numbers: integer inputs compute in float32.
array binary_inexact(BinaryOp op, const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(d)) d = float32;
  return make_binary_one(op, a, b, d, s);
}

array bitwise(const char* name, BinaryOp op, const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (!is_integral(d)) {
    throw std::runtime_error(msg("[", name, "] Only allowed on integer or boolean types but got types ",
                                 dtype_name(a.dtype()), " and ", dtype_name(b.dtype()), "."));
  }
  return make_binary_one(op, a, b, d, s);
}

void reject_complex(const char* name, const array& a, const array& b, const char* text) {
  if (is_complex(a.dtype()) || is_complex(b.dtype())) {
    throw std::invalid_argument(msg("[", name, "] ", text));
  }
}

}  // namespace

array add(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Add, a, b, s); }
array subtract(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Subtract, a, b, s); }
array multiply(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Multiply, a, b, s); }
array divide(const array& a, const array& b, StreamOrDevice s) { return binary_inexact(BinaryOp::Divide, a, b, s); }
array floor_divide(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::FloorDivide, a, b, s); }
array power(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Power, a, b, s); }
array maximum(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Maximum, a, b, s); }
array minimum(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Minimum, a, b, s); }
array logaddexp(const array& a, const array& b, StreamOrDevice s) { return binary_inexact(BinaryOp::LogAddExp, a, b, s); }

array remainder(const array& a, const array& b, StreamOrDevice s) {
  reject_complex("remainder", a, b, "Complex type not supported.");
  return binary(BinaryOp::Remainder, a, b, s);
}

std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  reject_complex("divmod", a, b, "Complex type not supported.");
  return make_binary(BinaryOp::DivMod, a, b, promote_types(a.dtype(), b.dtype()), s);
}

array arctan2(const array& a, const array& b, StreamOrDevice s) {
  reject_complex("arctan2", a, b, "Not supported for complex64.");
  return binary_inexact(BinaryOp::ArcTan2, a, b, s);
}

array equal(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Equal, a, b, s); }
array not_equal(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::NotEqual, a, b, s); }
array less(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Less, a, b, s); }
array less_equal(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::LessEqual, a, b, s); }
array greater(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::Greater, a, b, s); }
array greater_equal(const array& a, const array& b, StreamOrDevice s) { return binary(BinaryOp::GreaterEqual, a, b, s); }
array logical_and(const array& a, const array& b, StreamOrDevice s) { return make_binary_one(BinaryOp::LogicalAnd, a, b, bool_, s); }
array logical_or(const array& a, const array& b, StreamOrDevice s) { return make_binary_one(BinaryOp::LogicalOr, a, b, bool_, s); }

array bitwise_and(const array& a, const array& b, StreamOrDevice s) { return bitwise("bitwise_and", BinaryOp::BitwiseAnd, a, b, s); }
array bitwise_or(const array& a, const array& b, StreamOrDevice s) { return bitwise("bitwise_or", BinaryOp::BitwiseOr, a, b, s); }
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) { return bitwise("bitwise_xor", BinaryOp::BitwiseXor, a, b, s); }

// Shifts of bools shift as uint8 (MLX: bool << bool gives uint8).
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (d == bool_) return bitwise("left_shift", BinaryOp::LeftShift, astype(a, uint8, s), astype(b, uint8, s), s);
  return bitwise("left_shift", BinaryOp::LeftShift, a, b, s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (d == bool_) return bitwise("right_shift", BinaryOp::RightShift, astype(a, uint8, s), astype(b, uint8, s), s);
  return bitwise("right_shift", BinaryOp::RightShift, a, b, s);
}

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), x.shape()), y.shape());
  Dtype d = promote_types(x.dtype(), y.dtype());
  std::vector<array> inputs = {broadcast_to(astype(condition, bool_, s), shape, s),
                               broadcast_to(astype(x, d, s), shape, s),
                               broadcast_to(astype(y, d, s), shape, s)};
  return array(shape, d, std::make_shared<Select>(to_stream(s)), inputs);
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s) {
  if (!a_min && !a_max) throw std::invalid_argument("At most one of a_min and a_max may be None");
  array out = a;
  if (a_min) out = maximum(out, *a_min, s);
  if (a_max) out = minimum(out, *a_max, s);
  return out;
}

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
              StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with infinities equal only to themselves.
  array lhs = abs(subtract(a, b, s), s);
  array rhs = add(array(float(atol)), multiply(array(float(rtol)), abs(b, s), s), s);
  array out = less_equal(lhs, rhs, s);
  array both_inf = logical_and(equal(a, b, s), logical_or(isinf(a, s), isinf(b, s), s), s);
  out = logical_or(logical_and(out, logical_and(isfinite(a, s), isfinite(b, s), s), s), both_inf, s);
  if (equal_nan) out = logical_or(out, logical_and(isnan(a, s), isnan(b, s), s), s);
  return out;
}

array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
               StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), false, s);
}

array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (equal_nan && is_inexact(d)) {
    return all(make_binary_one(BinaryOp::NaNEqual, a, b, d, s), false, s);
  }
  return all(equal(a, b, s), false, s);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf,
                 std::optional<float> neginf, StreamOrDevice s) {
  Dtype d = a.dtype();
  if (!is_inexact(d)) return a;
  if (is_complex(d) || d == float64) {  // MLX 0.32.4 refuses float64 too
    throw std::invalid_argument(msg("[nan_to_num] Does not yet support given type: ", dtype_name(d), "."));
  }
  double big = d == float16 ? 65504.0 : d == bfloat16 ? 3.3895313892515355e38
             : d == float64 ? std::numeric_limits<double>::max() : std::numeric_limits<float>::max();
  array pos = posinf ? astype(array(*posinf), d, s) : astype(array(big), d, s);
  array neg = neginf ? astype(array(*neginf), d, s) : astype(array(-big), d, s);
  array out = where(isnan(a, s), astype(array(nan), d, s), a, s);
  out = where(isposinf(a, s), pos, out, s);
  return where(isneginf(a, s), neg, out, s);
}

}  // namespace mlx_core
