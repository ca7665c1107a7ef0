#include "mlx/primitives/linalg.h"

#include <optional>

#include "mlx/ops.h"

namespace mlx_core {

namespace {

// The (conjugate) transpose of the last two axes.
array adjoint(const array& a, Stream s) {
  array t = swapaxes(a, -1, -2, s);
  return a.dtype() == complex64 ? conjugate(t, s) : t;
}

}  // namespace

// out = a @ b with equal batch shapes (the builder broadcast them, so the
// Broadcast nodes above reduce the batch gradient back to each input).
std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array& c = cotangents[0];
  std::vector<array> grads;
  for (int arg : argnums) {
    grads.push_back(arg == 0 ? matmul(c, adjoint(primals[1], s), s)
                             : matmul(adjoint(primals[0], s), c, s));
  }
  return grads;
}

std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  std::optional<array> total;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = argnums[i] == 0 ? matmul(tangents[i], primals[1], s)
                                 : matmul(primals[0], tangents[i], s);
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
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

VmapResult Matmul::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> ins;
  for (int i = 0; i < 2; ++i) {
    ins.push_back(axes[i] >= 0 ? vmap_to_front(inputs[i], axes[i])
                               : expand_dims(inputs[i], {0}, stream()));
  }
  return {{matmul(ins[0], ins[1], stream())}, {0}};
}

}  // namespace mlx_core
