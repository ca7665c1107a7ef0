// The `.mlxfn` layout (learnt from files MLX 0.32.4 writes; little endian):
//   string version ("0.32.4"), int32 number of traces, bool shapeless, then per trace:
//   u64 (0), vector<string> keyword names, vector<u64> input ids,
//   vector<(shape, dtype)> input signatures, vector<u64> output ids,
//   u64 tape length, tape entries:
//     u64 id, bool has_primitive,
//       true:  vector<u64> input ids, stream (3 x int32), string name, parameters,
//              u64 number of outputs (0 for one), [vector<u64> ids], shapes, dtypes
//       false: bool is_constant, [shape, dtype, raw bytes]
//   A string and a vector are a u64 count then the items; a shape is vector<int32>;
//   a dtype is int32 kind then uint8 size.
#include "mlx/transforms/export.h"

#include <cstring>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/linalg.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/unary.h"

namespace mlx_core {

namespace {

constexpr const char* kVersion = "0.32.4";

struct Writer {
  std::string buf;
  void raw(const void* p, size_t n) { buf.append(static_cast<const char*>(p), n); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i32(int32_t v) { raw(&v, 4); }
  void u8(uint8_t v) { raw(&v, 1); }
  void str(const std::string& s) { u64(s.size()); raw(s.data(), s.size()); }
  void ints(const std::vector<int>& v) {
    u64(v.size());
    for (int x : v) i32(x);
  }
  void dtype(Dtype d) { i32(int(d.val)); u8(d.size); }
};

[[noreturn]] void bad(const std::string& what) {
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

// ---- the registry ----
struct Loaded {
  std::shared_ptr<Primitive> primitive;
  bool reshape_to_output = false;  // MLX's Squeeze/ExpandDims/Reshape: a Reshape to the output shape
};
using SaveFn = std::function<void(Writer&, const Primitive&)>;
using LoadFn = std::function<Loaded(Reader&, Stream)>;

// The name written for a primitive (MLX's where one exists).
std::string export_name(const Primitive& p) {
  if (auto* u = dynamic_cast<const Unary*>(&p)) {
    switch (u->op()) {
      case UnaryOp::Log: case UnaryOp::Log2: case UnaryOp::Log10: return "Log";
      case UnaryOp::Sqrt: case UnaryOp::Rsqrt: return "Sqrt";
      default: return u->name();
    }
  }
  if (dynamic_cast<const Reduce*>(&p)) return "Reduce";
  return p.name();
}

int mlx_reduce_code(ReduceType t) {  // MLX: And, Or, Sum, Prod, Min, Max
  switch (t) {
    case ReduceType::And: return 0;
    case ReduceType::Or: return 1;
    case ReduceType::Sum: return 2;
    case ReduceType::Prod: return 3;
    case ReduceType::Min: return 4;
    case ReduceType::Max: return 5;
  }
  return 2;
}

struct Registry {
  std::unordered_map<std::string, std::pair<SaveFn, LoadFn>> entries;
  Registry() {
    auto none = [](Writer&, const Primitive&) {};
    for (int k = 0; k <= int(UnaryOp::Tanh); ++k) {
      auto op = UnaryOp(k);
      if (op == UnaryOp::Log2 || op == UnaryOp::Log10 || op == UnaryOp::Rsqrt) continue;
      Unary probe(Stream(0, Device(Device::cpu)), op);
      std::string n = export_name(probe);
      if (n == "Log") {
        entries[n] = {[](Writer& w, const Primitive& p) {
                        auto op = static_cast<const Unary&>(p).op();
                        w.i32(op == UnaryOp::Log2 ? 0 : op == UnaryOp::Log10 ? 1 : 2);
                      },
                      [](Reader& r, Stream s) {
                        int b = r.i32();
                        if (b < 0 || b > 2) bad("an unknown Log base");
                        UnaryOp o = b == 0 ? UnaryOp::Log2 : b == 1 ? UnaryOp::Log10 : UnaryOp::Log;
                        return Loaded{std::make_shared<Unary>(s, o)};
                      }};
      } else if (n == "Sqrt") {
        entries[n] = {[](Writer& w, const Primitive& p) {
                        w.u8(static_cast<const Unary&>(p).op() == UnaryOp::Rsqrt);
                      },
                      [](Reader& r, Stream s) {
                        bool recip = r.boolean();
                        return Loaded{std::make_shared<Unary>(s, recip ? UnaryOp::Rsqrt : UnaryOp::Sqrt)};
                      }};
      } else {
        entries[n] = {none, [op](Reader&, Stream s) { return Loaded{std::make_shared<Unary>(s, op)}; }};
      }
    }
    for (int k = 0; k <= int(BinaryOp::DivMod); ++k) {
      auto op = BinaryOp(k);
      Binary probe(Stream(0, Device(Device::cpu)), op);
      entries[probe.name()] = {none, [op](Reader&, Stream s) {
                                 return Loaded{std::make_shared<Binary>(s, op)};
                               }};
    }
    entries["Reduce"] = {[](Writer& w, const Primitive& p) {
                           auto& r = static_cast<const Reduce&>(p);
                           w.i32(mlx_reduce_code(r.type()));
                           w.ints(r.axes());
                         },
                         [](Reader& r, Stream s) {
                           static const ReduceType from_mlx[] = {ReduceType::And, ReduceType::Or,
                                                                 ReduceType::Sum, ReduceType::Prod,
                                                                 ReduceType::Min, ReduceType::Max};
                           int t = r.i32();
                           if (t < 0 || t > 5) bad("an unknown reduction");
                           auto axes = r.ints();
                           for (int a : axes) if (a < 0) bad("a negative axis");
                           return Loaded{std::make_shared<Reduce>(s, from_mlx[t], axes)};
                         }};
    auto shape_to_output = [](Reader& r, Stream) {
      r.ints();
      return Loaded{nullptr, true};
    };
    entries["Reshape"] = {[](Writer& w, const Primitive& p) {
                            w.ints(static_cast<const Reshape&>(p).shape());
                          },
                          shape_to_output};
    entries["Squeeze"] = {none, shape_to_output};
    entries["ExpandDims"] = {none, shape_to_output};
    entries["Broadcast"] = {[](Writer& w, const Primitive& p) {
                              w.ints(static_cast<const Broadcast&>(p).shape());
                            },
                            [](Reader& r, Stream s) {
                              return Loaded{std::make_shared<Broadcast>(s, r.shape())};
                            }};
    entries["Transpose"] = {[](Writer& w, const Primitive& p) {
                              w.ints(static_cast<const Transpose&>(p).axes());
                            },
                            [](Reader& r, Stream s) {
                              return Loaded{std::make_shared<Transpose>(s, r.ints())};
                            }};
    entries["AsType"] = {[](Writer& w, const Primitive& p) {
                           w.dtype(static_cast<const AsType&>(p).dtype());
                         },
                         [](Reader& r, Stream s) {
                           return Loaded{std::make_shared<AsType>(s, r.dtype())};
                         }};
    entries["Slice"] = {[](Writer& w, const Primitive& p) {
                          auto& sl = static_cast<const Slice&>(p);
                          w.ints(sl.start());
                          w.ints(sl.stop());
                          w.ints(sl.step());
                        },
                        [](Reader& r, Stream s) {
                          auto a = r.ints(), b = r.ints(), c = r.ints();
                          if (a.size() != b.size() || a.size() != c.size()) bad("a Slice's sizes differ");
                          for (int st : c) if (st == 0) bad("a zero Slice step");
                          return Loaded{std::make_shared<Slice>(s, a, b, c)};
                        }};
    entries["Matmul"] = {none, [](Reader&, Stream s) { return Loaded{std::make_shared<Matmul>(s)}; }};
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool can_export(const Primitive& p) { return registry().entries.count(export_name(p)) > 0; }

std::string serialize_traces(const std::vector<ExportedTrace>& traces, bool shapeless) {
  Writer w;
  w.str(kVersion);
  w.i32(int32_t(traces.size()));
  w.u8(shapeless);
  for (auto& t : traces) {
    auto& g = *t.graph;
    // Value v has id v + 1.
    w.u64(0);
    w.u64(t.kwarg_keys.size());
    for (auto& k : t.kwarg_keys) w.str(k);
    w.u64(g.num_inputs);
    for (int i = 0; i < g.num_inputs; ++i) w.u64(i + 1);
    w.u64(g.num_inputs);
    for (int i = 0; i < g.num_inputs; ++i) {
      w.ints(t.input_shapes[i]);
      w.dtype(t.input_dtypes[i]);
    }
    w.u64(g.outputs.size());
    for (int o : g.outputs) w.u64(o + 1);
    w.u64(g.num_inputs + g.constants.size() + g.nodes.size());
    for (int i = 0; i < g.num_inputs; ++i) {
      w.u64(i + 1);
      w.u8(0);
      w.u8(0);
    }
    int v = g.num_inputs;
    for (auto c : g.constants) {
      c.eval();
      array cc = contiguous(c, false);
      cc.eval();
      w.u64(++v);
      w.u8(0);
      w.u8(1);
      w.ints(cc.shape());
      w.dtype(cc.dtype());
      w.raw(cc.data<char>(), cc.nbytes());
    }
    for (auto& node : g.nodes) {
      auto& p = *node.primitive;
      std::string name = export_name(p);
      auto it = registry().entries.find(name);
      if (it == registry().entries.end()) {
        throw std::invalid_argument("[export_function] Unable to export primitive " +
                                    std::string(p.name()) + ".");
      }
      int first = v;
      w.u64(first + 1);
      w.u8(1);
      w.u64(node.args.size());
      for (int a : node.args) w.u64(a + 1);
      w.i32(0);
      w.i32(0);
      w.i32(0);
      w.str(name);
      it->second.first(w, p);
      size_t nout = node.shapes.size();
      if (nout == 1) {
        w.u64(0);
        w.ints(node.shapes[0]);
        w.dtype(node.dtypes[0]);
      } else {
        w.u64(nout);
        w.u64(nout);
        for (size_t k = 0; k < nout; ++k) w.u64(first + 1 + k);
        w.u64(nout);
        for (auto& s : node.shapes) w.ints(s);
        w.u64(nout);
        for (auto& d : node.dtypes) w.dtype(d);
      }
      v += int(nout);
    }
  }
  return w.buf;
}

std::vector<ExportedTrace> deserialize_traces(const std::string& bytes, bool& shapeless) {
  Reader r{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  std::string version = r.str();
  if (version.size() > 32 || version.empty() || version[0] < '0' || version[0] > '9') {
    bad("not an .mlxfn file (no version header)");
  }
  int32_t ntraces = r.i32();
  if (ntraces < 1 || size_t(ntraces) > r.left()) bad("a bad number of traces");
  shapeless = r.boolean();
  std::vector<ExportedTrace> traces;
  for (int t = 0; t < ntraces; ++t) {
    ExportedTrace tr;
    auto g = std::make_shared<CompiledGraph>();
    g->shapeless = shapeless;
    if (r.u64() != 0) bad("an unknown trace header");
    size_t nk = r.count(8);
    for (size_t k = 0; k < nk; ++k) tr.kwarg_keys.push_back(r.str());
    size_t ni = r.count(8);
    std::unordered_map<uint64_t, int> value_of;
    std::vector<uint64_t> input_ids(ni);
    for (auto& id : input_ids) id = r.u64();
    if (r.count(13) != ni) bad("input ids and signatures differ in number");
    for (size_t i = 0; i < ni; ++i) {
      tr.input_shapes.push_back(r.shape());
      tr.input_dtypes.push_back(r.dtype());
      if (!value_of.emplace(input_ids[i], int(i)).second) bad("a repeated input id");
    }
    if (nk > ni) bad("more keyword names than inputs");
    g->num_inputs = int(ni);
    std::vector<uint64_t> out_ids(r.count(8));
    for (auto& id : out_ids) id = r.u64();
    size_t ntape = r.count(10);
    // Values: inputs, then constants, then node outputs; count constants first
    // is not possible in one pass, so number them in file order and renumber.
    struct Pending { int kind; int index; };  // 0 constant, 1 node output
    std::vector<std::pair<uint64_t, Pending>> defs;
    std::vector<array> constants;
    struct RawNode { CompiledGraph::Node node; std::vector<uint64_t> arg_ids; std::vector<uint64_t> ids; };
    std::vector<RawNode> raw_nodes;
    std::unordered_map<uint64_t, Pending> pending;
    size_t node_values = 0;
    for (size_t k = 0; k < ntape; ++k) {
      uint64_t id = r.u64();
      if (r.boolean()) {
        RawNode rn;
        rn.arg_ids.resize(r.count(8));
        for (auto& a : rn.arg_ids) {
          a = r.u64();
          if (!value_of.count(a) && !pending.count(a)) bad("a node refers to a value not defined before it");
        }
        r.i32(); r.i32(); r.i32();  // stream: everything runs on the default one
        std::string name = r.str();
        auto it = registry().entries.find(name);
        if (it == registry().entries.end()) {
          throw std::invalid_argument("[import_function] Unknown primitive " + name + " in the file.");
        }
        Loaded l = it->second.second(r, default_stream(default_device()));
        size_t nsib = r.count(8);
        if (nsib == 0) {
          rn.ids = {id};
          rn.node.shapes = {r.shape()};
          rn.node.dtypes = {r.dtype()};
        } else {
          if (r.count(8) != nsib) bad("sibling counts differ");
          rn.ids.resize(nsib);
          for (auto& s : rn.ids) s = r.u64();
          if (r.count(8) != nsib) bad("sibling counts differ");
          for (size_t s = 0; s < nsib; ++s) rn.node.shapes.push_back(r.shape());
          if (r.count(5) != nsib) bad("sibling counts differ");
          for (size_t s = 0; s < nsib; ++s) rn.node.dtypes.push_back(r.dtype());
        }
        for (auto& s : rn.node.shapes) shape_size(s, "import_function");
        if (l.reshape_to_output) {
          if (rn.node.shapes.size() != 1) bad("a reshape with several outputs");
          l.primitive = std::make_shared<Reshape>(default_stream(default_device()), rn.node.shapes[0]);
        }
        rn.node.primitive = l.primitive;
        for (size_t s = 0; s < rn.ids.size(); ++s) {
          if (value_of.count(rn.ids[s]) || pending.count(rn.ids[s])) bad("a repeated id");
          pending[rn.ids[s]] = {1, int(node_values + s)};
        }
        node_values += rn.ids.size();
        raw_nodes.push_back(std::move(rn));
      } else if (r.boolean()) {
        Shape s = r.shape();
        Dtype d = r.dtype();
        size_t n = shape_size(s, "import_function");
        if (n > r.left() / d.size) bad("a constant is larger than the file");
        size_t nbytes = n * d.size;
        auto buf = allocator::malloc(nbytes);
        r.raw(buf.ptr, nbytes);
        if (value_of.count(id) || pending.count(id)) bad("a repeated id");
        pending[id] = {0, int(constants.size())};
        constants.emplace_back(std::move(buf), s, d);
      } else {
        if (!value_of.count(id)) bad("a tape input that is not a function input");
      }
    }
    int nc = int(constants.size());
    auto value = [&](uint64_t id) {
      auto a = value_of.find(id);
      if (a != value_of.end()) return a->second;
      auto b = pending.find(id);
      if (b == pending.end()) bad("a reference to an unknown value");
      return b->second.kind == 0 ? int(ni) + b->second.index : int(ni) + nc + b->second.index;
    };
    std::vector<Shape> vshapes;
    for (auto& s : tr.input_shapes) vshapes.push_back(s);
    for (auto& c : constants) vshapes.push_back(c.shape());
    for (auto& rn : raw_nodes) {
      for (auto a : rn.arg_ids) {
        int v = value(a);
        rn.node.args.push_back(v);
        rn.node.arg_shapes.push_back(vshapes.at(v));
      }
      for (auto& s : rn.node.shapes) vshapes.push_back(s);
      g->nodes.push_back(std::move(rn.node));
    }
    for (auto id : out_ids) g->outputs.push_back(value(id));
    g->constants = std::move(constants);
    tr.graph = g;
    traces.push_back(std::move(tr));
  }
  if (r.left() != 0) bad("trailing bytes after the last trace");
  return traces;
}

}  // namespace mlx_core
