#include "mlx/primitives/compiled.h"

#include "mlx/ops.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"
#include "mlx/transforms/autodiff.h"

namespace mlx_core {

namespace {
Shape broadcast_all(const std::vector<array>& xs) {
  Shape s;
  for (auto& x : xs) s = broadcast_shapes(s, x.shape());
  return s;
}
}  // namespace

std::vector<array> Compiled::expand(const std::vector<array>& inputs) const {
  Shape shape = broadcast_all(inputs);
  std::vector<array> values(inputs.begin(), inputs.end());
  for (auto& op : ops_) {
    std::vector<array> args;
    for (int a : op.args) {
      const array& v = values[a];
      args.push_back(v.shape() == shape ? v : broadcast_to(v, shape));
    }
    values.emplace_back(shape, op.dtype, op.primitive, std::move(args));
  }
  std::vector<array> outs;
  for (int o : outputs_) outs.push_back(values[o]);
  return outs;
}

std::vector<array> Compiled::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> tracers;
  for (auto& p : primals) tracers.push_back(make_tracer(p));
  std::vector<array> grads = mlx_core::vjp(expand(tracers), tracers, cotangents);
  std::vector<array> out;
  for (int i : argnums) out.push_back(grads[i]);
  return out;
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  // Inputs without a tangent get zeros.
  std::vector<array> tracers, full;
  for (auto& p : primals) {
    tracers.push_back(make_tracer(p));
    full.push_back(zeros_like(p));
  }
  for (size_t k = 0; k < argnums.size(); ++k) full[argnums[k]] = tangents[k];
  return mlx_core::jvp(expand(tracers), tracers, full);
}

std::pair<std::vector<array>, std::vector<int>> Compiled::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  // Every value moves its batch axis to the front; the unbatched stay as they are
  // and broadcast against the per-example shape on the right.
  std::vector<std::pair<array, int>> values;
  for (size_t i = 0; i < inputs.size(); ++i) values.emplace_back(inputs[i], axes[i]);
  for (auto& op : ops_) {
    std::vector<array> vins;
    std::vector<int> vaxes;
    bool any = false;
    for (int a : op.args) {
      vins.push_back(values[a].first);
      vaxes.push_back(values[a].second);
      any |= values[a].second >= 0;
    }
    if (!any) {
      Shape shape = broadcast_all(vins);
      std::vector<array> args;
      for (auto& v : vins) args.push_back(v.shape() == shape ? v : broadcast_to(v, shape));
      values.emplace_back(array(shape, op.dtype, op.primitive, std::move(args)), -1);
      continue;
    }
    auto [outs, oaxes] = op.primitive->vmap(vins, vaxes);
    values.emplace_back(outs[0], oaxes[0]);
  }
  std::vector<array> outs;
  std::vector<int> oaxes;
  for (int o : outputs_) {
    outs.push_back(values[o].first);
    oaxes.push_back(values[o].second);
  }
  return {outs, oaxes};
}

std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  return std::vector<Shape>(outputs_.size(), broadcast_all(inputs));
}

array NumberOfElements::make(const array& a, std::vector<int> axes, bool inverted, Dtype dtype,
                             int ddof, Stream stream) {
  auto p = std::make_shared<NumberOfElements>(stream, std::move(axes), inverted, dtype);
  p->ddof_ = ddof;
  return array(Shape{}, dtype, p, {stop_gradient(a, stream)});
}

std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals,
                                         const std::vector<array>&, const std::vector<int>&,
                                         const std::vector<array>&) {
  return {zeros_like(primals[0])};
}

std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros(Shape{}, dtype_)};
}

std::pair<std::vector<array>, std::vector<int>> NumberOfElements::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The same count for every example: shift the axes past the batch axis.
  std::vector<int> shifted = axes_;
  if (axes[0] >= 0) {
    for (auto& ax : shifted) ax += ax >= axes[0] ? 1 : 0;
  }
  return {{make(inputs[0], shifted, inverted_, dtype_, ddof_, stream())}, {-1}};
}

bool NumberOfElements::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const NumberOfElements*>(&other);
  return o && o->axes_ == axes_ && o->inverted_ == inverted_ && o->dtype_ == dtype_ &&
         o->ddof_ == ddof_;
}

bool Compiled::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Compiled*>(&other);
  if (!o || o->outputs_ != outputs_ || o->input_dtypes_ != input_dtypes_ ||
      o->ops_.size() != ops_.size()) {
    return false;
  }
  for (size_t i = 0; i < ops_.size(); ++i) {
    const FusedOp &a = ops_[i], &b = o->ops_[i];
    if (a.args != b.args || a.dtype != b.dtype || !a.primitive->is_equivalent(*b.primitive)) {
      return false;
    }
  }
  return true;
}

}  // namespace mlx_core
