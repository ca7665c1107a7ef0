// Output allocation shared by the elementwise kernels: reuse a dead input's
// buffer (donation) and keep dense layouts, so a transposed input gives a
// transposed output without a copy.
#pragma once

#include "mlx/array.h"

namespace mlx_core::cpu {

enum class BinaryLayout {
  ScalarScalar,  // both single values
  ScalarVector,  // a is one value broadcast, b dense
  VectorScalar,
  VectorVector,  // both dense with the same strides
  General,       // anything else: strided loop, row-contiguous output
};

BinaryLayout binary_layout(const array& a, const array& b);

// Gives `out` a buffer laid out like `in` when `in` is dense, else row-contiguous.
// Returns true when `out` ended up dense with in's layout (flat loop possible).
bool set_unary_output(const array& in, array& out);
void set_binary_output(const array& a, const array& b, array& out, BinaryLayout layout);

}  // namespace mlx_core::cpu
