// Cumulative operations along one axis: cumsum, cumprod, cummax, cummin and
// logcumsumexp are one primitive, Scan, selected by ScanType.
#pragma once

#include "mlx/primitive.h"

namespace mlx_core {

enum class ScanType { Sum, Prod, Max, Min, LogAddExp };

// out[i] = x[0] op ... op x[i] along `axis` (from the end when `reverse`;
// without x[i] itself, starting from op's identity, when not `inclusive`).
class Scan : public UnaryPrimitive {
 public:
  Scan(Stream s, ScanType type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(s), type_(type), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // Sum and LogAddExp only; the others raise RuntimeError as MLX does.
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override;

  ScanType type() const { return type_; }
  int axis() const { return axis_; }
  bool reverse() const { return reverse_; }
  bool inclusive() const { return inclusive_; }

 private:
  ScanType type_;
  int axis_;
  bool reverse_;
  bool inclusive_;
};

}  // namespace mlx_core
