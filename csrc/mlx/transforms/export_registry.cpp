// The parameters of every primitive a `.mlxfn` file can hold, both ways: what
// export writes after a node's name and how import reads it back (MLX's layouts
// where MLX has the primitive; more entries in export_primitives.cpp).
#include <memory>
#include <string>

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
#include "mlx/transforms/export_io.h"

namespace mlx_core::export_io {

namespace {

// Partition and ArgPartition: (kth, axis) both ways.
template <typename P>
std::pair<SaveFn, LoadFn> kth_axis_entry() {
  return {[](Writer& w, const Primitive& p) {
            auto& q = static_cast<const P&>(p);
            w.i32(q.kth());
            w.i32(q.axis());
          },
          [](Reader& r, Stream s) {
            int kth = r.i32();
            return Loaded{std::make_shared<P>(s, kth, r.i32())};
          }};
}

}  // namespace

// The name written for a primitive (MLX's where one exists).
std::string export_name(const Primitive& p) {
  if (std::string more = more_export_name(p); !more.empty()) return more;
  if (auto* u = dynamic_cast<const Unary*>(&p)) {
    switch (u->op()) {
      case UnaryOp::Log: case UnaryOp::Log2: case UnaryOp::Log10: return "Log";
      case UnaryOp::Sqrt: case UnaryOp::Rsqrt: return "Sqrt";
      default: return u->name();
    }
  }
  if (dynamic_cast<const Reduce*>(&p)) return "Reduce";
  if (dynamic_cast<const Scan*>(&p)) return "Scan";
  if (auto* b = dynamic_cast<const Binary*>(&p); b && b->op() == BinaryOp::NaNEqual) return "Equal";
  return p.name();
}

namespace {

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
  Entries entries;
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
        entries[n] = {none, [op](Reader&, Stream s) {
                        if (op != UnaryOp::Abs) return Loaded{std::make_shared<Unary>(s, op)};
                        // MLX's Abs of a complex array stays complex (a cast to float32 follows);
                        // ours writes float32: Abs, then the cast back.
                        Loaded l;
                        l.expand = [](Emitter& em, const std::vector<int>& args, const std::vector<Shape>& shapes,
                                      const std::vector<Dtype>& dtypes) {
                          auto abs = std::make_shared<Unary>(default_stream(default_device()), UnaryOp::Abs);
                          if (args.size() != 1 || dtypes.size() != 1 || em.dtype(args[0]) != complex64 ||
                              dtypes[0] != complex64) {
                            return std::vector<int>{em.add(abs, args, shapes, dtypes)};
                          }
                          int v = em.add(abs, args, shapes, {float32});
                          auto cast = std::make_shared<AsType>(default_stream(default_device()), complex64);
                          return std::vector<int>{em.add(cast, {v}, shapes, dtypes)};
                        };
                        return l;
                      }};
      }
    }
    for (int k = 0; k <= int(BinaryOp::DivMod); ++k) {
      auto op = BinaryOp(k);
      if (op == BinaryOp::NaNEqual) continue;  // MLX: Equal with equal_nan set
      Binary probe(Stream(0, Device(Device::cpu)), op);
      entries[probe.name()] = {none, [op](Reader&, Stream s) {
                                 return Loaded{std::make_shared<Binary>(s, op)};
                               }};
    }
    entries["Equal"] = {[](Writer& w, const Primitive& p) {
                          w.u8(static_cast<const Binary&>(p).op() == BinaryOp::NaNEqual);
                        },
                        [](Reader& r, Stream s) {
                          bool nan = r.boolean();
                          return Loaded{std::make_shared<Binary>(s, nan ? BinaryOp::NaNEqual : BinaryOp::Equal)};
                        }};
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
                            w.shape(static_cast<const Reshape&>(p).shape());
                          },
                          shape_to_output};
    entries["Squeeze"] = {none, shape_to_output};
    entries["ExpandDims"] = {none, shape_to_output};
    entries["Broadcast"] = {[](Writer& w, const Primitive& p) {
                              w.shape(static_cast<const Broadcast&>(p).shape());
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
                          w.shape(sl.start());
                          w.shape(sl.stop());
                          w.shape(sl.step());
                        },
                        [](Reader& r, Stream s) {
                          auto a = r.ints(), b = r.ints(), c = r.ints();
                          if (a.size() != b.size() || a.size() != c.size()) bad("a Slice's sizes differ");
                          for (int st : c) if (st == 0) bad("a zero Slice step");
                          return Loaded{std::make_shared<Slice>(s, a, b, c)};
                        }};
    // MLX's Scan: Max 0, Min 1, Sum 2, Prod 3, LogAddExp 4 (MLX 0.32.4 itself cannot
    // export LogAddExp; we can, and read it back).
    entries["Scan"] = {[](Writer& w, const Primitive& p) {
                         auto& sc = static_cast<const Scan&>(p);
                         static const int code[] = {2, 3, 0, 1, 4};  // ours: Sum Prod Max Min LAE
                         w.i32(code[int(sc.type())]);
                         w.i32(sc.axis());
                         w.u8(sc.reverse());
                         w.u8(sc.inclusive());
                       },
                       [](Reader& r, Stream s) {
                         static const ScanType from_mlx[] = {ScanType::Max, ScanType::Min, ScanType::Sum,
                                                             ScanType::Prod, ScanType::LogAddExp};
                         int t = r.i32();
                         if (t < 0 || t > 4) bad("an unknown Scan");
                         int axis = r.i32();
                         bool reverse = r.boolean();
                         bool inclusive = r.boolean();
                         return Loaded{std::make_shared<Scan>(s, from_mlx[t], axis, reverse, inclusive)};
                       }};
    entries["Sort"] = {[](Writer& w, const Primitive& p) { w.i32(static_cast<const Sort&>(p).axis()); },
                       [](Reader& r, Stream s) { return Loaded{std::make_shared<Sort>(s, r.i32())}; }};
    entries["ArgSort"] = {[](Writer& w, const Primitive& p) {
                            w.i32(static_cast<const ArgSort&>(p).axis());
                          },
                          [](Reader& r, Stream s) {
                            return Loaded{std::make_shared<ArgSort>(s, r.i32())};
                          }};
    entries["Partition"] = kth_axis_entry<Partition>();
    entries["ArgPartition"] = kth_axis_entry<ArgPartition>();
    entries["NumberOfElements"] = {[](Writer& w, const Primitive& p) {
                                     auto& q = static_cast<const NumberOfElements&>(p);
                                     w.ints(q.axes());
                                     w.u8(q.inverted());
                                     w.dtype(q.dtype());
                                   },
                                   [](Reader& r, Stream s) {
                                     auto axes = r.ints();
                                     bool inverted = r.boolean();
                                     Dtype d = r.dtype();
                                     return Loaded{std::make_shared<NumberOfElements>(s, axes, inverted, d)};
                                   }};
    entries["Contiguous"] = {[](Writer& w, const Primitive& p) {  // no MLX counterpart
                               w.u8(static_cast<const Contiguous&>(p).allow_col_major());
                             },
                             [](Reader& r, Stream s) {
                               return Loaded{std::make_shared<Contiguous>(s, r.boolean())};
                             }};
    entries["Gather"] = {[](Writer& w, const Primitive& p) {
                           auto& q = static_cast<const Gather&>(p);
                           w.ints(q.axes());
                           w.shape(q.slice_sizes());
                         },
                         [](Reader& r, Stream s) {
                           auto axes = r.ints();
                           auto sizes = r.ints();
                           return Loaded{std::make_shared<Gather>(s, axes, sizes)};
                         }};
    entries["Select"] = {none, [](Reader&, Stream s) { return Loaded{std::make_shared<Select>(s)}; }};
    entries["StopGradient"] = {none, [](Reader&, Stream s) {
                                 return Loaded{std::make_shared<StopGradient>(s)};
                               }};
    entries["Concatenate"] = {[](Writer& w, const Primitive& p) {
                                w.i32(static_cast<const Concatenate&>(p).axis());
                              },
                              [](Reader& r, Stream s) {
                                return Loaded{std::make_shared<Concatenate>(s, r.i32())};
                              }};
    entries["ArgReduce"] = {[](Writer& w, const Primitive& p) {  // MLX: ArgMin 0, ArgMax 1
                              auto& a = static_cast<const ArgReduce&>(p);
                              w.i32(a.kind() == ArgReduce::ArgMax ? 1 : 0);
                              w.i32(a.axis());
                            },
                            [](Reader& r, Stream s) {
                              int k = r.i32();
                              if (k < 0 || k > 1) bad("an unknown ArgReduce");
                              auto kind = k == 1 ? ArgReduce::ArgMax : ArgReduce::ArgMin;
                              return Loaded{std::make_shared<ArgReduce>(s, kind, r.i32())};
                            }};
    entries["Softmax"] = {[](Writer& w, const Primitive& p) {
                            w.u8(static_cast<const Softmax&>(p).precise());
                          },
                          [](Reader& r, Stream s) {
                            return Loaded{std::make_shared<Softmax>(s, r.boolean())};
                          }};
    entries["Matmul"] = {none, [](Reader&, Stream s) { return Loaded{std::make_shared<Matmul>(s)}; }};
    add_more_entries(entries);
  }
};

}  // namespace

const Entries& export_entries() {
  static Registry r;
  return r.entries;
}

}  // namespace mlx_core::export_io
