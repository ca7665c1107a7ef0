// Loading and saving arrays: npy, safetensors and gguf (npz archives are
// assembled in the Python layer from npy members). Loaders validate every
// size and offset a header claims against the file before allocating, and
// raise std::runtime_error "[load_x] problem in file <name>." otherwise.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mlx/array.h"
#include "mlx/io/file.h"

namespace mlx_core::io {

using NamedArrays = std::vector<std::pair<std::string, array>>;
using StringMap = std::vector<std::pair<std::string, std::string>>;

// npy (format versions 1 and 2). C- and Fortran-order data of a native
// dtype is mapped, not copied. bfloat16 travels as '<V2', as MLX writes it.
array load_npy(Reader& in);
void save_npy(Writer& out, array a);

struct Safetensors {
  NamedArrays arrays;  // in header order
  StringMap metadata;
};
Safetensors load_safetensors(Reader& in);
void save_safetensors(Writer& out, const NamedArrays& arrays, const StringMap& metadata);

// A gguf metadata value: an array (a 0-d array for a scalar), a string or a
// list of strings.
using GGUFValue = std::variant<array, std::string, std::vector<std::string>>;
struct GGUF {
  NamedArrays arrays;
  std::vector<std::pair<std::string, GGUFValue>> metadata;
};
GGUF load_gguf(Reader& in);
void save_gguf(Writer& out, const NamedArrays& arrays,
               const std::vector<std::pair<std::string, GGUFValue>>& metadata);

}  // namespace mlx_core::io
