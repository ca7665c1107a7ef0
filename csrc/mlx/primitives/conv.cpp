#include "mlx/primitives/conv.h"

#include <optional>

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

int conv_output_size(int in, int kernel, const ConvParams& p, int axis) {
  int dilated_in = 1 + p.input_dilation[axis] * (in - 1);
  int dilated_kernel = 1 + p.kernel_dilation[axis] * (kernel - 1);
  // C++ division truncates toward zero, as MLX's does: a kernel that overhangs
  // the padded input by less than one stride still gives one output.
  int n = (dilated_in + p.padding_lo[axis] + p.padding_hi[axis] - dilated_kernel) / p.stride[axis] + 1;
  return std::max(n, 0);
}

Shape conv_output_shape(const Shape& in, const Shape& wt, const ConvParams& p) {
  Shape out(in.size());
  out[0] = in[0];
  for (size_t i = 1; i + 1 < in.size(); ++i) out[i] = conv_output_size(in[i], wt[i], p, int(i - 1));
  out.back() = wt[0];
  return out;
}

array convolution(const array& in, const array& wt, const ConvParams& params, Stream s) {
  return array(conv_output_shape(in.shape(), wt.shape(), params), in.dtype(),
               std::make_shared<Convolution>(s, params), {in, wt});
}

std::vector<Shape> Convolution::output_shapes(const std::vector<array>& inputs) {
  return {conv_output_shape(inputs[0].shape(), inputs[1].shape(), params_)};
}

bool Convolution::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Convolution*>(&other);
  return o && o->params_ == params_;
}

namespace {

bool has_zero_dim(const array& a) {
  for (int d : a.shape()) {
    if (d == 0) return true;
  }
  return false;
}

std::vector<int> iota_from(int start, int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

}  // namespace

// Both gradients are convolutions again (per spatial axis, with L the input
// length, Ld = (L - 1) * input_dilation + 1 its dilated length, K the kernel
// length and O the output length):
// - input: the cotangent, dilated by the stride, correlated with the weight
//   whose in/out channels are swapped (per group) and whose flip is reversed;
//   padded so the result covers the dilated input exactly, then subsampled by
//   the input dilation.
// - weight: the input, with batch and channels swapped (channels become the
//   "batch", the batch becomes the reduced channels, grouped), correlated with
//   the cotangent as the kernel, dilated by the stride, strided by the kernel
//   dilation; padded so exactly K positions come out.
std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array& x = primals[0];
  const array& w = primals[1];
  const array& dy = cotangents[0];
  const ConvParams& p = params_;
  int nd = x.ndim() - 2;
  int G = p.groups;
  int N = x.shape(0), C_in = x.shape(-1), C_out = w.shape(0), Cg_in = w.shape(-1);
  int Cg_out = C_out / G;
  std::vector<int> spatial = iota_from(1, nd);
  bool empty = has_zero_dim(x) || has_zero_dim(w) || has_zero_dim(dy);

  std::vector<array> grads;
  for (int arg : argnums) {
    if (empty) {
      grads.push_back(zeros_like(primals[arg], s));
      continue;
    }
    if (arg == 0) {
      // (C_out, K..., Cg_in) -> (G, Cg_out, K..., Cg_in) -> (G, Cg_in, K..., Cg_out)
      Shape grouped = {G, Cg_out};
      for (int i = 0; i < nd; ++i) grouped.push_back(w.shape(1 + i));
      grouped.push_back(Cg_in);
      std::vector<int> perm = {0, nd + 2};
      for (int i = 0; i < nd; ++i) perm.push_back(2 + i);
      perm.push_back(1);
      Shape swapped = {C_in};
      for (int i = 0; i < nd; ++i) swapped.push_back(w.shape(1 + i));
      swapped.push_back(Cg_out);
      array wt = reshape(transpose(reshape(w, grouped, s), perm, s), swapped, s);
      ConvParams q;
      q.groups = G;
      q.flip = !p.flip;
      Shape start(nd + 2, 0), stop = x.shape(), step(nd + 2, 1);
      bool subsample = false;
      for (int i = 0; i < nd; ++i) {
        int L = x.shape(1 + i), K = w.shape(1 + i), O = dy.shape(1 + i);
        int Ld = (L - 1) * p.input_dilation[i] + 1;
        q.stride.push_back(1);
        q.kernel_dilation.push_back(p.kernel_dilation[i]);
        q.input_dilation.push_back(p.stride[i]);
        q.padding_lo.push_back(p.kernel_dilation[i] * (K - 1) - p.padding_lo[i]);
        q.padding_hi.push_back(Ld - (O - 1) * p.stride[i] - 1 + p.padding_lo[i]);
        stop[1 + i] = Ld;
        step[1 + i] = p.input_dilation[i];
        subsample |= p.input_dilation[i] != 1;
      }
      array dx = convolution(dy, wt, q, s);
      if (subsample) dx = slice(dx, start, stop, step, s);
      grads.push_back(dx);
    } else {
      // x: (N, L..., C_in) -> (N, L..., G, Cg_in) -> (Cg_in, L..., G, N) -> (Cg_in, L..., G*N)
      Shape grouped = {N};
      for (int i = 0; i < nd; ++i) grouped.push_back(x.shape(1 + i));
      grouped.insert(grouped.end(), {G, Cg_in});
      std::vector<int> perm = {nd + 2};
      for (int i = 0; i < nd; ++i) perm.push_back(1 + i);
      perm.insert(perm.end(), {nd + 1, 0});
      Shape merged = {Cg_in};
      for (int i = 0; i < nd; ++i) merged.push_back(x.shape(1 + i));
      merged.push_back(G * N);
      // (With one group this is a plain transpose: a view the kernel reads in place.)
      std::vector<int> plain = {nd + 1};
      for (int i = 0; i < nd; ++i) plain.push_back(1 + i);
      plain.push_back(0);
      array xt = G == 1 ? transpose(x, plain, s)
                        : reshape(transpose(reshape(x, grouped, s), perm, s), merged, s);
      // dy: (N, O..., C_out) -> (C_out, O..., N)
      std::vector<int> dperm = {nd + 1};
      for (int i = 0; i < nd; ++i) dperm.push_back(1 + i);
      dperm.push_back(0);
      array dyt = transpose(dy, dperm, s);
      ConvParams q;
      q.groups = G;
      q.flip = false;
      for (int i = 0; i < nd; ++i) {
        int L = x.shape(1 + i), K = w.shape(1 + i), O = dy.shape(1 + i);
        int Ld = (L - 1) * p.input_dilation[i] + 1;
        q.stride.push_back(p.kernel_dilation[i]);
        q.kernel_dilation.push_back(p.stride[i]);
        q.input_dilation.push_back(p.input_dilation[i]);
        q.padding_lo.push_back(p.padding_lo[i]);
        q.padding_hi.push_back((K - 1) * p.kernel_dilation[i] + (O - 1) * p.stride[i] + 1 - Ld -
                               p.padding_lo[i]);
      }
      array dwt = convolution(xt, dyt, q, s);  // (Cg_in, K..., C_out)
      std::vector<int> back = {nd + 1};
      for (int i = 0; i < nd; ++i) back.push_back(1 + i);
      back.push_back(0);
      array dw = transpose(dwt, back, s);
      if (p.flip) dw = flip(dw, spatial, s);
      grads.push_back(dw);
    }
  }
  return grads;
}

std::vector<array> Convolution::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  Stream s = stream();
  std::optional<array> total;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = argnums[i] == 0 ? convolution(tangents[i], primals[1], params_, s)
                                 : convolution(primals[0], tangents[i], params_, s);
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
}

// A batched input folds into N. A batched weight folds into the groups: the
// examples' channels sit side by side (input (N, L..., B * C_in), weight
// (B * C_out, K..., Cg_in), B * groups groups), so example b only meets its own
// weights.
std::pair<std::vector<array>, std::vector<int>> Convolution::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  Stream s = stream();
  int nd = inputs[0].ndim() - 2 + (axes[0] >= 0 ? -1 : 0);
  if (axes[1] < 0) {
    array x = vmap_to_front(inputs[0], axes[0]);
    int B = x.shape(0);
    Shape folded = x.shape();
    folded.erase(folded.begin());
    folded[0] *= B;
    array y = convolution(reshape(x, folded, s), inputs[1], params_, s);
    Shape unfolded = y.shape();
    unfolded[0] /= (B ? B : 1);
    unfolded.insert(unfolded.begin(), B);
    if (B == 0) unfolded[1] = x.shape(1);
    return {{reshape(y, unfolded, s)}, {0}};
  }
  std::vector<array> al = vmap_align(inputs, axes);
  array x = al[0], w = al[1];  // (B, N, L..., C_in), (B, C_out, K..., Cg_in)
  int B = x.shape(0), N = x.shape(1), C_in = x.shape(-1), C_out = w.shape(1);
  std::vector<int> perm;
  for (int i = 1; i <= nd + 1; ++i) perm.push_back(i);
  perm.insert(perm.end(), {0, nd + 2});
  Shape xs = {N};
  for (int i = 0; i < nd; ++i) xs.push_back(x.shape(2 + i));
  xs.push_back(B * C_in);
  array xf = reshape(transpose(x, perm, s), xs, s);
  Shape ws = w.shape();
  ws.erase(ws.begin());
  ws[0] = B * C_out;
  array wf = reshape(w, ws, s);
  ConvParams q = params_;
  q.groups = params_.groups * B;
  if (B == 0) q.groups = 1;
  array y = convolution(xf, wf, q, s);  // (N, O..., B * C_out)
  Shape ys = y.shape();
  ys.back() = C_out;
  ys.insert(ys.end() - 1, B);
  return {{moveaxis(reshape(y, ys, s), -2, 0, s)}, {0}};
}

}  // namespace mlx_core
