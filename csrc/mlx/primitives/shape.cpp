#include "mlx/primitives/shape.h"

namespace mlx_core {

template <typename P>
static const P* same_kind(const Primitive& other) {
  return dynamic_cast<const P*>(&other);
}

bool Reshape::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<Reshape>(other);
  return o && o->shape_ == shape_;
}
bool Transpose::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<Transpose>(other);
  return o && o->axes_ == axes_;
}
bool Broadcast::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<Broadcast>(other);
  return o && o->shape_ == shape_;
}
bool Slice::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<Slice>(other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->step_ == step_;
}
bool SliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<SliceUpdate>(other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->step_ == step_;
}
bool Concatenate::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<Concatenate>(other);
  return o && o->axis_ == axis_;
}
bool AsStrided::is_equivalent(const Primitive& other) const {
  auto* o = same_kind<AsStrided>(other);
  return o && o->shape_ == shape_ && o->strides_ == strides_ && o->offset_ == offset_;
}

}  // namespace mlx_core

// ---- autodiff ----------------------------------------------------------------

#include <optional>

#include "mlx/ops.h"

namespace mlx_core {

namespace {

using Arrays = std::vector<array>;

}  // namespace

Arrays Reshape::vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>&,
                    const Arrays&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
Arrays Reshape::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}

Arrays Transpose::vjp(const Arrays&, const Arrays& cotangents, const std::vector<int>&,
                      const Arrays&) {
  std::vector<int> inverse(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) inverse[axes_[i]] = int(i);
  return {transpose(cotangents[0], inverse, stream())};
}
Arrays Transpose::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}

// The cotangent sums over every axis the broadcast created or stretched.
Arrays Broadcast::vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>&,
                      const Arrays&) {
  Stream s = stream();
  const Shape& in = primals[0].shape();
  int lead = int(shape_.size() - in.size());
  std::vector<int> axes;
  for (int i = 0; i < int(shape_.size()); ++i) {
    if (i < lead || (in[i - lead] == 1 && shape_[i] != 1)) axes.push_back(i);
  }
  array c = cotangents[0];
  if (!axes.empty()) c = sum(c, axes, true, s);
  return {reshape(c, in, s)};
}
Arrays Broadcast::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}

// The cotangent of a slice lands in the sliced positions of a zero array.
Arrays Slice::vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>&,
                  const Arrays&) {
  Stream s = stream();
  return {slice_update(zeros_like(primals[0], s), cotangents[0], start_, stop_, step_, s)};
}
Arrays Slice::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {slice(tangents[0], start_, stop_, step_, stream())};
}

// Inputs: (src, update). The overwritten part of src gets no gradient.
Arrays SliceUpdate::vjp(const Arrays& primals, const Arrays& cotangents,
                        const std::vector<int>& argnums, const Arrays&) {
  Stream s = stream();
  const array& c = cotangents[0];
  Arrays grads;
  for (int arg : argnums) {
    if (arg == 0) {
      grads.push_back(slice_update(c, zeros_like(primals[1], s), start_, stop_, step_, s));
    } else {
      grads.push_back(slice(c, start_, stop_, step_, s));
    }
  }
  return grads;
}
Arrays SliceUpdate::jvp(const Arrays& primals, const Arrays& tangents,
                        const std::vector<int>& argnums) {
  Stream s = stream();
  array src = zeros_like(primals[0], s), update = zeros_like(primals[1], s);
  for (size_t i = 0; i < argnums.size(); ++i) (argnums[i] == 0 ? src : update) = tangents[i];
  return {slice_update(src, update, start_, stop_, step_, s)};
}

Arrays Concatenate::vjp(const Arrays& primals, const Arrays& cotangents,
                        const std::vector<int>& argnums, const Arrays&) {
  Stream s = stream();
  const array& c = cotangents[0];
  std::vector<int32_t> offsets{0};
  for (auto& p : primals) offsets.push_back(offsets.back() + p.shape(axis_));
  Arrays grads;
  for (int arg : argnums) {
    Shape start(c.ndim(), 0), stop = c.shape(), step(c.ndim(), 1);
    start[axis_] = offsets[arg];
    stop[axis_] = offsets[arg + 1];
    grads.push_back(slice(c, start, stop, step, s));
  }
  return grads;
}
// Every output element reads source element offset + sum_k i_k * stride_k; the
// cotangent is scatter-added there (elements read more than once accumulate).
Arrays AsStrided::vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>&,
                      const Arrays&) {
  Stream s = stream();
  const array& x = primals[0];
  array source_index = array(offset_);
  for (size_t k = 0; k < shape_.size(); ++k) {
    Shape along(shape_.size(), 1);
    along[k] = shape_[k];
    array steps = multiply(arange(0, shape_[k], 1, int64, s), array(strides_[k]), s);
    source_index = add(source_index, reshape(steps, along, s), s);
  }
  int64_t n = int64_t(shape_size(shape_));
  array flat_index = reshape(broadcast_to(source_index, shape_, s), {int32_t(n)}, s);
  array updates = reshape(cotangents[0], {int32_t(n), 1}, s);
  array grad = scatter(zeros({int32_t(x.size())}, cotangents[0].dtype(), s), {flat_index}, updates,
                       {0}, ScatterReduce::Sum, s);
  return {reshape(grad, x.shape(), s)};
}

// The same strided view of the (row-contiguous) tangent.
Arrays AsStrided::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, size_t(offset_), stream())};
}

Arrays Concatenate::jvp(const Arrays& primals, const Arrays& tangents,
                        const std::vector<int>& argnums) {
  Stream s = stream();
  Arrays parts;
  for (auto& p : primals) parts.push_back(zeros_like(p, s));
  for (size_t i = 0; i < argnums.size(); ++i) parts[argnums[i]] = tangents[i];
  return {concatenate(parts, axis_, s)};
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

VmapResult Reshape::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  Shape shape = shape_;
  shape.insert(shape.begin(), x.shape(0));
  return {{reshape(x, shape, stream())}, {0}};
}

VmapResult Transpose::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  std::vector<int> perm{0};
  for (int a : axes_) perm.push_back(a + 1);
  return {{transpose(x, perm, stream())}, {0}};
}

VmapResult Broadcast::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  int extra = int(shape_.size()) - (x.ndim() - 1);
  if (extra > 0) {
    std::vector<int> new_axes;
    for (int i = 0; i < extra; ++i) new_axes.push_back(i + 1);
    x = expand_dims(x, new_axes, stream());
  }
  Shape shape = shape_;
  shape.insert(shape.begin(), x.shape(0));
  return {{broadcast_to(x, shape, stream())}, {0}};
}

namespace {
Shape prepend(const Shape& s, int v) {
  Shape out = s;
  out.insert(out.begin(), v);
  return out;
}
}  // namespace

VmapResult Slice::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{slice(x, prepend(start_, 0), prepend(stop_, x.shape(0)), prepend(step_, 1), stream())},
          {0}};
}

VmapResult SliceUpdate::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto ins = vmap_align(inputs, axes);
  int b = ins[0].shape(0);
  return {{slice_update(ins[0], ins[1], prepend(start_, 0), prepend(stop_, b), prepend(step_, 1),
                        stream())},
          {0}};
}

VmapResult Concatenate::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto ins = vmap_align(inputs, axes);
  Shape shape = ins[0].shape();
  shape[axis_ + 1] = 0;
  for (auto& a : ins) shape[axis_ + 1] += a.shape(axis_ + 1);
  Dtype d = ins[0].dtype();
  return {{array(shape, d, std::make_shared<Concatenate>(stream(), axis_ + 1), ins)}, {0}};
}

}  // namespace mlx_core
