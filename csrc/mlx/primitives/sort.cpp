#include "mlx/primitives/sort.h"

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using VmapResult = std::pair<std::vector<array>, std::vector<int>>;

bool Sort::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Sort*>(&other);
  return o && o->axis_ == axis_;
}
bool ArgSort::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgSort*>(&other);
  return o && o->axis_ == axis_;
}
bool Partition::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Partition*>(&other);
  return o && o->kth_ == kth_ && o->axis_ == axis_;
}
bool ArgPartition::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgPartition*>(&other);
  return o && o->kth_ == kth_ && o->axis_ == axis_;
}
bool ArgTopK::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgTopK*>(&other);
  return o && o->k_ == k_ && o->axis_ == axis_;
}
bool SearchSorted::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SearchSorted*>(&other);
  return o && o->right_ == right_;
}

// ---- autodiff ------------------------------------------------------------------
// Sort and Partition permute their input along the axis: the cotangent goes back
// through the same permutation (a scatter), the tangent is gathered by it. The
// permutation comes from ArgSort / ArgPartition, whose kernels order ties exactly
// as the value kernels do.

namespace {
array arg_sort_node(const array& x, int axis, Stream s) {
  return array(x.shape(), uint32, std::make_shared<ArgSort>(s, axis), {x});
}
array arg_partition_node(const array& x, int kth, int axis, Stream s) {
  return array(x.shape(), uint32, std::make_shared<ArgPartition>(s, kth, axis), {x});
}
}  // namespace

std::vector<array> Sort::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  Stream s = stream();
  const array& x = primals[0];
  return {scatter_add_axis_internal(zeros_like(x, s), arg_sort_node(x, axis_, s), cotangents[0], axis_, s)};
}
std::vector<array> Sort::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {gather_axis_internal(tangents[0], arg_sort_node(primals[0], axis_, stream()), axis_, stream())};
}

std::vector<array> Partition::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  Stream s = stream();
  const array& x = primals[0];
  array perm = arg_partition_node(x, kth_, axis_, s);
  return {scatter_add_axis_internal(zeros_like(x, s), perm, cotangents[0], axis_, s)};
}
std::vector<array> Partition::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  Stream s = stream();
  return {gather_axis_internal(tangents[0], arg_partition_node(primals[0], kth_, axis_, s), axis_, s)};
}

// Index outputs are piecewise constant. MLX's forward rules return uint32
// zeros for ArgSort but zeros of the input's dtype for ArgPartition.
std::vector<array> ArgSort::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgSort::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&) {
  return {zeros(primals[0].shape(), uint32, stream())};
}
std::vector<array> ArgPartition::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgPartition::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgTopK::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}
std::vector<array> ArgTopK::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                const std::vector<int>&) {
  Shape shape = primals[0].shape();
  shape[axis_] = k_;
  return {zeros(shape, uint32, stream())};
}
std::vector<array> SearchSorted::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) out.push_back(zeros_like(primals[i], stream()));
  return out;
}
std::vector<array> SearchSorted::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32, stream())};
}

// ---- vmap ------------------------------------------------------------------------
// The batch axis goes to the front and the primitive's axis shifts by one.

VmapResult Sort::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{array(x.shape(), x.dtype(), std::make_shared<Sort>(stream(), axis_ + 1), {x})}, {0}};
}
VmapResult ArgSort::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{arg_sort_node(x, axis_ + 1, stream())}, {0}};
}
VmapResult Partition::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{array(x.shape(), x.dtype(), std::make_shared<Partition>(stream(), kth_, axis_ + 1), {x})}, {0}};
}
VmapResult ArgPartition::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{arg_partition_node(x, kth_, axis_ + 1, stream())}, {0}};
}
VmapResult ArgTopK::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  Shape shape = x.shape();
  shape[axis_ + 1] = k_;
  return {{array(shape, uint32, std::make_shared<ArgTopK>(stream(), k_, axis_ + 1), {x})}, {0}};
}
VmapResult SearchSorted::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (axes[0] >= 0) {
    throw std::invalid_argument(
        "[searchsorted] Cannot vmap over the sorted sequence, only over the values being searched for.");
  }
  // The values' shape is free: the batched values are just more values.
  return {{array(inputs[1].shape(), uint32, std::make_shared<SearchSorted>(stream(), right_), inputs)},
          {axes[1]}};
}
}  // namespace mlx_core
