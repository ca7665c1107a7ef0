// The checks an imported node passes before it joins the graph: its output shapes and
// dtypes must be what its primitive computes from its inputs', with parameters a kernel
// can run (a file that lies about them would make a kernel read or write out of bounds).
// The shapeless replay of an imported function runs them again for new input shapes.
#include <algorithm>
#include <cstdlib>

#include "mlx/primitives/binary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/conv.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/linalg.h"
#include "mlx/primitives/products.h"
#include "mlx/primitives/random.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/scan.h"
#include "mlx/primitives/shape.h"
#include "mlx/primitives/sort.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"
#include "mlx/transforms/export_io.h"

namespace mlx_core::export_io {

namespace {

bool is_matmul(const Shape& a, const Shape& b, const Shape& o) {
  size_t nd = a.size();
  if (nd < 2 || b.size() != nd || o.size() != nd) return false;
  for (size_t i = 0; i + 2 < nd; ++i) {
    if (a[i] != b[i] || a[i] != o[i]) return false;
  }
  return a[nd - 1] == b[nd - 2] && o[nd - 2] == a[nd - 2] && o[nd - 1] == b[nd - 1];
}

// Keys (..., 2) uint32 and an output of the keys' batch shape then `shape`.
bool is_key_batch(const Shape& keys, Dtype d, const Shape& shape, const Shape& out) {
  if (keys.empty() || keys.back() != 2 || d != uint32) return false;
  Shape e(keys.begin(), keys.end() - 1);
  e.insert(e.end(), shape.begin(), shape.end());
  return out == e;
}

}  // namespace

bool slice_fits(const Shape& in, const Shape& start, const Shape& stop, const Shape& step,
                const Shape& out) {
  size_t nd = in.size();
  if (start.size() != nd || stop.size() != nd || step.size() != nd || out.size() != nd) return false;
  for (size_t i = 0; i < nd; ++i) {
    int64_t st = start[i], sp = stop[i], k = step[i], dim = in[i];
    if (k == 0) return false;
    // The count the bounds give, clamped to the elements inside [0, dim) from start.
    int64_t n = 0;
    if (k > 0 && sp > st) n = std::min((sp - st + k - 1) / k, (dim - st + k - 1) / k);
    if (k < 0 && sp < st) n = std::min((st - sp - k - 1) / (-k), st / (-k) + 1);
    if (n != out[i]) return false;
    if (n > 0) {
      int64_t last = st + (n - 1) * k;
      if (st < 0 || st >= dim || last < 0 || last >= dim) return false;
    }
  }
  return true;
}

// A node read from a file must be one our kernels can run safely: its output
// shapes and dtypes are what the primitive computes from its inputs' (a file
// that lies about them would make a kernel read or write out of bounds).
void check_node(const Primitive& p, const std::vector<Shape>& in, const std::vector<Dtype>& dt,
                const std::vector<Shape>& out, const std::vector<Dtype>& odt, bool shapeless) {
  // Shapeless replay broadcasts elementwise inputs itself (compile keeps constants unbroadcast).
  auto fits = [&](const Shape& a, const Shape& o) {
    if (a == o) return true;
    if (!shapeless || a.size() > o.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != 1 && a[i] != o[o.size() - a.size() + i]) return false;
    }
    return true;
  };
  auto fail = [&]() { bad(std::string("inconsistent shapes, dtypes or parameters of ") + p.name()); };
  auto nargs = [&](size_t n, size_t nout = 1) {
    if (in.size() != n || out.size() != nout) fail();
  };
  if (auto* u = dynamic_cast<const Unary*>(&p)) {
    nargs(1);
    if (out[0] != in[0]) fail();
    // Our Abs, Real and Imag of a complex input write float32 (nothing else fits their kernels).
    bool to_real = u->op() == UnaryOp::Abs || u->op() == UnaryOp::Real || u->op() == UnaryOp::Imag;
    if (to_real && dt[0] == complex64 ? odt[0] != float32 : odt[0] != dt[0]) fail();
  } else if (auto* b = dynamic_cast<const Binary*>(&p)) {
    nargs(2, b->op() == BinaryOp::DivMod ? 2 : 1);
    for (auto& o : out) if (!fits(in[0], o) || !fits(in[1], o)) fail();
    if (dt[0] != dt[1]) fail();
    for (auto d : odt) if (d != dt[0] && !(is_comparison(b->op()) && d == bool_)) fail();
  } else if (auto* r = dynamic_cast<const Reduce*>(&p)) {
    nargs(1);
    Shape e = in[0];
    int last = -1;
    for (int a : r->axes()) {
      if (a <= last || a >= int(e.size())) fail();
      e[a] = 1;
      last = a;
    }
    if (out[0] != e || odt[0] != dt[0]) fail();
  } else if (dynamic_cast<const Reshape*>(&p)) {
    nargs(1);
    if (shape_size(in[0]) != shape_size(out[0]) || odt[0] != dt[0]) fail();
  } else if (auto* br = dynamic_cast<const Broadcast*>(&p)) {
    nargs(1);
    const Shape& t = br->shape();
    if (out[0] != t || in[0].size() > t.size() || odt[0] != dt[0]) fail();
    size_t off = t.size() - in[0].size();
    for (size_t i = 0; i < in[0].size(); ++i) {
      if (in[0][i] != t[off + i] && in[0][i] != 1) fail();
    }
  } else if (auto* tr = dynamic_cast<const Transpose*>(&p)) {
    nargs(1);
    auto& ax = tr->axes();
    if (ax.size() != in[0].size() || out[0].size() != ax.size() || odt[0] != dt[0]) fail();
    std::vector<bool> seen(ax.size(), false);
    for (size_t i = 0; i < ax.size(); ++i) {
      if (ax[i] < 0 || ax[i] >= int(ax.size()) || seen[ax[i]]) fail();
      seen[ax[i]] = true;
      if (out[0][i] != in[0][ax[i]]) fail();
    }
  } else if (auto* at = dynamic_cast<const AsType*>(&p)) {
    nargs(1);
    if (out[0] != in[0] || odt[0] != at->dtype()) fail();
  } else if (auto* sl = dynamic_cast<const Slice*>(&p)) {
    nargs(1);
    if (odt[0] != dt[0] || !slice_fits(in[0], sl->start(), sl->stop(), sl->step(), out[0])) fail();
  } else if (dynamic_cast<const Matmul*>(&p)) {
    nargs(2);
    auto &a = in[0], &b = in[1], &o = out[0];
    size_t nd = a.size();
    if (nd < 2 || b.size() != nd || o.size() != nd) fail();
    for (size_t i = 0; i + 2 < nd; ++i) if (a[i] != b[i] || a[i] != o[i]) fail();
    if (a[nd - 1] != b[nd - 2] || o[nd - 2] != a[nd - 2] || o[nd - 1] != b[nd - 1]) fail();
    if (dt[0] != dt[1] || odt[0] != dt[0] || !is_inexact(dt[0])) fail();
  } else if (auto* sc = dynamic_cast<const Scan*>(&p)) {
    nargs(1);
    if (sc->axis() < 0 || sc->axis() >= int(in[0].size()) || out[0] != in[0] || odt[0] != dt[0]) fail();
    if (sc->type() == ScanType::LogAddExp && !is_inexact(dt[0])) fail();
  } else if (dynamic_cast<const Sort*>(&p) || dynamic_cast<const ArgSort*>(&p) ||
             dynamic_cast<const Partition*>(&p) || dynamic_cast<const ArgPartition*>(&p)) {
    nargs(1);
    int axis = 0, kth = 0;
    bool indices = false;
    if (auto* q = dynamic_cast<const Sort*>(&p)) axis = q->axis();
    if (auto* q = dynamic_cast<const ArgSort*>(&p)) axis = q->axis(), indices = true;
    if (auto* q = dynamic_cast<const Partition*>(&p)) axis = q->axis(), kth = q->kth();
    if (auto* q = dynamic_cast<const ArgPartition*>(&p)) axis = q->axis(), kth = q->kth(), indices = true;
    if (axis < 0 || axis >= int(in[0].size()) || out[0] != in[0]) fail();
    if (kth < 0 || (kth > 0 && kth >= in[0][axis])) fail();
    if (odt[0] != (indices ? uint32 : dt[0])) fail();
  } else if (auto* ne = dynamic_cast<const NumberOfElements*>(&p)) {
    nargs(1);
    for (int a : ne->axes()) if (a < 0 || a >= int(in[0].size())) fail();
    if (!out[0].empty() || odt[0] != ne->dtype()) fail();
  } else if (dynamic_cast<const Contiguous*>(&p)) {
    nargs(1);
    if (out[0] != in[0] || odt[0] != dt[0]) fail();
  } else if (auto* ga = dynamic_cast<const Gather*>(&p)) {
    // Index values are clamped by the kernel; their shapes, dtypes and the axes are checked here.
    if (in.empty() || out.size() != 1 || ga->axes().size() != in.size() - 1) fail();
    const Shape& src = in[0];
    auto& sizes = ga->slice_sizes();
    if (sizes.size() != src.size() || odt[0] != dt[0]) fail();
    for (size_t i = 0; i < src.size(); ++i) if (sizes[i] < 0 || sizes[i] > src[i]) fail();
    std::vector<bool> seen(src.size(), false);
    for (size_t k = 0; k < ga->axes().size(); ++k) {
      int ax = ga->axes()[k];
      if (ax < 0 || ax >= int(src.size()) || seen[ax] || src[ax] == 0) fail();
      seen[ax] = true;
      if (in[k + 1] != in[1] || !is_integral(dt[k + 1]) || dt[k + 1] == bool_) fail();
    }
    Shape e = in.size() > 1 ? in[1] : Shape{};
    e.insert(e.end(), sizes.begin(), sizes.end());
    if (out[0] != e) fail();
  } else if (dynamic_cast<const Select*>(&p)) {
    nargs(3);
    for (auto& a : in) if (!fits(a, out[0])) fail();
    if (dt[0] != bool_ || dt[1] != odt[0] || dt[2] != odt[0]) fail();
  } else if (dynamic_cast<const StopGradient*>(&p)) {
    nargs(1);
    if (out[0] != in[0] || odt[0] != dt[0]) fail();
  } else if (auto* sm = dynamic_cast<const Softmax*>(&p)) {
    nargs(1);
    (void)sm;
    if (out[0] != in[0] || odt[0] != dt[0] || in[0].empty() || !is_floating_point(dt[0])) fail();
  } else if (auto* ar = dynamic_cast<const ArgReduce*>(&p)) {
    nargs(1);
    int ax = ar->axis();
    if (ax < 0 || ax >= int(in[0].size()) || in[0][ax] == 0 || odt[0] != uint32) fail();
    Shape e = in[0];
    e[ax] = 1;
    if (out[0] != e) fail();
  } else if (auto* cc = dynamic_cast<const Concatenate*>(&p)) {
    if (in.empty() || out.size() != 1) fail();
    int ax = cc->axis();
    size_t nd = in[0].size();
    if (ax < 0 || ax >= int(nd) || out[0].size() != nd) fail();
    int64_t total = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      if (in[k].size() != nd || dt[k] != odt[0]) fail();
      for (size_t i = 0; i < nd; ++i) if (int(i) != ax && in[k][i] != out[0][i]) fail();
      total += in[k][ax];
    }
    if (total != out[0][ax]) fail();
  } else if (!check_more_node(p, in, dt, out, odt)) {
    fail();  // every registered primitive has a check above or below
  }
}


bool check_more_node(const Primitive& p, const std::vector<Shape>& in, const std::vector<Dtype>& dt,
                     const std::vector<Shape>& out, const std::vector<Dtype>& odt) {
  auto fail = [&]() { bad(std::string("inconsistent shapes, dtypes or parameters of ") + p.name()); };
  auto nargs = [&](size_t n, size_t nout = 1) {
    if (in.size() != n || out.size() != nout) fail();
  };
  auto same_dtypes = [&](size_t n) {
    for (size_t k = 0; k < n; ++k) if (dt[k] != odt[0]) fail();
  };
  if (dynamic_cast<const AddMM*>(&p)) {
    nargs(3);
    if (in[0] != out[0] || !is_matmul(in[1], in[2], out[0]) || !is_inexact(odt[0])) fail();
    same_dtypes(3);
  } else if (auto* bm = dynamic_cast<const BlockMaskedMM*>(&p)) {
    size_t n = 2 + bm->has_out() + bm->has_lhs() + bm->has_rhs();
    nargs(n);
    if (!is_matmul(in[0], in[1], out[0]) || !is_inexact(odt[0])) fail();
    same_dtypes(2);
    const Shape &o = out[0];
    size_t nd = o.size();
    int bs = bm->block_size();
    auto blocks = [&](int64_t x) { return (x + bs - 1) / bs; };
    int64_t M = o[nd - 2], N = o[nd - 1], K = in[0][nd - 1];
    std::vector<std::pair<int64_t, int64_t>> masks;
    if (bm->has_out()) masks.push_back({M, N});
    if (bm->has_lhs()) masks.push_back({M, K});
    if (bm->has_rhs()) masks.push_back({K, N});
    for (size_t k = 0; k < masks.size(); ++k) {
      Shape e(o.begin(), o.end() - 2);
      e.push_back(int(blocks(masks[k].first)));
      e.push_back(int(blocks(masks[k].second)));
      if (in[2 + k] != e || (dt[2 + k] != bool_ && dt[2 + k] != odt[0])) fail();
    }
  } else if (dynamic_cast<const GatherMM*>(&p)) {
    // a (na, M, K), b (nb, K, N), uint32 indices of the output's batch shape.
    nargs(4);
    auto &a = in[0], &b = in[1], &o = out[0];
    if (a.size() != 3 || b.size() != 3 || o.size() < 2 || a[2] != b[1]) fail();
    if (a[0] == 0 || b[0] == 0) fail();
    Shape batch(o.begin(), o.end() - 2);
    if (o[o.size() - 2] != a[1] || o[o.size() - 1] != b[2] || in[2] != batch || in[3] != batch) fail();
    if (dt[2] != uint32 || dt[3] != uint32 || !is_inexact(odt[0])) fail();
    same_dtypes(2);
  } else if (dynamic_cast<const SegmentedMM*>(&p)) {
    nargs(3);
    auto &a = in[0], &b = in[1], &sg = in[2], &o = out[0];
    if (a.size() != 2 || b.size() != 2 || a[1] != b[0] || sg.empty() || sg.back() != 2) fail();
    Shape e(sg.begin(), sg.end() - 1);
    e.push_back(a[0]);
    e.push_back(b[1]);
    if (o != e || dt[2] != uint32 || !is_inexact(odt[0])) fail();
    same_dtypes(2);
  } else if (dynamic_cast<const Hadamard*>(&p)) {
    nargs(1);
    if (in[0] != out[0] || dt[0] != odt[0] || !is_floating_point(odt[0])) fail();
  } else if (dynamic_cast<const ToFP8*>(&p)) {
    nargs(1);
    if (in[0] != out[0] || odt[0] != uint8 || !is_floating_point(dt[0])) fail();
  } else if (dynamic_cast<const FromFP8*>(&p)) {
    nargs(1);
    if (in[0] != out[0] || dt[0] != uint8 || !is_floating_point(odt[0])) fail();
  } else if (dynamic_cast<const Depends*>(&p)) {
    if (out.empty() || in.size() < out.size()) fail();
    for (size_t k = 0; k < out.size(); ++k) if (in[k] != out[k] || dt[k] != odt[k]) fail();
  } else if (auto* cv = dynamic_cast<const Convolution*>(&p)) {
    nargs(2);
    auto& c = cv->params();
    auto &x = in[0], &w = in[1];
    size_t nd = x.size();
    if (nd < 3 || nd > 5 || w.size() != nd) fail();
    size_t sp = nd - 2;
    for (auto* v : {&c.stride, &c.padding_lo, &c.padding_hi, &c.kernel_dilation, &c.input_dilation}) {
      if (v->size() != sp) fail();
    }
    if (c.groups <= 0 || x[nd - 1] % c.groups != 0 || w[nd - 1] * c.groups != x[nd - 1] ||
        w[0] % c.groups != 0) {
      fail();
    }
    constexpr int64_t kLimit = int64_t(1) << 30;
    Shape e{x[0]};
    for (size_t i = 0; i < sp; ++i) {
      int64_t s = c.stride[i], kd = c.kernel_dilation[i], id = c.input_dilation[i];
      int64_t lo = c.padding_lo[i], hi = c.padding_hi[i];
      if (s < 1 || kd < 1 || id < 1 || std::abs(lo) > kLimit || std::abs(hi) > kLimit) fail();
      int64_t din = 1 + id * (int64_t(x[1 + i]) - 1), dk = 1 + kd * (int64_t(w[1 + i]) - 1);
      // Bounded so that the kernel's positions (o * stride + k * dilation - padding) fit an int.
      if (din + std::abs(lo) + std::abs(hi) > kLimit || dk > kLimit || x[1 + i] == 0 || w[1 + i] == 0) fail();
      e.push_back(int(std::max<int64_t>(0, (din + lo + hi - dk) / s + 1)));
    }
    e.push_back(w[0]);
    if (out[0] != e || dt[0] != dt[1] || odt[0] != dt[0] || !is_inexact(odt[0])) fail();
  } else if (auto* vw = dynamic_cast<const View*>(&p)) {
    nargs(1);
    if (odt[0] != vw->dtype()) fail();
    size_t a = dt[0].size, b = odt[0].size;
    if (a == b) {
      if (out[0] != in[0]) fail();
    } else {
      if (in[0].empty() || (int64_t(in[0].back()) * a) % b != 0) fail();
      Shape e = in[0];
      e.back() = int((int64_t(in[0].back()) * a) / b);
      if (out[0] != e) fail();
    }
  } else if (dynamic_cast<const Arange*>(&p)) {
    nargs(0);
    if (out[0].size() != 1 || odt[0] == bool_ || is_complex(odt[0])) fail();
  } else if (auto* su = dynamic_cast<const SliceUpdate*>(&p)) {
    nargs(2);
    if (out[0] != in[0] || dt[0] != odt[0] || dt[1] != odt[0]) fail();
    if (!slice_fits(in[0], su->start(), su->stop(), su->step(), in[1])) fail();
  } else if (auto* as = dynamic_cast<const AsStrided*>(&p)) {
    nargs(1);
    if (out[0] != as->shape() || as->strides().size() != out[0].size() || odt[0] != dt[0]) fail();
    // Every element it reads lies inside the (row-contiguous) input.
    __int128 size = 1, lo = as->offset(), hi = as->offset();
    for (int d : in[0]) size = std::min<__int128>(size * d, __int128(1) << 96);  // saturate
    bool empty = false;
    for (size_t i = 0; i < out[0].size(); ++i) {
      int64_t n = out[0][i], s = as->strides()[i];
      if (n == 0) empty = true;
      (s < 0 ? lo : hi) += __int128(n - 1) * s;  // |each term| < 2^94: no overflow in 128 bits
    }
    if (!empty && (lo < 0 || hi >= size)) fail();
  } else if (auto* sc = dynamic_cast<const Scatter*>(&p)) {
    // a, indices..., updates (the indices' shape then one slice of a per index).
    if (in.size() < 2 || out.size() != 1) fail();
    size_t ni = in.size() - 2;
    const Shape &a = in[0], &u = in.back();
    if (sc->axes().size() != ni || out[0] != a || odt[0] != dt[0] || dt.back() != dt[0]) fail();
    std::vector<bool> seen(a.size(), false);
    for (size_t k = 0; k < ni; ++k) {
      int ax = sc->axes()[k];
      if (ax < 0 || ax >= int(a.size()) || seen[ax] || a[ax] == 0) fail();
      seen[ax] = true;
      if (in[1 + k] != in[1] || !is_integral(dt[1 + k]) || dt[1 + k] == bool_) fail();
    }
    size_t idx_nd = ni ? in[1].size() : 0;
    if (u.size() != idx_nd + a.size()) fail();
    for (size_t i = 0; i < idx_nd; ++i) if (u[i] != in[1][i]) fail();
    for (size_t i = 0; i < a.size(); ++i) if (u[idx_nd + i] > a[i]) fail();
  } else if (auto* ga = dynamic_cast<const GatherAxis*>(&p)) {
    nargs(2);
    int ax = ga->axis();
    const Shape &src = in[0], &idx = in[1];
    if (ax < 0 || ax >= int(src.size()) || idx.size() != src.size() || out[0] != idx) fail();
    for (size_t i = 0; i < src.size(); ++i) if (int(i) != ax && src[i] != idx[i]) fail();
    if (src[ax] == 0 && shape_size(idx) > 0) fail();
    if (!is_integral(dt[1]) || dt[1] == bool_ || odt[0] != dt[0]) fail();
  } else if (auto* sa = dynamic_cast<const ScatterAxis*>(&p)) {
    nargs(3);
    int ax = sa->axis();
    const Shape &a = in[0], &idx = in[1];
    if (ax < 0 || ax >= int(a.size()) || idx.size() != a.size() || in[2] != idx || out[0] != a) fail();
    for (size_t i = 0; i < a.size(); ++i) if (int(i) != ax && a[i] != idx[i]) fail();
    if (a[ax] == 0 && shape_size(idx) > 0) fail();
    if (!is_integral(dt[1]) || dt[1] == bool_ || odt[0] != dt[0] || dt[2] != dt[0]) fail();
  } else if (auto* tk = dynamic_cast<const ArgTopK*>(&p)) {
    nargs(1);
    int ax = tk->axis();
    if (ax < 0 || ax >= int(in[0].size()) || tk->k() < 1 || tk->k() > in[0][ax]) fail();
    Shape e = in[0];
    e[ax] = tk->k();
    if (out[0] != e || odt[0] != uint32) fail();
  } else if (dynamic_cast<const SearchSorted*>(&p)) {
    nargs(2);
    if (in[0].size() != 1 || dt[0] != dt[1] || out[0] != in[1] || odt[0] != uint32) fail();
  } else if (auto* rb = dynamic_cast<const RandomBits*>(&p)) {
    nargs(1);
    int w = rb->width();
    Dtype e = w == 1 ? uint8 : w == 2 ? uint16 : uint32;
    if ((w != 1 && w != 2 && w != 4) || odt[0] != e || !is_key_batch(in[0], dt[0], rb->shape(), out[0])) fail();
  } else if (auto* rs = dynamic_cast<const RandomSample*>(&p)) {
    nargs(1);
    if (odt[0] != rs->dtype() || !is_floating_point(odt[0]) || !is_key_batch(in[0], dt[0], rs->shape(), out[0])) {
      fail();
    }
  } else if (dynamic_cast<const CovarianceSqrt*>(&p)) {
    nargs(1);
    auto& c = in[0];
    if (c.size() < 2 || c[c.size() - 1] != c[c.size() - 2] || out[0] != c || dt[0] != float32 || odt[0] != float32) {
      fail();
    }
  } else if (dynamic_cast<const CategoricalSearch*>(&p)) {
    nargs(2);
    if (dt[0] != float32 || dt[1] != float32 || out[0] != in[1] || odt[0] != uint32) fail();
    if (shape_size(in[0]) == 0 && shape_size(in[1]) > 0) fail();
  } else {
    return false;
  }
  return true;
}

}  // namespace mlx_core::export_io
