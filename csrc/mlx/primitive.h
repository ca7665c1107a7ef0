// The primitive interface. Every node of the graph is one primitive applied to
// its inputs; each primitive answers the same small set of questions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/device.h"

namespace mlx_core {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  // Compute outputs from evaluated inputs (outputs are allocated by the kernel).
  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;
  // The GPU kernel; without a GPU backend this raises (backend/no_gpu).
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs);

  // Transformation rules. The defaults raise MLX's "Not implemented" errors.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);
  // Same primitive with the same parameters (used by compile's CSE).
  virtual bool is_equivalent(const Primitive& other) const { return false; }
  // The primitive's name: error messages, graph export and test ids use it.
  virtual const char* name() const = 0;

  const Stream& stream() const { return stream_; }
  Device device() const { return stream_.device; }

 private:
  Stream stream_;
};

// Shared base for primitives whose output is a view or copy of one input and
// have nothing but a name (keeps the per-primitive classes short).
class UnaryPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
};

}  // namespace mlx_core
