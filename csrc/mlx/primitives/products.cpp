// Transformation rules of the product primitives. Every rule is built from op
// builders, so its result is a lazy graph that transforms again.
#include "mlx/primitives/products.h"

#include <optional>

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

namespace {

// Sums each block_size x block_size tile of x (..., R, C) into one entry.
array block_sum(const array& x, int bs, Stream s) {
  int nd = x.ndim();
  int R = x.shape(-2), C = x.shape(-1);
  int rb = (R + bs - 1) / bs, cb = (C + bs - 1) / bs;
  std::vector<std::pair<int, int>> widths(nd, {0, 0});
  widths[nd - 2] = {0, rb * bs - R};
  widths[nd - 1] = {0, cb * bs - C};
  array padded = pad(x, widths, astype(array(0.0f), x.dtype()), "constant", s);
  Shape shape(x.shape().begin(), x.shape().end() - 2);
  shape.insert(shape.end(), {rb, bs, cb, bs});
  return sum(reshape(padded, shape, s), {nd - 1, nd + 1}, false, s);
}

std::optional<array> maybe_swap(const std::optional<array>& m, Stream s) {
  if (!m) return std::nullopt;
  return swapaxes(*m, -1, -2, s);
}

}  // namespace

bool AddMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AddMM*>(&other);
  return o && o->alpha_ == alpha_ && o->beta_ == beta_;
}

namespace {
array adjoint_of(const array& x, Stream s) {
  array t = swapaxes(x, -1, -2, s);
  return x.dtype() == complex64 ? conjugate(t, s) : t;
}
array scaled(const array& x, float v, Stream s) {
  return v == 1.0f ? x : multiply(astype(array(v), x.dtype(), s), x, s);
}
}  // namespace

std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array& g = cotangents[0];
  std::vector<array> grads;
  for (int arg : argnums) {
    if (arg == 0) grads.push_back(scaled(g, beta_, s));
    if (arg == 1) grads.push_back(scaled(matmul(g, adjoint_of(primals[2], s), s), alpha_, s));
    if (arg == 2) grads.push_back(scaled(matmul(adjoint_of(primals[1], s), g, s), alpha_, s));
  }
  return grads;
}

std::vector<array> AddMM::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  Stream s = stream();
  std::optional<array> total;
  for (size_t i = 0; i < argnums.size(); ++i) {
    const array& t = tangents[i];
    array term = argnums[i] == 0 ? scaled(t, beta_, s)
                 : argnums[i] == 1 ? scaled(matmul(t, primals[2], s), alpha_, s)
                                   : scaled(matmul(primals[1], t, s), alpha_, s);
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
}

std::pair<std::vector<array>, std::vector<int>> AddMM::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  std::vector<array> ins = vmap_align(inputs, axes);
  return {{addmm(ins[0], ins[1], ins[2], alpha_, beta_, stream())}, {0}};
}

bool BlockMaskedMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const BlockMaskedMM*>(&other);
  return o && o->block_size_ == block_size_ && o->has_out_ == has_out_ &&
         o->has_lhs_ == has_lhs_ && o->has_rhs_ == has_rhs_;
}

// out = Mo ⊙ ((Ml ⊙ A) @ (Mr ⊙ B)): the derivatives are block-masked matmuls
// with the masks' roles exchanged; mask derivatives are block sums.
std::vector<array> BlockMaskedMM::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &b = primals[1], &g = cotangents[0];
  std::optional<array> mo, ml, mr;
  int next = 2, out_pos = -1, lhs_pos = -1, rhs_pos = -1;
  if (has_out_) mo = primals[out_pos = next++];
  if (has_lhs_) ml = primals[lhs_pos = next++];
  if (has_rhs_) mr = primals[rhs_pos = next++];
  array at = swapaxes(a, -1, -2, s), bt = swapaxes(b, -1, -2, s);
  std::vector<array> grads;
  for (int arg : argnums) {
    if (arg == 0) {
      grads.push_back(block_masked_mm(g, bt, block_size_, ml, mo, maybe_swap(mr, s), s));
    } else if (arg == 1) {
      grads.push_back(block_masked_mm(at, g, block_size_, mr, maybe_swap(ml, s), mo, s));
    } else if (primals[arg].dtype() == bool_) {
      grads.push_back(zeros_like(primals[arg], s));
    } else if (arg == out_pos) {
      array prod = block_masked_mm(a, b, block_size_, std::nullopt, ml, mr, s);
      grads.push_back(block_sum(multiply(g, prod, s), block_size_, s));
    } else if (arg == lhs_pos) {
      array da = block_masked_mm(g, bt, block_size_, std::nullopt, mo, maybe_swap(mr, s), s);
      grads.push_back(block_sum(multiply(a, da, s), block_size_, s));
    } else {
      array db = block_masked_mm(at, g, block_size_, std::nullopt, maybe_swap(ml, s), mo, s);
      grads.push_back(block_sum(multiply(b, db, s), block_size_, s));
    }
  }
  return grads;
}

// out[i] = A[l_i] @ B[r_i]. dA[j] = sum over i with l_i = j of G[i] @ B[r_i]^T:
// the per-item products come from gather_mm, the scatter-add from a one-hot
// matrix product (indices were clamped, so every row lands somewhere).
std::vector<array> GatherMM::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &b = primals[1], &li = primals[2], &ri = primals[3];
  const array& g = cotangents[0];
  int na = a.shape(0), nb = b.shape(0), M = a.shape(1), K = a.shape(2), N = b.shape(2);
  int nout = int(li.size());
  array gf = reshape(g, {nout, M, N}, s);
  array lf = reshape(li, {nout}, s), rf = reshape(ri, {nout}, s);
  array items = arange(0, nout, 1, uint32, s);
  auto scatter = [&](const array& idx, int n, const array& per_item, int rows, int cols) {
    array onehot = astype(equal(reshape(arange(0, n, 1, uint32, s), {n, 1}, s),
                                reshape(idx, {1, nout}, s), s),
                          per_item.dtype(), s);
    return reshape(matmul(onehot, reshape(per_item, {nout, rows * cols}, s), s), {n, rows, cols}, s);
  };
  std::vector<array> grads;
  for (int arg : argnums) {
    if (arg == 0) {
      array per_item = gather_mm(gf, swapaxes(b, -1, -2, s), items, rf, false, s);
      grads.push_back(scatter(lf, na, per_item, M, K));
    } else if (arg == 1) {
      array per_item = gather_mm(swapaxes(a, -1, -2, s), gf, lf, items, false, s);
      grads.push_back(scatter(rf, nb, per_item, K, N));
    } else {
      grads.push_back(zeros_like(primals[arg], s));
    }
  }
  return grads;
}

bool Hadamard::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Hadamard*>(&other);
  return o && o->scale_ == scale_ && o->transposed_ == transposed_;
}

// Linear in x: the vjp applies H^T (MLX applies H, which differs for m = 20
// and 28 whose matrices are not symmetric), the jvp applies H.
std::vector<array> Hadamard::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                 const std::vector<int>&, const std::vector<array>&) {
  const array& g = cotangents[0];
  return {array(g.shape(), g.dtype(), std::make_shared<Hadamard>(stream(), scale_, !transposed_),
                {g})};
}

std::vector<array> Hadamard::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  const array& t = tangents[0];
  return {array(t.shape(), t.dtype(), std::make_shared<Hadamard>(stream(), scale_, transposed_),
                {t})};
}

std::pair<std::vector<array>, std::vector<int>> Hadamard::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  Stream s = stream();
  array x = vmap_to_front(inputs[0], axes[0]);
  bool scalar_items = x.ndim() == 1;  // each example is 0-d: a transform of size 1
  if (scalar_items) x = expand_dims(x, {1}, s);
  array y(x.shape(), x.dtype(), std::make_shared<Hadamard>(s, scale_, transposed_), {x});
  if (scalar_items) y = squeeze(y, {1}, s);
  return {{y}, {0}};
}

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) outputs[i].copy_shared_buffer(inputs[i]);
}

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> grads;
  for (int arg : argnums) {
    grads.push_back(arg < num_outputs_ ? cotangents[arg] : zeros_like(primals[arg], stream()));
  }
  return grads;
}

std::vector<Shape> Depends::output_shapes(const std::vector<array>& in) {
  std::vector<Shape> shapes;
  for (int i = 0; i < num_outputs_; ++i) shapes.push_back(in[i].shape());
  return shapes;
}

bool Depends::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Depends*>(&other);
  return o && o->num_outputs_ == num_outputs_;
}

}  // namespace mlx_core
