// Binary::eval_cpu for arithmetic and comparisons; bitwise ops live in
// binary_bitwise.cpp.
#include <cmath>
#include <type_traits>

#include "mlx/backend/cpu/binary_kernel.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/simd_math.h"
#include "mlx/primitives/binary.h"

namespace mlx_core {

void eval_bitwise_cpu(BinaryOp op, const array& a, const array& b, array& out);

namespace cpu {
namespace {

template <typename T> constexpr bool is_cplx = std::is_same_v<T, complex64_t>;
template <typename T> constexpr bool is_int = std::is_integral_v<T>;

struct Add { template <typename T> T operator()(T x, T y) const { return x + y; } };
struct Subtract { template <typename T> T operator()(T x, T y) const { return x - y; } };
struct Multiply { template <typename T> T operator()(T x, T y) const { return x * y; } };
struct Divide { template <typename T> T operator()(T x, T y) const {
  if constexpr (is_int<T>) return y == T(0) ? T(0) : T(x / y);  // only bool reaches here
  else return x / y; } };
// NaN propagates through maximum/minimum, as in MLX.
struct Maximum { template <typename T> T operator()(T x, T y) const {
  if constexpr (is_cplx<T>) return (x != x) ? x : (y != y) ? y : (x.real() > y.real() || (x.real() == y.real() && x.imag() > y.imag())) ? x : y;
  else if constexpr (std::is_floating_point_v<T>) return (x != x) ? x : (x > y ? x : y);
  else return x > y ? x : y; } };
struct Minimum { template <typename T> T operator()(T x, T y) const {
  if constexpr (is_cplx<T>) return (x != x) ? x : (y != y) ? y : (x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag())) ? x : y;
  else if constexpr (std::is_floating_point_v<T>) return (x != x) ? x : (x < y ? x : y);
  else return x < y ? x : y; } };
// Python's sign rules: the remainder takes the divisor's sign; x % 0 == x for ints.
// Integers of up to 32 bits divide in double precision: the quotient is exact
// enough that its floor is the integer floor (the rounding error, at most
// |x/y| 2^-53, stays below the 1/|y| between a fraction and an integer), and
// the loop vectorises where integer division cannot. INT_MIN // -1 wraps to
// INT_MIN as in NumPy (an integer division would trap: SIGFPE).
template <typename T>
constexpr bool divides_in_double = is_int<T> && !std::is_same_v<T, bool> && sizeof(T) <= 4;

template <typename T>
double floor_quotient(T x, T y) {  // y != 0
  return std::floor(double(x) / double(y));
}

// A double holding an integer value of T's range (or 2^31 for int32: wraps) as
// T, through conversions the compiler vectorises.
template <typename T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, uint32_t>) return uint32_t(v);
  else if constexpr (std::is_same_v<T, int32_t>) return int32_t(v == 2147483648.0 ? -2147483648.0 : v);
  else return T(int32_t(v));
}

struct Remainder { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return y ? false : x;
  else if constexpr (divides_in_double<T>) {
    T safe = y == 0 ? T(1) : y;
    // Exact in double: |q y| stays within |x| + |y| < 2^33.
    T r = from_double<T>(double(x) - floor_quotient(x, safe) * double(safe));
    return y == 0 ? x : r;
  } else if constexpr (is_int<T>) {
    if (y == 0) return x;
    if constexpr (std::is_signed_v<T>) { if (y == T(-1)) return T(0); }  // INT64_MIN % -1 traps
    T r = T(x % y);
    if constexpr (std::is_signed_v<T>) { if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y); }
    return r;
  } else if constexpr (is_cplx<T>) {
    return x;  // rejected by the op builder
  } else {
    T r = std::fmod(x, y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return r;
  } } };
struct FloorDivide { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return x && y;
  else if constexpr (divides_in_double<T>) {
    T q = from_double<T>(floor_quotient(x, y == 0 ? T(1) : y));
    return y == 0 ? T(0) : q;
  } else if constexpr (is_int<T>) {
    if (y == 0) return 0;
    if constexpr (std::is_signed_v<T>) {  // INT64_MIN // -1 wraps (an integer division traps)
      if (y == T(-1)) return T(uint64_t(0) - uint64_t(x));
    }
    T q = T(x / y);
    if constexpr (std::is_signed_v<T>) { if ((x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1); }
    return q;
  } else if constexpr (is_cplx<T>) {
    return x / y;  // MLX: complex floor_divide is plain division
  } else {
    return std::floor(x / y);
  } } };
struct Power { template <typename T> T operator()(T x, T y) const {
  if constexpr (std::is_same_v<T, bool>) return x || !y;
  else if constexpr (is_int<T>) {  // exponentiation by squaring; negative powers give 0
    if constexpr (std::is_signed_v<T>) { if (y < 0) return T(0); }
    T r = 1;
    while (y) { if (y & 1) r = T(r * x); x = T(x * x); y = T(y >> 1); }
    return r;
  } else {
    return std::pow(x, y);
  } } };
struct ArcTan2 { template <typename T> T operator()(T y, T x) const {
  if constexpr (is_cplx<T>) return y;  // rejected by the op builder
  else return std::atan2(y, x); } };
struct LogAddExp { template <typename T> T operator()(T x, T y) const {
  if constexpr (is_cplx<T>) {
    // The lexicographic max (real, then imaginary) first: m + log(1 + e^(other - m)).
    // The imaginary part is not wrapped back into (-pi, pi], as in MLX.
    bool x_first = x.real() > y.real() || (x.real() == y.real() && x.imag() >= y.imag());
    T m = x_first ? x : y, o = x_first ? y : x;
    return m + std::log(T(1) + std::exp(o - m));
  } else {
    // max + log1p(exp(-|x - y|)): stable for large inputs; inf - inf handled.
    if (x != x || y != y) return x + y;
    T m = x > y ? x : y;
    if (m == -std::numeric_limits<T>::infinity()) return m;
    if (m == std::numeric_limits<T>::infinity()) return m;
    T d = x > y ? y - x : x - y;
    if constexpr (std::is_same_v<T, float>) return m + std::log1p(fast::exp(d));
    else return m + std::log1p(std::exp(d));
  } } };

struct Equal { template <typename T> bool operator()(T x, T y) const { return x == y; } };
struct NaNEqual { template <typename T> bool operator()(T x, T y) const {
  if constexpr (std::is_floating_point_v<T>) return x == y || (x != x && y != y);
  else if constexpr (is_cplx<T>) return x == y || ((x != x) && (y != y));
  else return x == y; } };
struct NotEqual { template <typename T> bool operator()(T x, T y) const { return x != y; } };
// Complex numbers order lexicographically, as in MLX.
template <typename T> bool less(T x, T y) {
  if constexpr (is_cplx<T>) return x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag());
  else return x < y;
}
struct Less { template <typename T> bool operator()(T x, T y) const { return less(x, y); } };
struct Greater { template <typename T> bool operator()(T x, T y) const { return less(y, x); } };
struct LessEqual { template <typename T> bool operator()(T x, T y) const { return less(x, y) || x == y; } };
struct GreaterEqual { template <typename T> bool operator()(T x, T y) const { return less(y, x) || x == y; } };
struct LogicalAnd { template <typename T> bool operator()(T x, T y) const { return x != T(0) && y != T(0); } };
struct LogicalOr { template <typename T> bool operator()(T x, T y) const { return x != T(0) || y != T(0); } };

// floor(a / b) with the quotient first rounded to T, so 16-bit floats floor
// the same value MLX does.
template <typename T>
struct FloorDivideRounded {
  float operator()(float x, float y) const { return std::floor(float(T(x / y))); }
};

template <typename Op>
void same_type(const char* name, const array& a, const array& b, array& out) {
  dispatch_all(a.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    binary_apply<T, T>(a, b, out, Op{});
  });
}

template <typename Op>
void to_bool(const char* name, const array& a, const array& b, array& out) {
  dispatch_all(a.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    binary_apply<T, bool>(a, b, out, Op{});
  });
}

}  // namespace
}  // namespace cpu

namespace cpu {
namespace {
// x ** c for a small integer or 0.5 scalar exponent: multiplications (or a
// square root) vectorise where pow does not. Returns false if not applicable.
// In a fused block (block_mode.h) the exponent is one value when its stride is
// 0, so fused and unfused chains take the same shortcut and round alike.
bool power_by_scalar(const array& a, const array& b, array& out) {
  if (!is_floating_point(a.dtype())) return false;
  const void* exponent = nullptr;
  if (BlockArgs* blk = block_args) {
    if (blk->in_stride[1] != 0) return false;
    exponent = blk->in[1];
  } else {
    if (b.data_size() != 1) return false;
    exponent = b.data<void>();
  }
  double c = 0;
  dispatch_float(b.dtype(), "power", [&](auto tag) {
    using T = typename decltype(tag)::type;
    c = double(static_cast<compute_t<T>>(static_cast<const T*>(exponent)[0]));
  });
  if (!(c == 2 || c == 3 || c == 1 || c == 0.5)) return false;
  dispatch_float(a.dtype(), "power", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    auto op = [c](C x, C) -> C {
      return c == 2 ? x * x : c == 3 ? x * x * x : c == 1 ? x : std::sqrt(x);
    };
    if (c == 2) binary_apply<T, T>(a, b, out, [](C x, C) { return x * x; });
    else if (c == 3) binary_apply<T, T>(a, b, out, [](C x, C) { return x * x * x; });
    else binary_apply<T, T>(a, b, out, op);
  });
  return true;
}
}  // namespace
}  // namespace cpu

void Binary::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  using namespace cpu;
  const array &a = inputs[0], &b = inputs[1];
  array& out = outputs[0];
  const char* n = name();
  if (op_ == BinaryOp::Power && power_by_scalar(a, b, out)) return;
  switch (op_) {
    case BinaryOp::Add: return same_type<cpu::Add>(n, a, b, out);
    case BinaryOp::Subtract: return same_type<cpu::Subtract>(n, a, b, out);
    case BinaryOp::Multiply: return same_type<cpu::Multiply>(n, a, b, out);
    case BinaryOp::Divide: return same_type<cpu::Divide>(n, a, b, out);
    case BinaryOp::Power: return same_type<cpu::Power>(n, a, b, out);
    case BinaryOp::Maximum: return same_type<cpu::Maximum>(n, a, b, out);
    case BinaryOp::Minimum: return same_type<cpu::Minimum>(n, a, b, out);
    case BinaryOp::Remainder: return same_type<cpu::Remainder>(n, a, b, out);
    case BinaryOp::FloorDivide:
      if (a.dtype() == float16) return binary_apply<float16_t, float16_t>(a, b, out, FloorDivideRounded<float16_t>{});
      if (a.dtype() == bfloat16) return binary_apply<bfloat16_t, bfloat16_t>(a, b, out, FloorDivideRounded<bfloat16_t>{});
      return same_type<cpu::FloorDivide>(n, a, b, out);
    case BinaryOp::ArcTan2: return same_type<cpu::ArcTan2>(n, a, b, out);
    case BinaryOp::LogAddExp: return same_type<cpu::LogAddExp>(n, a, b, out);
    case BinaryOp::DivMod:
      if (a.dtype() == float16) binary_apply<float16_t, float16_t>(a, b, outputs[0], FloorDivideRounded<float16_t>{});
      else if (a.dtype() == bfloat16) binary_apply<bfloat16_t, bfloat16_t>(a, b, outputs[0], FloorDivideRounded<bfloat16_t>{});
      else same_type<cpu::FloorDivide>(n, a, b, outputs[0]);
      same_type<cpu::Remainder>(n, a, b, outputs[1]);
      return;
    case BinaryOp::Equal: return to_bool<cpu::Equal>(n, a, b, out);
    case BinaryOp::NaNEqual: return to_bool<cpu::NaNEqual>(n, a, b, out);
    case BinaryOp::NotEqual: return to_bool<cpu::NotEqual>(n, a, b, out);
    case BinaryOp::Less: return to_bool<cpu::Less>(n, a, b, out);
    case BinaryOp::LessEqual: return to_bool<cpu::LessEqual>(n, a, b, out);
    case BinaryOp::Greater: return to_bool<cpu::Greater>(n, a, b, out);
    case BinaryOp::GreaterEqual: return to_bool<cpu::GreaterEqual>(n, a, b, out);
    case BinaryOp::LogicalAnd: return to_bool<cpu::LogicalAnd>(n, a, b, out);
    case BinaryOp::LogicalOr: return to_bool<cpu::LogicalOr>(n, a, b, out);
    default: return eval_bitwise_cpu(op_, a, b, out);
  }
}

}  // namespace mlx_core
