// `.mlxfn` entries for the primitives beyond elementwise, reduction, shape and
// sort ones (export.cpp has those): matrix products, convolution, indexing,
// slice updates, strided views, top-k, search, random bits and arange, each in
// MLX 0.32.4's name and parameter layout where MLX writes the primitive. Also
// MLX primitives that mlx_core builds from others (Full, Split, Pad, LogSumExp,
// SliceUpdate with a reduction); export_lowering.cpp has the rewrites before writing.
//
// Layouts MLX 0.32.4 has none for (it raises "Unable to serialize"): ToFP8,
// FromFP8, SegmentedMM, ArgTopK (MLX writes top-k as Partition + Slice),
// CategoricalSearch (no parameters each, except ArgTopK: int32 k, int32 axis)
// and a transposed Hadamard (HadamardTransposed: float32 scale).
#include <cmath>
#include <limits>

#include "mlx/ops.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/conv.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/custom.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/products.h"
#include "mlx/primitives/random.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/sort.h"
#include "mlx/transforms/autodiff.h"
#include "mlx/transforms/export_io.h"
#include "mlx/transforms/graph_walk.h"

namespace mlx_core::export_io {

namespace {

Stream stream() { return default_stream(default_device()); }

// MLX's Scatter/SliceUpdate reductions: Max 0, Min 1, Sum 2, Prod 3, None 4.
int mlx_scatter_code(ScatterReduce r) {
  switch (r) {
    case ScatterReduce::Max: return 0;
    case ScatterReduce::Min: return 1;
    case ScatterReduce::Sum: return 2;
    case ScatterReduce::Prod: return 3;
    case ScatterReduce::None: return 4;
  }
  return 4;
}

ScatterReduce scatter_from_mlx(int code) {
  static const ScatterReduce from[] = {ScatterReduce::Max, ScatterReduce::Min, ScatterReduce::Sum,
                                       ScatterReduce::Prod, ScatterReduce::None};
  if (code < 0 || code > 4) bad("an unknown scatter reduction");
  return from[code];
}

// MLX's ScatterAxis: Sum 0, None 1 (mlx_core's other reductions follow: Prod 2, Max 3, Min 4).
int mlx_scatter_axis_code(ScatterReduce r) {
  switch (r) {
    case ScatterReduce::Sum: return 0;
    case ScatterReduce::None: return 1;
    case ScatterReduce::Prod: return 2;
    case ScatterReduce::Max: return 3;
    case ScatterReduce::Min: return 4;
  }
  return 1;
}

ScatterReduce scatter_axis_from_mlx(int code) {
  static const ScatterReduce from[] = {ScatterReduce::Sum, ScatterReduce::None, ScatterReduce::Prod,
                                       ScatterReduce::Max, ScatterReduce::Min};
  if (code < 0 || code > 4) bad("an unknown scatter reduction");
  return from[code];
}

Strides read_strides(Reader& r) {
  Strides s(r.count(8));
  for (auto& x : s) r.raw(&x, 8);
  return s;
}

double read_f64(Reader& r) {
  double v;
  r.raw(&v, 8);
  return v;
}

float read_f32(Reader& r) {
  float v;
  r.raw(&v, 4);
  return v;
}

// A primitive without parameters.
template <typename P>
std::pair<SaveFn, LoadFn> plain() {
  return {[](Writer&, const Primitive&) {},
          [](Reader&, Stream s) { return Loaded{std::make_shared<P>(s)}; }};
}

// A node that reads its first input row contiguous: a Contiguous node in front.
Expand after_contiguous(std::shared_ptr<Primitive> p) {
  return [p](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
             const std::vector<Dtype>& dtypes) {
    if (args.empty()) bad("a node without inputs");
    std::vector<int> a = args;
    for (size_t k = 0; k < a.size(); ++k) {
      if (k == 0 || dynamic_cast<CategoricalSearch*>(p.get())) {
        a[k] = em.add(std::make_shared<Contiguous>(stream(), false), {a[k]}, {em.shape(a[k])},
                      {em.dtype(a[k])});
      }
    }
    int first = em.add(p, a, shapes, dtypes);
    std::vector<int> outs;
    for (size_t k = 0; k < shapes.size(); ++k) outs.push_back(first + int(k));
    return outs;
  };
}

// MLX's BitwiseBinary: And 0, Or 1, Xor 2, LeftShift 3, RightShift 4 (-1: not bitwise).
int bitwise_code(BinaryOp op) {
  switch (op) {
    case BinaryOp::BitwiseAnd: return 0;
    case BinaryOp::BitwiseOr: return 1;
    case BinaryOp::BitwiseXor: return 2;
    case BinaryOp::LeftShift: return 3;
    case BinaryOp::RightShift: return 4;
    default: return -1;
  }
}

// `v` broadcast to `shape` for an elementwise node (shapeless replay broadcasts itself).
int broadcast_for(Emitter& em, int v, const Shape& shape) {
  if (em.shape(v) == shape || em.shapeless()) return v;
  return em.add(std::make_shared<Broadcast>(stream(), shape), {v}, {shape}, {em.dtype(v)});
}

int unary(Emitter& em, UnaryOp op, int v) {
  return em.add(std::make_shared<Unary>(stream(), op), {v}, {em.shape(v)}, {em.dtype(v)});
}

int binary(Emitter& em, BinaryOp op, int a, int b, Dtype out) {
  Shape s = broadcast_shapes(em.shape(a), em.shape(b));
  return em.add(std::make_shared<Binary>(stream(), op), {broadcast_for(em, a, s), broadcast_for(em, b, s)},
                {s}, {out});
}

// The nodes our op builders make from placeholders of the node's inputs (they check the
// parameters against the inputs), emitted in place of an MLX node we have no class for.
std::vector<int> emit_ops(Emitter& em, const std::vector<int>& args,
                          const std::function<std::vector<array>(const std::vector<array>&)>& build) {
  std::vector<array> placeholders;
  for (int a : args) placeholders.push_back(make_tracer(zeros(em.shape(a), em.dtype(a))));
  std::vector<array> outs;
  try {
    outs = build(placeholders);
  } catch (const std::exception& e) {
    bad(std::string("parameters that do not fit the inputs (") + e.what() + ")");
  }
  std::unordered_map<uintptr_t, int> value;
  for (size_t i = 0; i < args.size(); ++i) value[placeholders[i].id()] = args[i];
  auto value_of = [&](const array& a) {
    auto it = value.find(a.id());
    if (it != value.end()) return it->second;
    return value[a.id()] = em.constant(a);
  };
  for (auto& node : traced_graph(outs, id_set(placeholders)).nodes) {
    if (value.count(node.id())) continue;
    std::vector<int> ins;
    for (auto& in : node.inputs()) ins.push_back(value_of(in));
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : node.outputs()) {
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
    }
    int first = em.add(node.primitive_ptr(), ins, shapes, dtypes);
    for (size_t k = 0; k < node.outputs().size(); ++k) value[node.outputs()[k].id()] = first + int(k);
  }
  std::vector<int> result;
  for (auto& o : outs) result.push_back(value_of(o));
  return result;
}

}  // namespace

std::vector<int> mlx_argument_order(const Primitive& p, const std::vector<int>& args) {
  if (dynamic_cast<const AddMM*>(&p) && args.size() == 3) return {args[1], args[2], args[0]};
  return args;
}

std::string more_export_name(const Primitive& p) {
  if (auto* b = dynamic_cast<const Binary*>(&p); b && bitwise_code(b->op()) >= 0) return "BitwiseBinary";
  if (auto* h = dynamic_cast<const Hadamard*>(&p); h && h->transposed()) return "HadamardTransposed";
  return "";
}

void add_more_entries(Entries& e) {
  e["BitwiseBinary"] = {[](Writer& w, const Primitive& p) {
                          w.i32(bitwise_code(static_cast<const Binary&>(p).op()));
                        },
                        [](Reader& r, Stream s) {
                          static const BinaryOp ops[] = {BinaryOp::BitwiseAnd, BinaryOp::BitwiseOr,
                                                         BinaryOp::BitwiseXor, BinaryOp::LeftShift,
                                                         BinaryOp::RightShift};
                          int k = r.i32();
                          if (k < 0 || k > 4) bad("an unknown bitwise op");
                          return Loaded{std::make_shared<Binary>(s, ops[k])};
                        }};
  // MLX's LogSumExp (over the last axis, kept): max, shifted exp, sum, log, as our logsumexp.
  e["LogSumExp"] = {[](Writer&, const Primitive&) {},
                    [](Reader&, Stream) {
                      Loaded l;
                      l.expand = [](Emitter& em, const std::vector<int>& args, const std::vector<Shape>&,
                                    const std::vector<Dtype>&) {
                        if (args.size() != 1) bad("a LogSumExp without one input");
                        int x = args[0];
                        Shape shape = em.shape(x);
                        Dtype d = em.dtype(x);
                        if (shape.empty() || shape_size(shape) == 0 || !is_floating_point(d)) {
                          bad("inconsistent shapes, dtypes or parameters of LogSumExp");
                        }
                        std::vector<int> last{int(shape.size()) - 1};
                        Shape kept = shape;
                        kept.back() = 1;
                        int m = em.add(std::make_shared<Reduce>(stream(), ReduceType::Max, last), {x}, {kept}, {d});
                        m = em.add(std::make_shared<StopGradient>(stream()), {m}, {kept}, {d});
                        // An infinite max (a row of -inf, or +inf) shifts by zero instead.
                        int inf = em.constant(astype(array(INFINITY), d));
                        int zero = em.constant(astype(array(0.0f), d));
                        int is_inf = binary(em, BinaryOp::Equal, unary(em, UnaryOp::Abs, m), inf, bool_);
                        int shift = em.add(std::make_shared<Select>(stream()),
                                           {is_inf, broadcast_for(em, zero, kept), m}, {kept}, {d});
                        int ex = unary(em, UnaryOp::Exp, binary(em, BinaryOp::Subtract, x, shift, d));
                        int sum = em.add(std::make_shared<Reduce>(stream(), ReduceType::Sum, last), {ex}, {kept}, {d});
                        return std::vector<int>{binary(em, BinaryOp::Add, unary(em, UnaryOp::Log, sum), shift, d)};
                      };
                      return l;
                    }};
  // ---- products ----
  // MLX: float32 alpha, float32 beta; inputs a, b, c (ours: c, a, b).
  e["AddMM"] = {[](Writer& w, const Primitive& p) {
                  auto& q = static_cast<const AddMM&>(p);
                  w.f32(q.alpha());
                  w.f32(q.beta());
                },
                [](Reader& r, Stream s) {
                  float alpha = read_f32(r);
                  auto p = std::make_shared<AddMM>(s, alpha, read_f32(r));
                  Loaded l;
                  l.expand = [p](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                                 const std::vector<Dtype>& dtypes) {
                    if (args.size() != 3) bad("an AddMM without three inputs");
                    return std::vector<int>{em.add(p, {args[2], args[0], args[1]}, shapes, dtypes)};
                  };
                  return l;
                }};
  // MLX: int32 block size; the masks present follow from the number of inputs
  // (3: the output's; 4: both operands'; 5: all three).
  e["BlockMaskedMM"] = {[](Writer& w, const Primitive& p) {
                          w.i32(static_cast<const BlockMaskedMM&>(p).block_size());
                        },
                        [](Reader& r, Stream) {
                          int bs = r.i32();
                          if (bs <= 0) bad("a non-positive block size");
                          Loaded l;
                          l.expand = [bs](Emitter& em, const std::vector<int>& args,
                                          const std::vector<Shape>& shapes, const std::vector<Dtype>& dtypes) {
                            size_t n = args.size();
                            if (n < 2 || n > 5) bad("a BlockMaskedMM with " + std::to_string(n) + " inputs");
                            bool out = n == 3 || n == 5, operands = n >= 4;
                            auto p = std::make_shared<BlockMaskedMM>(stream(), bs, out, operands, operands);
                            return std::vector<int>{em.add(p, args, shapes, dtypes)};
                          };
                          return l;
                        }};
  // MLX: two flags (whether the operand indices are sorted); our kernel finds runs itself.
  e["GatherMM"] = {[](Writer& w, const Primitive&) {
                     w.u8(0);
                     w.u8(0);
                   },
                   [](Reader& r, Stream s) {
                     r.boolean();
                     r.boolean();
                     return Loaded{std::make_shared<GatherMM>(s)};
                   }};
  e["SegmentedMM"] = plain<SegmentedMM>();
  e["Hadamard"] = {[](Writer& w, const Primitive& p) {
                     w.f32(static_cast<const Hadamard&>(p).scale());
                   },
                   [](Reader& r, Stream s) { return Loaded{std::make_shared<Hadamard>(s, read_f32(r))}; }};
  e["HadamardTransposed"] = {e["Hadamard"].first, [](Reader& r, Stream s) {
                               return Loaded{std::make_shared<Hadamard>(s, read_f32(r), true)};
                             }};
  e["ToFP8"] = plain<ToFP8>();
  e["FromFP8"] = plain<FromFP8>();
  e["Depends"] = {[](Writer&, const Primitive&) {},
                  [](Reader&, Stream) {
                    Loaded l;
                    l.expand = [](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                                  const std::vector<Dtype>& dtypes) {
                      int n = int(shapes.size());
                      int first = em.add(std::make_shared<Depends>(stream(), n), args, shapes, dtypes);
                      std::vector<int> outs;
                      for (int k = 0; k < n; ++k) outs.push_back(first + k);
                      return outs;
                    };
                    return l;
                  }};
  // MLX: stride, padding low, padding high, kernel dilation, input dilation
  // (int32 vectors), int32 groups, flip flag: our ConvParams.
  e["Convolution"] = {[](Writer& w, const Primitive& p) {
                        auto& c = static_cast<const Convolution&>(p).params();
                        w.ints(c.stride);
                        w.ints(c.padding_lo);
                        w.ints(c.padding_hi);
                        w.ints(c.kernel_dilation);
                        w.ints(c.input_dilation);
                        w.i32(c.groups);
                        w.u8(c.flip);
                      },
                      [](Reader& r, Stream s) {
                        ConvParams c;
                        c.stride = r.ints();
                        c.padding_lo = r.ints();
                        c.padding_hi = r.ints();
                        c.kernel_dilation = r.ints();
                        c.input_dilation = r.ints();
                        c.groups = r.i32();
                        c.flip = r.boolean();
                        return Loaded{std::make_shared<Convolution>(s, c)};
                      }};
  // ---- conversions and creation ----
  e["View"] = {[](Writer& w, const Primitive& p) { w.dtype(static_cast<const View&>(p).dtype()); },
               [](Reader& r, Stream s) {
                 auto v = std::make_shared<View>(s, r.dtype());
                 Loaded l;
                 auto contiguous_first = after_contiguous(v);
                 l.expand = [v, contiguous_first](Emitter& em, const std::vector<int>& args,
                                                 const std::vector<Shape>& shapes,
                                                 const std::vector<Dtype>& dtypes) {
                   // The kernel reinterprets a row-contiguous buffer when item sizes differ.
                   if (args.size() == 1 && dtypes.size() == 1 && em.dtype(args[0]).size != dtypes[0].size) {
                     return contiguous_first(em, args, shapes, dtypes);
                   }
                   return std::vector<int>{em.add(v, args, shapes, dtypes)};
                 };
                 return l;
               }};
  e["Arange"] = {[](Writer& w, const Primitive& p) {
                   auto& a = static_cast<const Arange&>(p);
                   w.f64(a.start());
                   w.f64(a.stop());
                   w.f64(a.step());
                 },
                 [](Reader& r, Stream s) {
                   double start = read_f64(r), stop = read_f64(r), step = read_f64(r);
                   return Loaded{std::make_shared<Arange>(s, start, stop, step)};
                 }};
  // MLX's Full: its input broadcast (and cast) to the output.
  e["Full"] = {[](Writer&, const Primitive&) {},
               [](Reader&, Stream) {
                 Loaded l;
                 l.expand = [](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                               const std::vector<Dtype>& dtypes) {
                   if (args.size() != 1 || shapes.size() != 1) bad("a Full node with several inputs");
                   int v = args[0];
                   if (em.dtype(v) != dtypes[0]) {
                     v = em.add(std::make_shared<AsType>(stream(), dtypes[0]), {v}, {em.shape(v)}, dtypes);
                   }
                   if (em.shape(v) == shapes[0]) return std::vector<int>{v};
                   return std::vector<int>{em.add(std::make_shared<Broadcast>(stream(), shapes[0]), {v}, shapes, dtypes)};
                 };
                 return l;
               }};
  // ---- shape ----
  // MLX's Flatten (int32 first and last axis) and Unflatten (int32 axis, shape): reshapes.
  e["Flatten"] = {[](Writer&, const Primitive&) {},
                  [](Reader& r, Stream) {
                    r.i32();
                    r.i32();
                    return Loaded{nullptr, true};
                  }};
  e["Unflatten"] = {[](Writer&, const Primitive&) {},
                    [](Reader& r, Stream) {
                      r.i32();
                      r.ints();
                      return Loaded{nullptr, true};
                    }};
  // MLX: int32 reduction (Max, Min, Sum, Prod, None), then start, stop, step.
  // Ours only assigns; an MLX update with a reduction imports as slice, op, assign.
  e["SliceUpdate"] = {[](Writer& w, const Primitive& p) {
                        auto& q = static_cast<const SliceUpdate&>(p);
                        w.i32(mlx_scatter_code(ScatterReduce::None));
                        w.shape(q.start());
                        w.shape(q.stop());
                        w.shape(q.step());
                      },
                      [](Reader& r, Stream s) {
                        ScatterReduce red = scatter_from_mlx(r.i32());
                        Shape start = r.ints(), stop = r.ints(), step = r.ints();
                        auto update = std::make_shared<SliceUpdate>(s, start, stop, step);
                        if (red == ScatterReduce::None) return Loaded{update};
                        BinaryOp op = red == ScatterReduce::Sum    ? BinaryOp::Add
                                      : red == ScatterReduce::Prod ? BinaryOp::Multiply
                                      : red == ScatterReduce::Max  ? BinaryOp::Maximum
                                                                   : BinaryOp::Minimum;
                        Loaded l;
                        l.expand = [=](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                                       const std::vector<Dtype>& dtypes) {
                          if (args.size() != 2) bad("a SliceUpdate without two inputs");
                          Shape region = em.shape(args[1]);  // a copy: add() grows the table
                          Dtype d = em.dtype(args[0]);
                          int old = em.add(std::make_shared<Slice>(stream(), start, stop, step), {args[0]},
                                           {region}, {d});
                          int combined = em.add(std::make_shared<Binary>(stream(), op), {old, args[1]},
                                                {region}, {d});
                          return std::vector<int>{em.add(update, {args[0], combined}, shapes, dtypes)};
                        };
                        return l;
                      }};
  // MLX: shape (int32 vector), strides (int64 vector), uint64 offset.
  e["AsStrided"] = {[](Writer& w, const Primitive& p) {
                      auto& q = static_cast<const AsStrided&>(p);
                      w.shape(q.shape());
                      w.int64s(q.strides());
                      w.index(uint64_t(q.offset()));
                    },
                    [](Reader& r, Stream s) {
                      Shape shape = r.shape();
                      Strides strides = read_strides(r);
                      uint64_t offset = r.u64();
                      if (offset > uint64_t(std::numeric_limits<int64_t>::max() / 2)) bad("a huge offset");
                      Loaded l;
                      l.expand = after_contiguous(std::make_shared<AsStrided>(s, shape, strides, int64_t(offset)));
                      return l;
                    }};
  // MLX's Pad (constant mode): int32 axes, low and high pads; inputs the array and the
  // pad value: the value broadcast to the output, the array written in at the low pads.
  e["Pad"] = {[](Writer&, const Primitive&) {},
              [](Reader& r, Stream) {
                std::vector<int> axes = r.ints(), low = r.ints(), high = r.ints();
                Loaded l;
                l.expand = [axes, low](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                                       const std::vector<Dtype>& dtypes) {
                  if (args.size() != 2 || shapes.size() != 1 || axes.size() != low.size()) bad("a Pad's inputs");
                  Shape in = em.shape(args[0]);
                  Shape start(in.size(), 0), stop = in, step(in.size(), 1);
                  for (size_t k = 0; k < axes.size(); ++k) {
                    int ax = axes[k];
                    if (ax < 0 || ax >= int(in.size()) || low[k] < 0 || low[k] > shapes[0].at(ax)) bad("a Pad axis");
                    start[ax] = low[k];
                    stop[ax] = low[k] + in[ax];
                  }
                  int v = args[1];
                  if (em.dtype(v) != dtypes[0]) {
                    v = em.add(std::make_shared<AsType>(stream(), dtypes[0]), {v}, {em.shape(v)}, dtypes);
                  }
                  if (em.shape(v) != shapes[0]) {
                    v = em.add(std::make_shared<Broadcast>(stream(), shapes[0]), {v}, shapes, dtypes);
                  }
                  auto update = std::make_shared<SliceUpdate>(stream(), start, stop, step);
                  return std::vector<int>{em.add(update, {v, args[0]}, shapes, dtypes)};
                };
                return l;
              }};
  // MLX's DynamicSlice (int32 axes, slice size; inputs the array and the start indices)
  // and DynamicSliceUpdate (int32 axes; inputs the array, the update, the start indices):
  // what our slice / slice_update with array starts build.
  e["DynamicSlice"] = {[](Writer&, const Primitive&) {},
                       [](Reader& r, Stream) {
                         std::vector<int> axes = r.ints();
                         Shape size = r.shape();
                         Loaded l;
                         l.expand = [axes, size](Emitter& em, const std::vector<int>& args,
                                                 const std::vector<Shape>&, const std::vector<Dtype>&) {
                           if (args.size() != 2) bad("a DynamicSlice without two inputs");
                           return emit_ops(em, args, [&](const std::vector<array>& in) {
                             return std::vector<array>{dynamic_slice(in[0], in[1], axes, size)};
                           });
                         };
                         return l;
                       }};
  e["DynamicSliceUpdate"] = {[](Writer&, const Primitive&) {},
                             [](Reader& r, Stream) {
                               std::vector<int> axes = r.ints();
                               Loaded l;
                               l.expand = [axes](Emitter& em, const std::vector<int>& args,
                                                 const std::vector<Shape>&, const std::vector<Dtype>&) {
                                 if (args.size() != 3) bad("a DynamicSliceUpdate without three inputs");
                                 return emit_ops(em, args, [&](const std::vector<array>& in) {
                                   return std::vector<array>{dynamic_slice_update(in[0], in[1], in[2], axes)};
                                 });
                               };
                               return l;
                             }};
  // MLX's Split: int32 split indices, int32 axis; one Slice per output here.
  e["Split"] = {[](Writer&, const Primitive&) {},
                [](Reader& r, Stream) {
                  std::vector<int> indices = r.ints();
                  int axis = r.i32();
                  Loaded l;
                  l.expand = [indices, axis](Emitter& em, const std::vector<int>& args,
                                             const std::vector<Shape>& shapes, const std::vector<Dtype>& dtypes) {
                    if (args.size() != 1 || shapes.size() != indices.size() + 1) bad("a Split's outputs");
                    Shape in = em.shape(args[0]);  // a copy: add() grows the table
                    if (axis < 0 || axis >= int(in.size())) bad("a Split axis out of range");
                    std::vector<int> outs;
                    int64_t at = 0;
                    for (size_t k = 0; k < shapes.size(); ++k) {
                      Shape start(in.size(), 0), stop = in, step(in.size(), 1);
                      if (shapes[k].size() != in.size()) bad("a Split output's rank");
                      start[axis] = int(std::min<int64_t>(at, in[axis]));
                      stop[axis] = int(std::min<int64_t>(at + shapes[k][axis], in[axis]));
                      at += shapes[k][axis];
                      outs.push_back(em.add(std::make_shared<Slice>(stream(), start, stop, step), args, {shapes[k]},
                                            {dtypes[k]}));
                    }
                    return outs;
                  };
                  return l;
                }};
  // ---- indexing ----
  e["Scatter"] = {[](Writer& w, const Primitive& p) {
                    auto& q = static_cast<const Scatter&>(p);
                    w.i32(mlx_scatter_code(q.reduce()));
                    w.ints(q.axes());
                  },
                  [](Reader& r, Stream s) {
                    ScatterReduce red = scatter_from_mlx(r.i32());
                    return Loaded{std::make_shared<Scatter>(s, red, r.ints())};
                  }};
  e["GatherAxis"] = {[](Writer& w, const Primitive& p) { w.i32(static_cast<const GatherAxis&>(p).axis()); },
                     [](Reader& r, Stream s) { return Loaded{std::make_shared<GatherAxis>(s, r.i32())}; }};
  e["ScatterAxis"] = {[](Writer& w, const Primitive& p) {
                        auto& q = static_cast<const ScatterAxis&>(p);
                        w.i32(mlx_scatter_axis_code(q.reduce()));
                        w.i32(q.axis());
                      },
                      [](Reader& r, Stream s) {
                        ScatterReduce red = scatter_axis_from_mlx(r.i32());
                        return Loaded{std::make_shared<ScatterAxis>(s, red, r.i32())};
                      }};
  // ---- sort and search ----
  e["ArgTopK"] = {[](Writer& w, const Primitive& p) {
                    auto& q = static_cast<const ArgTopK&>(p);
                    w.i32(q.k());
                    w.i32(q.axis());
                  },
                  [](Reader& r, Stream s) {
                    int k = r.i32();
                    return Loaded{std::make_shared<ArgTopK>(s, k, r.i32())};
                  }};
  e["SearchSorted"] = {[](Writer& w, const Primitive& p) { w.u8(static_cast<const SearchSorted&>(p).right()); },
                       [](Reader& r, Stream s) { return Loaded{std::make_shared<SearchSorted>(s, r.boolean())}; }};
  // ---- random ----
  e["RandomBits"] = {[](Writer& w, const Primitive& p) {
                       auto& q = static_cast<const RandomBits&>(p);
                       w.shape(q.shape());
                       w.i32(q.width());
                     },
                     [](Reader& r, Stream s) {
                       Shape shape = r.shape();
                       return Loaded{std::make_shared<RandomBits>(s, shape, r.i32())};
                     }};
  // Not MLX primitives (MLX composes its samplers from RandomBits and elementwise ops):
  // int32 kind (uniform, normal, gumbel, laplace), shape, dtype, float64 a and b, flag has_b.
  e["RandomSample"] = {[](Writer& w, const Primitive& p) {
                         auto& q = static_cast<const RandomSample&>(p);
                         w.i32(int(q.kind()));
                         w.shape(q.shape());
                         w.dtype(q.dtype());
                         w.f64(q.a());
                         w.f64(q.b());
                         w.u8(q.has_b());
                       },
                       [](Reader& r, Stream s) {
                         int kind = r.i32();
                         if (kind < 0 || kind > int(SampleKind::Laplace)) bad("an unknown sampler");
                         Shape shape = r.shape();
                         Dtype d = r.dtype();
                         double a = read_f64(r), b = read_f64(r);
                         bool has_b = r.boolean();
                         return Loaded{std::make_shared<RandomSample>(s, SampleKind(kind), shape, d, a, b, has_b)};
                       }};
  e["CovarianceSqrt"] = {[](Writer&, const Primitive&) {},
                         [](Reader&, Stream s) {
                           Loaded l;
                           l.expand = after_contiguous(std::make_shared<CovarianceSqrt>(s));
                           return l;
                         }};
  e["CategoricalSearch"] = {[](Writer&, const Primitive&) {},
                            [](Reader&, Stream s) {
                              Loaded l;
                              l.expand = after_contiguous(std::make_shared<CategoricalSearch>(s));
                              return l;
                            }};
}

}  // namespace mlx_core::export_io
