#include "mlx/primitives/ternary.h"

#include "mlx/ops.h"

namespace mlx_core {

// Inputs: (condition, x, y). Each branch gets the cotangent where it was
// chosen; the boolean condition gets zeros.
std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array& cond = primals[0];
  const array& c = cotangents[0];
  std::vector<array> grads;
  for (int arg : argnums) {
    array zero = zeros_like(primals[arg], s);
    if (arg == 0) grads.push_back(zero);
    else if (arg == 1) grads.push_back(where(cond, c, zero, s));
    else grads.push_back(where(cond, zero, c, s));
  }
  return grads;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  array x = zeros_like(primals[1], s), y = zeros_like(primals[2], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 1) x = tangents[i];
    if (argnums[i] == 2) y = tangents[i];
  }
  return {where(primals[0], x, y, s)};
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

VmapResult Select::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto ins = vmap_align(inputs, axes);
  return {{array(ins[0].shape(), ins[1].dtype(), std::make_shared<Select>(stream()), ins)}, {0}};
}

}  // namespace mlx_core
