// Einstein summation: a pairwise contraction order chosen greedily by FLOP
// count, each pair lowered to transposes, reshapes and one matmul.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

// The contraction order (positions in the shrinking operand list, as NumPy's
// einsum_path) and MLX's summary text.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});

}  // namespace mlx_core
