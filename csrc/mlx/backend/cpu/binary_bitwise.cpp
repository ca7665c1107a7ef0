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
// The shift count is taken modulo the bit width, which is what MLX's CPU
// backend gives on x86 (7 << -2 == 7 << 30), written without undefined behaviour.
struct LeftShift { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return y ? false : x;
  else {
    using U = std::make_unsigned_t<T>;
    constexpr unsigned mask = sizeof(T) < 4 ? 31 : sizeof(T) * 8 - 1;
    unsigned n = unsigned(uint64_t(y) & mask);
    // Narrow types shift in int, like C's promotions: counts of 8..31 clear them.
    return n >= sizeof(T) * 8 ? T(0) : T(U(x) << n);
  } } };
struct RightShift { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return y ? false : x;
  else {
    constexpr unsigned mask = sizeof(T) < 4 ? 31 : sizeof(T) * 8 - 1;
    unsigned n = unsigned(uint64_t(y) & mask);
    if (n >= sizeof(T) * 8) return T(x < T(0) ? -1 : 0);
    return T(x >> n);
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
