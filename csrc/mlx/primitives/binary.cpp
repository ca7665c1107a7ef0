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
