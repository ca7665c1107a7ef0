// Unary::eval_cpu. Each op is a small functor; float32 ops with a fast
// vectorisable form (simd_math.h) use it, others call the standard library.
#include <cmath>
#include <cstring>
#include <limits>

#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/elementwise.h"
#include "mlx/backend/cpu/half_float.h"
#include "mlx/backend/cpu/random_math.h"
#include "mlx/backend/cpu/simd_math.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/vector_math.h"
#include "mlx/primitives/unary.h"

namespace mlx_core {

namespace cpu {
namespace {

// erfinv for float/double: rational initial guess refined by Newton steps on erf.
template <typename T>
T erfinv_impl(T y) {
  if (y <= T(-1)) return y == T(-1) ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  if (y >= T(1)) return y == T(1) ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  if (y != y) return y;
  double w = -std::log((1.0 - double(y)) * (1.0 + double(y))), x;
  if (w < 5.0) {  // Giles' single-precision approximation as the starting point
    w -= 2.5;
    double p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w; p = 1.50140941 + p * w;
    x = p * double(y);
  } else {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w; p = 2.83297682 + p * w;
    x = p * double(y);
  }
  for (int i = 0; i < 2; ++i) {  // Newton: f(x) = erf(x) - y, f' = 2/sqrt(pi) e^{-x^2}
    double err = std::erf(x) - double(y);
    x -= err / (1.1283791670955126 * std::exp(-x * x));
  }
  return T(x);
}

template <typename T> constexpr bool is_cplx = std::is_same_v<T, complex64_t>;

struct Abs { template <typename T> auto operator()(T x) const {
  if constexpr (is_cplx<T>) return std::abs(x);
  else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return x;
  // Floats lose the sign bit, as MLX's: |-0.0| is +0.0, |-nan| is +nan.
  else if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
  else if constexpr (std::is_integral_v<T>) return x < T(0) ? T(-x) : x;
  else return T(std::fabs(static_cast<float>(x))); } };
struct Negative { template <typename T> T operator()(T x) const { return T(-x); } };
struct Square { template <typename T> T operator()(T x) const { return T(x * x); } };
struct Sign { template <typename T> T operator()(T x) const {
  if constexpr (is_cplx<T>) { float m = std::abs(x); return m == 0 ? T(0) : x / m; }
  else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return T(x != T(0));
  else return T((x > T(0)) - (x < T(0))); } };
struct Floor { template <typename T> T operator()(T x) const {
  if constexpr (std::is_floating_point_v<T>) return std::floor(x); else return x; } };
struct Ceil { template <typename T> T operator()(T x) const {
  if constexpr (std::is_floating_point_v<T>) return std::ceil(x); else return x; } };
struct Round { template <typename T> T operator()(T x) const {  // half to even, as MLX
  if constexpr (std::is_floating_point_v<T>) return std::nearbyint(x);
  else if constexpr (is_cplx<T>) return T(std::nearbyint(x.real()), std::nearbyint(x.imag()));
  else return x; } };
struct Conjugate { template <typename T> T operator()(T x) const {
  if constexpr (is_cplx<T>) return std::conj(x); else return x; } };
struct LogicalNot { template <typename T> bool operator()(T x) const { return x == T(0); } };
struct BitwiseInvert { template <typename T> T operator()(T x) const {
  if constexpr (std::is_same_v<T, bool>) return !x; else return T(~x); } };

#define MLX_CORE_MATH_OP(NAME, EXPR, FAST)                                      \
  struct NAME {                                                                 \
    float operator()(float x) const { return FAST; }                            \
    template <typename T> T operator()(T x) const { using std::EXPR; return EXPR(x); } \
  };
MLX_CORE_MATH_OP(Expm1, expm1, fast::expm1(x))
MLX_CORE_MATH_OP(Log, log, fast::log(x))
MLX_CORE_MATH_OP(Tanh, tanh, fast::tanh(x))
MLX_CORE_MATH_OP(Tan, tan, std::tan(x))
MLX_CORE_MATH_OP(Sinh, sinh, std::sinh(x))
MLX_CORE_MATH_OP(Cosh, cosh, std::cosh(x))
MLX_CORE_MATH_OP(ArcSin, asin, std::asin(x))
MLX_CORE_MATH_OP(ArcCos, acos, std::acos(x))
MLX_CORE_MATH_OP(ArcTan, atan, std::atan(x))
MLX_CORE_MATH_OP(ArcSinh, asinh, std::asinh(x))
MLX_CORE_MATH_OP(ArcCosh, acosh, std::acosh(x))
MLX_CORE_MATH_OP(ArcTanh, atanh, std::atanh(x))
MLX_CORE_MATH_OP(Sqrt, sqrt, std::sqrt(x))
#undef MLX_CORE_MATH_OP

// sin and cos: fast::sin/cos reduce the argument in double, which loses the
// result from |x| ~ 2^24 up (sin(1e30) came out -inf); such elements take the C
// library's full reduction instead (rare, so a per-element branch is cheap).
constexpr float kFastTrigLimit = 1048576.0f;  // 2^20: k * ulp(pi/2) stays below 1e-9
template <typename Fast, typename Libm>
void trig_block(const float* x, float* y, size_t n, Fast fast_fn, Libm libm_fn) {
  constexpr size_t kMax = 256;
  alignas(64) float r[kMax];  // y may be x itself (a donated buffer)
  for (size_t i0 = 0; i0 < n; i0 += kMax) {
    size_t m = n - i0 < kMax ? n - i0 : kMax;
    const float* a = x + i0;
    int large = 0;  // any element that needs the C library (an OR reduction vectorises)
    for (size_t i = 0; i < m; ++i) {
      float ax = std::fabs(a[i]);
      r[i] = fast_fn(a[i]);
      large |= int(ax >= kFastTrigLimit) & int(ax <= std::numeric_limits<float>::max());
    }
    for (size_t i = 0; large && i < m; ++i) {
      float ax = std::fabs(a[i]);
      if (ax >= kFastTrigLimit && ax <= std::numeric_limits<float>::max()) r[i] = libm_fn(a[i]);
    }
    std::memcpy(y + i0, r, m * sizeof(float));
  }
}
struct Sin {
  float operator()(float x) const {
    float ax = std::fabs(x);
    return ax >= kFastTrigLimit && ax <= std::numeric_limits<float>::max() ? std::sin(x) : fast::sin(x);
  }
  template <typename T> T operator()(T x) const { return std::sin(x); }
  static void block(const float* x, float* y, size_t n) {
    trig_block(x, y, n, [](float v) { return fast::sin(v); }, [](float v) { return std::sin(v); });
  }
};
struct Cos {
  float operator()(float x) const {
    float ax = std::fabs(x);
    return ax >= kFastTrigLimit && ax <= std::numeric_limits<float>::max() ? std::cos(x) : fast::cos(x);
  }
  template <typename T> T operator()(T x) const { return std::cos(x); }
  static void block(const float* x, float* y, size_t n) {
    trig_block(x, y, n, [](float v) { return fast::cos(v); }, [](float v) { return std::cos(v); });
  }
};
struct Log2 { template <typename T> T operator()(T x) const {
  if constexpr (is_cplx<T>) return std::log(x) / float(M_LN2); else return std::log2(x); } };
struct Log10 { template <typename T> T operator()(T x) const { return std::log10(x); } };
struct Log1p { template <typename T> T operator()(T x) const {
  if constexpr (is_cplx<T>) return std::log(T(1) + x); else return std::log1p(x); } };
struct Rsqrt { template <typename T> T operator()(T x) const { return T(1) / std::sqrt(x); } };
struct Sigmoid {
  float operator()(float x) const { return fast::sigmoid(x); }
  // float64 in full double precision (MLX: a float32 exponential; docs/differences.md).
  double operator()(double x) const { return 1.0 / (1.0 + std::exp(-x)); }
  static void block(const float* x, float* y, size_t n) { sigmoid_block(x, y, n); }
};
// For float16/bfloat16 MLX rounds sigmoid's exponential to T before the rest.
template <typename T>
struct SigmoidRounded {
  float operator()(float x) const { return sigmoid_rounded<T>(x); }
  static void block(const float* x, float* y, size_t n) {
    if constexpr (std::is_same_v<T, float16_t>) {
      sigmoid_float16_block(x, y, n);
    } else {
      sigmoid_bfloat16_block(x, y, n);
    }
  }
};
struct Exp {
  // float32 (and the 16-bit floats) with MLX's exp, bit for bit; float64 in double precision.
  float operator()(float x) const { return fast::exp_mlx(x); }
  double operator()(double x) const { return std::exp(x); }
  complex64_t operator()(complex64_t x) const { return std::exp(x); }
  static void block(const float* x, float* y, size_t n) { exp_mlx_block(x, y, n); }
};
struct Erf {
  // float32 (and the 16-bit floats) with MLX's approximation, bit for bit; float64 in double.
  float operator()(float x) const { return fast::erf(x); }
  double operator()(double x) const { return std::erf(x); }
  static void block(const float* x, float* y, size_t n) { erf_block(x, y, n); }
};
struct ErfInv {
  // float32 (and the 16-bit floats, computed in float): MLX's own approximation, bit for bit.
  float operator()(float x) const { return erfinv_mlx(x); }
  double operator()(double x) const { return erfinv_impl(x); }
  static void block(const float* x, float* y, size_t n) { erfinv_mlx_block(x, y, n); }
};

// Ops with a `block` member have a vectorised form over contiguous float runs
// that the elementwise form (scalar, exact) cannot have; float16/bfloat16 runs
// go through a float buffer.
template <typename Op, typename = void> struct has_block : std::false_type {};
template <typename Op>
struct has_block<Op, std::void_t<decltype(Op::block(nullptr, nullptr, 0))>> : std::true_type {};

template <typename In, typename Out, typename Op>
void contiguous_apply(const In* s, Out* d, int64_t n, Op op) {
  using C = compute_t<In>;
  constexpr bool blocked = has_block<Op>::value && std::is_same_v<C, float> && std::is_same_v<In, Out>;
  if constexpr (blocked && std::is_same_v<In, float>) {
    Op::block(s, d, size_t(n));
  } else if constexpr (blocked || std::is_same_v<In, float16_t>) {
    // Through float buffers: for the block form, and for float16 (which GCC 12
    // converts one value at a time) so that the op's loop runs on floats,
    // between conversions 16 at a time (half_float.h).
    using R = decltype(op(C()));
    constexpr int64_t kChunk = 512;
    alignas(64) float x[kChunk];
    alignas(64) R y[kChunk];
    for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
      int64_t k = n - i0 < kChunk ? n - i0 : kChunk;
      if constexpr (std::is_same_v<In, float16_t>) {
        halves_to_floats(s + i0, x, size_t(k));
      } else {
        for (int64_t i = 0; i < k; ++i) x[i] = static_cast<float>(s[i0 + i]);
      }
      if constexpr (blocked) {
        Op::block(x, y, size_t(k));
      } else {
        for (int64_t i = 0; i < k; ++i) y[i] = op(x[i]);
      }
      if constexpr (std::is_same_v<Out, float16_t> && std::is_same_v<R, float>) {
        floats_to_halves(y, d + i0, size_t(k));
      } else {
        for (int64_t i = 0; i < k; ++i) d[i0 + i] = convert<Out>(y[i]);
      }
    }
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = convert<Out>(op(static_cast<C>(s[i])));
  }
}

// Applies op elementwise, In -> Out, over any layout.
template <typename In, typename Out, typename Op>
void unary_apply(const array& in, array& out, Op op) {
  if (BlockArgs* blk = block_args) {  // a block of a fused kernel (block_mode.h)
    run_or_capture(*blk, [op](const BlockArgs& blk) {
      using C = compute_t<In>;
      const In* s = static_cast<const In*>(blk.in[0]);
      Out* d = static_cast<Out*>(blk.out);
      if (blk.in_stride[0] == 0) {
        Out v = convert<Out>(op(static_cast<C>(s[0])));
        for (int64_t i = 0; i < blk.n; ++i) d[i] = v;
      } else {
        contiguous_apply(s, d, blk.n, op);
      }
    });
    return;
  }
  bool dense = set_unary_output(in, out);
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  auto flat = [&](const In* s, Out* d, int64_t n, int64_t is, int64_t os) {
    using C = compute_t<In>;
    if (is == 1 && os == 1) {
      contiguous_apply(s, d, n, op);
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * os] = convert<Out>(op(static_cast<C>(s[i * is])));
    }
  };
  if (dense) {
    bool stream = out.nbytes() >= kStreamingOutputBytes;
    parallel_for_streaming(in.data_size(), [&](size_t b, size_t e) {
      write_dense(dst, b, e, stream, [&](size_t i, size_t n, Out* d) { flat(src + i, d, int64_t(n), 1, 1); });
    });
    return;
  }
  auto layout = collapse_contiguous_dims<2>(in.shape(), {&in.strides(), &out.strides()});
  for_each_row(layout, [&](const std::array<int64_t, 2>& off, int64_t n,
                           const std::array<int64_t, 2>& st) {
    flat(src + off[0], dst + off[1], n, st[0], st[1]);
  });
}

// Instantiates Op only for the dtype categories it supports.
template <typename Op, bool Ints, bool Complex>
void same_type(const char* name, const array& in, array& out) {
  Dtype d = in.dtype();
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    unary_apply<T, T>(in, out, Op{});
  };
  if constexpr (Ints && Complex) dispatch_all(d, name, run);
  else if constexpr (Ints) dispatch_real(d, name, run);
  else if constexpr (Complex) dispatch_inexact(d, name, run);
  else dispatch_float(d, name, run);
}

}  // namespace
}  // namespace cpu

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  const array& in = inputs[0];
  const char* n = name();
  switch (op_) {
    case UnaryOp::Abs:
      if (in.dtype() == complex64) return unary_apply<complex64_t, float>(in, out, cpu::Abs{});
      return same_type<cpu::Abs, true, false>(n, in, out);
    case UnaryOp::Real:
      return unary_apply<complex64_t, float>(in, out, [](complex64_t x) { return x.real(); });
    case UnaryOp::Imag:
      return unary_apply<complex64_t, float>(in, out, [](complex64_t x) { return x.imag(); });
    case UnaryOp::LogicalNot:
      return dispatch_all(in.dtype(), n, [&](auto tag) {
        using T = typename decltype(tag)::type;
        unary_apply<T, bool>(in, out, cpu::LogicalNot{});
      });
    case UnaryOp::Negative: return same_type<cpu::Negative, true, true>(n, in, out);
    case UnaryOp::Square: return same_type<cpu::Square, true, true>(n, in, out);
    case UnaryOp::Sign: return same_type<cpu::Sign, true, true>(n, in, out);
    case UnaryOp::Floor: return same_type<cpu::Floor, true, false>(n, in, out);
    case UnaryOp::Ceil: return same_type<cpu::Ceil, true, false>(n, in, out);
    case UnaryOp::Round: return same_type<cpu::Round, true, true>(n, in, out);
    case UnaryOp::Conjugate: return same_type<cpu::Conjugate, true, true>(n, in, out);
    case UnaryOp::BitwiseInvert:
      return dispatch_integer(in.dtype(), n, [&](auto tag) {
        using T = typename decltype(tag)::type;
        unary_apply<T, T>(in, out, cpu::BitwiseInvert{});
      });
    case UnaryOp::Exp: return same_type<cpu::Exp, false, true>(n, in, out);
    case UnaryOp::Expm1: return same_type<cpu::Expm1, false, false>(n, in, out);
    case UnaryOp::Log: return same_type<cpu::Log, false, true>(n, in, out);
    case UnaryOp::Log2: return same_type<cpu::Log2, false, true>(n, in, out);
    case UnaryOp::Log10: return same_type<cpu::Log10, false, true>(n, in, out);
    case UnaryOp::Log1p: return same_type<cpu::Log1p, false, true>(n, in, out);
    case UnaryOp::Tanh: return same_type<cpu::Tanh, false, true>(n, in, out);
    case UnaryOp::Sin: return same_type<cpu::Sin, false, true>(n, in, out);
    case UnaryOp::Cos: return same_type<cpu::Cos, false, true>(n, in, out);
    case UnaryOp::Tan: return same_type<cpu::Tan, false, true>(n, in, out);
    case UnaryOp::Sinh: return same_type<cpu::Sinh, false, true>(n, in, out);
    case UnaryOp::Cosh: return same_type<cpu::Cosh, false, true>(n, in, out);
    case UnaryOp::ArcSin: return same_type<cpu::ArcSin, false, true>(n, in, out);
    case UnaryOp::ArcCos: return same_type<cpu::ArcCos, false, true>(n, in, out);
    case UnaryOp::ArcTan: return same_type<cpu::ArcTan, false, true>(n, in, out);
    case UnaryOp::ArcSinh: return same_type<cpu::ArcSinh, false, true>(n, in, out);
    case UnaryOp::ArcCosh: return same_type<cpu::ArcCosh, false, true>(n, in, out);
    case UnaryOp::ArcTanh: return same_type<cpu::ArcTanh, false, true>(n, in, out);
    case UnaryOp::Sqrt: return same_type<cpu::Sqrt, false, true>(n, in, out);
    case UnaryOp::Rsqrt: return same_type<cpu::Rsqrt, false, true>(n, in, out);
    case UnaryOp::Erf: return same_type<cpu::Erf, false, false>(n, in, out);
    case UnaryOp::ErfInv: return same_type<cpu::ErfInv, false, false>(n, in, out);
    case UnaryOp::Sigmoid:
      if (in.dtype() == float16) return unary_apply<float16_t, float16_t>(in, out, SigmoidRounded<float16_t>{});
      if (in.dtype() == bfloat16) return unary_apply<bfloat16_t, bfloat16_t>(in, out, SigmoidRounded<bfloat16_t>{});
      return same_type<cpu::Sigmoid, false, false>(n, in, out);
  }
}

}  // namespace mlx_core
