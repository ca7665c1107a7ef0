// The `stream=` argument every op takes: nothing, a stream, or a device.
#pragma once

#include <variant>

#include "mlx/device.h"

namespace mlx_core {

using StreamOrDevice = std::variant<std::monostate, Stream, Device>;

inline Stream to_stream(const StreamOrDevice& s) {
  if (std::holds_alternative<Stream>(s)) return std::get<Stream>(s);
  if (std::holds_alternative<Device>(s)) return default_stream(std::get<Device>(s));
  return default_stream(default_device());
}

}  // namespace mlx_core
