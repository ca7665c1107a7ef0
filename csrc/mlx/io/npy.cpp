// The npy format: magic, version, a little-endian header length, a Python
// dict literal {'descr', 'fortran_order', 'shape'}, then the raw elements.
#include <cstring>
#include <limits>
#include <stdexcept>

#include "mlx/io/io.h"
#include "mlx/transforms/eval.h"

namespace mlx_core::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = size_t(1) << 20;  // NumPy itself stops at 10 kB by default

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
  bool has_descr = false, has_order = false, has_shape = false;
};

// Reads the restricted Python literal NumPy writes (never evaluates it).
struct DictParser {
  std::string_view s;
  size_t pos = 0;
  const Reader& in;

  [[noreturn]] void fail(const std::string& what) const {
    in.fail("load", "Invalid npy header (" + what + ")");
  }
  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) ++pos;
  }
  bool consume(char c) {
    skip_space();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  std::string quoted() {
    skip_space();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) fail("expected a string");
    char q = s[pos++];
    size_t end = s.find(q, pos);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s.substr(pos, end - pos));
    pos = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    if (s.substr(pos, 4) == "True") {
      pos += 4;
      return true;
    }
    if (s.substr(pos, 5) == "False") {
      pos += 5;
      return false;
    }
    fail("expected True or False");
  }
  int32_t dimension() {
    skip_space();
    size_t start = pos;
    int64_t v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      v = v * 10 + (s[pos++] - '0');
      if (v > std::numeric_limits<int32_t>::max()) fail("a dimension does not fit in int32");
    }
    if (pos == start) fail("expected a dimension");
    if (pos < s.size() && s[pos] == 'L') ++pos;  // Python 2 longs
    return int32_t(v);
  }
  Shape shape() {
    if (!consume('(')) fail("expected a shape tuple");
    Shape out;
    if (consume(')')) return out;
    while (true) {
      out.push_back(dimension());
      if (out.size() > 64) fail("too many dimensions");
      if (consume(')')) return out;
      if (!consume(',')) fail("expected ',' in shape");
      if (consume(')')) return out;
    }
  }
  NpyHeader parse() {
    NpyHeader h;
    if (!consume('{')) fail("expected '{'");
    while (!consume('}')) {
      std::string key = quoted();
      if (!consume(':')) fail("expected ':'");
      bool* seen = key == "descr" ? &h.has_descr
                   : key == "fortran_order" ? &h.has_order
                   : key == "shape" ? &h.has_shape
                                    : nullptr;
      if (!seen) fail("unknown key '" + key + "'");
      if (*seen) fail("duplicate key '" + key + "'");
      *seen = true;
      if (key == "descr") {
        skip_space();
        if (pos < s.size() && s[pos] == '[') fail("structured dtypes are not supported");
        h.descr = quoted();
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
      } else {
        h.shape = shape();
      }
      if (!consume(',')) {
        if (!consume('}')) fail("expected ',' or '}'");
        break;
      }
    }
    skip_space();
    if (pos != s.size()) fail("trailing characters");
    if (!h.has_descr || !h.has_order || !h.has_shape) fail("missing key");
    return h;
  }
};

// descr -> dtype and whether the data is big-endian. '<V2' is MLX's bfloat16.
std::pair<Dtype, bool> parse_descr(const std::string& descr, const Reader& in) {
  static const std::pair<const char*, Dtype> table[] = {
      {"b1", bool_},    {"u1", uint8},     {"u2", uint16},  {"u4", uint32}, {"u8", uint64},
      {"i1", int8},     {"i2", int16},     {"i4", int32},   {"i8", int64},  {"f2", float16},
      {"f4", float32},  {"f8", float64},   {"c8", complex64}, {"V2", bfloat16}};
  if (descr.size() >= 2) {
    char order = descr[0];
    std::string rest = descr.substr(1);
    if (order == '<' || order == '>' || order == '|' || order == '=') {
      for (auto& [code, dtype] : table) {
        if (rest == code) return {dtype, order == '>' && dtype.size > 1};
      }
    }
  }
  // MLX raises ValueError for dtypes it has no equivalent of.
  throw std::invalid_argument("[load] Unsupported npy dtype '" + descr + "' in file " +
                              in.label() + ".");
}

const char* descr_of(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "|b1";
    case Dtype::Val::uint8: return "|u1";
    case Dtype::Val::uint16: return "<u2";
    case Dtype::Val::uint32: return "<u4";
    case Dtype::Val::uint64: return "<u8";
    case Dtype::Val::int8: return "|i1";
    case Dtype::Val::int16: return "<i2";
    case Dtype::Val::int32: return "<i4";
    case Dtype::Val::int64: return "<i8";
    case Dtype::Val::float16: return "<f2";
    case Dtype::Val::float32: return "<f4";
    case Dtype::Val::float64: return "<f8";
    case Dtype::Val::complex64: return "<c8";
    case Dtype::Val::bfloat16: return "<V2";
  }
  return "";
}

}  // namespace

array load_npy(Reader& in) {
  uint64_t total = in.size();
  char head[12];
  if (total < 10) in.fail("load", "Not an npy file: too short for the npy preamble");
  in.read(0, head, 10);
  if (std::memcmp(head, kMagic, 6) != 0) in.fail("load", "Not an npy file: bad magic string");
  int major = static_cast<unsigned char>(head[6]);
  uint64_t header_len, header_start;
  if (major == 1) {
    header_len = uint64_t(static_cast<unsigned char>(head[8])) |
                 uint64_t(static_cast<unsigned char>(head[9])) << 8;
    header_start = 10;
  } else if (major == 2) {
    if (total < 12) in.fail("load", "Not an npy file: too short for the npy preamble");
    in.read(0, head, 12);
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = header_len << 8 | static_cast<unsigned char>(head[8 + i]);
    header_start = 12;
  } else {
    // As MLX 0.32.4: version 3 (UTF-8 headers) is not read either.
    in.fail("load", "Unsupported npy format version " + std::to_string(major));
  }
  if (header_len > kMaxHeader) in.fail("load", "The npy header is too large (" + std::to_string(header_len) + " bytes)");
  in.check_range("load", header_start, header_len, "The npy header");
  std::string text(header_len, '\0');
  in.read(header_start, text.data(), header_len);
  NpyHeader h = DictParser{text, 0, in}.parse();
  auto [dtype, big_endian] = parse_descr(h.descr, in);
  uint64_t data_start = header_start + header_len;
  size_t count = shape_size(h.shape, "load");
  uint64_t available = total - data_start;
  if (count > available / dtype.size) {
    in.fail("load", "The npy header claims " + std::to_string(count) + " elements of " +
                        std::to_string(dtype.size) + " bytes but only " +
                        std::to_string(available) + " bytes of data follow");
  }
  Strides strides = row_major_strides(h.shape);
  if (h.fortran_order) {
    int64_t s = 1;
    for (size_t i = 0; i < h.shape.size(); ++i) {
      strides[i] = s;
      s *= std::max<int64_t>(h.shape[i], 1);
    }
  }
  return read_array(in, data_start, h.shape, dtype, strides, big_endian);
}

void save_npy(Writer& out, array a) {
  a.eval();
  // Column-major data is written as it lies, flagged fortran_order.
  bool fortran = a.ndim() > 1 && !a.flags().row_contiguous && a.flags().col_contiguous &&
                 a.data_size() == a.size();
  std::string shape = "(";
  for (int i = 0; i < a.ndim(); ++i) {
    shape += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) shape += a.ndim() == 1 ? "," : ", ";
  }
  shape += ")";
  std::string dict = std::string("{'descr': '") + descr_of(a.dtype()) +
                     "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  // Pad so the data starts 64-byte aligned (NumPy does the same), ending in '\n'.
  size_t preamble = dict.size() + 1 + 10 < 65536 ? 10 : 12;
  size_t padded = (preamble + dict.size() + 1 + 63) / 64 * 64;
  if (preamble == 10 && padded - 10 >= 65536) preamble = 12, padded = (12 + dict.size() + 1 + 63) / 64 * 64;
  dict.append(padded - preamble - dict.size() - 1, ' ');
  dict += '\n';
  std::string head(kMagic, 6);
  uint64_t len = dict.size();
  head += char(preamble == 10 ? 1 : 2);
  head += char(0);
  for (size_t i = 0; i < preamble - 8; ++i) head += char((len >> (8 * i)) & 0xFF);
  head += dict;
  out.write(head.data(), head.size());
  write_array(out, a, fortran);
}

}  // namespace mlx_core::io
