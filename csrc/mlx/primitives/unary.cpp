#include "mlx/primitives/unary.h"

namespace mlx_core {

bool Unary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Unary*>(&other);
  return o && o->op_ == op_;
}

const char* Unary::name() const {
  switch (op_) {
    case UnaryOp::Abs: return "Abs";
    case UnaryOp::ArcCos: return "ArcCos";
    case UnaryOp::ArcCosh: return "ArcCosh";
    case UnaryOp::ArcSin: return "ArcSin";
    case UnaryOp::ArcSinh: return "ArcSinh";
    case UnaryOp::ArcTan: return "ArcTan";
    case UnaryOp::ArcTanh: return "ArcTanh";
    case UnaryOp::BitwiseInvert: return "BitwiseInvert";
    case UnaryOp::Ceil: return "Ceil";
    case UnaryOp::Conjugate: return "Conjugate";
    case UnaryOp::Cos: return "Cos";
    case UnaryOp::Cosh: return "Cosh";
    case UnaryOp::Erf: return "Erf";
    case UnaryOp::ErfInv: return "ErfInv";
    case UnaryOp::Exp: return "Exp";
    case UnaryOp::Expm1: return "Expm1";
    case UnaryOp::Floor: return "Floor";
    case UnaryOp::Imag: return "Imag";
    case UnaryOp::Log: return "Log";
    case UnaryOp::Log2: return "Log2";
    case UnaryOp::Log10: return "Log10";
    case UnaryOp::Log1p: return "Log1p";
    case UnaryOp::LogicalNot: return "LogicalNot";
    case UnaryOp::Negative: return "Negative";
    case UnaryOp::Real: return "Real";
    case UnaryOp::Round: return "Round";
    case UnaryOp::Rsqrt: return "Rsqrt";
    case UnaryOp::Sigmoid: return "Sigmoid";
    case UnaryOp::Sign: return "Sign";
    case UnaryOp::Sin: return "Sin";
    case UnaryOp::Sinh: return "Sinh";
    case UnaryOp::Sqrt: return "Sqrt";
    case UnaryOp::Square: return "Square";
    case UnaryOp::Tan: return "Tan";
    case UnaryOp::Tanh: return "Tanh";
  }
  return "Unary";
}

}  // namespace mlx_core

// ---- autodiff ----------------------------------------------------------------

#include <cmath>

#include "mlx/ops.h"

namespace mlx_core {

namespace {

array scalar_as(double v, const array& like) { return astype(array(v), like.dtype()); }

}  // namespace

// f'(x) for the elementwise ops whose derivative is a plain factor (real
// inputs); both rules multiply the incoming cotangent or tangent by it.
// Sign-like ops (Floor, Sign, ...) have zero derivative almost everywhere.
array Unary::derivative(const array& x, const array& out) {
  Stream s = stream();
  auto one = [&] { return scalar_as(1.0, x); };
  switch (op_) {
    case UnaryOp::Abs: return sign(x, s);
    case UnaryOp::ArcCos: return negative(rsqrt(subtract(one(), square(x, s), s), s), s);
    case UnaryOp::ArcCosh: return rsqrt(subtract(square(x, s), one(), s), s);
    case UnaryOp::ArcSin: return rsqrt(subtract(one(), square(x, s), s), s);
    case UnaryOp::ArcSinh: return rsqrt(add(square(x, s), one(), s), s);
    case UnaryOp::ArcTan: return divide(one(), add(one(), square(x, s), s), s);
    case UnaryOp::ArcTanh: return divide(one(), subtract(one(), square(x, s), s), s);
    case UnaryOp::Cos: return negative(sin(x, s), s);
    case UnaryOp::Cosh: return sinh(x, s);
    case UnaryOp::Erf:
      return multiply(scalar_as(2.0 / std::sqrt(M_PI), x), exp(negative(square(x, s), s), s), s);
    case UnaryOp::ErfInv:
      return multiply(scalar_as(std::sqrt(M_PI) / 2.0, x), exp(square(out, s), s), s);
    case UnaryOp::Exp: return out;
    case UnaryOp::Expm1: return add(out, one(), s);
    case UnaryOp::Log: return divide(one(), x, s);
    case UnaryOp::Log2: return divide(one(), multiply(x, scalar_as(M_LN2, x), s), s);
    case UnaryOp::Log10: return divide(one(), multiply(x, scalar_as(M_LN10, x), s), s);
    case UnaryOp::Log1p: return divide(one(), add(x, one(), s), s);
    case UnaryOp::Negative: return negative(one(), s);
    case UnaryOp::Rsqrt: return divide(multiply(scalar_as(-0.5, x), out, s), x, s);
    case UnaryOp::Sigmoid: return multiply(out, subtract(one(), out, s), s);
    case UnaryOp::Sin: return cos(x, s);
    case UnaryOp::Sinh: return cosh(x, s);
    case UnaryOp::Sqrt: return divide(scalar_as(0.5, x), out, s);
    case UnaryOp::Square: return multiply(scalar_as(2.0, x), x, s);
    case UnaryOp::Tan: return add(one(), square(out, s), s);
    case UnaryOp::Tanh: return subtract(one(), square(out, s), s);
    default: return zeros_like(x, s);
  }
}

// Linear ops (complex parts, conjugate) map the tangent or cotangent directly.
std::vector<array> Unary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>& outputs) {
  if (op_ == UnaryOp::BitwiseInvert) {
    throw std::invalid_argument("[Primitive::vjp] Not implemented for BitwiseInvert.");
  }
  Stream s = stream();
  const array& x = primals[0];
  const array& c = cotangents[0];
  switch (op_) {
    case UnaryOp::Negative: return {negative(c, s)};
    case UnaryOp::Conjugate: return {conjugate(c, s)};
    case UnaryOp::Real: return {astype(c, x.dtype(), s)};
    case UnaryOp::Imag:
      return {multiply(astype(array(complex64_t(0.0f, 1.0f)), x.dtype(), s), astype(c, x.dtype(), s), s)};
    default: break;
  }
  array d = derivative(x, outputs[0]);
  if (x.dtype() == complex64) d = conjugate(d, s);
  return {multiply(c, d, s)};
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  if (op_ == UnaryOp::BitwiseInvert) {  // MLX gives it no rule at all (unlike LogicalNot)
    throw std::invalid_argument("[Primitive::jvp] Not implemented for BitwiseInvert.");
  }
  Stream s = stream();
  const array& t = tangents[0];
  switch (op_) {
    case UnaryOp::Negative: return {negative(t, s)};
    case UnaryOp::Conjugate: return {conjugate(t, s)};
    case UnaryOp::Real: return {real(t, s)};
    case UnaryOp::Imag: return {imag(t, s)};
    default: break;
  }
  // Some derivatives are cheapest from the output: rebuild it (one more node).
  const array& x = primals[0];
  array out(x.shape(), x.dtype(), std::make_shared<Unary>(s, op_), {x});
  return {multiply(t, derivative(x, out), s)};
}

}  // namespace mlx_core

// ---- vmap ----------------------------------------------------------------------
// Each rule moves the batch axis of batched inputs to the front (broadcasting
// unbatched ones where the primitive needs equal shapes) and rebuilds the node
// with its axes shifted by one; every output is batched along axis 0.

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using VmapResult = std::pair<std::vector<array>, std::vector<int>>;

VmapResult Unary::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  Dtype d = x.dtype();
  if (op_ == UnaryOp::LogicalNot) {
    d = bool_;
  } else if ((op_ == UnaryOp::Real || op_ == UnaryOp::Imag || op_ == UnaryOp::Abs) &&
             is_complex(d)) {
    d = float32;
  }
  return {{array(x.shape(), d, std::make_shared<Unary>(stream(), op_), {x})}, {0}};
}

}  // namespace mlx_core
