// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the
// tensors' bytes. Offsets count from the end of the header.
#include <algorithm>
#include <stdexcept>

#include "mlx/io/io.h"
#include "mlx/io/json.h"
#include "mlx/transforms/eval.h"

namespace mlx_core::io {

namespace {

constexpr uint64_t kMaxHeader = 100'000'000;  // the safetensors package's own limit
constexpr const char* kOp = "load_safetensors";

const std::pair<const char*, Dtype> kDtypes[] = {
    {"BOOL", bool_},   {"U8", uint8},   {"U16", uint16}, {"U32", uint32},   {"U64", uint64},
    {"I8", int8},      {"I16", int16},  {"I32", int32},  {"I64", int64},    {"F16", float16},
    {"BF16", bfloat16}, {"F32", float32}, {"F64", float64}, {"C64", complex64}};

const char* dtype_code(Dtype d) {
  for (auto& [code, dtype] : kDtypes) {
    if (dtype == d) return code;
  }
  return "";
}

struct Entry {
  std::string name;
  Dtype dtype = float32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

Entry read_entry(const Reader& in, const std::string& name, const JsonValue& v,
                 uint64_t data_size) {
  auto bad = [&](const std::string& what) { in.fail(kOp, "Tensor '" + name + "' " + what); };
  if (v.kind != JsonValue::Kind::Object) bad("is not described by a JSON object");
  const JsonValue* dtype = v.find("dtype");
  const JsonValue* shape = v.find("shape");
  const JsonValue* offsets = v.find("data_offsets");
  if (!dtype || !shape || !offsets) bad("lacks dtype, shape or data_offsets");
  Entry e;
  e.name = name;
  if (dtype->kind != JsonValue::Kind::String) bad("has a dtype that is not a string");
  bool known = false;
  for (auto& [code, d] : kDtypes) {
    if (dtype->text == code) {
      e.dtype = d;
      known = true;
    }
  }
  if (!known) bad("has unsupported dtype " + dtype->text);
  if (shape->kind != JsonValue::Kind::Array || shape->items.size() > 64) bad("has an invalid shape");
  for (auto& d : shape->items) {
    auto dim = d.as_uint();
    if (!dim || *dim > uint64_t(INT32_MAX)) bad("has an invalid shape dimension");
    e.shape.push_back(int32_t(*dim));
  }
  if (offsets->kind != JsonValue::Kind::Array || offsets->items.size() != 2) bad("has invalid data_offsets");
  auto begin = offsets->items[0].as_uint(), end = offsets->items[1].as_uint();
  if (!begin || !end || *begin > *end || *end > data_size) {
    bad("has data offsets outside the " + std::to_string(data_size) + " data bytes of the file");
  }
  e.begin = *begin;
  e.end = *end;
  uint64_t count = 1;
  bool empty = std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end();
  for (auto dim : e.shape) {  // dims < 2^31 and count <= data_size: no overflow
    if (empty) {
      count = 0;
      break;
    }
    count *= uint64_t(dim);
    if (count > data_size) break;
  }
  if (count > data_size || count * e.dtype.size != e.end - e.begin) {
    bad("has data offsets (" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
        ") that do not match its shape and dtype");
  }
  return e;
}

}  // namespace

Safetensors load_safetensors(Reader& in) {
  uint64_t total = in.size();
  if (total < 8) in.fail(kOp, "Invalid json header length: the file is shorter than 8 bytes");
  unsigned char len_bytes[8];
  in.read(0, len_bytes, 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  if (header_len > total - 8) {
    in.fail(kOp, "Invalid json header length: the header claims " + std::to_string(header_len) +
                     " bytes but the file has " + std::to_string(total) + " bytes");
  }
  if (header_len > kMaxHeader) in.fail(kOp, "The JSON header is too large");
  std::string text(header_len, '\0');
  in.read(8, text.data(), header_len);
  JsonValue root;
  try {
    root = parse_json(text);
  } catch (const std::invalid_argument& e) {
    in.fail(kOp, e.what());
  }
  if (root.kind != JsonValue::Kind::Object) in.fail(kOp, "The JSON header is not an object");
  uint64_t data_size = total - 8 - header_len;
  Safetensors out;
  std::vector<Entry> entries;
  for (auto& [name, v] : root.members) {
    if (name == "__metadata__") {
      if (v.kind == JsonValue::Kind::Null) continue;
      if (v.kind != JsonValue::Kind::Object) in.fail(kOp, "__metadata__ is not an object");
      for (auto& [k, value] : v.members) {
        if (value.kind != JsonValue::Kind::String) {
          in.fail(kOp, "Metadata value of '" + k + "' is not a string");
        }
        out.metadata.emplace_back(k, value.text);
      }
      continue;
    }
    entries.push_back(read_entry(in, name, v, data_size));
  }
  // Tensors may not share bytes (a forged header could alias one buffer).
  std::vector<const Entry*> by_offset;
  for (auto& e : entries) {
    if (e.end > e.begin) by_offset.push_back(&e);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      in.fail(kOp, "Tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
    }
  }
  uint64_t data_start = 8 + header_len;
  for (auto& e : entries) {
    out.arrays.emplace_back(e.name, read_array(in, data_start + e.begin, e.shape, e.dtype,
                                               row_major_strides(e.shape)));
  }
  return out;
}

void save_safetensors(Writer& out, const NamedArrays& arrays, const StringMap& metadata) {
  for (auto& [name, a] : arrays) {
    if (name == "__metadata__") {
      throw std::invalid_argument("[save_safetensors] '__metadata__' cannot name a tensor.");
    }
  }
  std::vector<array> all;
  for (auto& [name, a] : arrays) all.push_back(a);
  eval(all);
  // Data goes in order of decreasing element size, so every tensor starts
  // aligned to its element (the safetensors package orders data the same way)
  // and a loader can map it in place.
  std::vector<size_t> order(arrays.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return arrays[a].second.itemsize() > arrays[b].second.itemsize();
  });
  std::vector<uint64_t> begin(arrays.size());
  uint64_t offset = 0;
  for (size_t i : order) {
    begin[i] = offset;
    offset += arrays[i].second.nbytes();
  }
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) header += ",";
      header += json_quote(metadata[i].first) + ":" + json_quote(metadata[i].second);
    }
    header += "}";
  }
  for (size_t i = 0; i < arrays.size(); ++i) {
    const array& a = arrays[i].second;
    if (header.size() > 1) header += ",";
    header += json_quote(arrays[i].first) + ":{\"dtype\":\"" + dtype_code(a.dtype()) +
              "\",\"shape\":[";
    for (int d = 0; d < a.ndim(); ++d) header += (d ? "," : "") + std::to_string(a.shape(d));
    header += "],\"data_offsets\":[" + std::to_string(begin[i]) + "," +
              std::to_string(begin[i] + a.nbytes()) + "]}";
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = (uint64_t(header.size()) >> (8 * i)) & 0xFF;
  out.write(len_bytes, 8);
  out.write(header.data(), header.size());
  for (size_t i : order) write_array(out, arrays[i].second);
}

}  // namespace mlx_core::io
