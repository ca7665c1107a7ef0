// Array creation ops.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core {

array full(const Shape& shape, const array& value, Dtype dtype, StreamOrDevice s = {});
array full(const Shape& shape, const array& value, StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s = {});
array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s = {});
array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s = {});
array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s = {});
array tril(const array& x, int k, StreamOrDevice s = {});
array triu(const array& x, int k, StreamOrDevice s = {});
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s = {});

}  // namespace mlx_core
