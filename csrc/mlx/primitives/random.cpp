#include "mlx/primitives/random.h"

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using VmapResult = std::pair<std::vector<array>, std::vector<int>>;

namespace {

// keys (..., 2) -> (..., shape)
Shape batched_shape(const array& keys, const Shape& shape) {
  Shape out(keys.shape().begin(), keys.shape().end() - 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

// Random values do not move with their key: the derivative is zero.
std::vector<array> zero_cotangents(const std::vector<array>& primals, const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i : argnums) out.push_back(zeros_like(primals[i]));
  return out;
}

}  // namespace

// ---- RandomBits ----

std::vector<Shape> RandomBits::output_shapes(const std::vector<array>& inputs) {
  return {batched_shape(inputs[0], shape_)};
}

std::vector<array> RandomBits::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  return zero_cotangents(primals, argnums);
}

std::vector<array> RandomBits::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&) {
  Dtype d = width_ == 1 ? uint8 : (width_ == 2 ? uint16 : uint32);
  return {zeros(batched_shape(primals[0], shape_), d)};
}

VmapResult RandomBits::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The kernel draws for every key of a (..., 2) array: put the batch first.
  array keys = vmap_to_front(inputs[0], axes[0]);
  auto p = std::make_shared<RandomBits>(stream(), shape_, width_);
  Dtype d = width_ == 1 ? uint8 : (width_ == 2 ? uint16 : uint32);
  return {{array(batched_shape(keys, shape_), d, p, {keys})}, {0}};
}

bool RandomBits::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const RandomBits*>(&other);
  return o && o->shape_ == shape_ && o->width_ == width_;
}

// ---- RandomSample ----

std::vector<Shape> RandomSample::output_shapes(const std::vector<array>& inputs) {
  return {batched_shape(inputs[0], shape_)};
}

std::vector<array> RandomSample::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  return zero_cotangents(primals, argnums);
}

std::vector<array> RandomSample::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros(batched_shape(primals[0], shape_), dtype_)};
}

VmapResult RandomSample::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array keys = vmap_to_front(inputs[0], axes[0]);
  auto p = std::make_shared<RandomSample>(stream(), kind_, shape_, dtype_, a_, b_, has_b_);
  return {{array(batched_shape(keys, shape_), dtype_, p, {keys})}, {0}};
}

bool RandomSample::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const RandomSample*>(&other);
  return o && o->kind_ == kind_ && o->shape_ == shape_ && o->dtype_ == dtype_ && o->a_ == a_ &&
         o->b_ == b_ && o->has_b_ == has_b_;
}

// ---- CategoricalSearch ----

std::vector<array> CategoricalSearch::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                          const std::vector<int>& argnums, const std::vector<array>&) {
  return zero_cotangents(primals, argnums);
}

std::vector<array> CategoricalSearch::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                          const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32, stream())};
}

}  // namespace mlx_core
