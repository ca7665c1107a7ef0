#include "mlx/primitive.h"

#include <stdexcept>

namespace mlx_core {

namespace {
[[noreturn]] void not_implemented(const char* rule, const Primitive& p) {
  throw std::invalid_argument(std::string("[Primitive::") + rule + "] Not implemented for " +
                              p.name() + ".");
}
}  // namespace

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  not_implemented("vjp", *this);
}

std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&) {
  not_implemented("jvp", *this);
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&,
                                                                const std::vector<int>&) {
  not_implemented("vmap", *this);
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  not_implemented("output_shapes", *this);
}

}  // namespace mlx_core
