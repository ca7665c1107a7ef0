// Convolution::eval_cpu: im2col in cache-sized tiles, each tile multiplied by
// the weight through OpenBLAS (blas.h). float16/bfloat16 go through float32.
//
// Per group g the convolution is one matrix product
//   out[rows, g] = col[rows, (kernel position, Cg_in)] @ weight[g]^T
// where a row is one output position (n, o...) and col holds the input values
// each row's window reads (im2col). col is never built whole: tiles of rows
// (and, when the kernel is huge, of kernel positions) are built and multiplied
// while they sit in the L2 cache. Threads take whole tiles and call BLAS
// single-threaded; a layer whose output is too small to split by rows (the
// weight gradient's shape) splits the kernel positions instead and sums
// per-thread partial results. A 1x1 kernel that reads its input in place is a
// plain GEMM on the input with no copy. Depthwise and other small-group
// convolutions skip GEMM (see small_groups), and a weight gradient handed over
// as transposed views runs on the original layouts (see weight_gradient).
#include <algorithm>
#include <cstring>
#include <mutex>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/conv.h"

namespace mlx_core {

namespace {

// C = A B^T (+ C when accumulating).
template <typename T>
void gemm_nt(int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c, int ldc,
             bool accumulate) {
  cpu::gemm<T>(false, true, m, n, k, T(1), a, lda, b, ldb, T(accumulate ? 1 : 0), c, ldc);
}

// C = A^T B (+ C when accumulating).
template <typename T>
void gemm_tn(int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c, int ldc,
             bool accumulate) {
  cpu::gemm<T>(true, false, m, n, k, T(1), a, lda, b, ldb, T(accumulate ? 1 : 0), c, ldc);
}

// Sizes padded to three spatial axes (leading axes of size 1) and, per axis,
// the input index every (output position, kernel tap) reads, or -1 for zero.
struct Geometry {
  int64_t N, C_in, C_out, G, Cg_in, Cg_out;
  int64_t L[3], K[3], O[3];
  std::vector<int> table[3];
  // contiguous[d][o]: taps 0..K-1 read consecutive valid inputs.
  std::vector<char> contiguous[3];
  int64_t Kvol, Kdim, M, out_spatial, in_spatial;
  bool identity;  // every table maps o -> o with one tap: a plain GEMM
};

Geometry make_geometry(const array& x, const array& w, const array& out, const ConvParams& p) {
  Geometry g;
  int nd = x.ndim() - 2;
  g.N = x.shape(0);
  g.C_in = x.shape(-1);
  g.C_out = w.shape(0);
  g.G = p.groups;
  g.Cg_in = w.shape(-1);
  g.Cg_out = g.C_out / g.G;
  g.identity = true;
  for (int d = 0; d < 3; ++d) {
    int a = d - (3 - nd);  // the real axis, or < 0 for a padded one
    if (a < 0) {
      g.L[d] = g.K[d] = g.O[d] = 1;
      g.table[d] = {0};
      g.contiguous[d] = {1};
      continue;
    }
    int64_t L = x.shape(1 + a), K = w.shape(1 + a), O = out.shape(1 + a);
    g.L[d] = L;
    g.K[d] = K;
    g.O[d] = O;
    int64_t s = p.stride[a], lo = p.padding_lo[a], kd = p.kernel_dilation[a],
            id = p.input_dilation[a];
    g.table[d].resize(O * K);
    g.contiguous[d].assign(O, 1);
    for (int64_t o = 0; o < O; ++o) {
      for (int64_t k = 0; k < K; ++k) {
        int64_t tap = p.flip ? K - 1 - k : k;
        int64_t pos = o * s + tap * kd - lo;
        int idx = -1;
        if (pos >= 0 && pos % id == 0 && pos / id < L) idx = int(pos / id);
        g.table[d][o * K + k] = idx;
        if (idx < 0 || (k > 0 && idx != g.table[d][o * K] + k)) g.contiguous[d][o] = 0;
      }
    }
    g.identity &= K == 1 && O == L;
    for (int64_t o = 0; g.identity && o < O; ++o) g.identity &= g.table[d][o] == o;
  }
  g.Kvol = g.K[0] * g.K[1] * g.K[2];
  g.Kdim = g.Kvol * g.Cg_in;
  g.out_spatial = g.O[0] * g.O[1] * g.O[2];
  g.in_spatial = g.L[0] * g.L[1] * g.L[2];
  g.M = g.N * g.out_spatial;
  return g;
}

// Fills col (rows [r0, r1) x taps [ka, kb) x Cg_in, row-major) for group grp.
template <typename T>
void im2col(const T* x, const Geometry& g, int64_t grp, int64_t r0, int64_t r1, int64_t ka,
            int64_t kb, T* col) {
  const int64_t Cg = g.Cg_in, width = (kb - ka) * Cg;
  const int64_t K1K2 = g.K[1] * g.K[2];
  const bool whole_rows = g.G == 1;  // a run of taps is one contiguous block of the input
  for (int64_t r = r0; r < r1; ++r) {
    int64_t n = r / g.out_spatial, rem = r % g.out_spatial;
    int64_t o0 = rem / (g.O[1] * g.O[2]), o1 = (rem / g.O[2]) % g.O[1], o2 = rem % g.O[2];
    const T* xn = x + n * g.in_spatial * g.C_in + grp * Cg;
    const int* t0 = g.table[0].data() + o0 * g.K[0];
    const int* t1 = g.table[1].data() + o1 * g.K[1];
    const int* t2 = g.table[2].data() + o2 * g.K[2];
    const bool run2 = whole_rows && g.contiguous[2][o2];
    T* dst = col + (r - r0) * width;
    int64_t kpos = ka;
    while (kpos < kb) {
      int64_t k0 = kpos / K1K2, k1 = (kpos / g.K[2]) % g.K[1], k2 = kpos % g.K[2];
      int i0 = t0[k0], i1 = t1[k1];
      int64_t span = std::min<int64_t>(g.K[2] - k2, kb - kpos);  // taps left on this k2 row
      if (i0 < 0 || i1 < 0) {
        std::memset(dst, 0, sizeof(T) * span * Cg);
      } else {
        const T* base = xn + (int64_t(i0) * g.L[1] + i1) * g.L[2] * g.C_in;
        if (run2) {
          std::memcpy(dst, base + int64_t(t2[k2]) * g.C_in, sizeof(T) * span * Cg);
        } else {
          for (int64_t k = 0; k < span; ++k) {
            int i2 = t2[k2 + k];
            if (i2 < 0) {
              std::memset(dst + k * Cg, 0, sizeof(T) * Cg);
            } else if (Cg == 1) {
              dst[k] = base[int64_t(i2) * g.C_in];
            } else {
              std::memcpy(dst + k * Cg, base + int64_t(i2) * g.C_in, sizeof(T) * Cg);
            }
          }
        }
      }
      dst += span * Cg;
      kpos += span;
    }
  }
}

// Depthwise and other small-group convolutions (a few channels per group): a
// GEMM per group would be rows x (taps * Cg_in) x Cg_out, far too thin. Instead
// each output row accumulates, over taps and in-group input channels,
//   out[co] += weight[tap, ci, co] * input[group(co) * Cg_in + ci]
// vectorised along the output channels (a gather when groups have more than one
// channel).
template <typename T>
void small_groups(const T* x, const T* w, T* out, const Geometry& g) {
  const int64_t C = g.C_out, Cg = g.Cg_in, K1K2 = g.K[1] * g.K[2];
  const bool plain = g.Cg_in == 1 && g.Cg_out == 1;  // input channel co feeds output co
  std::vector<T> wt(size_t(g.Kvol * Cg * C));         // (taps, Cg_in, C_out)
  for (int64_t co = 0; co < C; ++co) {
    for (int64_t k = 0; k < g.Kvol; ++k) {
      for (int64_t ci = 0; ci < Cg; ++ci) {
        wt[size_t((k * Cg + ci) * C + co)] = w[(co * g.Kvol + k) * Cg + ci];
      }
    }
  }
  std::vector<int32_t> source(size_t(Cg * C));  // input channel read per (ci, co)
  for (int64_t ci = 0; ci < Cg; ++ci) {
    for (int64_t co = 0; co < C; ++co) source[size_t(ci * C + co)] = int32_t(co / g.Cg_out * Cg + ci);
  }
  size_t grain = size_t(std::max<int64_t>(1, 32768 / std::max<int64_t>(g.Kvol * Cg * C, 1)));
  cpu::parallel_for(size_t(g.M), grain, [&](size_t b, size_t e) {
    for (int64_t r = int64_t(b); r < int64_t(e); ++r) {
      int64_t n = r / g.out_spatial, rem = r % g.out_spatial;
      int64_t o0 = rem / (g.O[1] * g.O[2]), o1 = (rem / g.O[2]) % g.O[1], o2 = rem % g.O[2];
      T* dst = out + r * C;
      std::fill(dst, dst + C, T(0));
      for (int64_t k = 0; k < g.Kvol; ++k) {
        int64_t k0 = k / K1K2, k1 = (k / g.K[2]) % g.K[1], k2 = k % g.K[2];
        int i0 = g.table[0][o0 * g.K[0] + k0], i1 = g.table[1][o1 * g.K[1] + k1],
            i2 = g.table[2][o2 * g.K[2] + k2];
        if (i0 < 0 || i1 < 0 || i2 < 0) continue;
        const T* src = x + (((n * g.L[0] + i0) * g.L[1] + i1) * g.L[2] + i2) * g.C_in;
        if (plain) {
          const T* wk = wt.data() + k * C;
          for (int64_t c = 0; c < C; ++c) dst[c] += wk[c] * src[c];
          continue;
        }
        for (int64_t ci = 0; ci < Cg; ++ci) {
          const T* wk = wt.data() + (k * Cg + ci) * C;
          const int32_t* idx = source.data() + ci * C;
          for (int64_t c = 0; c < C; ++c) dst[c] += wk[c] * src[idx[c]];
        }
      }
    }
  });
}

// col tiles of about this many float32s (512 KiB) stay in the L2 cache with the
// weights and the output tile.
constexpr int64_t kTileElements = 1 << 17;

template <typename T>
void conv_run(const T* x, const T* w, T* out, const Geometry& g) {
  const int64_t M = g.M, Cg = g.Cg_in, Kdim = g.Kdim;
  const int threads = cpu::num_threads();
  const double flops = 2.0 * double(M) * double(Kdim) * double(g.C_out);

  if ((g.Cg_in == 1 && g.Cg_out == 1) || (g.G > 1 && g.Cg_in * g.Cg_out <= 64)) {
    small_groups(x, w, out, g);
    return;
  }
  if (g.identity) {  // 1x1, unit stride, no padding: the input is already col
    for (int64_t grp = 0; grp < g.G; ++grp) {
      gemm_nt<T>(int(M), int(g.Cg_out), int(Cg), x + grp * Cg, int(g.C_in),
                 w + grp * g.Cg_out * Kdim, int(Kdim), out + grp * g.Cg_out, int(g.C_out), false);
    }
    return;
  }

  const int64_t tile_elems = kTileElements * 4 / int64_t(sizeof(T));
  // Rows per tile: enough for an efficient GEMM; taps per chunk: what then fits.
  int64_t rows = std::min(M, std::max<int64_t>(256, tile_elems / std::max<int64_t>(Kdim, 1)));
  int64_t taps = std::clamp<int64_t>(tile_elems / (rows * Cg), 1, g.Kvol);
  const int64_t n_chunks = (g.Kvol + taps - 1) / taps;
  bool parallel = threads > 1 && flops > 4e6;

  // Runs rows [r0, r1) of every group over taps [ka, kb), accumulating from the
  // first chunk on.
  auto run_rows = [&](int64_t r0, int64_t r1, int64_t ka, int64_t kb, T* dst, int64_t ldd,
                      std::vector<T>& col) {
    for (int64_t grp = 0; grp < g.G; ++grp) {
      for (int64_t c0 = ka; c0 < kb; c0 += taps) {
        int64_t c1 = std::min(kb, c0 + taps);
        int64_t width = (c1 - c0) * Cg;
        col.resize(size_t((r1 - r0) * width));
        im2col(x, g, grp, r0, r1, c0, c1, col.data());
        gemm_nt<T>(int(r1 - r0), int(g.Cg_out), int(width), col.data(), int(width),
                   w + grp * g.Cg_out * Kdim + c0 * Cg, int(Kdim),
                   dst + r0 * ldd + grp * g.Cg_out, int(ldd),
                   c0 != ka);
      }
    }
  };

  int64_t row_tiles = (M + rows - 1) / rows;
  if (!parallel || (row_tiles < threads && n_chunks < threads)) {
    std::vector<T> col;
    for (int64_t r0 = 0; r0 < M; r0 += rows) run_rows(r0, std::min(M, r0 + rows), 0, g.Kvol, out, g.C_out, col);
    return;
  }
  cpu::BlasSingleThreaded single;
  bool split_taps = row_tiles < 2 * threads && n_chunks >= 2 * threads &&
                    M * g.C_out * threads <= (int64_t(1) << 24);
  if (!split_taps) {
    // Split the rows into a multiple of the thread count of equal tiles.
    row_tiles = (row_tiles + threads - 1) / threads * threads;
    rows = (M + row_tiles - 1) / row_tiles;
    row_tiles = (M + rows - 1) / rows;
    cpu::parallel_for(size_t(row_tiles), 1, [&](size_t b, size_t e) {
      std::vector<T> col;
      for (size_t t = b; t < e; ++t) {
        int64_t r0 = int64_t(t) * rows;
        run_rows(r0, std::min(M, r0 + rows), 0, g.Kvol, out, g.C_out, col);
      }
    });
    return;
  }
  // Few rows, many taps (a weight gradient): each thread sums a share of the
  // taps into its own copy of the output; the copies are added at the end.
  int64_t share = (n_chunks + threads - 1) / threads;
  std::vector<std::vector<T>> partial(threads);
  cpu::parallel_for(size_t(threads), 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      int64_t ka = int64_t(t) * share * taps, kb = std::min(g.Kvol, ka + share * taps);
      if (ka >= kb) continue;
      partial[t].assign(size_t(M * g.C_out), T(0));
      std::vector<T> col;
      for (int64_t r0 = 0; r0 < M; r0 += rows) {
        run_rows(r0, std::min(M, r0 + rows), ka, kb, partial[t].data(), g.C_out, col);
      }
    }
  });
  std::fill(out, out + M * g.C_out, T(0));
  for (auto& part : partial) {
    if (part.empty()) continue;
    for (int64_t i = 0; i < M * g.C_out; ++i) out[i] += part[i];
  }
}

// The weight gradient arrives (from Convolution::vjp, one group) as a
// convolution of x^T (C, L..., N) with dy^T (C_out, O..., N), both transposed
// views of row-contiguous arrays. Instead of copying them, compute it the
// classic way on the original layouts: build the forward im2col of x
// (rows (n, o), columns (k, ci)) tile by tile and accumulate col^T @ dy, whose
// rows are already dy's rows. Returns false when the layouts do not match.
bool is_channel_major_view(const array& a) {
  // a = transpose of a row-contiguous (B, spatial..., C) array to (C, spatial..., B)
  int nd = a.ndim();
  int64_t C = a.shape(0), expected = C;
  if (a.strides()[0] != 1) return false;
  for (int i = nd - 2; i >= 1; --i) {
    if (a.strides()[i] != expected) return false;
    expected *= a.shape(i);
  }
  return a.strides()[nd - 1] == expected;
}

template <typename T>
void weight_gradient(const T* x, const T* dy, T* out, const Geometry& g) {
  // In the geometry of this convolution: L = x's spatial sizes, K = dy's (the
  // forward output), O = the forward kernel; C_out = forward C_out; the input
  // "batch" is the forward channels C and its "channels" the forward batch N.
  const int64_t C = g.N, Nf = g.C_in, Co = g.C_out;
  const int64_t cols = g.out_spatial * C, rows_total = Nf * g.Kvol;
  const int64_t K1K2 = g.K[1] * g.K[2], O1O2 = g.O[1] * g.O[2];
  const int64_t tile = std::max<int64_t>(16, (kTileElements * 4 / int64_t(sizeof(T))) / cols);
  const int threads = cpu::num_threads();
  int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, (rows_total + tile - 1) / tile));
  std::vector<std::vector<T>> partial(static_cast<size_t>(parts));
  auto work = [&](size_t b, size_t e) {
    for (size_t part = b; part < e; ++part) {
      int64_t r_begin = rows_total * int64_t(part) / parts;
      int64_t r_end = rows_total * int64_t(part + 1) / parts;
      std::vector<T>& acc = partial[part];
      acc.assign(size_t(cols * Co), T(0));
      std::vector<T> col;
      for (int64_t r0 = r_begin; r0 < r_end; r0 += tile) {
        int64_t r1 = std::min(r_end, r0 + tile);
        col.resize(size_t((r1 - r0) * cols));
        for (int64_t r = r0; r < r1; ++r) {
          int64_t n = r / g.Kvol, t = r % g.Kvol;
          int64_t t0 = t / K1K2, t1 = (t / g.K[2]) % g.K[1], t2 = t % g.K[2];
          T* dst = col.data() + (r - r0) * cols;
          for (int64_t kk = 0; kk < g.out_spatial; ++kk) {
            int64_t k0 = kk / O1O2, k1 = (kk / g.O[2]) % g.O[1], k2 = kk % g.O[2];
            int i0 = g.table[0][k0 * g.K[0] + t0], i1 = g.table[1][k1 * g.K[1] + t1],
                i2 = g.table[2][k2 * g.K[2] + t2];
            if (i0 < 0 || i1 < 0 || i2 < 0) {
              std::memset(dst + kk * C, 0, sizeof(T) * C);
            } else {
              std::memcpy(dst + kk * C, x + (((n * g.L[0] + i0) * g.L[1] + i1) * g.L[2] + i2) * C,
                          sizeof(T) * C);
            }
          }
        }
        gemm_tn<T>(int(cols), int(Co), int(r1 - r0), col.data(), int(cols), dy + r0 * Co, int(Co),
                   acc.data(), int(Co), true);
      }
    }
  };
  if (parts > 1) {
    cpu::BlasSingleThreaded single;
    cpu::parallel_for(size_t(parts), 1, work);
  } else {
    work(0, 1);
  }
  // out (C, O..., Co) from acc rows ordered (O..., C)
  for (int64_t kk = 0; kk < g.out_spatial; ++kk) {
    for (int64_t ci = 0; ci < C; ++ci) {
      T* dst = out + (ci * g.out_spatial + kk) * Co;
      const T* src = partial[0].data() + (kk * C + ci) * Co;
      std::copy(src, src + Co, dst);
      for (size_t q = 1; q < partial.size(); ++q) {
        const T* more = partial[q].data() + (kk * C + ci) * Co;
        for (int64_t co = 0; co < Co; ++co) dst[co] += more[co];
      }
    }
  }
}

}  // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  const array& x_in = inputs[0];
  const array& w_in = inputs[1];
  Dtype d = out.dtype();
  bool half = d != float32 && d != float64;
  if (!half && params_.groups == 1 && !params_.flip && is_channel_major_view(x_in)) {
    // dy in its original (N, O..., C_out) layout: w_in itself seen through the
    // inverse transpose, copied only when it is not that view already.
    const void* dy = w_in.data<void>();
    std::vector<char> dy_copy;
    if (!is_channel_major_view(w_in)) {
      int nd = w_in.ndim();
      Shape shape = {w_in.shape(-1)};
      Strides src = {w_in.strides()[nd - 1]}, dst(nd);
      for (int i = 1; i < nd - 1; ++i) {
        shape.push_back(w_in.shape(i));
        src.push_back(w_in.strides()[i]);
      }
      shape.push_back(w_in.shape(0));
      src.push_back(w_in.strides()[0]);
      int64_t stride = 1;
      for (int i = nd - 1; i >= 0; --i) {
        dst[i] = stride;
        stride *= shape[i];
      }
      dy_copy.resize(w_in.nbytes());
      cpu::copy_strided(w_in.data<void>(), d, src, dy_copy.data(), d, dst, shape);
      dy = dy_copy.data();
    }
    Geometry g = make_geometry(x_in, w_in, out, params_);
    if (g.Kdim == 0) {
      std::memset(out.data<void>(), 0, out.nbytes());
    } else if (d == float32) {
      weight_gradient<float>(x_in.data<float>(), static_cast<const float*>(dy), out.data<float>(), g);
    } else {
      weight_gradient<double>(x_in.data<double>(), static_cast<const double*>(dy),
                              out.data<double>(), g);
    }
    return;
  }
  Dtype compute = half ? float32 : d;
  array x = half ? cpu::row_contiguous_copy(x_in, float32) : cpu::ensure_row_contiguous(x_in);
  array w = half ? cpu::row_contiguous_copy(w_in, float32) : cpu::ensure_row_contiguous(w_in);
  array result = half ? array(allocator::malloc(out.size() * 4), out.shape(), float32) : out;
  Geometry g = make_geometry(x, w, out, params_);
  if (g.Kdim == 0) {  // empty sums: MLX 0.32.4 crashes here
    std::memset(result.data<void>(), 0, result.nbytes());
  } else if (compute == float32) {
    conv_run<float>(x.data<float>(), w.data<float>(), result.data<float>(), g);
  } else {
    conv_run<double>(x.data<double>(), w.data<double>(), result.data<double>(), g);
  }
  if (half) cpu::copy_dense(result, out);
}

}  // namespace mlx_core
