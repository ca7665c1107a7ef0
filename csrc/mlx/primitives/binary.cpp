#include "mlx/primitives/binary.h"

namespace mlx_core {

bool is_comparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::Equal: case BinaryOp::NaNEqual: case BinaryOp::NotEqual:
    case BinaryOp::Less: case BinaryOp::LessEqual: case BinaryOp::Greater:
    case BinaryOp::GreaterEqual: case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr:
      return true;
    default:
      return false;
  }
}

std::vector<Shape> Binary::output_shapes(const std::vector<array>& inputs) {
  if (op_ == BinaryOp::DivMod) return {inputs[0].shape(), inputs[0].shape()};
  return {inputs[0].shape()};
}

bool Binary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Binary*>(&other);
  return o && o->op_ == op_;
}

const char* Binary::name() const {
  switch (op_) {
    case BinaryOp::Add: return "Add";
    case BinaryOp::Subtract: return "Subtract";
    case BinaryOp::Multiply: return "Multiply";
    case BinaryOp::Divide: return "Divide";
    case BinaryOp::Power: return "Power";
    case BinaryOp::Maximum: return "Maximum";
    case BinaryOp::Minimum: return "Minimum";
    case BinaryOp::Remainder: return "Remainder";
    case BinaryOp::FloorDivide: return "FloorDivide";
    case BinaryOp::Equal: return "Equal";
    case BinaryOp::NaNEqual: return "NaNEqual";
    case BinaryOp::NotEqual: return "NotEqual";
    case BinaryOp::Less: return "Less";
    case BinaryOp::LessEqual: return "LessEqual";
    case BinaryOp::Greater: return "Greater";
    case BinaryOp::GreaterEqual: return "GreaterEqual";
    case BinaryOp::LogicalAnd: return "LogicalAnd";
    case BinaryOp::LogicalOr: return "LogicalOr";
    case BinaryOp::BitwiseAnd: return "BitwiseAnd";
    case BinaryOp::BitwiseOr: return "BitwiseOr";
    case BinaryOp::BitwiseXor: return "BitwiseXor";
    case BinaryOp::LeftShift: return "LeftShift";
    case BinaryOp::RightShift: return "RightShift";
    case BinaryOp::ArcTan2: return "ArcTan2";
    case BinaryOp::LogAddExp: return "LogAddExp";
    case BinaryOp::DivMod: return "DivMod";
  }
  return "Binary";
}

}  // namespace mlx_core

// ---- autodiff ----------------------------------------------------------------

#include <optional>

#include "mlx/ops.h"

namespace mlx_core {

namespace {

// Complex cotangents pull back through the conjugate of the local derivative.
array conj_if_complex(const array& a, Stream s) {
  return a.dtype() == complex64 ? conjugate(a, s) : a;
}

}  // namespace

// d out / d input[arg] as a factor, for the ops where the rule is a product
// (both vjp and jvp use it). Non-differentiable ops return zeros.
array Binary::partial(const std::vector<array>& primals, int arg, const array& out) {
  Stream s = stream();
  const array& a = primals[0];
  const array& b = primals[1];
  auto one = [&] { return astype(array(1.0), a.dtype(), s); };
  switch (op_) {
    case BinaryOp::Add: return ones_like(a, s);
    case BinaryOp::Subtract: return arg == 0 ? ones_like(a, s) : negative(ones_like(a, s), s);
    case BinaryOp::Multiply: return arg == 0 ? b : a;
    case BinaryOp::Divide:
      return arg == 0 ? divide(one(), b, s) : negative(divide(out, b, s), s);
    case BinaryOp::Power:
      if (arg == 0) return multiply(b, power(a, subtract(b, one(), s), s), s);
      // 0 ** y has derivative 0 in y (as MLX), not 0 * log(0) = nan.
      return where(equal(a, zeros_like(a, s), s), zeros_like(a, s), multiply(out, log(a, s), s), s);
    // Ties send the gradient to the second argument, as MLX does.
    case BinaryOp::Maximum:
      return astype(arg == 0 ? greater(a, b, s) : less_equal(a, b, s), a.dtype(), s);
    case BinaryOp::Minimum:
      return astype(arg == 0 ? less(a, b, s) : greater_equal(a, b, s), a.dtype(), s);
    case BinaryOp::Remainder:
      // a - b * floor(a / b): the floor is piecewise constant.
      if (!is_inexact(a.dtype())) return zeros_like(a, s);
      return arg == 0 ? ones_like(a, s) : negative(floor(divide(a, b, s), s), s);
    case BinaryOp::ArcTan2: {
      array r2 = add(square(a, s), square(b, s), s);
      return arg == 0 ? divide(b, r2, s) : negative(divide(a, r2, s), s);
    }
    case BinaryOp::LogAddExp:
      return arg == 0 ? sigmoid(subtract(a, b, s), s) : sigmoid(subtract(b, a, s), s);
    default: return zeros_like(primals[arg], s);
  }
}

std::vector<array> Binary::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  Stream s = stream();
  std::vector<array> grads;
  for (int arg : argnums) {
    const array& c = cotangents[0];
    switch (op_) {
      case BinaryOp::Add: grads.push_back(c); continue;
      case BinaryOp::Subtract: grads.push_back(arg == 0 ? c : negative(c, s)); continue;
      case BinaryOp::DivMod: grads.push_back(zeros_like(primals[arg], s)); continue;
      default: break;
    }
    array d = partial(primals, arg, outputs[0]);
    if (is_comparison(op_)) {
      grads.push_back(zeros_like(primals[arg], s));
    } else {
      grads.push_back(multiply(c, conj_if_complex(d, s), s));
    }
  }
  return grads;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  if (op_ == BinaryOp::DivMod) {
    return {zeros_like(primals[0], s), zeros_like(primals[0], s)};
  }
  // MLX's zero tangent of a comparison has the inputs' dtype, not bool.
  if (is_comparison(op_)) return {zeros(primals[0].shape(), primals[0].dtype(), s)};
  array out(primals[0].shape(), primals[0].dtype(), std::make_shared<Binary>(s, op_), primals);
  std::optional<array> total;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = multiply(tangents[i], partial(primals, argnums[i], out), s);
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
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

VmapResult Binary::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto ins = vmap_align(inputs, axes);
  Dtype d = is_comparison(op_) ? bool_ : ins[0].dtype();
  auto p = std::make_shared<Binary>(stream(), op_);
  if (op_ == BinaryOp::DivMod) {
    return {array::make_arrays({ins[0].shape(), ins[0].shape()}, {d, d}, p, ins), {0, 0}};
  }
  return {{array(ins[0].shape(), d, p, ins)}, {0}};
}

}  // namespace mlx_core
