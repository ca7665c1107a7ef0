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
