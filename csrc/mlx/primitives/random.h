// Random number primitives. MLX draws every random value from a counter-based
// Threefry-2x32 (20 rounds) hash of a uint32 key pair; RandomBits is its only
// primitive. RandomSample fuses the bits with the float transforms of the
// common distributions (uniform, normal, gumbel, laplace) so the 16M-sample
// case is one pass over memory; it reproduces, rounding step by rounding step,
// the chain of ops MLX builds (permutation is an argsort of random bits and a
// take). CategoricalSearch is MLX's inverse-CDF sampling of a single
// categorical distribution; CovarianceSqrt is the SVD square root
// multivariate_normal scales by.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

// keys (..., 2) uint32 -> bits (..., shape) of `width` bytes each.
class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape, int width) : UnaryPrimitive(s), shape_(std::move(shape)), width_(width) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp: the bits do not depend smoothly on the key; both give zeros.
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  // vmap: a batch of keys gives a batch of independent draws.
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "RandomBits"; }

  const Shape& shape() const { return shape_; }
  int width() const { return width_; }

 private:
  Shape shape_;
  int width_;
};

enum class SampleKind { Uniform, Normal, Gumbel, Laplace };

// keys (..., 2) uint32 -> samples (..., shape) of a floating dtype.
//  Uniform: lo + (hi - lo) * u                    (u in [0, 1) as MLX's uniform)
//  Normal:  loc + erfinv(v) * factor              (v uniform in (-1, 1); factor = sqrt(2) * scale)
//  Gumbel:  -log(-log(u))
//  Laplace: loc + scale * sign(v) * log1p(-|v|)
// a, b, c carry (lo, hi), (factor, loc) or (scale, loc); `has_c` says whether
// loc is added (adding 0 would turn -0 into +0).
class RandomSample : public UnaryPrimitive {
 public:
  RandomSample(Stream s, SampleKind kind, Shape shape, Dtype dtype, double a, double b, bool has_b)
      : UnaryPrimitive(s), kind_(kind), shape_(std::move(shape)), dtype_(dtype), a_(a), b_(b), has_b_(has_b) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "RandomSample"; }

  SampleKind kind() const { return kind_; }
  const Shape& shape() const { return shape_; }
  Dtype dtype() const { return dtype_; }
  double a() const { return a_; }
  double b() const { return b_; }
  bool has_b() const { return has_b_; }

 private:
  SampleKind kind_;
  Shape shape_;
  Dtype dtype_;
  double a_, b_;
  bool has_b_;
};

// (probabilities (n,) float32, u (...) float32) -> uint32 (...): the first index
// whose running sum of probabilities reaches u (at most n - 1). MLX samples a
// single categorical distribution this way (one uniform per sample).
class CategoricalSearch : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp: the output is an index, so zeros (what MLX's composed ops give).
  // vmap: raises (Primitive default); vmap of categorical takes the Gumbel path.
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[1].shape()}; }
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const CategoricalSearch*>(&other) != nullptr;
  }
  const char* name() const override { return "CategoricalSearch"; }
};

// cov (..., n, n) float32 -> U sqrt(S) V^T of its SVD (the square root of a
// positive semi-definite cov), as MLX's multivariate_normal scales its samples.
class CovarianceSqrt : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp, vmap: not implemented (raise, Primitive defaults)
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const CovarianceSqrt*>(&other) != nullptr;
  }
  const char* name() const override { return "CovarianceSqrt"; }
};

}  // namespace mlx_core
