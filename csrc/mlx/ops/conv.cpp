#include "mlx/ops/conv.h"

#include <complex>

#include "mlx/ops/binary.h"
#include "mlx/ops/convert.h"
#include "mlx/ops/shape.h"
#include "mlx/ops/shape_util.h"
#include "mlx/ops/unary.h"
#include "mlx/primitives/conv.h"

namespace mlx_core {

namespace {

std::string vec_str(const std::vector<int>& v) { return shape_str(Shape(v.begin(), v.end())); }

// MLX's argument checks, in MLX's order (the first failing one decides the message).
void check_arrays(const array& in, const array& wt, int nd, int groups) {
  if (!is_floating_point(in.dtype())) {
    throw std::invalid_argument(msg("[conv] Invalid input array with type ", dtype_name(in.dtype()),
                                    ". Convolution currently only supports floating point types"));
  }
  if (wt.ndim() != nd + 2) {
    throw std::invalid_argument(msg("[conv] Invalid weight array with ", wt.ndim(),
                                    " dimensions for ", nd, "D convolution. Expected an array with ",
                                    nd + 2, " dimensions following the format [C_out, ..., C_in]."));
  }
  // MLX 0.32.4 divides by zero here (the process dies); we raise.
  if (groups == 0) {
    throw std::invalid_argument("[conv] The number of groups must be non-zero. Got 0 groups.");
  }
  int c_in = in.shape(-1);
  if (c_in % groups != 0) {
    throw std::invalid_argument(msg("[conv] The input channels must be divisible by the number of "
                                    "groups. Got input with shape ", shape_str(in.shape()), " and ",
                                    groups, " groups."));
  }
  if (groups > 1 && wt.shape(0) % groups != 0) {
    throw std::invalid_argument(msg("[conv] If groups > 1, the output channels must be divisible by "
                                    "the number of groups. Got ", wt.shape(0),
                                    " output channels and ", groups, " groups."));
  }
  if (c_in != groups * wt.shape(-1)) {
    if (groups == 1) {
      throw std::invalid_argument(msg("[conv] Expect the input channels in the input and weight "
                                      "array to match but got shapes - input: ",
                                      shape_str(in.shape()), " and weight: ", shape_str(wt.shape())));
    }
    // (MLX's message has no "[conv]" prefix here.)
    throw std::invalid_argument(msg("Given groups=", groups, " and weights of shape ",
                                    shape_str(wt.shape()), ", expected to have ",
                                    groups * wt.shape(-1), " input channels but got ", c_in,
                                    " input channels instead."));
  }
}

void check_params(const Shape& in, const Shape& wt, const ConvParams& p) {
  int nd = int(in.size()) - 2;
  if (int(p.stride.size()) != nd) {
    throw std::invalid_argument(msg("[conv] Invalid strides ", vec_str(p.stride), " for ", nd,
                                    "D convolution."));
  }
  if (int(p.padding_lo.size()) != nd || int(p.padding_hi.size()) != nd) {
    throw std::invalid_argument(msg("[conv] Invalid padding ", vec_str(p.padding_lo), " | ",
                                    vec_str(p.padding_hi), " for ", nd, "D convolution."));
  }
  if (int(p.kernel_dilation.size()) != nd) {
    throw std::invalid_argument(msg("[conv] Invalid kernel dilation ", vec_str(p.kernel_dilation),
                                    " for ", nd, "D convolution."));
  }
  if (int(p.input_dilation.size()) != nd) {
    throw std::invalid_argument(msg("[conv] Invalid input dilation ", vec_str(p.input_dilation),
                                    " for ", nd, "D convolution."));
  }
  for (int i = 0; i < nd; ++i) {
    if (p.kernel_dilation[i] <= 0) {
      throw std::invalid_argument(msg("[conv] Kernel dilation sizes must be positive. Got kernel "
                                      "dilation ", vec_str(p.kernel_dilation), "."));
    }
    if (p.input_dilation[i] <= 0) {
      throw std::invalid_argument(msg("[conv] Input dilation sizes must be positive. Got input "
                                      "dilation ", vec_str(p.input_dilation), "."));
    }
    if (p.padding_lo[i] < 0 || p.padding_hi[i] < 0) {
      throw std::invalid_argument(msg("[conv] Padding sizes must be non-negative. Got padding ",
                                      vec_str(p.padding_lo), " | ", vec_str(p.padding_hi), "."));
    }
    if (p.stride[i] <= 0) {
      throw std::invalid_argument(msg("[conv] Stride sizes must be positive. Got strides ",
                                      vec_str(p.stride), "."));
    }
    int dilated_in = 1 + p.input_dilation[i] * (in[1 + i] - 1);
    int dilated_k = 1 + p.kernel_dilation[i] * (wt[1 + i] - 1);
    if ((dilated_in + p.padding_lo[i] + p.padding_hi[i] - dilated_k) / p.stride[i] + 1 <= 0) {
      throw std::invalid_argument(msg(
          "[conv] Spatial dimensions of input after padding cannot be smaller than weight spatial "
          "dimensions. Got error at axis ", i + 1, " for input with shape ", shape_str(in),
          ", padding low ", vec_str(p.padding_lo), ", padding high ", vec_str(p.padding_hi),
          ", and weight of shape ", shape_str(wt), "."));
    }
  }
}

std::vector<int> per_axis(std::vector<int> v, int nd, int fill) {
  if (v.size() <= 1) return std::vector<int>(nd, v.empty() ? fill : v[0]);
  return v;
}

}  // namespace

array conv_general(array in, array wt, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  if (groups != 1 && in.ndim() != 3 && in.ndim() != 4) {
    throw std::invalid_argument("[conv] Can only handle groups != 1 in 1D or 2D convolutions.");
  }
  int nd = in.ndim() - 2;
  if (nd < 1 || nd > 3) {
    throw std::invalid_argument("[conv] Only works for inputs with 1-3 spatial dimensions. The "
                                "inputs must be in the format [N, ..., C_in]");
  }
  check_arrays(in, wt, nd, groups);
  Dtype dtype = promote_types(in.dtype(), wt.dtype());

  ConvParams p;
  p.stride = per_axis(std::move(stride), nd, 1);
  p.padding_lo = per_axis(std::move(padding_lo), nd, 0);
  p.padding_hi = per_axis(std::move(padding_hi), nd, 0);
  p.kernel_dilation = per_axis(std::move(kernel_dilation), nd, 1);
  p.input_dilation = per_axis(std::move(input_dilation), nd, 1);
  p.groups = groups;
  p.flip = flip;

  // Negative padding crops the input *before* input dilation, as MLX does
  // (with Python-style normalisation of a negative stop).
  Shape start(in.ndim(), 0), stop = in.shape(), step(in.ndim(), 1);
  bool crop = false;
  for (int i = 0; i < nd; ++i) {
    if (i < int(p.padding_lo.size()) && p.padding_lo[i] < 0) {
      start[1 + i] = -p.padding_lo[i];
      p.padding_lo[i] = 0;
      crop = true;
    }
    if (i < int(p.padding_hi.size()) && p.padding_hi[i] < 0) {
      stop[1 + i] += p.padding_hi[i];
      p.padding_hi[i] = 0;
      crop = true;
    }
  }
  if (crop) in = slice(in, start, stop, step, s);
  check_params(in.shape(), wt.shape(), p);

  Stream st = to_stream(s);
  if (dtype == complex64) {
    // Only the weight can be complex (the input must be real): convolve the
    // real and imaginary parts separately. (MLX 0.32.4 drops the imaginary part.)
    array x = astype(in, float32, s);
    array re = convolution(x, real(wt, s), p, st);
    array im = convolution(x, imag(wt, s), p, st);
    return add(astype(re, complex64, s),
               multiply(astype(im, complex64, s), array(complex64_t(0, 1)), s), s);
  }
  return convolution(astype(in, dtype, s), astype(wt, dtype, s), p, st);
}

array conv1d(const array& in, const array& wt, int stride, int padding, int dilation, int groups,
             StreamOrDevice s) {
  return conv_general(in, wt, {stride}, {padding}, {padding}, {dilation}, {1}, groups, false, s);
}

array conv2d(const array& in, const array& wt, const std::pair<int, int>& stride,
             const std::pair<int, int>& padding, const std::pair<int, int>& dilation, int groups,
             StreamOrDevice s) {
  std::vector<int> pad = {padding.first, padding.second};
  return conv_general(in, wt, {stride.first, stride.second}, pad, pad,
                      {dilation.first, dilation.second}, {1, 1}, groups, false, s);
}

array conv3d(const array& in, const array& wt, const std::tuple<int, int, int>& stride,
             const std::tuple<int, int, int>& padding, const std::tuple<int, int, int>& dilation,
             int groups, StreamOrDevice s) {
  auto v = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_general(in, wt, v(stride), v(padding), v(padding), v(dilation), {1, 1, 1}, groups,
                      false, s);
}

namespace {

// A transposed convolution is the convolution of the stride-dilated input with
// the flipped kernel, padded by (dilated kernel - 1 - padding) on each side
// plus output_padding at the end.
array conv_transpose_general(const array& in, const array& wt, const std::vector<int>& stride,
                             const std::vector<int>& padding, const std::vector<int>& dilation,
                             const std::vector<int>& output_padding, int groups, StreamOrDevice s) {
  std::vector<int> lo(padding.size()), hi(padding.size());
  for (size_t i = 0; i < padding.size(); ++i) {
    if (int(i) + 1 >= wt.ndim()) {
      // MLX 0.32.4 reads the kernel size before checking the weight's rank.
      throw std::out_of_range(msg("[conv_transpose] Weight with shape ", shape_str(wt.shape()),
                                  " has no spatial axis ", i + 1, "."));
    }
    int span = dilation[i] * (wt.shape(1 + int(i)) - 1);
    lo[i] = span - padding[i];
    hi[i] = span - padding[i] + output_padding[i];
  }
  return conv_general(in, wt, std::vector<int>(stride.size(), 1), lo, hi, dilation, stride, groups,
                      true, s);
}

std::vector<int> vec3(const std::tuple<int, int, int>& t) {
  return {std::get<0>(t), std::get<1>(t), std::get<2>(t)};
}

}  // namespace

array conv_transpose1d(const array& in, const array& wt, int stride, int padding, int dilation,
                       int output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(in, wt, {stride}, {padding}, {dilation}, {output_padding}, groups,
                                s);
}

array conv_transpose2d(const array& in, const array& wt, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  auto v = [](const std::pair<int, int>& p) { return std::vector<int>{p.first, p.second}; };
  return conv_transpose_general(in, wt, v(stride), v(padding), v(dilation), v(output_padding),
                                groups, s);
}

array conv_transpose3d(const array& in, const array& wt, const std::tuple<int, int, int>& stride,
                       const std::tuple<int, int, int>& padding,
                       const std::tuple<int, int, int>& dilation,
                       const std::tuple<int, int, int>& output_padding, int groups,
                       StreamOrDevice s) {
  return conv_transpose_general(in, wt, vec3(stride), vec3(padding), vec3(dilation),
                                vec3(output_padding), groups, s);
}

array convolve(const array& a_in, const array& v_in, const std::string& mode, StreamOrDevice s) {
  if (a_in.ndim() != 1 || v_in.ndim() != 1) {
    throw std::invalid_argument("[convolve] Inputs must be 1D.");
  }
  if (a_in.size() == 0 || v_in.size() == 0) {
    throw std::invalid_argument("[convolve] Inputs cannot be empty.");
  }
  // As np.convolve: the longer operand is the signal.
  const array& a = v_in.size() > a_in.size() ? v_in : a_in;
  const array& v = v_in.size() > a_in.size() ? a_in : v_in;
  int m = v.shape(0);
  int lo, hi;
  if (mode == "full") {
    lo = hi = m - 1;
  } else if (mode == "same") {
    // NumPy centres "same" on the full result starting at (m - 1) / 2.
    hi = (m - 1) / 2;
    lo = m - 1 - hi;
  } else if (mode == "valid") {
    lo = hi = 0;
  } else {
    throw std::invalid_argument("[convolve] Invalid mode.");
  }
  array in = reshape(a, {1, a.shape(0), 1}, s);
  array wt = reshape(v, {1, m, 1}, s);
  array out = conv_general(in, wt, {1}, {lo}, {hi}, {1}, {1}, 1, true, s);
  return reshape(out, {out.shape(1)}, s);
}

}  // namespace mlx_core
