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
