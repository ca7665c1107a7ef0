#include "mlx/ops/unary.h"

#include <cmath>
#include <limits>

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/creation.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/unary.h"

namespace mlx_core {

namespace {

array make_unary(UnaryOp op, const array& a, Dtype out_dtype, StreamOrDevice s) {
  return array(a.shape(), out_dtype, std::make_shared<Unary>(to_stream(s), op), {a});
}

void reject_complex(const char* name, const array& a) {
  if (is_complex(a.dtype())) {
    throw std::invalid_argument(msg("[", name, "] Not supported for complex64."));
  }
}

// Ops on real numbers: integers and bools compute in float32, as in MLX.
array unary_inexact(const char* name, UnaryOp op, const array& a, StreamOrDevice s,
                    bool complex_ok = true) {
  if (!complex_ok) reject_complex(name, a);
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  return make_unary(op, astype(a, d, s), d, s);
}

}  // namespace

array abs(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_ || is_unsigned(a.dtype())) return a;
  return make_unary(UnaryOp::Abs, a, is_complex(a.dtype()) ? float32 : a.dtype(), s);
}

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument("[negative] Not supported for bool, use logical_not instead.");
  }
  return make_unary(UnaryOp::Negative, a, a.dtype(), s);
}

array sign(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) return a;
  return make_unary(UnaryOp::Sign, a, a.dtype(), s);
}

array square(const array& a, StreamOrDevice s) { return make_unary(UnaryOp::Square, a, a.dtype(), s); }

array floor(const array& a, StreamOrDevice s) {
  reject_complex("floor", a);
  if (!is_floating_point(a.dtype())) return a;
  return make_unary(UnaryOp::Floor, a, a.dtype(), s);
}

array ceil(const array& a, StreamOrDevice s) {
  reject_complex("ceil", a);
  if (!is_floating_point(a.dtype())) return a;
  return make_unary(UnaryOp::Ceil, a, a.dtype(), s);
}

array round(const array& a, int decimals, StreamOrDevice s) {
  if (is_integral(a.dtype()) && decimals >= 0) return a;
  if (decimals == 0) return make_unary(UnaryOp::Round, a, a.dtype(), s);
  // MLX: round(a * 10^d) * 10^-d in a's own float type (integers via float32,
  // then back), so 16-bit floats can overflow exactly as in MLX.
  Dtype work = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, work, s);
  array scale = astype(array(std::pow(10.0, decimals)), work, s);
  array inv = astype(array(std::pow(10.0, -decimals)), work, s);
  array r = multiply(make_unary(UnaryOp::Round, multiply(x, scale, s), work, s), inv, s);
  return astype(r, a.dtype(), s);
}

array trunc(const array& a, StreamOrDevice s) {
  reject_complex("trunc", a);
  if (!is_floating_point(a.dtype())) return a;
  // Toward zero: floor above zero, ceil below (keeps -0.0 and NaN).
  return where(less(a, zeros_like(a, s), s), ceil(a, s), floor(a, s), s);
}

array conjugate(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return make_unary(UnaryOp::Conjugate, a, a.dtype(), s);
}

array real(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return make_unary(UnaryOp::Real, a, float32, s);
}

array imag(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return zeros_like(a, s);
  return make_unary(UnaryOp::Imag, a, float32, s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return make_unary(UnaryOp::LogicalNot, a, bool_, s);
}

array bitwise_invert(const array& a, StreamOrDevice s) {
  if (!is_integral(a.dtype())) {
    throw std::invalid_argument("[bitwise_invert] Bitwise inverse only allowed on integer types.");
  }
  if (a.dtype() == bool_) return logical_not(a, s);
  return make_unary(UnaryOp::BitwiseInvert, a, a.dtype(), s);
}

array exp(const array& a, StreamOrDevice s) { return unary_inexact("exp", UnaryOp::Exp, a, s); }
array expm1(const array& a, StreamOrDevice s) { return unary_inexact("expm1", UnaryOp::Expm1, a, s, false); }
array log(const array& a, StreamOrDevice s) { return unary_inexact("log", UnaryOp::Log, a, s); }
array log2(const array& a, StreamOrDevice s) { return unary_inexact("log2", UnaryOp::Log2, a, s); }
array log10(const array& a, StreamOrDevice s) { return unary_inexact("log10", UnaryOp::Log10, a, s); }
array log1p(const array& a, StreamOrDevice s) { return unary_inexact("log1p", UnaryOp::Log1p, a, s); }
array sin(const array& a, StreamOrDevice s) { return unary_inexact("sin", UnaryOp::Sin, a, s); }
array cos(const array& a, StreamOrDevice s) { return unary_inexact("cos", UnaryOp::Cos, a, s); }
array tan(const array& a, StreamOrDevice s) { return unary_inexact("tan", UnaryOp::Tan, a, s); }
array sinh(const array& a, StreamOrDevice s) { return unary_inexact("sinh", UnaryOp::Sinh, a, s); }
array cosh(const array& a, StreamOrDevice s) { return unary_inexact("cosh", UnaryOp::Cosh, a, s); }
array tanh(const array& a, StreamOrDevice s) { return unary_inexact("tanh", UnaryOp::Tanh, a, s); }
array arcsin(const array& a, StreamOrDevice s) { return unary_inexact("arcsin", UnaryOp::ArcSin, a, s); }
array arccos(const array& a, StreamOrDevice s) { return unary_inexact("arccos", UnaryOp::ArcCos, a, s); }
array arctan(const array& a, StreamOrDevice s) { return unary_inexact("arctan", UnaryOp::ArcTan, a, s); }
array arcsinh(const array& a, StreamOrDevice s) { return unary_inexact("arcsinh", UnaryOp::ArcSinh, a, s); }
array arccosh(const array& a, StreamOrDevice s) { return unary_inexact("arccosh", UnaryOp::ArcCosh, a, s); }
array arctanh(const array& a, StreamOrDevice s) { return unary_inexact("arctanh", UnaryOp::ArcTanh, a, s); }
array sqrt(const array& a, StreamOrDevice s) { return unary_inexact("sqrt", UnaryOp::Sqrt, a, s); }
array rsqrt(const array& a, StreamOrDevice s) { return unary_inexact("rsqrt", UnaryOp::Rsqrt, a, s); }
array erf(const array& a, StreamOrDevice s) { return unary_inexact("erf", UnaryOp::Erf, a, s, false); }
array erfinv(const array& a, StreamOrDevice s) { return unary_inexact("erfinv", UnaryOp::ErfInv, a, s, false); }
array sigmoid(const array& a, StreamOrDevice s) { return unary_inexact("sigmoid", UnaryOp::Sigmoid, a, s, false); }

array reciprocal(const array& a, StreamOrDevice s) {
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  return divide(astype(array(1.0f), d, s), astype(a, d, s), s);
}

array degrees(const array& a, StreamOrDevice s) {
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  return multiply(astype(a, d, s), astype(array(180.0 / M_PI), d, s), s);
}

array radians(const array& a, StreamOrDevice s) {
  Dtype d = is_inexact(a.dtype()) ? a.dtype() : float32;
  return multiply(astype(a, d, s), astype(array(M_PI / 180.0), d, s), s);
}

array isnan(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return zeros(a.shape(), bool_, s);
  return not_equal(a, a, s);
}

array isinf(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return zeros(a.shape(), bool_, s);
  return logical_or(isposinf(a, s), isneginf(a, s), s);
}

array isfinite(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return ones(a.shape(), bool_, s);
  return logical_not(logical_or(isinf(a, s), isnan(a, s), s), s);
}

array isposinf(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return zeros(a.shape(), bool_, s);
  return equal(a, astype(array(std::numeric_limits<float>::infinity()), a.dtype(), s), s);
}

array isneginf(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return zeros(a.shape(), bool_, s);
  return equal(a, astype(array(-std::numeric_limits<float>::infinity()), a.dtype(), s), s);
}

}  // namespace mlx_core
