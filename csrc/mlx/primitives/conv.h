// Convolution: channels-last N-D convolution (1 to 3 spatial dimensions).
//   input  (N, spatial..., C_in)
//   weight (C_out, kernel..., C_in / groups)
//   output (N, out..., C_out)
// The parameters are those of the input after dilation and padding: output
// position o along a spatial axis reads the dilated input at
//   p = o * stride + k * kernel_dilation - padding_lo
// (k counted from the far end when `flip`), where the dilated input holds
// input[p / input_dilation] at multiples of input_dilation and zeros
// elsewhere; positions outside it read zero. Padding may be negative (the
// transforms use that); the public builder never passes a negative one.
#pragma once

#include <vector>

#include "mlx/primitive.h"

namespace mlx_core {

struct ConvParams {
  std::vector<int> stride, padding_lo, padding_hi, kernel_dilation, input_dilation;
  int groups = 1;
  bool flip = false;
  bool operator==(const ConvParams& o) const {
    return stride == o.stride && padding_lo == o.padding_lo && padding_hi == o.padding_hi &&
           kernel_dilation == o.kernel_dilation && input_dilation == o.input_dilation &&
           groups == o.groups && flip == o.flip;
  }
};

// Output length along one spatial axis, with MLX's truncating division.
int conv_output_size(int in, int kernel, const ConvParams& p, int axis);
// The whole output shape (N, out..., C_out).
Shape conv_output_shape(const Shape& in, const Shape& wt, const ConvParams& p);

class Convolution : public UnaryPrimitive {
 public:
  Convolution(Stream s, ConvParams params) : UnaryPrimitive(s), params_(std::move(params)) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  // MLX 0.32.4 has no jvp for Convolution; it is linear in each argument, so we do.
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override;
  const char* name() const override { return "Convolution"; }
  const ConvParams& params() const { return params_; }

 private:
  ConvParams params_;
};

// The Convolution node for already validated inputs of one floating dtype
// (no checks, no promotion): what the transforms build.
array convolution(const array& in, const array& wt, const ConvParams& params, Stream s);

}  // namespace mlx_core
