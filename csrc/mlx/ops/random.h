// mx.random: keys, the global key sequence and the distributions, with MLX's
// bits for the same key.
#pragma once

#include <optional>

#include "mlx/array.h"
#include "mlx/stream_or_device.h"

namespace mlx_core::random {

// A key: the uint32 pair (seed >> 32, seed & 0xffffffff).
array key(uint64_t seed);
// Reseeds the global key sequence.
void seed(uint64_t seed);
// The global key (seeded from the clock in milliseconds, as MLX, until seed()).
array global_key();
void set_global_key(const array& k);
// Splits the global key: the global key becomes the first half, the second is returned.
array next_key();

array bits(const Shape& shape, int width, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array split(const array& key, int num = 2, StreamOrDevice s = {});

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array bernoulli(const array& p, const std::optional<Shape>& shape,
                const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array truncated_normal(const array& lower, const array& upper, const std::optional<Shape>& shape,
                       Dtype dtype, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
array categorical(const array& logits, int axis, const std::optional<Shape>& shape,
                  std::optional<int> num_samples, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});
array laplace(const Shape& shape, Dtype dtype, double loc, double scale,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array permutation(int n, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array permutation(const array& x, int axis, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

}  // namespace mlx_core::random
