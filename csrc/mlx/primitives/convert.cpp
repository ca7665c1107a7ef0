#include "mlx/primitives/convert.h"

namespace mlx_core {

bool AsType::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsType*>(&other);
  return o && o->dtype_ == dtype_;
}
bool Contiguous::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Contiguous*>(&other);
  return o && o->allow_col_major_ == allow_col_major_;
}
bool View::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const View*>(&other);
  return o && o->dtype_ == dtype_;
}
bool Arange::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Arange*>(&other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->step_ == step_;
}

}  // namespace mlx_core

// ---- autodiff ----------------------------------------------------------------

#include "mlx/ops.h"

namespace mlx_core {

using Arrays = std::vector<array>;

Arrays AsType::vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>&,
                   const Arrays&) {
  return {astype(cotangents[0], primals[0].dtype(), stream())};
}
Arrays AsType::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}

Arrays Contiguous::vjp(const Arrays&, const Arrays& cotangents, const std::vector<int>&,
                       const Arrays&) {
  return {cotangents[0]};
}
Arrays Contiguous::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {tangents[0]};
}

Arrays StopGradient::vjp(const Arrays& primals, const Arrays&, const std::vector<int>&,
                         const Arrays&) {
  return {zeros_like(primals[0], stream())};
}
Arrays StopGradient::jvp(const Arrays& primals, const Arrays&, const std::vector<int>&) {
  return {zeros_like(primals[0], stream())};
}

Arrays Identity::vjp(const Arrays&, const Arrays& cotangents, const std::vector<int>&,
                     const Arrays&) {
  return {cotangents[0]};
}
Arrays Identity::jvp(const Arrays&, const Arrays& tangents, const std::vector<int>&) {
  return {tangents[0]};
}

// MLX names the target dtype in these errors ("Not implemented for View int32.").
Arrays View::vjp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays&) {
  throw std::invalid_argument(std::string("[Primitive::vjp] Not implemented for View ") + dtype_name(dtype_) + ".");
}
Arrays View::jvp(const Arrays&, const Arrays&, const std::vector<int>&) {
  throw std::invalid_argument(std::string("[Primitive::jvp] Not implemented for View ") + dtype_name(dtype_) + ".");
}

Arrays Arange::vjp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays&) {
  return {};
}
Arrays Arange::jvp(const Arrays&, const Arrays&, const std::vector<int>&) { return {}; }

}  // namespace mlx_core

// ---- vmap ----------------------------------------------------------------------
// Each rule moves the batch axis of batched inputs to the front (broadcasting
// unbatched ones where the primitive needs equal shapes) and rebuilds the node
// with its axes shifted by one; every output is batched along axis 0.

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using VmapResult = std::pair<std::vector<array>, std::vector<int>>;

VmapResult AsType::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_, stream())}, {axes[0]}};
}

VmapResult Contiguous::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{contiguous(vmap_to_front(inputs[0], axes[0]), allow_col_major_, stream())}, {0}};
}

VmapResult StopGradient::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{stop_gradient(inputs[0], stream())}, {axes[0]}};
}

VmapResult Identity::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{inputs[0]}, {axes[0]}};
}

// A view that changes the item size rescales the last axis, so the batch axis
// must not be last; otherwise it stays where it is.
VmapResult View::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = inputs[0];
  int axis = axes[0];
  if (x.itemsize() != dtype_.size && axis == x.ndim() - 1) {
    x = vmap_to_front(x, axis);
    axis = 0;
  }
  return {{view(x, dtype_, stream())}, {axis}};
}

VmapResult Arange::vmap(const std::vector<array>&, const std::vector<int>&) {
  // vmap only visits nodes that depend on a batched input; Arange has none.
  throw std::logic_error("[Arange::vmap] Arange has no inputs to batch.");
}

}  // namespace mlx_core
