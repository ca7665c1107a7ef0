// Bitwise and shift ops: integer and bool dtypes only (the builder checks).
#include "mlx/backend/cpu/binary_kernel.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/primitives/binary.h"

namespace mlx_core {

namespace cpu {
namespace {
struct And { template <typename T> T operator()(T x, T y) const { return T(x & y); } };
struct Or { template <typename T> T operator()(T x, T y) const { return T(x | y); } };
struct Xor { template <typename T> T operator()(T x, T y) const { return T(x ^ y); } };
// Shifting by the width or more gives 0 (or -1 for negative >>), never UB.
struct LeftShift { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return y ? false : x;
  else {
    if (y < 0 || uint64_t(y) >= sizeof(T) * 8) return T(0);
    using U = std::make_unsigned_t<T>;
    return T(U(x) << y);
  } } };
struct RightShift { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return y ? false : x;
  else {
    if (y < 0 || uint64_t(y) >= sizeof(T) * 8) return T(x < 0 ? -1 : 0);
    return T(x >> y);
  } } };

template <typename Op>
void run(const char* name, const array& a, const array& b, array& out) {
  dispatch_integer(a.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    binary_apply<T, T>(a, b, out, Op{});
  });
}
}  // namespace
}  // namespace cpu

void eval_bitwise_cpu(BinaryOp op, const array& a, const array& b, array& out) {
  switch (op) {
    case BinaryOp::BitwiseAnd: return cpu::run<cpu::And>("BitwiseAnd", a, b, out);
    case BinaryOp::BitwiseOr: return cpu::run<cpu::Or>("BitwiseOr", a, b, out);
    case BinaryOp::BitwiseXor: return cpu::run<cpu::Xor>("BitwiseXor", a, b, out);
    case BinaryOp::LeftShift: return cpu::run<cpu::LeftShift>("LeftShift", a, b, out);
    case BinaryOp::RightShift: return cpu::run<cpu::RightShift>("RightShift", a, b, out);
    default: throw std::invalid_argument("[Binary] Unknown op.");
  }
}

}  // namespace mlx_core
