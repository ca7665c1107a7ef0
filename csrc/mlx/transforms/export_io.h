// The pieces of the `.mlxfn` reader and writer that the primitive registry
// (export.cpp, export_primitives.cpp, export_checks.cpp) shares: byte streams, the error for a
// bad file, and what loading one primitive's parameters yields.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/primitive.h"
#include "mlx/transforms/compile.h"

namespace mlx_core::export_io {

// One parameter as MLX hands it to an export callback: an int, a float, a bool, a list
// (std::vector), a tuple (a shape) or a dtype.
struct Argument {
  enum Kind { Int, Float, Bool, List, Tuple, DtypeArg } kind;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> items;
  Dtype dtype = float32;
};

struct Writer {
  std::string buf;
  // While a primitive's parameters are written: each typed write is also logged here.
  std::vector<Argument>* args = nullptr;
  void raw(const void* p, size_t n) { buf.append(static_cast<const char*>(p), n); }
  void u64(uint64_t v) { raw(&v, 8); }  // counts and ids: never a parameter
  void index(uint64_t v) { u64(v); log({Argument::Int, int64_t(v)}); }
  void i32(int32_t v) { raw(&v, 4); log({Argument::Int, v}); }
  void u8(uint8_t v) { raw(&v, 1); log({Argument::Bool, v}); }
  void f32(float v) { raw(&v, 4); log({Argument::Float, 0, v}); }
  void f64(double v) { raw(&v, 8); log({Argument::Float, 0, v}); }
  void str(const std::string& s) { u64(s.size()); raw(s.data(), s.size()); }
  // A vector of axes (a list) and a shape (a tuple): the same bytes.
  void ints(const std::vector<int>& v) { put_ints(v, Argument::List); }
  void shape(const std::vector<int>& v) { put_ints(v, Argument::Tuple); }
  void int64s(const std::vector<int64_t>& v) {
    u64(v.size());
    for (int64_t x : v) raw(&x, 8);
    log({Argument::Tuple, 0, 0, v});
  }
  void dtype(Dtype d) {
    int32_t k = int32_t(d.val);
    raw(&k, 4);
    raw(&d.size, 1);
    Argument a{Argument::DtypeArg};
    a.dtype = d;
    log(std::move(a));
  }

 private:
  void put_ints(const std::vector<int>& v, Argument::Kind kind) {
    u64(v.size());
    for (int x : v) raw(&x, 4);
    log({kind, 0, 0, std::vector<int64_t>(v.begin(), v.end())});
  }
  void log(Argument a) {
    if (args) args->push_back(std::move(a));
  }
};

[[noreturn]] inline void bad(const std::string& what) {
  throw std::invalid_argument("[import_function] Invalid or corrupt .mlxfn file: " + what + ".");
}

struct Reader {
  const uint8_t* p;
  size_t n, pos = 0;
  size_t left() const { return n - pos; }
  void need(size_t k) {
    if (k > left()) bad("unexpected end of file");
  }
  void raw(void* out, size_t k) { need(k); std::memcpy(out, p + pos, k); pos += k; }
  uint64_t u64() { uint64_t v; raw(&v, 8); return v; }
  int32_t i32() { int32_t v; raw(&v, 4); return v; }
  uint8_t u8() { uint8_t v; raw(&v, 1); return v; }
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) bad("a flag is neither 0 nor 1");
    return v;
  }
  // A count of items of at least `min_bytes` each, checked against what is left.
  size_t count(size_t min_bytes) {
    uint64_t c = u64();
    if (min_bytes && c > left() / min_bytes) bad("a count is larger than the file");
    return size_t(c);
  }
  std::string str() {
    size_t k = count(1);
    std::string s(reinterpret_cast<const char*>(p + pos), k);
    pos += k;
    return s;
  }
  std::vector<int> ints() {
    std::vector<int> v(count(4));
    for (auto& x : v) x = i32();
    return v;
  }
  Shape shape() {
    Shape s = ints();
    for (int d : s) if (d < 0) bad("a negative dimension");
    return s;
  }
  Dtype dtype() {
    int32_t k = i32();
    uint8_t size = u8();
    if (k < 0 || k >= Dtype::count) bad("an unknown dtype");
    static const Dtype all[] = {bool_, uint8, uint16, uint32, uint64, int8, int16,
                                int32, int64, float16, float32, float64, bfloat16, complex64};
    if (all[k].size != size) bad("a dtype size does not match its kind");
    return all[k];
  }
};


// Adds nodes to a graph being imported; each node is checked first.
class Emitter {
 public:
  virtual ~Emitter() = default;
  // The value number of the node's first output (the others follow it).
  virtual int add(std::shared_ptr<Primitive> p, std::vector<int> args, std::vector<Shape> shapes,
                  std::vector<Dtype> dtypes) = 0;
  // A constant (evaluated here); its value number.
  virtual int constant(array value) = 0;
  virtual Shape shape(int value) const = 0;
  virtual Dtype dtype(int value) const = 0;
  virtual bool shapeless() const = 0;
};

// A file node whose primitive is built from its inputs and outputs, or which
// becomes several of our nodes: emits them and returns one value per output.
using Expand = std::function<std::vector<int>(Emitter&, const std::vector<int>& args,
                                              const std::vector<Shape>& shapes,
                                              const std::vector<Dtype>& dtypes)>;

struct Loaded {
  std::shared_ptr<Primitive> primitive;
  bool reshape_to_output = false;  // MLX's Squeeze/ExpandDims/Reshape: a Reshape to the output shape
  Expand expand;                   // set instead of `primitive`
};
using SaveFn = std::function<void(Writer&, const Primitive&)>;
using LoadFn = std::function<Loaded(Reader&, Stream)>;
using Entries = std::unordered_map<std::string, std::pair<SaveFn, LoadFn>>;

// export_primitives.cpp: the entries of products, convolution, indexing,
// slice updates, strided views, top-k, search, random and creation primitives,
// MLX-only primitives (Full, Split, Pad, ...) that import as our nodes.
void add_more_entries(Entries& entries);
// Every entry, by the name written in files (export_registry.cpp).
const Entries& export_entries();
// The name written for a primitive (MLX's where one exists).
std::string export_name(const Primitive& p);
// The name written for a primitive of those families ("" for the others).
std::string more_export_name(const Primitive& p);
// export_checks.cpp: raises (a bad-file error) for a node inconsistent with its inputs.
// `shapeless`: elementwise inputs may broadcast (the replay broadcasts them).
void check_node(const Primitive& p, const std::vector<Shape>& in, const std::vector<Dtype>& dt,
                const std::vector<Shape>& out, const std::vector<Dtype>& odt, bool shapeless);
// Raises for a node of those families inconsistent with its inputs; false for other primitives.
bool check_more_node(const Primitive& p, const std::vector<Shape>& in, const std::vector<Dtype>& dt,
                     const std::vector<Shape>& out, const std::vector<Dtype>& odt);
// Whether the bounds of a slice fit `in` and give `out` (Slice, SliceUpdate).
bool slice_fits(const Shape& in, const Shape& start, const Shape& stop, const Shape& step,
                const Shape& out);

// A node's inputs in the order MLX's primitive takes them (AddMM: a, b, c; ours: c, a, b).
std::vector<int> mlx_argument_order(const Primitive& p, const std::vector<int>& args);
// Whether export rewrites the primitive first (lower_for_export).
bool needs_lowering(const Primitive& p);
// The graph as written: Compiled nodes expanded into their ops (as MLX writes a
// compiled function), CustomTransforms replaced by the function's outputs, and a
// BlockMaskedMM with one operand mask given the other (MLX's layout has both or neither).
std::shared_ptr<CompiledGraph> lower_for_export(const std::shared_ptr<CompiledGraph>& graph,
                                                const std::vector<Shape>& input_shapes,
                                                const std::vector<Dtype>& input_dtypes);

}  // namespace mlx_core::export_io
