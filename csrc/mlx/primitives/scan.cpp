#include "mlx/primitives/scan.h"

#include <limits>

#include "mlx/ops.h"
#include "mlx/transforms/vmap.h"

namespace mlx_core {

bool Scan::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scan*>(&other);
  return o && o->type_ == type_ && o->axis_ == axis_ && o->reverse_ == reverse_ &&
         o->inclusive_ == inclusive_;
}

const char* Scan::name() const {
  switch (type_) {
    case ScanType::Sum: return "CumSum";
    case ScanType::Prod: return "CumProd";
    case ScanType::Max: return "CumMax";
    case ScanType::Min: return "CumMin";
    case ScanType::LogAddExp: return "CumLogAddExp";
  }
  return "Scan";
}

namespace {

array scan_node(ScanType type, const array& x, int axis, bool reverse, bool inclusive, Stream s) {
  return array(x.shape(), x.dtype(), std::make_shared<Scan>(s, type, axis, reverse, inclusive),
               {x});
}

array scalar_like(double v, const array& x, Stream s) { return astype(array(v), x.dtype(), s); }

// 0, 1, ..., n-1 along `axis`, broadcast to `shape` (int32).
array axis_positions(const Shape& shape, int axis, Stream s) {
  Shape bshape(shape.size(), 1);
  bshape[axis] = shape[axis];
  array pos = reshape(arange(0, shape[axis], 1, int32, s), bshape, s);
  return broadcast_to(pos, shape, s);
}

// `g` moved one step along `axis`: towards the start (toward_start) or the end,
// with a zero entering at the other side.
array shift_along(const array& g, int axis, bool toward_start, Stream s) {
  int n = g.shape(axis);
  if (n == 0) return g;
  Shape start(g.ndim(), 0), stop = g.shape(), step(g.ndim(), 1);
  Shape zshape = g.shape();
  zshape[axis] = 1;
  array z = zeros(zshape, g.dtype(), s);
  if (toward_start) {
    start[axis] = 1;
    return concatenate({slice(g, start, stop, step, s), z}, axis, s);
  }
  stop[axis] = n - 1;
  return concatenate({z, slice(g, start, stop, step, s)}, axis, s);
}

// Non-negative and non-positive parts of g in log space: log(max(g, 0)), log(max(-g, 0)).
std::pair<array, array> log_parts(const array& g, Stream s) {
  array zero = zeros_like(g, s);
  return {log(maximum(g, zero, s), s), log(maximum(negative(g, s), zero, s), s)};
}

}  // namespace

std::vector<array> Scan::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>& outputs) {
  Stream s = stream();
  const array& x = primals[0];
  const array& g = cotangents[0];
  const array& y = outputs[0];
  // The sums "over every output that saw x_j" run the other way along the axis.
  auto after = [&](const array& v) { return scan_node(ScanType::Sum, v, axis_, !reverse_, inclusive_, s); };
  switch (type_) {
    case ScanType::Sum: return {after(g)};
    case ScanType::Prod: {
      // d y_i / d x_j = prod of the other factors. Before the first zero (in scan
      // order) that is y_i / x_j; at the first zero it is the product with that
      // factor set to 1; after it, 0.
      array is_zero = equal(x, zeros_like(x, s), s);
      array zi = astype(is_zero, int32, s);
      array izero = zeros_like(zi, s);
      array before = equal(scan_node(ScanType::Sum, zi, axis_, reverse_, true, s), izero, s);
      array first = logical_and(
          is_zero, equal(scan_node(ScanType::Sum, zi, axis_, reverse_, false, s), izero, s), s);
      array one = ones_like(x, s);
      array t1 = divide(after(multiply(g, y, s)), where(before, x, one, s), s);
      array y1 = scan_node(ScanType::Prod, where(first, one, x, s), axis_, reverse_, inclusive_, s);
      array t2 = after(multiply(g, y1, s));
      return {where(before, t1, where(first, t2, zeros_like(x, s), s), s)};
    }
    case ScanType::Max:
    case ScanType::Min: {
      // Each output's cotangent goes to the latest element (in scan order) that
      // attains the running extreme, as MLX does. Exclusive outputs are the
      // inclusive ones shifted by one.
      bool is_max = type_ == ScanType::Max;
      array incl = inclusive_ ? y : (is_max ? maximum(y, x, s) : minimum(y, x, s));
      array gi = inclusive_ ? g : shift_along(g, axis_, !reverse_, s);
      array pos = axis_positions(x.shape(), axis_, s);
      array hit = equal(x, incl, s);
      int n = x.shape(axis_);
      array src = reverse_
          ? scan_node(ScanType::Min, where(hit, pos, full(pos.shape(), array(n), s), s), axis_, true, true, s)
          : scan_node(ScanType::Max, where(hit, pos, full(pos.shape(), array(-1), s), s), axis_, false, true, s);
      // No hit only with NaN; keep the index in range.
      src = clip(src, array(0), array(std::max(n - 1, 0)), s);
      return {scatter_add_axis_internal(zeros_like(x, s), astype(src, uint32, s), gi, axis_, s)};
    }
    case ScanType::LogAddExp: {
      // dx_j = sum over outputs i that saw x_j of g_i exp(x_j - y_i), summed in
      // log space separately for the positive and negative parts of g.
      auto [lp, ln] = log_parts(g, s);
      array neg_inf = scalar_like(-std::numeric_limits<double>::infinity(), y, s);
      array dead = isneginf(y, s);
      auto part = [&](const array& lg) {
        array t = where(dead, neg_inf, subtract(lg, y, s), s);
        return exp(add(x, scan_node(ScanType::LogAddExp, t, axis_, !reverse_, inclusive_, s), s), s);
      };
      return {subtract(part(lp), part(ln), s)};
    }
  }
  return {zeros_like(x, s)};
}

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  Stream s = stream();
  const array& x = primals[0];
  const array& t = tangents[0];
  switch (type_) {
    case ScanType::Sum: return {scan_node(ScanType::Sum, t, axis_, reverse_, inclusive_, s)};
    case ScanType::LogAddExp: {
      array y = scan_node(ScanType::LogAddExp, x, axis_, reverse_, inclusive_, s);
      auto [lp, ln] = log_parts(t, s);
      auto part = [&](const array& lt) {
        array l = scan_node(ScanType::LogAddExp, add(x, lt, s), axis_, reverse_, inclusive_, s);
        return where(isneginf(l, s), zeros_like(l, s), exp(subtract(l, y, s), s), s);
      };
      return {subtract(part(lp), part(ln), s)};
    }
    default: throw std::runtime_error("JVP is not implemented for cumulative prod/min/max");
  }
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  array x = vmap_to_front(inputs[0], axes[0]);
  return {{scan_node(type_, x, axis_ + 1, reverse_, inclusive_, stream())}, {0}};
}

}  // namespace mlx_core
