// Compiled: a chain of elementwise primitives that compile fused into one
// node. Its kernel (backend/cpu/compiled.cpp) walks the output in blocks small
// enough to stay in cache and runs each op's own loop on the block buffers, so
// every input is read once and every output written once.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

// One op of a fused chain. Values are numbered: first the node's inputs,
// then one value per op, in order.
struct FusedOp {
  std::shared_ptr<Primitive> primitive;  // Unary, Binary, Select or AsType
  std::vector<int> args;                 // value numbers
  Dtype dtype;                           // of the op's value
  // The primitive's kind as the fused kernel sees it, found on first use
  // (a dynamic_cast per op per call would cost more than the rest of the
  // planning of a small kernel); -1 until then (backend/cpu/compiled.cpp).
  mutable int8_t kind = -1;
};

class Compiled : public Primitive {
 public:
  Compiled(Stream s, std::vector<FusedOp> ops, std::vector<Dtype> input_dtypes,
           std::vector<int> outputs)
      : Primitive(s), ops_(std::move(ops)), input_dtypes_(std::move(input_dtypes)),
        outputs_(std::move(outputs)) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  // The rules re-expand the chain into its ops and apply theirs.
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  // Every output has the inputs' broadcast shape.
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Compiled"; }

  const std::vector<FusedOp>& ops() const { return ops_; }
  const std::vector<int>& outputs() const { return outputs_; }
  // The unfused graph of the chain applied to `inputs` (its outputs, in order).
  std::vector<array> expand(const std::vector<array>& inputs) const;

 private:
  std::vector<FusedOp> ops_;
  std::vector<Dtype> input_dtypes_;
  std::vector<int> outputs_;  // value numbers of the node's outputs
};

// The number of elements of some axes of the input (or its inverse), as a
// scalar of `dtype`: what mean and var divide by. A node rather than a
// constant so that a graph compiled with shapeless=True recomputes it for
// inputs of new shapes. Reads only the input's shape; no gradient flows
// through it (the builders put a stop_gradient in front).
class NumberOfElements : public UnaryPrimitive {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, bool inverted, Dtype dtype)
      : UnaryPrimitive(s), axes_(std::move(axes)), inverted_(inverted), dtype_(dtype) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {Shape{}}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "NumberOfElements"; }
  const std::vector<int>& axes() const { return axes_; }
  bool inverted() const { return inverted_; }
  Dtype dtype() const { return dtype_; }
  int ddof() const { return ddof_; }

  // 1/n (or n) for `a`'s `axes` (normalised), minus `ddof`, as a 0-d `dtype` node.
  static array make(const array& a, std::vector<int> axes, bool inverted, Dtype dtype,
                    int ddof, Stream stream);

 private:
  std::vector<int> axes_;
  bool inverted_;
  Dtype dtype_;
  int ddof_ = 0;
};

}  // namespace mlx_core
