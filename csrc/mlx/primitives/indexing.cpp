#include "mlx/primitives/indexing.h"

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

using Arrays = std::vector<array>;
using VmapResult = std::pair<Arrays, std::vector<int>>;

std::vector<Shape> Gather::output_shapes(const Arrays& inputs) {
  Shape out = inputs.size() > 1 ? inputs[1].shape() : Shape{};
  out.insert(out.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {out};
}

bool Gather::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Gather*>(&other);
  return o && o->axes_ == axes_ && o->slice_sizes_ == slice_sizes_;
}
bool Scatter::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scatter*>(&other);
  return o && o->reduce_ == reduce_ && o->axes_ == axes_;
}
bool GatherAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherAxis*>(&other);
  return o && o->axis_ == axis_;
}
bool ScatterAxis::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ScatterAxis*>(&other);
  return o && o->reduce_ == reduce_ && o->axis_ == axis_;
}

namespace {

[[noreturn]] void no_index_vjp(const char* op) {
  throw std::invalid_argument(msg("[", op,
                                  "] Cannot calculate VJP with respect to indices. Use "
                                  "stop_gradient on indices to stop gradients from being "
                                  "computed."));
}

Arrays slice_inputs(const Arrays& a, size_t begin, size_t end) {
  return Arrays(a.begin() + begin, a.begin() + end);
}

// arange(B) shaped (B, 1, ..., 1) with `ndim` dims: the batch coordinate of
// each batched index position.
array batch_index(int b, int ndim, Stream s) {
  Shape shape(ndim, 1);
  shape[0] = b;
  return reshape(arange(0, b, 1, int32, s), shape, s);
}

Shape updates_slice_shape(const array& updates, int index_ndim) {
  return Shape(updates.shape().begin() + index_ndim, updates.shape().end());
}

}  // namespace

// ---- Gather ---------------------------------------------------------------------

// d/dsrc gather = scatter-add of the cotangent into zeros: repeated indices sum.
Arrays Gather::vjp(const Arrays& primals, const Arrays& cotangents,
                   const std::vector<int>& argnums, const Arrays&) {
  Arrays grads;
  for (int arg : argnums) {
    if (arg != 0) no_index_vjp("gather");
    Arrays idx = slice_inputs(primals, 1, primals.size());
    grads.push_back(scatter(zeros_like(primals[0], stream()), idx, cotangents[0], axes_,
                            ScatterReduce::Sum, stream()));
  }
  return grads;
}

Arrays Gather::jvp(const Arrays& primals, const Arrays& tangents,
                   const std::vector<int>& argnums) {
  for (int arg : argnums) {
    if (arg != 0) no_index_vjp("gather");
  }
  return {gather(tangents[0], slice_inputs(primals, 1, primals.size()), axes_, slice_sizes_,
                 stream())};
}

VmapResult Gather::vmap(const Arrays& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  bool indices_batched = false;
  for (size_t i = 1; i < axes.size(); ++i) indices_batched |= axes[i] >= 0;
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  if (!indices_batched) {
    // Only the source is batched: the batch axis is one more full slice axis.
    array src = vmap_to_front(inputs[0], axes[0]);
    Shape sizes = slice_sizes_;
    sizes.insert(sizes.begin(), src.shape(0));
    Arrays idx = slice_inputs(inputs, 1, inputs.size());
    int ni = idx.empty() ? 0 : idx[0].ndim();  // the builder broadcast them
    return {{gather(src, idx, shifted, sizes, s)}, {ni}};
  }
  Arrays ins = vmap_align(inputs, axes);
  Arrays idx = slice_inputs(ins, 1, ins.size());
  int b = ins[0].shape(0), ni = idx[0].ndim();
  idx.insert(idx.begin(), batch_index(b, ni, s));
  shifted.insert(shifted.begin(), 0);
  Shape sizes = slice_sizes_;
  sizes.insert(sizes.begin(), 1);
  array g = gather(ins[0], idx, shifted, sizes, s);
  Shape out = g.shape();
  out.erase(out.begin() + ni);  // the batch slice of size 1
  return {{reshape(g, out, s)}, {0}};
}

// ---- Scatter ----------------------------------------------------------------------

Arrays Scatter::vjp(const Arrays& primals, const Arrays& cotangents,
                    const std::vector<int>& argnums, const Arrays& outputs) {
  Stream s = stream();
  if (reduce_ == ScatterReduce::Prod) {
    throw std::runtime_error("[scatter] VJP not implemented for scatter_prod");
  }
  const array& c = cotangents[0];
  const array& src = primals[0];
  const array& upd = primals.back();
  Arrays idx = slice_inputs(primals, 1, primals.size() - 1);
  int ni = idx.empty() ? 0 : idx[0].ndim();
  bool extremum = reduce_ == ScatterReduce::Max || reduce_ == ScatterReduce::Min;
  Arrays grads;
  for (int arg : argnums) {
    if (arg == 0) {
      if (reduce_ == ScatterReduce::None) {
        grads.push_back(scatter(c, idx, zeros_like(upd, s), axes_, ScatterReduce::None, s));
      } else if (reduce_ == ScatterReduce::Sum) {
        grads.push_back(c);
      } else {  // max/min: where the source value survived
        grads.push_back(where(equal(outputs[0], src, s), c, zeros_like(c, s), s));
      }
    } else if (arg == int(primals.size()) - 1) {
      Shape sizes = updates_slice_shape(upd, ni);
      array g = reshape(gather(c, idx, axes_, sizes, s), upd.shape(), s);
      if (extremum) {  // where the update value won
        array won = reshape(gather(outputs[0], idx, axes_, sizes, s), upd.shape(), s);
        g = where(equal(won, upd, s), g, zeros_like(g, s), s);
      }
      grads.push_back(g);
    } else {
      no_index_vjp("scatter");
    }
  }
  return grads;
}

Arrays Scatter::jvp(const Arrays& primals, const Arrays& tangents,
                    const std::vector<int>& argnums) {
  if (reduce_ != ScatterReduce::None && reduce_ != ScatterReduce::Sum) {
    throw std::runtime_error("[scatter] JVP not yet implemented");
  }
  Stream s = stream();
  int last = int(primals.size()) - 1;
  array src = zeros_like(primals[0], s), upd = zeros_like(primals[last], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      src = tangents[i];
    } else if (argnums[i] == last) {
      upd = tangents[i];
    } else {
      no_index_vjp("scatter");
    }
  }
  return {scatter(src, slice_inputs(primals, 1, last), upd, axes_, reduce_, s)};
}

VmapResult Scatter::vmap(const Arrays& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  Arrays ins = vmap_align(inputs, axes);
  int b = ins[0].shape(0);
  Arrays idx = slice_inputs(ins, 1, ins.size() - 1);
  int ni = idx.empty() ? 1 : idx[0].ndim();  // batch dim included
  idx.insert(idx.begin(), batch_index(b, ni, s));
  // updates (B, I..., slice...) -> (B, I..., 1, slice...): one batch row per update.
  array upd = ins.back();
  Shape ushape = upd.shape();
  ushape.insert(ushape.begin() + ni, 1);
  std::vector<int> shifted{0};
  for (int a : axes_) shifted.push_back(a + 1);
  return {{scatter(ins[0], idx, reshape(upd, ushape, s), shifted, reduce_, s)}, {0}};
}

// ---- GatherAxis / ScatterAxis ------------------------------------------------------------

Arrays GatherAxis::vjp(const Arrays& primals, const Arrays& cotangents,
                       const std::vector<int>& argnums, const Arrays&) {
  Arrays grads;
  for (int arg : argnums) {
    if (arg != 0) no_index_vjp("take_along_axis");
    grads.push_back(scatter_axis(zeros_like(primals[0], stream()), primals[1], cotangents[0],
                                 axis_, ScatterReduce::Sum, stream()));
  }
  return grads;
}

Arrays GatherAxis::jvp(const Arrays& primals, const Arrays& tangents,
                       const std::vector<int>& argnums) {
  for (int arg : argnums) {
    if (arg != 0) no_index_vjp("take_along_axis");
  }
  return {take_along_axis(tangents[0], primals[1], axis_, stream())};
}

VmapResult GatherAxis::vmap(const Arrays& inputs, const std::vector<int>& axes) {
  Arrays ins = vmap_align(inputs, axes);
  return {{take_along_axis(ins[0], ins[1], axis_ + 1, stream())}, {0}};
}

Arrays ScatterAxis::vjp(const Arrays& primals, const Arrays& cotangents,
                        const std::vector<int>& argnums, const Arrays&) {
  Stream s = stream();
  const array& c = cotangents[0];
  if (reduce_ != ScatterReduce::None && reduce_ != ScatterReduce::Sum) {
    throw std::runtime_error("[scatter_axis] VJP not implemented for this reduction.");
  }
  Arrays grads;
  for (int arg : argnums) {
    if (arg == 0) {
      grads.push_back(reduce_ == ScatterReduce::Sum
                          ? c
                          : scatter_axis(c, primals[1], zeros_like(primals[2], s), axis_,
                                         ScatterReduce::None, s));
    } else if (arg == 2) {
      grads.push_back(take_along_axis(c, primals[1], axis_, s));
    } else {
      no_index_vjp("put_along_axis");
    }
  }
  return grads;
}

Arrays ScatterAxis::jvp(const Arrays& primals, const Arrays& tangents,
                        const std::vector<int>& argnums) {
  Stream s = stream();
  array src = zeros_like(primals[0], s), upd = zeros_like(primals[2], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      src = tangents[i];
    } else if (argnums[i] == 2) {
      upd = tangents[i];
    } else {
      no_index_vjp("put_along_axis");
    }
  }
  return {scatter_axis(src, primals[1], upd, axis_, reduce_, s)};
}

VmapResult ScatterAxis::vmap(const Arrays& inputs, const std::vector<int>& axes) {
  Arrays ins = vmap_align(inputs, axes);
  return {{scatter_axis(ins[0], ins[1], ins[2], axis_ + 1, reduce_, stream())}, {0}};
}

}  // namespace mlx_core
