// Products beyond matmul (tensordot, inner, outer, kron, vecdot, addmm, the
// block-masked, gathered and segmented matmuls), the Hadamard transform, fp8
// conversions, depends, and the window functions.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

// Sums the last `axes` axes of a against the first `axes` of b.
array tensordot(const array& a, const array& b, int axes, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s = {});
array inner(const array& a, const array& b, StreamOrDevice s = {});
array outer(const array& a, const array& b, StreamOrDevice s = {});
array kron(const array& a, const array& b, StreamOrDevice s = {});
array vecdot(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});
// alpha * (a @ b) + beta * c
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f,
            float beta = 1.0f, StreamOrDevice s = {});
array block_masked_mm(const array& a, const array& b, int block_size,
                      std::optional<array> mask_out, std::optional<array> mask_lhs,
                      std::optional<array> mask_rhs, StreamOrDevice s = {});
array gather_mm(const array& a, const array& b, std::optional<array> lhs_indices,
                std::optional<array> rhs_indices, bool sorted_indices = false,
                StreamOrDevice s = {});
array segmented_mm(const array& a, const array& b, const array& segments, StreamOrDevice s = {});
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt,
                         StreamOrDevice s = {});
array to_fp8(const array& x, StreamOrDevice s = {});
array from_fp8(const array& x, Dtype dtype = bfloat16, StreamOrDevice s = {});
std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

array bartlett(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array hanning(int M, StreamOrDevice s = {});

}  // namespace mlx_core
