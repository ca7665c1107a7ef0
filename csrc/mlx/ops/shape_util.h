// Small helpers shared by the op builders.
#pragma once

#include <sstream>
#include <string>

#include "mlx/array.h"

namespace mlx_core {

// "(2,3)": MLX's spelling of shapes in messages.
inline std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << ")";
  return os.str();
}

template <typename... Parts>
std::string msg(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

}  // namespace mlx_core
