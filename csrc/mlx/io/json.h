// A small, strict JSON reader and string quoting for safetensors headers.
// The input is untrusted: nesting depth is bounded, text must be valid
// UTF-8, and an object may not repeat a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlx_core::io {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // a string's value, or a number's literal
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  // A non-negative integer literal that fits uint64, else nullopt.
  std::optional<uint64_t> as_uint() const;
  const JsonValue* find(std::string_view key) const;
};

// Parses `text`; throws std::invalid_argument with a description (the caller
// adds the file name) for anything that is not one well-formed JSON value.
JsonValue parse_json(std::string_view text);

// "text" with JSON escapes.
std::string json_quote(std::string_view text);

// Whether `text` is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace mlx_core::io
