// Indexing primitives: gathers read slices of a source at positions given by
// index arrays, scatters write (or reduce) slices into a copy of a source.
//
// Index semantics (stricter than MLX, whose CPU kernels read and write out of
// bounds): an index i on an axis of size n with slice size s is wrapped once
// (i < 0 -> i + n) and then clamped into [0, n - s]. Unsigned indices are never
// negative and only clamp. So no index value can reach memory outside the array.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

enum class ScatterReduce { None, Sum, Prod, Max, Min };

// inputs: (src, idx_0 .. idx_{k-1}); all indices share one shape I.
// out shape: I + slice_sizes (one size per source axis); out[i..., s...] =
// src[idx_0[i] + s_axes[0], ...] on the indexed axes, src[s] elsewhere.
class Gather : public UnaryPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Gather"; }

  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// inputs: (src, idx_0 .. idx_{k-1}, updates); updates shape: I + a slice shape
// of src's rank. Writes (None) or combines (Sum/Prod/Max/Min) each update slice
// into a copy of src, in index order, so repeated indices accumulate and the
// last write wins for None.
class Scatter : public UnaryPrimitive {
 public:
  Scatter(Stream s, ScatterReduce reduce, std::vector<int> axes)
      : UnaryPrimitive(s), reduce_(reduce), axes_(std::move(axes)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // jvp: None and Sum (linear); the others raise as MLX does.
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Scatter"; }

  ScatterReduce reduce() const { return reduce_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  ScatterReduce reduce_;
  std::vector<int> axes_;
};

// take_along_axis: inputs (src, idx) of equal shape except along `axis`;
// out[..., j, ...] = src[..., idx[..., j, ...], ...].
class GatherAxis : public UnaryPrimitive {
 public:
  GatherAxis(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[1].shape()};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "GatherAxis"; }

  int axis() const { return axis_; }

 private:
  int axis_;
};

// put_along_axis (None) and the vjp of take_along_axis (Sum): inputs
// (src, idx, updates), idx and updates of one shape.
class ScatterAxis : public UnaryPrimitive {
 public:
  ScatterAxis(Stream s, ScatterReduce reduce, int axis)
      : UnaryPrimitive(s), reduce_(reduce), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "ScatterAxis"; }

  ScatterReduce reduce() const { return reduce_; }
  int axis() const { return axis_; }

 private:
  ScatterReduce reduce_;
  int axis_;
};

}  // namespace mlx_core
