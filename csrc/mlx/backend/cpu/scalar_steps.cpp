#include "mlx/backend/cpu/scalar_steps.h"

#include <cmath>
#include <type_traits>

#include "mlx/backend/cpu/simd_math.h"
#include "mlx/backend/cpu/vector_math_avx512.h"

// The 64-byte vectors are passed between inline functions of this file only:
// GCC's note that their ABI differs without AVX-512 does not concern them.
#pragma GCC diagnostic ignored "-Wpsabi"

// Built with -ffp-contract=off (CMakeLists.txt): a multiply and the add after
// it are two roundings, as in the unfused ops, never one fused multiply-add.

namespace mlx_core::cpu {

namespace {

// Eight vectors of 16 floats per step: enough independent work to hide each
// operation's latency, and the step's dispatch is paid once per 128 values.
// They are eight named variables, not an array, so that they stay in
// registers from one step to the next (an array indexed inside the step's
// switch went through the stack: a store and a load per vector and step).
typedef float V __attribute__((vector_size(64)));
typedef float VUnaligned __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16, kTile = 8 * kLanes;

struct Tile {
  V v0, v1, v2, v3, v4, v5, v6, v7;
};

// c in every lane (adding c to a zero vector would turn -0.0 into +0.0).
template <typename T>
inline T splat(float c) {
  if constexpr (std::is_same_v<T, float>) {
    return c;
  } else {  // one broadcast instruction (a loop over the lanes was 16 inserts)
    return T{c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c};
  }
}

inline V load_vector(const float* p) { return V(*reinterpret_cast<const VUnaligned*>(p)); }
inline void store_vector(float* p, V v) { *reinterpret_cast<VUnaligned*>(p) = v; }

// The tile of `a` at element i: eight loads, or one value in every lane.
inline Tile load(const RunOperand& a, int64_t i) {
  if (a.stride == 0) {
    V s = splat<V>(*a.ptr);
    return {s, s, s, s, s, s, s, s};
  }
  const float* p = a.ptr + i;
  return {load_vector(p),      load_vector(p + 16), load_vector(p + 32),  load_vector(p + 48),
          load_vector(p + 64), load_vector(p + 80), load_vector(p + 96), load_vector(p + 112)};
}

#if defined(__AVX512F__)
// The same as store(), past the caches; y is 64-byte aligned.
inline void stream_out(const Tile& t, float* y) {
  _mm512_stream_ps(y, __m512(t.v0)), _mm512_stream_ps(y + 16, __m512(t.v1));
  _mm512_stream_ps(y + 32, __m512(t.v2)), _mm512_stream_ps(y + 48, __m512(t.v3));
  _mm512_stream_ps(y + 64, __m512(t.v4)), _mm512_stream_ps(y + 80, __m512(t.v5));
  _mm512_stream_ps(y + 96, __m512(t.v6)), _mm512_stream_ps(y + 112, __m512(t.v7));
}
#endif

inline void store(const Tile& t, float* y) {
  store_vector(y, t.v0), store_vector(y + 16, t.v1), store_vector(y + 32, t.v2);
  store_vector(y + 48, t.v3), store_vector(y + 64, t.v4), store_vector(y + 80, t.v5);
  store_vector(y + 96, t.v6), store_vector(y + 112, t.v7);
}

template <typename F>
inline void each(Tile& t, F f) {
  t.v0 = f(t.v0), t.v1 = f(t.v1), t.v2 = f(t.v2), t.v3 = f(t.v3);
  t.v4 = f(t.v4), t.v5 = f(t.v5), t.v6 = f(t.v6), t.v7 = f(t.v7);
}

// t = f(t, w) for an operand's tile, each vector of w loaded as it is used
// (a whole Tile of w would go through the stack).
template <typename Load, typename F>
inline void each2(Tile& t, Load w, F f) {
  t.v0 = f(t.v0, w(0)), t.v1 = f(t.v1, w(1)), t.v2 = f(t.v2, w(2)), t.v3 = f(t.v3, w(3));
  t.v4 = f(t.v4, w(4)), t.v5 = f(t.v5, w(5)), t.v6 = f(t.v6, w(6)), t.v7 = f(t.v7, w(7));
}

// Vector k of an operand's tile at element i, with the operand's own step.
template <typename F>
inline auto operand_vectors(const RunOperand& a, int64_t i, F step) {
  return [p = a.ptr + i * a.stride, one = a.stride == 0, step](int k) {
    return step(one ? splat<V>(*p) : load_vector(p + k * kLanes));
  };
}

// The unary steps' functions, one value at a time (the tail of a block).
inline float exp_of(float v) { return fast::exp_mlx(v); }
inline float erf_of(float v) { return fast::erf(v); }
inline float sigmoid_of(float v) { return fast::sigmoid(v); }

// The same on a vector: the AVX-512 forms (bit for bit the scalar ones), or
// lane by lane without AVX-512.
#if defined(__AVX512F__)
inline V exp_of(V v) { return V(avx512::exp_v(__m512(v))); }
inline V erf_of(V v) { return V(avx512::erf_v(__m512(v))); }
inline V sigmoid_of(V v) { return V(avx512::sigmoid_v(__m512(v))); }
#else
template <float (*f)(float)>
inline V lanes(V v) {
  for (int l = 0; l < kLanes; ++l) v[l] = f(v[l]);
  return v;
}
inline V exp_of(V v) { return lanes<exp_of>(v); }
inline V erf_of(V v) { return lanes<erf_of>(v); }
inline V sigmoid_of(V v) { return lanes<sigmoid_of>(v); }
#endif

inline float abs_of(float v) { return std::fabs(v); }
inline float sqrt_of(float v) { return std::sqrt(v); }
#if defined(__AVX512F__)
inline V abs_of(V v) { return V(_mm512_abs_ps(__m512(v))); }
inline V sqrt_of(V v) { return V(_mm512_sqrt_ps(__m512(v))); }
#else
inline V abs_of(V v) { return lanes<abs_of>(v); }
inline V sqrt_of(V v) { return lanes<sqrt_of>(v); }
#endif

// v cmp w as a float32 1 or 0 (the comparison's bool cast to float32); NaN
// compares as in C++ (only != holds).
inline float as_float(bool b) { return b ? 1.0f : 0.0f; }
typedef int32_t VMask __attribute__((vector_size(64)));
inline V as_float(VMask m) { return V(m & (VMask{} + 0x3f800000)); }  // the bits of 1.0f

template <typename T, typename W>
inline T compare(ScalarStep::Comparison cmp, T v, W w) {
  switch (cmp) {
    case ScalarStep::Greater: return as_float(v > w);
    case ScalarStep::GreaterEqual: return as_float(v >= w);
    case ScalarStep::Less: return as_float(v < w);
    case ScalarStep::LessEqual: return as_float(v <= w);
    case ScalarStep::Equal: return as_float(v == w);
    default: return as_float(v != w);
  }
}

// maximum(x, y) and minimum(x, y) as MLX computes them: x if it is NaN, else
// the larger (smaller) one, else y (so y's NaN, and y of two equal zeros).
inline float max_first(float x, float y) { return (x != x) | (x > y) ? x : y; }
inline float min_first(float x, float y) { return (x != x) | (x < y) ? x : y; }
inline V max_first(V x, V y) { return (x != x) | (x > y) ? x : y; }
inline V min_first(V x, V y) { return (x != x) | (x < y) ? x : y; }

// Applies a step with a constant (Add to MinimumInto) to the value `v`: a
// Tile, or a float for the tail.
template <typename T, typename Each>
inline void apply_constant_step(const ScalarStep& s, Each&& each_value) {
  const float c = s.c;
  switch (s.kind) {
    case ScalarStep::Add: return each_value([c](T v) { return v + c; });
    case ScalarStep::Subtract: return each_value([c](T v) { return v - c; });
    case ScalarStep::SubtractFrom: return each_value([c](T v) { return c - v; });
    case ScalarStep::Multiply: return each_value([c](T v) { return v * c; });
    case ScalarStep::Divide: return each_value([c](T v) { return v / c; });
    case ScalarStep::DivideInto: return each_value([c](T v) { return c / v; });
    case ScalarStep::Maximum: return each_value([c](T v) { return max_first(v, splat<T>(c)); });
    case ScalarStep::MaximumInto: return each_value([c](T v) { return max_first(splat<T>(c), v); });
    case ScalarStep::Minimum: return each_value([c](T v) { return min_first(v, splat<T>(c)); });
    case ScalarStep::MinimumInto: return each_value([c](T v) { return min_first(splat<T>(c), v); });
    default: return;
  }
}

// f(cmp) with cmp a compile-time constant: the comparison's switch is taken
// once per tile, not per vector.
template <typename F>
inline void with_comparison(ScalarStep::Comparison cmp, F f) {
  using C = ScalarStep::Comparison;
  switch (cmp) {
    case C::Greater: return f(std::integral_constant<C, C::Greater>{});
    case C::GreaterEqual: return f(std::integral_constant<C, C::GreaterEqual>{});
    case C::Less: return f(std::integral_constant<C, C::Less>{});
    case C::LessEqual: return f(std::integral_constant<C, C::LessEqual>{});
    case C::Equal: return f(std::integral_constant<C, C::Equal>{});
    default: return f(std::integral_constant<C, C::NotEqual>{});
  }
}

// Applies any step; `operand` reads the next array operand when the step
// takes one.
template <typename T, typename Each, typename Each2, typename LoadOperand>
inline void apply(const ScalarStep& s, Each&& each_value, Each2&& each_pair, LoadOperand&& operand) {
  switch (s.kind) {
    case ScalarStep::AddArray: return each_pair(operand(), [](T v, T w) { return v + w; });
    case ScalarStep::SubtractArray: return each_pair(operand(), [](T v, T w) { return v - w; });
    case ScalarStep::SubtractFromArray: return each_pair(operand(), [](T v, T w) { return w - v; });
    case ScalarStep::MultiplyArray: return each_pair(operand(), [](T v, T w) { return v * w; });
    case ScalarStep::DivideArray: return each_pair(operand(), [](T v, T w) { return v / w; });
    case ScalarStep::DivideIntoArray: return each_pair(operand(), [](T v, T w) { return w / v; });
    case ScalarStep::MaximumArray: return each_pair(operand(), [](T v, T w) { return max_first(v, w); });
    case ScalarStep::MaximumIntoArray: return each_pair(operand(), [](T v, T w) { return max_first(w, v); });
    case ScalarStep::MinimumArray: return each_pair(operand(), [](T v, T w) { return min_first(v, w); });
    case ScalarStep::MinimumIntoArray: return each_pair(operand(), [](T v, T w) { return min_first(w, v); });
    case ScalarStep::Negative: return each_value([](T v) { return -v; });
    case ScalarStep::Abs: return each_value([](T v) { return abs_of(v); });
    case ScalarStep::Square: return each_value([](T v) { return v * v; });
    case ScalarStep::Sqrt: return each_value([](T v) { return sqrt_of(v); });
    case ScalarStep::Exp: return each_value([](T v) { return exp_of(v); });
    case ScalarStep::Erf: return each_value([](T v) { return erf_of(v); });
    case ScalarStep::Sigmoid: return each_value([](T v) { return sigmoid_of(v); });
    // One switch per tile over the comparisons, outside the vectors.
    case ScalarStep::CompareConstant:
      return with_comparison(s.cmp, [&](auto cmp) { each_value([cmp, c = s.c](T v) { return compare<T>(cmp, v, c); }); });
    case ScalarStep::CompareArray:
      return with_comparison(s.cmp, [&](auto cmp) { each_pair(operand(), [cmp](T v, T w) { return compare<T>(cmp, v, w); }); });
    default: return apply_constant_step<T>(s, each_value);
  }
}

}  // namespace

// flatten: every step inlined, or the tile would go through the stack (its
// address passed to an out-of-line step).
// An array step whose operand is one value for the block (a row's mean) as
// the step with that constant: no load or broadcast per vector. The operand's
// own step is applied to the value first, as it would be to each element.
static int constant_operands(const ScalarStep* steps, int nsteps, const RunOperand* operands,
                             ScalarStep* local_steps, RunOperand* local_operands) {
  int kept = 0;
  const RunOperand* next = operands;
  for (int s = 0; s < nsteps; ++s) {
    local_steps[s] = steps[s];
    if (!steps[s].takes_operand()) continue;
    const RunOperand& a = *next++;
    if (a.stride != 0) {
      local_operands[kept++] = a;
      continue;
    }
    float w = *a.ptr;
    if (a.step) apply_constant_step<float>(*a.step, [&w](auto f) { w = f(w); });
    ScalarStep& c = local_steps[s];
    c.kind = c.kind == ScalarStep::CompareArray ? ScalarStep::CompareConstant
                                                : ScalarStep::Kind(c.kind - (ScalarStep::AddArray - ScalarStep::Add));
    c.c = w;
  }
  return kept;
}

__attribute__((flatten)) void run_scalar_steps(RunOperand x, float* y, int64_t n, const ScalarStep* steps, int nsteps,
                      const RunOperand* operands, bool stream) {
  // Runs hold at most kMaxRunOperands operands (ChainProgram); runs of more
  // than kMaxSteps steps keep their one-value operands as they are.
  constexpr int kMaxSteps = 64;
  ScalarStep local_steps[kMaxSteps];
  RunOperand local_operands[kMaxRunOperands];
  bool one_value_operand = false;
  for (int s = 0, k = 0; s < nsteps; ++s) {
    if (steps[s].takes_operand()) one_value_operand |= operands[k++].stride == 0;
  }
  if (one_value_operand && nsteps <= kMaxSteps) {
    constant_operands(steps, nsteps, operands, local_steps, local_operands);
    steps = local_steps;
    operands = local_operands;
  }
#if defined(__AVX512F__)
  stream = stream && (reinterpret_cast<uintptr_t>(y) & 63) == 0;
#else
  stream = false;
#endif
  int64_t i = 0;
  for (; i + kTile <= n; i += kTile) {
    Tile t = load(x, i);
    const RunOperand* next = operands;
    for (int s = 0; s < nsteps; ++s) {
      const ScalarStep& step = steps[s];
      auto each_value = [&t](auto f) { each(t, f); };
      if (!step.takes_operand()) {
        apply<V>(step, each_value, [](auto&&...) {}, [] { return 0; });
        continue;
      }
      const RunOperand& a = *next++;
      // The array step with the operand's own step (or none) applied to each
      // vector as it is loaded: one switch each, outside the vectors.
      auto with = [&](auto own) {
        apply<V>(step, each_value, [&](auto w, auto f) { each2(t, w, f); },
                 [&] { return operand_vectors(a, i, own); });
      };
      if (!a.step) {
        with([](V w) { return w; });
      } else {
        const float c = a.step->c;
        switch (a.step->kind) {
          case ScalarStep::Add: with([c](V w) { return w + c; }); break;
          case ScalarStep::Subtract: with([c](V w) { return w - c; }); break;
          case ScalarStep::SubtractFrom: with([c](V w) { return c - w; }); break;
          case ScalarStep::Multiply: with([c](V w) { return w * c; }); break;
          case ScalarStep::Divide: with([c](V w) { return w / c; }); break;
          case ScalarStep::Maximum: with([c](V w) { return max_first(w, splat<V>(c)); }); break;
          case ScalarStep::MaximumInto: with([c](V w) { return max_first(splat<V>(c), w); }); break;
          case ScalarStep::Minimum: with([c](V w) { return min_first(w, splat<V>(c)); }); break;
          case ScalarStep::MinimumInto: with([c](V w) { return min_first(splat<V>(c), w); }); break;
          default: with([c](V w) { return c / w; }); break;  // DivideInto
        }
      }
    }
#if defined(__AVX512F__)
    if (stream) {
      stream_out(t, y + i);
      continue;
    }
#endif
    store(t, y + i);
  }
  for (; i < n; ++i) {
    float v = x.ptr[i * x.stride];
    const RunOperand* next = operands;
    for (int s = 0; s < nsteps; ++s) {
      apply<float>(
          steps[s], [&v](auto f) { v = f(v); }, [&v](float w, auto f) { v = f(v, w); },
          [&next, i] {
            const RunOperand& a = *next++;
            float w = a.ptr[i * a.stride];
            if (a.step) apply_constant_step<float>(*a.step, [&w](auto f) { w = f(w); });
            return w;
          });
    }
    y[i] = v;
  }
}

}  // namespace mlx_core::cpu
