// The `.mlxfn` layout (learnt from files MLX 0.32.4 writes; little endian):
//   string version ("0.32.4"), int32 number of traces, bool shapeless, string metadata,
//   then per trace: vector<string> keyword names, vector<u64> input ids,
//   vector<(shape, dtype)> input signatures, vector<u64> output ids,
//   u64 tape length, tape entries:
//     u64 id, bool has_primitive,
//       true:  vector<u64> input ids, stream (3 x int32), string name, parameters,
//              u64 number of outputs (0 for one), [vector<u64> ids], shapes, dtypes
//       false: bool is_constant, [shape, dtype, raw bytes]
//   A string and a vector are a u64 count then the items; a shape is vector<int32>;
//   a dtype is int32 kind then uint8 size.
// Each primitive's parameters are written and read by its entry in export_registry.cpp.
#include "mlx/transforms/export.h"
#include "mlx/transforms/export_io.h"
#include "mlx/transforms/graph_walk.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/export.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/linalg.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/scan.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/sort.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"

namespace mlx_core {

namespace {

using namespace export_io;

constexpr const char* kVersion = "0.32.4";
// Files at least this large are mapped for parsing rather than read; their constants of
// at least kReadLaterBytes are read when first evaluated.
constexpr size_t kMapAbove = size_t(1) << 20;
constexpr size_t kReadLaterBytes = size_t(1) << 16;

bool fits_shape(const Shape& a, const Shape& o) {
  if (a.size() > o.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != 1 && a[i] != o[o.size() - a.size() + i]) return false;
  }
  return true;
}

}  // namespace

// -1: `out` is `in` without some size-1 axes (a squeeze); 1: `in` with size-1 axes
// inserted (expand_dims); 0: neither. `axes` gets the axes removed / inserted.
int squeeze_or_expand(const Shape& in, const Shape& out, std::vector<int>& axes) {
  auto match = [&](const Shape& big, const Shape& small) {
    if (big.size() <= small.size()) return false;
    size_t j = 0;
    axes.clear();
    for (size_t i = 0; i < big.size(); ++i) {
      if (j < small.size() && big[i] == small[j]) {
        ++j;
      } else if (big[i] == 1) {
        axes.push_back(int(i));
      } else {
        return false;
      }
    }
    return j == small.size();
  };
  if (match(in, out)) return -1;
  if (match(out, in)) return 1;
  return 0;
}

std::vector<array> replay_imported(const CompiledGraph& graph, const std::vector<array>& inputs) {
  std::vector<array> outputs = replay_compiled_graph(graph, inputs);
  if (!graph.shapeless) return outputs;
  // Inputs of new shapes give the nodes new shapes, computed by the primitives' shape rules,
  // which do not check everything a kernel relies on (take_along_axis of a smaller source):
  // check each node again, as the import did for the traced shapes.
  std::unordered_set<const Primitive*> imported;
  for (auto& n : graph.nodes) imported.insert(n.primitive.get());
  for (auto& node : traced_graph(outputs, id_set(inputs)).nodes) {
    if (!node.has_primitive() || !imported.count(&node.primitive())) continue;
    std::vector<Shape> in, out;
    std::vector<Dtype> dt, odt;
    for (auto& a : node.inputs()) {
      in.push_back(a.shape());
      dt.push_back(a.dtype());
    }
    for (auto& o : node.outputs()) {
      out.push_back(o.shape());
      odt.push_back(o.dtype());
    }
    try {
      check_node(node.primitive(), in, dt, out, odt, true);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument(std::string("[import_function::call] Inputs of these shapes do not fit the ") +
                                  node.primitive().name() + " node of the function exported with shapeless=True.");
    }
  }
  return outputs;
}

bool can_export(const Primitive& p) {
  return export_entries().count(export_name(p)) > 0 || needs_lowering(p);
}

std::string serialize_traces(const std::vector<ExportedTrace>& traces, bool shapeless,
                             const std::string& metadata, std::vector<TraceLog>* logs) {
  Writer w;
  size_t expected = size_t(1) << 16;  // the constants' bytes dominate: grow the buffer once
  for (auto& t : traces) for (auto& c : t.graph->constants) expected += c.nbytes();
  w.buf.reserve(expected);
  w.str(kVersion);
  w.i32(int32_t(traces.size()));
  w.u8(shapeless);
  w.str(metadata);
  uint64_t extra_ids = 0;  // ids of nodes written for one of ours (above every value's id)
  uint64_t base = 1;  // value v of a trace has id base + v: ids are unique in the file (MLX needs it)
  for (auto& traced : traces) {
    ExportedTrace t = traced;
    t.graph = lower_for_export(traced.graph, traced.input_shapes, traced.input_dtypes);
    auto& g = *t.graph;
    TraceLog* log = nullptr;
    if (logs) {
      logs->emplace_back();
      log = &logs->back();
      log->kwarg_keys = t.kwarg_keys;
    }
    // Records a node for the callback; its parameters are logged while `params` writes them.
    auto log_node = [&](const std::string& name, std::vector<uint64_t> ins, std::vector<uint64_t> outs,
                        const std::vector<Shape>& shapes, const std::vector<Dtype>& dtypes) {
      if (!log) return (std::vector<Argument>*)nullptr;
      for (size_t k = 0; k < outs.size(); ++k) log->values.insert_or_assign(outs[k], std::make_pair(shapes[k], dtypes[k]));
      log->nodes.push_back({name, {}, std::move(ins), std::move(outs)});
      return &log->nodes.back().arguments;
    };
    w.u64(t.kwarg_keys.size());
    for (auto& k : t.kwarg_keys) w.str(k);
    w.u64(g.num_inputs);
    for (int i = 0; i < g.num_inputs; ++i) w.u64(base + i);
    w.u64(g.num_inputs);
    for (int i = 0; i < g.num_inputs; ++i) {
      w.ints(t.input_shapes[i]);
      w.dtype(t.input_dtypes[i]);
      if (log) {
        log->inputs.push_back(base + i);
        log->values.insert_or_assign(base + i, std::make_pair(t.input_shapes[i], t.input_dtypes[i]));
      }
    }
    w.u64(g.outputs.size());
    for (int o : g.outputs) w.u64(base + o);
    if (log) for (int o : g.outputs) log->outputs.push_back(base + o);
    std::vector<Dtype> vdtypes = t.input_dtypes;
    for (auto& c : g.constants) vdtypes.push_back(c.dtype());
    for (auto& n : g.nodes) vdtypes.insert(vdtypes.end(), n.dtypes.begin(), n.dtypes.end());
    // Nodes written as two (see below): a Contiguous of 2 or more dimensions, an Abs of a complex array.
    auto complex_abs = [&](const CompiledGraph::Node& n) {
      auto* u = dynamic_cast<const Unary*>(n.primitive.get());
      return u && u->op() == UnaryOp::Abs && vdtypes[n.args[0]] == complex64;
    };
    size_t doubled = 0;
    for (auto& n : g.nodes) {
      doubled += (dynamic_cast<const Contiguous*>(n.primitive.get()) && n.shapes[0].size() >= 2) || complex_abs(n);
    }
    w.u64(g.num_inputs + g.constants.size() + g.nodes.size() + doubled);
    for (int i = 0; i < g.num_inputs; ++i) {
      w.u64(base + i);
      w.u8(0);
      w.u8(0);
    }
    int v = g.num_inputs;
    for (auto c : g.constants) {
      c.eval();
      array cc = contiguous(c, false);
      cc.eval();
      if (log) {
        log->constants.emplace_back(base + v, cc);
        log->values.insert_or_assign(base + v, std::make_pair(cc.shape(), cc.dtype()));
      }
      w.u64(base + v++);
      w.u8(0);
      w.u8(1);
      w.ints(cc.shape());
      w.dtype(cc.dtype());
      w.raw(cc.data<char>(), cc.nbytes());
    }
    std::vector<Shape> vshapes = t.input_shapes;
    for (auto& c : g.constants) vshapes.push_back(c.shape());
    for (auto& n : g.nodes) vshapes.insert(vshapes.end(), n.shapes.begin(), n.shapes.end());
    for (auto& node : g.nodes) {
      auto& p = *node.primitive;
      std::string name = export_name(p);
      if (dynamic_cast<const Contiguous*>(&p)) {
        // MLX reads no Contiguous. As MLX's own as_strided does, flatten (which copies a
        // strided input into a row-contiguous one) and reshape back; our importer puts a
        // Contiguous node before the kernels that need one.
        const Shape& shape = node.shapes[0];
        uint64_t in_id = base + node.args[0];
        auto header = [&](uint64_t id, uint64_t arg, const char* op) {
          w.u64(id);
          w.u8(1);
          w.u64(1);
          w.u64(arg);
          w.i32(0);
          w.i32(0);
          w.i32(0);
          w.str(op);
        };
        if (shape.size() >= 2) {
          uint64_t flat_id = (uint64_t(1) << 62) + extra_ids++;
          Shape flat{int(shape_size(shape))};
          header(flat_id, in_id, "Flatten");
          w.args = log_node("Flatten", {in_id}, {flat_id}, {flat}, node.dtypes);
          w.i32(0);
          w.i32(int(shape.size()) - 1);
          w.args = nullptr;
          w.u64(0);
          w.ints(flat);
          w.dtype(node.dtypes[0]);
          in_id = flat_id;
        }
        header(base + v, in_id, "Reshape");
        w.args = log_node("Reshape", {in_id}, {base + v}, node.shapes, node.dtypes);
        w.shape(shape);
        w.args = nullptr;
        w.u64(0);
        w.ints(shape);
        w.dtype(node.dtypes[0]);
        v += 1;
        continue;
      }
      if (complex_abs(node)) {
        // MLX's Abs of a complex array writes complex (|z| + 0i), then casts to float32.
        uint64_t abs_id = (uint64_t(1) << 62) + extra_ids++;
        w.u64(abs_id);
        w.u8(1);
        w.u64(1);
        w.u64(base + node.args[0]);
        w.i32(0);
        w.i32(0);
        w.i32(0);
        w.str("Abs");
        log_node("Abs", {base + node.args[0]}, {abs_id}, node.shapes, {complex64});
        w.u64(0);
        w.ints(node.shapes[0]);
        w.dtype(complex64);
        w.u64(base + v);
        w.u8(1);
        w.u64(1);
        w.u64(abs_id);
        w.i32(0);
        w.i32(0);
        w.i32(0);
        w.str("AsType");
        w.args = log_node("AsType", {abs_id}, {base + v}, node.shapes, node.dtypes);
        w.dtype(node.dtypes[0]);
        w.args = nullptr;
        w.u64(0);
        w.ints(node.shapes[0]);
        w.dtype(node.dtypes[0]);
        v += 1;
        continue;
      }
      if (name == "Reshape" && node.args.size() == 1) {
        std::vector<int> axes;
        int kind = squeeze_or_expand(vshapes[node.args[0]], node.shapes[0], axes);
        if (kind != 0) {
          int first = v;
          w.u64(base + first);
          w.u8(1);
          w.u64(1);
          w.u64(base + node.args[0]);
          w.i32(0);
          w.i32(0);
          w.i32(0);
          w.str(kind < 0 ? "Squeeze" : "ExpandDims");
          w.args = log_node(kind < 0 ? "Squeeze" : "ExpandDims", {base + node.args[0]}, {base + first},
                            node.shapes, node.dtypes);
          w.ints(axes);
          w.args = nullptr;
          w.u64(0);
          w.ints(node.shapes[0]);
          w.dtype(node.dtypes[0]);
          v += 1;
          continue;
        }
      }
      auto it = export_entries().find(name);
      if (it == export_entries().end()) {
        throw std::invalid_argument("[export_function] Unable to export primitive " +
                                    std::string(p.name()) + ".");
      }
      int first = v;
      w.u64(base + first);
      w.u8(1);
      w.u64(node.args.size());
      for (int a : mlx_argument_order(p, node.args)) w.u64(base + a);
      w.i32(0);
      w.i32(0);
      w.i32(0);
      w.str(name);
      {
        std::vector<uint64_t> ins, outs;
        for (int a : mlx_argument_order(p, node.args)) ins.push_back(base + a);
        for (size_t k = 0; k < node.shapes.size(); ++k) outs.push_back(base + first + k);
        w.args = log_node(name, std::move(ins), std::move(outs), node.shapes, node.dtypes);
      }
      it->second.first(w, p);
      w.args = nullptr;
      size_t nout = node.shapes.size();
      if (nout == 1) {
        w.u64(0);
        w.ints(node.shapes[0]);
        w.dtype(node.dtypes[0]);
      } else {
        w.u64(nout - 1);  // MLX: the number of siblings, then every output's id
        w.u64(nout);
        for (size_t k = 0; k < nout; ++k) w.u64(base + first + k);
        w.u64(nout);
        for (auto& s : node.shapes) w.ints(s);
        w.u64(nout);
        for (auto& d : node.dtypes) w.dtype(d);
      }
      v += int(nout);
    }
    base += uint64_t(v);
  }
  return w.buf;
}

std::vector<ExportedTrace> deserialize_file(const std::string& path, bool& shapeless,
                                           std::string& metadata) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("[import_function] Failed to open " + path);
  }
  size_t size = size_t(st.st_size);
  void* p = size >= kMapAbove ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  if (p == MAP_FAILED) {
    // Small files (or no mapping): read them.
    std::string bytes(size, '\0');
    size_t done = 0;
    while (done < size) {
      ssize_t got = ::read(fd, bytes.data() + done, size - done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      done += size_t(got);
    }
    ::close(fd);
    bytes.resize(done);
    return deserialize_traces(bytes.data(), bytes.size(), shapeless, metadata);
  }
  // Large files: parse the mapping (the constants' pages are not touched); large constants
  // are read from the file when first used, the others copied out of the mapping. Nothing
  // refers to the mapping after the import (a pointer into it would fault once the file is
  // overwritten); the file stays open for the constants not read yet.
  auto file = std::make_shared<OpenFile>(fd);
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{p, size};
  return deserialize_traces(static_cast<const char*>(p), size, shapeless, metadata, file);
}

std::vector<ExportedTrace> deserialize_traces(const char* data, size_t size, bool& shapeless,
                                             std::string& metadata, std::shared_ptr<OpenFile> file) {
  Reader r{reinterpret_cast<const uint8_t*>(data), size};
  std::string version = r.str();
  if (version.size() > 32 || version.empty() || version[0] < '0' || version[0] > '9') {
    bad("not an .mlxfn file (no version header)");
  }
  int32_t ntraces = r.i32();
  if (ntraces < 1 || size_t(ntraces) > r.left()) bad("a bad number of traces");
  shapeless = r.boolean();
  metadata = r.str();
  std::vector<ExportedTrace> traces;
  for (int t = 0; t < ntraces; ++t) {
    ExportedTrace tr;
    auto g = std::make_shared<CompiledGraph>();
    g->replayed_by = "import_function::call";
    g->shapeless = shapeless;
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
    struct RawNode { CompiledGraph::Node node; std::vector<uint64_t> arg_ids; std::vector<uint64_t> ids; Expand expand; };
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
        auto it = export_entries().find(name);
        if (it == export_entries().end()) {
          for (auto& ch : name) if (ch < 32 || ch > 126) ch = '?';
          throw std::invalid_argument("[import_function] Unknown primitive " + name + " in the file.");
        }
        Loaded l = it->second.second(r, default_stream(default_device()));
        size_t nsib = r.count(8);
        if (nsib == 0) {
          rn.ids = {id};
          rn.node.shapes = {r.shape()};
          rn.node.dtypes = {r.dtype()};
        } else {
          if (nsib == std::numeric_limits<size_t>::max() || r.count(8) != nsib + 1) {
            bad("sibling counts differ");
          }
          nsib += 1;  // the siblings and the node's own output
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
        rn.expand = std::move(l.expand);
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
        if (value_of.count(id) || pending.count(id)) bad("a repeated id");
        pending[id] = {0, int(constants.size())};
        if (file && nbytes >= kReadLaterBytes) {
          // Read from the file when first evaluated (MLX's import reads no constant up front).
          constants.emplace_back(s, d, std::make_shared<FileConstant>(default_stream(default_device()), file, r.pos),
                                 std::vector<array>{});
          r.pos += nbytes;
        } else {
          auto buf = allocator::malloc(nbytes);
          r.raw(buf.ptr, nbytes);
          constants.emplace_back(std::move(buf), s, d);
        }
      } else {
        if (!value_of.count(id)) bad("a tape input that is not a function input");
      }
    }
    int nc = int(constants.size());
    std::vector<Shape> vshapes;
    for (auto& sh : tr.input_shapes) vshapes.push_back(sh);
    for (auto& c : constants) vshapes.push_back(c.shape());
    std::vector<Dtype> vdtypes = tr.input_dtypes;
    for (auto& c : constants) vdtypes.push_back(c.dtype());
    auto resolve = [&](uint64_t id) {
      auto a = value_of.find(id);
      if (a != value_of.end()) return a->second;
      auto b = pending.find(id);
      if (b == pending.end()) bad("a reference to an unknown value");
      return b->second.kind == 0 ? int(ni) + b->second.index : int(ni) + nc + b->second.index;
    };
    std::vector<int> remap;  // file value number -> value number with inserted casts
    for (int v = 0; v < int(ni) + nc; ++v) remap.push_back(v);
    struct GraphEmitter : Emitter {
      CompiledGraph& g;
      std::vector<Shape>& vshapes;
      std::vector<Dtype>& vdtypes;
      bool is_shapeless;
      // Constants that expansions add, numbered among the node outputs until renumber().
      std::vector<std::pair<int, array>> extra;
      GraphEmitter(CompiledGraph& g, std::vector<Shape>& s, std::vector<Dtype>& d, bool sl)
          : g(g), vshapes(s), vdtypes(d), is_shapeless(sl) {}
      int add(std::shared_ptr<Primitive> p, std::vector<int> args, std::vector<Shape> shapes,
              std::vector<Dtype> dtypes) override {
        CompiledGraph::Node n;
        for (int a : args) {
          if (a < 0 || a >= int(vshapes.size())) bad("a reference to an unknown value");
          n.arg_shapes.push_back(vshapes[a]);
        }
        std::vector<Dtype> in_dtypes;
        for (int a : args) in_dtypes.push_back(vdtypes[a]);
        check_node(*p, n.arg_shapes, in_dtypes, shapes, dtypes, is_shapeless);
        int first = int(vshapes.size());
        vshapes.insert(vshapes.end(), shapes.begin(), shapes.end());
        vdtypes.insert(vdtypes.end(), dtypes.begin(), dtypes.end());
        n.primitive = std::move(p);
        n.args = std::move(args);
        n.shapes = std::move(shapes);
        n.dtypes = std::move(dtypes);
        g.nodes.push_back(std::move(n));
        return first;
      }
      int constant(array value) override {
        value.eval();
        int v = int(vshapes.size());
        vshapes.push_back(value.shape());
        vdtypes.push_back(value.dtype());
        extra.emplace_back(v, std::move(value));
        return v;
      }
      Shape shape(int v) const override { return vshapes.at(v); }
      Dtype dtype(int v) const override { return vdtypes.at(v); }
      bool shapeless() const override { return is_shapeless; }
      // Moves the added constants after the file's (values: inputs, constants, node outputs).
      void renumber(int sources, std::vector<array>& constants) {
        if (extra.empty()) return;
        std::vector<int> to(vshapes.size());
        size_t k = 0;
        int next_node = sources + int(extra.size());
        for (int v = 0; v < int(to.size()); ++v) {
          if (v < sources) {
            to[v] = v;
          } else if (k < extra.size() && extra[k].first == v) {
            to[v] = sources + int(k++);
          } else {
            to[v] = next_node++;
          }
        }
        for (auto& n : g.nodes) for (int& a : n.args) a = to[a];
        for (int& o : g.outputs) o = to[o];
        for (auto& [v, c] : extra) constants.push_back(c);
      }
    } emitter(*g, vshapes, vdtypes, shapeless);
    for (auto& rn : raw_nodes) {
      std::vector<Shape> in_shapes;
      std::vector<Dtype> in_dtypes;
      for (auto a : rn.arg_ids) {
        int v = remap.at(resolve(a));
        rn.node.args.push_back(v);
        in_shapes.push_back(vshapes.at(v));
        in_dtypes.push_back(vdtypes.at(v));
      }
      if (rn.expand) {
        auto outs = rn.expand(emitter, rn.node.args, rn.node.shapes, rn.node.dtypes);
        if (outs.size() != rn.node.shapes.size()) bad("a node's outputs differ in number");
        for (size_t k = 0; k < outs.size(); ++k) {
          if (vshapes.at(outs[k]) != rn.node.shapes[k] || vdtypes.at(outs[k]) != rn.node.dtypes[k]) {
            bad("inconsistent outputs of a node");
          }
          remap.push_back(outs[k]);
        }
        continue;
      }
      if (dynamic_cast<Broadcast*>(rn.node.primitive.get()) && rn.node.args.size() >= 2 &&
          rn.node.shapes.size() == 1) {
        // MLX's shapeless Broadcast takes the arrays whose shapes it follows as more inputs.
        // Our shapeless replay broadcasts elementwise inputs itself, so the node becomes its
        // input there; with fixed shapes it broadcasts to the recorded shape.
        if (shapeless) {
          if (in_dtypes[0] != rn.node.dtypes[0] || !fits_shape(in_shapes[0], rn.node.shapes[0])) {
            bad("inconsistent shapes, dtypes or parameters of Broadcast");
          }
          remap.push_back(rn.node.args[0]);
          continue;
        }
        rn.node.args.resize(1);
        in_shapes.resize(1);
        in_dtypes.erase(in_dtypes.begin() + 1, in_dtypes.end());
      }
      bool casts = dynamic_cast<Reduce*>(rn.node.primitive.get()) ||
                   dynamic_cast<Scan*>(rn.node.primitive.get());
      if (casts && in_dtypes.size() == 1 &&
          rn.node.dtypes.size() == 1 && in_dtypes[0] != rn.node.dtypes[0]) {
        // MLX reduces some dtypes into another (sum of bool is int32); our Reduce/Scan
        // reads and writes one dtype, so cast first.
        CompiledGraph::Node cast;
        cast.primitive = std::make_shared<AsType>(default_stream(default_device()), rn.node.dtypes[0]);
        cast.args = rn.node.args;
        cast.arg_shapes = in_shapes;
        cast.shapes = in_shapes;
        cast.dtypes = rn.node.dtypes;
        int v = int(vshapes.size());
        vshapes.push_back(in_shapes[0]);
        vdtypes.push_back(rn.node.dtypes[0]);
        g->nodes.push_back(std::move(cast));
        rn.node.args = {v};
        in_dtypes = {rn.node.dtypes[0]};
      }
      check_node(*rn.node.primitive, in_shapes, in_dtypes, rn.node.shapes, rn.node.dtypes,
                 shapeless);
      rn.node.arg_shapes = in_shapes;
      for (size_t k = 0; k < rn.node.shapes.size(); ++k) {
        remap.push_back(int(vshapes.size()));
        vshapes.push_back(rn.node.shapes[k]);
        vdtypes.push_back(rn.node.dtypes[k]);
      }
      g->nodes.push_back(std::move(rn.node));
    }
    for (auto id : out_ids) g->outputs.push_back(remap.at(resolve(id)));
    emitter.renumber(int(ni) + nc, constants);
    g->constants = std::move(constants);
    tr.graph = g;
    traces.push_back(std::move(tr));
  }
  if (r.left() != 0) bad("trailing bytes after the last trace");
  return traces;
}

}  // namespace mlx_core
