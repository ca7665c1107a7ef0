// Without a GPU backend every eval_gpu raises; streams on the gpu cannot even
// be created (device.cpp), so this is a last line of defence.
#include <stdexcept>
#include <string>

#include "mlx/primitive.h"

namespace mlx_core {

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  throw std::runtime_error(std::string("[") + name() +
                           "::eval_gpu] No GPU backend was built into mlx_core.");
}

}  // namespace mlx_core
