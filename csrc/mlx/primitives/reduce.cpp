#include "mlx/primitives/reduce.h"

namespace mlx_core {

bool Reduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Reduce*>(&other);
  return o && o->type_ == type_ && o->axes_ == axes_;
}

const char* Reduce::name() const {
  switch (type_) {
    case ReduceType::Sum: return "Sum";
    case ReduceType::Prod: return "Prod";
    case ReduceType::Max: return "Max";
    case ReduceType::Min: return "Min";
    case ReduceType::And: return "And";
    case ReduceType::Or: return "Or";
  }
  return "Reduce";
}

bool ArgReduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgReduce*>(&other);
  return o && o->kind_ == kind_ && o->axis_ == axis_;
}

bool Softmax::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Softmax*>(&other);
  return o && o->precise_ == precise_;
}

}  // namespace mlx_core

// ---- autodiff ----------------------------------------------------------------

#include <algorithm>

#include "mlx/ops.h"

namespace mlx_core {

namespace {

// For Max/Min: which inputs attain the extreme, and how many per reduction
// (ties share the gradient equally, as MLX does).
std::pair<array, array> extreme_mask(const array& x, const array& out,
                                     const std::vector<int>& axes, Stream s) {
  array mask = astype(equal(x, out, s), x.dtype(), s);
  return {mask, sum(mask, axes, true, s)};
}

// d prod / d x_i = prod of the others, without dividing by zero: with one
// zero in the reduction only that element gets the product of the rest.
array prod_partials(const array& x, const std::vector<int>& axes, Stream s) {
  array zero = zeros_like(x, s);
  array is_zero = equal(x, zero, s);
  array nonzero = where(is_zero, ones_like(x, s), x, s);
  array p = prod(nonzero, axes, true, s);
  array zero_count = sum(astype(is_zero, int32, s), axes, true, s);
  array none = equal(zero_count, zeros_like(zero_count, s), s);
  array one = equal(zero_count, ones_like(zero_count, s), s);
  return where(is_zero, where(one, broadcast_to(p, x.shape(), s), zero, s),
               where(none, divide(p, nonzero, s), zero, s), s);
}

}  // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>& outputs) {
  Stream s = stream();
  const array& x = primals[0];
  array c = astype(cotangents[0], x.dtype(), s);
  switch (type_) {
    case ReduceType::Sum: return {broadcast_to(c, x.shape(), s)};
    case ReduceType::Prod: return {multiply(c, prod_partials(x, axes_, s), s)};
    case ReduceType::Max:
    case ReduceType::Min: {
      auto [mask, count] = extreme_mask(x, outputs[0], axes_, s);
      return {multiply(mask, divide(c, count, s), s)};
    }
    default: return {zeros_like(x, s)};
  }
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  Stream s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case ReduceType::Sum: return {sum(t, axes_, true, s)};
    case ReduceType::Prod: return {sum(multiply(t, prod_partials(x, axes_, s), s), axes_, true, s)};
    case ReduceType::Max:
    case ReduceType::Min: {
      // MLX's forward rule follows the first extreme element (the vjp splits ties).
      // Move the reduced axes last, flatten them, and pick by arg-reduction.
      std::vector<int> perm;
      Shape kept;
      int n = 1;
      for (int i = 0; i < x.ndim(); ++i) {
        if (std::find(axes_.begin(), axes_.end(), i) == axes_.end()) {
          perm.push_back(i);
          kept.push_back(x.shape(i));
        }
      }
      for (int ax : axes_) {
        perm.push_back(ax);
        n *= x.shape(ax);
      }
      Shape flat = kept;
      flat.push_back(n);
      array xf = reshape(transpose(x, perm, s), flat, s);
      array tf = reshape(transpose(t, perm, s), flat, s);
      int last = int(kept.size());
      array idx = type_ == ReduceType::Max ? argmax(xf, last, true, s) : argmin(xf, last, true, s);
      array pick = equal(arange(0, n, 1, uint32, s), idx, s);
      return {reshape(sum(where(pick, tf, zeros_like(tf, s), s), {last}, true, s),
                      reduced_shape(x), s)};
    }
    // all/any: MLX applies the product rule to them, in the tangent's dtype
    // (int32 for a boolean tangent, as summing bools gives).
    default: {
      Dtype d = t.dtype() == bool_ ? int32 : t.dtype();
      array partials = astype(prod_partials(astype(x, d, s), axes_, s), d, s);
      return {sum(multiply(astype(t, d, s), partials, s), axes_, true, s)};
    }
  }
}

Shape Reduce::reduced_shape(const array& x) const {
  Shape shape = x.shape();
  for (int ax : axes_) shape[ax] = 1;
  return shape;
}

// Index outputs are piecewise constant: zero derivative.
std::vector<array> ArgReduce::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> ArgReduce::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&) {
  Shape shape = primals[0].shape();
  shape[axis_] = 1;
  return {zeros(shape, uint32, stream())};
}

// y = softmax(x): dx = y * (dy - sum(dy * y)) over the last axis (both ways).
static array softmax_pullback(const array& y, const array& d, Stream s) {
  return multiply(y, subtract(d, sum(multiply(d, y, s), {y.ndim() - 1}, true, s), s), s);
}

std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  return {softmax_pullback(outputs[0], cotangents[0], stream())};
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  Stream s = stream();
  array y(primals[0].shape(), primals[0].dtype(), std::make_shared<Softmax>(s, precise_), primals);
  return {softmax_pullback(y, tangents[0], s)};
}

}  // namespace mlx_core

// ---- vmap ----------------------------------------------------------------------
// Each rule moves the batch axis of batched inputs to the front (broadcasting
// unbatched ones where the primitive needs equal shapes) and rebuilds the node
// with its axes shifted by one; every output is batched along axis 0.

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using VmapResult = std::pair<std::vector<array>, std::vector<int>>;

VmapResult Reduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  std::vector<int> shifted;
  Shape shape = x.shape();
  for (int ax : axes_) {
    shifted.push_back(ax + 1);
    shape[ax + 1] = 1;
  }
  return {{array(shape, x.dtype(), std::make_shared<Reduce>(stream(), type_, shifted), {x})}, {0}};
}

VmapResult ArgReduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  Shape shape = x.shape();
  shape[axis_ + 1] = 1;
  return {{array(shape, uint32, std::make_shared<ArgReduce>(stream(), kind_, axis_ + 1), {x})},
          {0}};
}

VmapResult Softmax::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{array(x.shape(), x.dtype(), std::make_shared<Softmax>(stream(), precise_), {x})}, {0}};
}

}  // namespace mlx_core
