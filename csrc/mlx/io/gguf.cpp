// gguf (versions 2 and 3): "GGUF", version, tensor and key-value counts,
// typed key-values, tensor descriptions (dims innermost first), then the
// tensor data, aligned to general.alignment (default 32).
#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "mlx/io/io.h"
#include "mlx/io/json.h"
#include "mlx/ops/convert.h"
#include "mlx/transforms/eval.h"

namespace mlx_core::io {

namespace {

constexpr const char* kOp = "load_gguf";
constexpr uint32_t kDefaultAlignment = 32;

enum ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

enum TensorType : uint32_t {
  T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q8_0 = 8, T_Q2_K = 10, T_Q4_K = 12,
  T_Q6_K = 14, T_I8 = 24, T_I16 = 25,
  T_I32 = 26, T_I64 = 27, T_F64 = 28, T_BF16 = 30,
};

// The dtype a metadata scalar of this type loads as (f64 becomes float32, as in MLX).
bool value_dtype(uint32_t t, Dtype& out) {
  switch (t) {
    case U8: out = uint8; return true;
    case I8: out = int8; return true;
    case U16: out = uint16; return true;
    case I16: out = int16; return true;
    case U32: out = uint32; return true;
    case I32: out = int32; return true;
    case F32: out = float32; return true;
    case BOOL: out = bool_; return true;
    case U64: out = uint64; return true;
    case I64: out = int64; return true;
    case F64: out = float64; return true;
    default: return false;
  }
}

bool tensor_dtype(uint32_t t, Dtype& out) {
  switch (t) {
    case T_F32: out = float32; return true;
    case T_F16: out = float16; return true;
    case T_I8: out = int8; return true;
    case T_I16: out = int16; return true;
    case T_I32: out = int32; return true;
    case T_I64: out = int64; return true;
    case T_F64: out = float64; return true;
    case T_BF16: out = bfloat16; return true;
    default: return false;
  }
}

// Sequential reads through a window buffer, each checked against the file.
struct Cursor {
  Reader& in;
  uint64_t pos = 0;
  std::string window;
  uint64_t window_start = 0;

  uint64_t remaining() const { return in.size() - pos; }
  void take(void* dst, uint64_t n) {
    if (n > remaining()) in.fail(kOp, "Truncated header: it ends inside a field");
    if (pos < window_start || pos + n > window_start + window.size()) {
      uint64_t len = std::min<uint64_t>(std::max<uint64_t>(n, 1 << 20), remaining());
      window.resize(len);
      in.read(pos, window.data(), len);
      window_start = pos;
    }
    std::memcpy(dst, window.data() + (pos - window_start), n);
    pos += n;
  }
  template <typename T>
  T get() {
    T v;
    take(&v, sizeof(T));
    return v;
  }
  std::string string() {
    uint64_t n = get<uint64_t>();
    if (n > remaining()) in.fail(kOp, "A string's length (" + std::to_string(n) + ") runs past the end of the file");
    std::string s(n, '\0');
    take(s.data(), n);
    if (!is_valid_utf8(s)) in.fail(kOp, "A string is not valid UTF-8");
    return s;
  }
};

size_t value_size(uint32_t t) {
  switch (t) {
    case U8: case I8: case BOOL: return 1;
    case U16: case I16: return 2;
    case U32: case I32: case F32: return 4;
    case U64: case I64: case F64: return 8;
    default: return 0;
  }
}

// n values of scalar type t into a 1-d (or 0-d when scalar) array.
array read_values(Cursor& c, uint32_t t, uint64_t n, bool scalar) {
  size_t size = value_size(t);
  if (n > c.remaining() / size) c.in.fail(kOp, "A metadata array runs past the end of the file");
  Dtype stored = uint8;
  value_dtype(t, stored);
  Shape shape = scalar ? Shape{} : Shape{int32_t(n)};
  array a(allocator::malloc(n * size), shape, stored);
  c.take(a.data<void>(), n * size);
  if (t == BOOL) {  // any nonzero byte is true
    auto* p = a.data<uint8_t>();
    for (uint64_t i = 0; i < n; ++i) p[i] = p[i] != 0;
  }
  if (t == F64) {  // MLX hands float64 metadata back as float32
    array f(allocator::malloc(n * 4), shape, float32);
    for (uint64_t i = 0; i < n; ++i) f.data<float>()[i] = float(a.data<double>()[i]);
    return f;
  }
  return a;
}

// Skips a value MLX has no form for (nested arrays), bounding the work.
void skip_value(Cursor& c, uint32_t t, int depth) {
  if (depth > 8) c.in.fail(kOp, "Metadata arrays are nested too deeply");
  if (t == STRING) {
    c.string();
  } else if (t == ARRAY) {
    uint32_t item = c.get<uint32_t>();
    uint64_t n = c.get<uint64_t>();
    if (value_size(item)) {
      if (n > c.remaining() / value_size(item)) c.in.fail(kOp, "A metadata array runs past the end of the file");
      c.pos += n * value_size(item);
    } else {
      if (n > c.remaining() / 8) c.in.fail(kOp, "A metadata array runs past the end of the file");
      for (uint64_t i = 0; i < n; ++i) skip_value(c, item, depth + 1);
    }
  } else if (value_size(t)) {
    c.pos += std::min<uint64_t>(value_size(t), c.remaining());
  } else {
    c.in.fail(kOp, "Unknown metadata value type " + std::to_string(t));
  }
}

struct TensorInfo {
  std::string name;
  Shape shape;  // MLX order (outermost first)
  uint32_t type;
  uint64_t offset, nbytes;
};

// Bytes per block of 32 elements for the quantized types MLX converts.
uint64_t block_bytes(uint32_t type) {
  return type == T_Q4_0 ? 18 : type == T_Q4_1 ? 20 : type == T_Q8_0 ? 34 : 0;
}

// Q4_0 / Q4_1 / Q8_0 blocks to MLX's affine quantization (group size 32):
// packed uint32 weights, float16 scales and biases (w = scale * q + bias).
void dequant_layout(Reader& in, const TensorInfo& t, uint64_t data_start, NamedArrays& out) {
  int bits = t.type == T_Q8_0 ? 8 : 4;
  uint64_t blocks = t.nbytes / block_bytes(t.type);
  Shape wshape = t.shape, sshape = t.shape;
  wshape.back() = t.shape.back() / 32 * bits;  // 32 values of `bits` bits = `bits` words
  sshape.back() = t.shape.back() / 32;
  array w(allocator::malloc(blocks * bits * 4), wshape, uint32);
  array scales(allocator::malloc(blocks * 2), sshape, float16);
  array biases(allocator::malloc(blocks * 2), sshape, float16);
  std::vector<uint8_t> raw(std::min<uint64_t>(t.nbytes, 1 << 22));
  uint64_t per_chunk = raw.size() / block_bytes(t.type);
  auto* wp = w.data<uint32_t>();
  auto* sp = scales.data<float16_t>();
  auto* bp = biases.data<float16_t>();
  for (uint64_t b0 = 0; b0 < blocks; b0 += per_chunk) {
    uint64_t nb = std::min(per_chunk, blocks - b0);
    in.read(data_start + t.offset + b0 * block_bytes(t.type), raw.data(), nb * block_bytes(t.type));
    for (uint64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = raw.data() + b * block_bytes(t.type);
      float16_t d;
      std::memcpy(&d, blk, 2);
      uint32_t* words = wp + (b0 + b) * bits;
      sp[b0 + b] = d;
      if (t.type == T_Q8_0) {
        bp[b0 + b] = float16_t(float(d) * -128.0f);
        for (int k = 0; k < 8; ++k) {
          uint32_t word = 0;
          for (int j = 0; j < 4; ++j) word |= uint32_t(uint8_t(blk[2 + 4 * k + j] ^ 0x80)) << (8 * j);
          words[k] = word;
        }
      } else {
        const uint8_t* qs = blk + (t.type == T_Q4_0 ? 2 : 4);
        if (t.type == T_Q4_0) {
          bp[b0 + b] = float16_t(float(d) * -8.0f);
        } else {
          std::memcpy(&bp[b0 + b], blk + 2, 2);
        }
        // ggml: element j is the low nibble of qs[j], element j + 16 the high one.
        uint8_t q[32];
        for (int j = 0; j < 16; ++j) {
          q[j] = qs[j] & 0xF;
          q[j + 16] = qs[j] >> 4;
        }
        for (int k = 0; k < 4; ++k) {
          uint32_t word = 0;
          for (int j = 0; j < 8; ++j) word |= uint32_t(q[8 * k + j]) << (4 * j);
          words[k] = word;
        }
      }
    }
  }
  out.emplace_back(t.name, w);
  out.emplace_back(t.name + ".scales", scales);
  out.emplace_back(t.name + ".biases", biases);
}

// K-quants: superblocks of 256 values with per-16/32-value scales. MLX has no
// packed form for them and loads them as float16; so do we.
uint64_t kquant_bytes(uint32_t type) {
  return type == T_Q2_K ? 84 : type == T_Q4_K ? 144 : type == T_Q6_K ? 210 : 0;
}

float f16_at(const uint8_t* p) {
  float16_t h;
  std::memcpy(&h, p, 2);
  return float(h);
}

// Q2_K: scales[16] (4-bit scale | 4-bit min per 16 values), qs[64] (2 bits each), d, dmin.
void dequant_q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  float d = f16_at(b + 80), dmin = f16_at(b + 82);
  int is = 0;
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q = b + 16 + 32 * half;
    for (int shift = 0; shift < 8; shift += 2) {
      for (int g = 0; g < 2; ++g) {
        uint8_t sc = scales[is++];
        float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * float((q[16 * g + l] >> shift) & 3) - ml;
      }
    }
  }
}

// Q4_K: d, dmin, 12 bytes of 6-bit scales and mins for 8 groups of 32, qs[128] (4 bits).
void dequant_q4_k(const uint8_t* b, float* y) {
  float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t* sc = b + 4;
  const uint8_t* q = b + 16;
  auto scale_min = [sc](int j, int& scale, int& min) {
    if (j < 4) {
      scale = sc[j] & 63;
      min = sc[j + 4] & 63;
    } else {
      scale = (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
      min = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
    }
  };
  for (int j = 0; j < 8; j += 2, q += 32) {
    int s1, m1, s2, m2;
    scale_min(j, s1, m1);
    scale_min(j + 1, s2, m2);
    float d1 = d * float(s1), o1 = dmin * float(m1), d2 = d * float(s2), o2 = dmin * float(m2);
    for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - o1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - o2;
  }
}

// Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16] per 16 values, d.
void dequant_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
  float d = f16_at(b + 208);
  for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * float(sc[is]) * float(q1);
      y[l + 32] = d * float(sc[is + 2]) * float(q2);
      y[l + 64] = d * float(sc[is + 4]) * float(q3);
      y[l + 96] = d * float(sc[is + 6]) * float(q4);
    }
  }
}

void dequant_kquant(Reader& in, const TensorInfo& t, uint64_t data_start, NamedArrays& out) {
  uint64_t bytes = kquant_bytes(t.type), blocks = t.nbytes / bytes;
  array result(allocator::malloc(blocks * 256 * 2), t.shape, float16);
  auto* dst = result.data<float16_t>();
  std::vector<uint8_t> raw(std::min<uint64_t>(t.nbytes, uint64_t(bytes) << 14));
  uint64_t per_chunk = raw.size() / bytes;
  float values[256];
  for (uint64_t b0 = 0; b0 < blocks; b0 += per_chunk) {
    uint64_t nb = std::min(per_chunk, blocks - b0);
    in.read(data_start + t.offset + b0 * bytes, raw.data(), nb * bytes);
    for (uint64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = raw.data() + b * bytes;
      if (t.type == T_Q2_K) dequant_q2_k(blk, values);
      else if (t.type == T_Q4_K) dequant_q4_k(blk, values);
      else dequant_q6_k(blk, values);
      for (int i = 0; i < 256; ++i) dst[(b0 + b) * 256 + uint64_t(i)] = float16_t(values[i]);
    }
  }
  out.emplace_back(t.name, result);
}

}  // namespace

GGUF load_gguf(Reader& in) {
  Cursor c{in};
  if (in.size() < 24) in.fail(kOp, "Not a gguf file: too short for the gguf preamble");
  char magic[4];
  c.take(magic, 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) in.fail(kOp, "Not a gguf file: bad magic");
  uint32_t version = c.get<uint32_t>();
  if (version != 2 && version != 3) in.fail(kOp, "Unsupported gguf version " + std::to_string(version));
  uint64_t n_tensors = c.get<uint64_t>(), n_kv = c.get<uint64_t>();
  // Every entry takes at least this many bytes: the counts cannot exceed the file.
  if (n_kv > c.remaining() / 13 || n_tensors > c.remaining() / 24) {
    in.fail(kOp, "The header claims more entries than the file can hold");
  }
  GGUF out;
  std::set<std::string> keys;
  uint32_t alignment = kDefaultAlignment;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = c.string();
    if (!keys.insert(key).second) in.fail(kOp, "Duplicate metadata key '" + key + "'");
    uint32_t t = c.get<uint32_t>();
    if (t == STRING) {
      out.metadata.emplace_back(key, c.string());
    } else if (t == ARRAY) {
      uint32_t item = c.get<uint32_t>();
      uint64_t n = c.get<uint64_t>();
      if (item == STRING) {
        if (n > c.remaining() / 8) in.fail(kOp, "A metadata array runs past the end of the file");
        std::vector<std::string> strings;
        for (uint64_t k = 0; k < n; ++k) strings.push_back(c.string());
        out.metadata.emplace_back(key, std::move(strings));
      } else if (value_size(item)) {
        array a = read_values(c, item, n, false);
        if (n > 0) out.metadata.emplace_back(key, a);  // MLX drops empty arrays
      } else {
        c.pos -= 12;  // re-read the array header and skip what MLX cannot represent
        skip_value(c, ARRAY, 0);
      }
    } else if (value_size(t)) {
      if (key == "general.alignment" && t == U32) {
        uint32_t a;
        uint64_t at = c.pos;
        c.take(&a, 4);
        c.pos = at;
        if (a == 0 || (a & (a - 1)) != 0) in.fail(kOp, "general.alignment is not a power of two");
        alignment = a;
      }
      out.metadata.emplace_back(key, read_values(c, t, 1, true));
    } else {
      in.fail(kOp, "Unknown metadata value type " + std::to_string(t) + " for key '" + key + "'");
    }
  }
  std::vector<TensorInfo> infos;
  std::set<std::string> names;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo t;
    t.name = c.string();
    if (!names.insert(t.name).second) in.fail(kOp, "Duplicate tensor name '" + t.name + "'");
    uint32_t n_dims = c.get<uint32_t>();
    if (n_dims > 8) in.fail(kOp, "Tensor '" + t.name + "' has too many dimensions");
    t.shape.resize(n_dims);
    uint64_t count = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = c.get<uint64_t>();
      if (dim > uint64_t(INT32_MAX)) in.fail(kOp, "Tensor '" + t.name + "' has a dimension too large");
      t.shape[n_dims - 1 - d] = int32_t(dim);
      constexpr uint64_t cap = uint64_t(1) << 62;  // far beyond any file: fails the size check
      count = (dim == 0 || count == 0) ? 0 : (count > cap / dim ? cap : count * dim);
    }
    t.type = c.get<uint32_t>();
    t.offset = c.get<uint64_t>();
    Dtype dtype = float32;
    if (tensor_dtype(t.type, dtype)) {
      t.nbytes = count * dtype.size;  // count < 2^62 / 8 is checked against the file below
      if (count > (uint64_t(1) << 59)) t.nbytes = UINT64_MAX;
    } else if (block_bytes(t.type)) {
      if (t.shape.empty() || t.shape.back() % 32 != 0) {
        in.fail(kOp, "Quantized tensor '" + t.name + "' has rows that are not whole blocks");
      }
      t.nbytes = count / 32 * block_bytes(t.type);
    } else if (kquant_bytes(t.type)) {
      if (t.shape.empty() || t.shape.back() % 256 != 0) {
        in.fail(kOp, "Quantized tensor '" + t.name + "' has rows that are not whole blocks");
      }
      t.nbytes = count / 256 * kquant_bytes(t.type);
    } else {
      in.fail(kOp, "Tensor '" + t.name + "' has unsupported type " + std::to_string(t.type));
    }
    infos.push_back(std::move(t));
  }
  uint64_t data_start = (c.pos + alignment - 1) / alignment * alignment;
  uint64_t data_size = data_start <= in.size() ? in.size() - data_start : 0;
  std::vector<const TensorInfo*> by_offset;
  for (auto& t : infos) {
    if (t.offset > data_size || t.nbytes > data_size - t.offset) {
      in.fail(kOp, "Tensor '" + t.name + "' lies past the end of the file");
    }
    if (t.nbytes) by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->offset < by_offset[i - 1]->offset + by_offset[i - 1]->nbytes) {
      in.fail(kOp, "Tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
    }
  }
  for (auto& t : infos) {
    Dtype dtype = float32;
    if (tensor_dtype(t.type, dtype)) {
      out.arrays.emplace_back(t.name, read_array(in, data_start + t.offset, t.shape, dtype,
                                                 row_major_strides(t.shape)));
    } else if (kquant_bytes(t.type)) {
      dequant_kquant(in, t, data_start, out.arrays);
    } else {
      dequant_layout(in, t, data_start, out.arrays);
    }
  }
  return out;
}

namespace {

void put_string(std::string& h, const std::string& s) {
  uint64_t n = s.size();
  h.append(reinterpret_cast<const char*>(&n), 8);
  h += s;
}

template <typename T>
void put(std::string& h, T v) {
  h.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

uint32_t metadata_type(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return BOOL;
    case Dtype::Val::uint8: return U8;
    case Dtype::Val::int8: return I8;
    case Dtype::Val::uint16: return U16;
    case Dtype::Val::int16: return I16;
    case Dtype::Val::uint32: return U32;
    case Dtype::Val::int32: return I32;
    case Dtype::Val::float32: return F32;
    case Dtype::Val::uint64: return U64;
    case Dtype::Val::int64: return I64;
    default:
      throw std::invalid_argument(std::string("[save_gguf] array type ") + dtype_name(d) +
                                  " not support for metadata.");
  }
}

uint32_t tensor_type(Dtype d) {
  switch (d.val) {
    case Dtype::Val::float32: return T_F32;
    case Dtype::Val::float16: return T_F16;
    case Dtype::Val::int8: return T_I8;
    case Dtype::Val::int16: return T_I16;
    case Dtype::Val::int32: return T_I32;
    case Dtype::Val::int64: return T_I64;
    case Dtype::Val::float64: return T_F64;
    case Dtype::Val::bfloat16: return T_BF16;
    default:
      throw std::runtime_error(std::string("[save_gguf] dtype ") + dtype_name(d) +
                               " is not supported");
  }
}

}  // namespace

void save_gguf(Writer& out, const NamedArrays& arrays,
               const std::vector<std::pair<std::string, GGUFValue>>& metadata) {
  std::vector<array> all;
  for (auto& [name, a] : arrays) {
    tensor_type(a.dtype());
    all.push_back(a);
  }
  for (auto& [key, v] : metadata) {
    if (auto* a = std::get_if<array>(&v)) {
      metadata_type(a->dtype());
      if (a->ndim() > 1) throw std::runtime_error("[save_gguf] Cannot save arrays with more than one dimension.");
      if (a->size() == 0) throw std::runtime_error("[save_gguf] Cannot save empty arrays.");
      all.push_back(*a);
    }
  }
  eval(all);
  uint32_t alignment = kDefaultAlignment;
  std::string h = "GGUF";
  put<uint32_t>(h, 3);
  put<uint64_t>(h, arrays.size());
  put<uint64_t>(h, metadata.size());
  for (auto& [key, v] : metadata) {
    put_string(h, key);
    if (auto* s = std::get_if<std::string>(&v)) {
      put<uint32_t>(h, STRING);
      put_string(h, *s);
    } else if (auto* list = std::get_if<std::vector<std::string>>(&v)) {
      put<uint32_t>(h, ARRAY);
      put<uint32_t>(h, STRING);
      put<uint64_t>(h, list->size());
      for (auto& s : *list) put_string(h, s);
    } else {
      array a = contiguous(std::get<array>(v));
      a.eval();
      uint32_t t = metadata_type(a.dtype());
      if (a.ndim() == 1) {
        put<uint32_t>(h, ARRAY);
        put<uint32_t>(h, t);
        put<uint64_t>(h, a.size());
      } else {
        put<uint32_t>(h, t);
        if (key == "general.alignment" && t == U32) {
          uint32_t v32 = a.data<uint32_t>()[0];
          if (v32 == 0 || (v32 & (v32 - 1)) != 0) {
            throw std::invalid_argument("[save_gguf] general.alignment must be a power of two.");
          }
          alignment = v32;
        }
      }
      h.append(a.data<char>(), a.nbytes());
    }
  }
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  for (auto& [name, a] : arrays) {
    put_string(h, name);
    put<uint32_t>(h, uint32_t(a.ndim()));
    for (int d = a.ndim() - 1; d >= 0; --d) put<uint64_t>(h, uint64_t(a.shape(d)));
    put<uint32_t>(h, tensor_type(a.dtype()));
    put<uint64_t>(h, offset);
    offsets.push_back(offset);
    offset = (offset + a.nbytes() + alignment - 1) / alignment * alignment;
  }
  h.append((alignment - h.size() % alignment) % alignment, '\0');
  out.write(h.data(), h.size());
  std::string zeros(alignment, '\0');
  for (auto& [name, a] : arrays) {
    write_array(out, a);
    out.write(zeros.data(), (alignment - a.nbytes() % alignment) % alignment);
  }
}

}  // namespace mlx_core::io
