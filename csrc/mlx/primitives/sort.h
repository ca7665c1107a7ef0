// Sorting primitives: Sort, ArgSort, Partition, ArgPartition (one class per
// MLX primitive), ArgTopK (topk's selection) and SearchSorted. Their
// derivatives gather and scatter-add with the indexing family's primitives.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

// Stable sort along `axis`; NaN last. Values (Sort) or uint32 indices (ArgSort).
class Sort : public UnaryPrimitive {
 public:
  Sort(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Sort"; }
  int axis() const { return axis_; }

 private:
  int axis_;
};

class ArgSort : public UnaryPrimitive {
 public:
  ArgSort(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "ArgSort"; }
  int axis() const { return axis_; }

 private:
  int axis_;
};

// The element of sorted rank kth at position kth, smaller-or-equal ones before
// it, greater-or-equal after (std::nth_element order).
class Partition : public UnaryPrimitive {
 public:
  Partition(Stream s, int kth, int axis) : UnaryPrimitive(s), kth_(kth), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Partition"; }
  int kth() const { return kth_; }
  int axis() const { return axis_; }

 private:
  int kth_;
  int axis_;
};

class ArgPartition : public UnaryPrimitive {
 public:
  ArgPartition(Stream s, int kth, int axis) : UnaryPrimitive(s), kth_(kth), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "ArgPartition"; }
  int kth() const { return kth_; }
  int axis() const { return axis_; }

 private:
  int kth_;
  int axis_;
};

// uint32 indices of the k largest entries along `axis` (NaN largest), ordered
// by ascending value: a one-pass selection with a running threshold.
class ArgTopK : public UnaryPrimitive {
 public:
  ArgTopK(Stream s, int k, int axis) : UnaryPrimitive(s), k_(k), axis_(axis) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "ArgTopK"; }

  int k() const { return k_; }
  int axis() const { return axis_; }

 private:
  int k_;
  int axis_;
};

// Insertion points of `values` (input 1) in the 1-D `sorted_sequence` (input 0).
class SearchSorted : public UnaryPrimitive {
 public:
  SearchSorted(Stream s, bool right) : UnaryPrimitive(s), right_(right) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  // Only over the values; a batched sequence raises as in MLX.
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[1].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "SearchSorted"; }

  bool right() const { return right_; }

 private:
  bool right_;
};

}  // namespace mlx_core
