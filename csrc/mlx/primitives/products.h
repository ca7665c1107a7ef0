// Primitives of the product family: block-masked, gathered and segmented
// matmuls, the Walsh-Hadamard transform, fp8 (e4m3) conversions and Depends.
// The ops (csrc/mlx/ops/products.cpp) have already promoted, broadcast and
// validated the inputs.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

// out = mask_out ⊙ ((mask_lhs ⊙ a) @ (mask_rhs ⊙ b)) with each mask entry
// covering a block_size x block_size tile. Inputs: a, b, then the masks in
// the order out, lhs, rhs (those present; the flags say which). Bool masks
// zero their blocks, others scale them. float32 only, as MLX's CPU kernel.
class BlockMaskedMM : public UnaryPrimitive {
 public:
  BlockMaskedMM(Stream s, int block_size, bool has_out, bool has_lhs, bool has_rhs)
      : UnaryPrimitive(s), block_size_(block_size), has_out_(has_out), has_lhs_(has_lhs),
        has_rhs_(has_rhs) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // jvp, vmap: none in MLX 0.32.4 (raise)
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "BlockMaskedMM"; }

  int block_size() const { return block_size_; }
  bool has_out() const { return has_out_; }
  bool has_lhs() const { return has_lhs_; }
  bool has_rhs() const { return has_rhs_; }

 private:
  int block_size_;
  bool has_out_, has_lhs_, has_rhs_;
};

// out = alpha * (a @ b) + beta * c in one BLAS call per batch item (C is
// copied into the output first). Inputs c, a, b with equal batch shapes and
// one dtype; the op handles alpha == 0 and beta == 0 itself.
class AddMM : public UnaryPrimitive {
 public:
  AddMM(Stream s, float alpha, float beta) : UnaryPrimitive(s), alpha_(alpha), beta_(beta) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "AddMM"; }

  float alpha() const { return alpha_; }
  float beta() const { return beta_; }

 private:
  float alpha_, beta_;
};

// out[i] = a[lhs[i]] @ b[rhs[i]]: inputs a (B_a, M, K), b (B_b, K, N) with
// flattened batches, lhs and rhs uint32 indices of the output's batch shape
// (already clamped into range). float32 only, as MLX's CPU kernel.
class GatherMM : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // jvp, vmap: none in MLX 0.32.4 (raise)
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const GatherMM*>(&other) != nullptr;
  }
  const char* name() const override { return "GatherMM"; }
};

// out[s] = a[:, k0:k1] @ b[k0:k1, :] for each segment (k0, k1) of the uint32
// segments array (..., 2); segments are clamped to [0, K].
class SegmentedMM : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp, vmap: none in MLX 0.32.4 (raise)
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const SegmentedMM*>(&other) != nullptr;
  }
  const char* name() const override { return "SegmentedMM"; }
};

// y = scale * H x along the last axis, H = H_m ⊗ H_(2^k) for m in
// {1, 12, 20, 28}; `transposed` applies H^T (the vjp of H for m = 20, 28).
class Hadamard : public UnaryPrimitive {
 public:
  Hadamard(Stream s, float scale, bool transposed = false)
      : UnaryPrimitive(s), scale_(scale), transposed_(transposed) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Hadamard"; }

  float scale() const { return scale_; }
  bool transposed() const { return transposed_; }

 private:
  float scale_;
  bool transposed_;
};

// float -> e4m3 bits (uint8): round to nearest even, saturating at ±448
// (NaN and ±inf become ±448, as MLX).
class ToFP8 : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp, vmap: none in MLX 0.32.4 (raise)
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const ToFP8*>(&other) != nullptr;
  }
  const char* name() const override { return "ToFP8"; }
};

// e4m3 bits (uint8) -> the output's floating dtype (0x7f/0xff are NaN).
class FromFP8 : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // vjp, jvp, vmap: none in MLX 0.32.4 (raise)
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const FromFP8*>(&other) != nullptr;
  }
  const char* name() const override { return "FromFP8"; }
};

// Outputs are views of the first `num_outputs` inputs; the rest are only
// evaluated first (an ordering edge in the graph).
class Depends : public Primitive {
 public:
  Depends(Stream s, int num_outputs) : Primitive(s), num_outputs_(num_outputs) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // jvp, vmap: none in MLX 0.32.4 (raise)
  std::vector<Shape> output_shapes(const std::vector<array>& in) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Depends"; }

 private:
  int num_outputs_;
};

}  // namespace mlx_core
