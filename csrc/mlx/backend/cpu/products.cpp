// eval_cpu of the product primitives: BLAS GEMMs for the masked, gathered and
// segmented matmuls, a fast Walsh-Hadamard transform, and the fp8 codecs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/ops/shape_util.h"
#include "mlx/primitives/products.h"

namespace mlx_core {

namespace {

// Row-major C (m x n, ldc) = A (m x k, lda) @ B (k x n, ldb).
template <typename T>
void gemm(int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c, int ldc) {
  if (k == 0) {
    for (int i = 0; i < m; ++i) std::fill(c + int64_t(i) * ldc, c + int64_t(i) * ldc + n, T(0));
    return;
  }
  cpu::gemm<T>(false, false, m, n, k, T(1), a, lda, b, ldb, T(0), c, ldc);
}

// Set on a thread while it runs for_each_gemm's items.
thread_local bool running_gemm_items = false;

// Runs fn(i) for i in [0, n) on the pool with OpenBLAS single-threaded (many
// small GEMMs), or serially with OpenBLAS's own threads for one big one. A
// call from inside an item (block_masked_mm's output blocks within a batch
// item) runs serially: the outer call already holds the pool and OpenBLAS's
// single-threaded scope, which a second scope would wait for forever.
template <typename F>
void for_each_gemm(int64_t n, F&& fn) {
  if (n < 2 || cpu::num_threads() < 2 || running_gemm_items) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  cpu::BlasSingleThreaded single;
  cpu::parallel_for(size_t(n), 1, [&](size_t b, size_t e) {
    struct Flag {  // restored even if fn throws
      bool saved = running_gemm_items;
      Flag() { running_gemm_items = true; }
      ~Flag() { running_gemm_items = saved; }
    } flag;
    for (size_t i = b; i < e; ++i) fn(int64_t(i));
  });
}

// Applies one block mask (rows_b x cols_b entries) to a rows x cols matrix in
// place: bool masks zero whole blocks, others scale them.
void apply_mask(float* x, int rows, int cols, const array& mask, int64_t mask_offset, int bs) {
  int cb = (cols + bs - 1) / bs;
  bool is_bool = mask.dtype() == bool_;
  for (int r = 0; r < rows; ++r) {
    float* row = x + int64_t(r) * cols;
    int64_t base = mask_offset + int64_t(r / bs) * cb;
    for (int c0 = 0; c0 < cols; c0 += bs) {
      int c1 = std::min(cols, c0 + bs);
      int64_t at = base + c0 / bs;
      if (is_bool) {
        if (!mask.data<bool>()[at]) std::fill(row + c0, row + c1, 0.0f);
      } else {
        float v = mask.data<float>()[at];
        for (int c = c0; c < c1; ++c) row[c] *= v;
      }
    }
  }
}

}  // namespace

// ---- AddMM ----------------------------------------------------------------------

namespace {

// A matrix operand whose last two axes are row-major (batch axes may be
// broadcast); anything else is copied. Returns the element offset of item i.
struct MatrixOperand {
  array data;
  int64_t offset(int64_t i) const {
    int64_t off = 0;
    for (int d = data.ndim() - 3; d >= 0; --d) {
      off += (i % data.shape(d)) * data.strides()[d];
      i /= data.shape(d);
    }
    return off;
  }
};

MatrixOperand matrix_operand(const array& x, Dtype compute) {
  int nd = x.ndim();
  bool rows_ok = x.strides()[nd - 1] == 1 &&
                 (x.strides()[nd - 2] == x.shape(-1) || x.shape(-2) == 1);
  if (x.dtype() == compute && rows_ok) return {x};
  return {x.dtype() == compute ? cpu::ensure_row_contiguous(x) : cpu::row_contiguous_copy(x, compute)};
}

template <typename T>
void addmm_run(const std::vector<array>& inputs, array& target, float alpha, float beta) {
  Dtype compute = target.dtype();
  // C is copied into the output, then every item is one GEMM with beta.
  cpu::copy_into(inputs[0], target, target.strides(), 0, target.shape());
  MatrixOperand a = matrix_operand(inputs[1], compute), b = matrix_operand(inputs[2], compute);
  int M = target.shape(-2), N = target.shape(-1), K = inputs[1].shape(-1);
  int64_t batch = int64_t(target.size()) / (int64_t(M) * N);
  T* c = target.data<T>();
  for_each_gemm(batch, [&](int64_t i) {
    T* ci = c + i * int64_t(M) * N;
    if (K == 0) {
      for (int64_t t = 0; t < int64_t(M) * N; ++t) ci[t] = ci[t] * T(beta);
      return;
    }
    cpu::gemm<T>(false, false, M, N, K, T(alpha), a.data.data<T>() + a.offset(i), K,
                 b.data.data<T>() + b.offset(i), N, T(beta), ci, N);
  });
}

}  // namespace

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  Dtype d = out.dtype();
  if (d == float32) return addmm_run<float>(inputs, out, alpha_, beta_);
  if (d == float64) return addmm_run<double>(inputs, out, alpha_, beta_);
  if (d == complex64) return addmm_run<complex64_t>(inputs, out, alpha_, beta_);
  // Half types: float32 products, rounded once.
  array tmp(allocator::malloc(out.size() * 4), out.shape(), float32);
  addmm_run<float>(inputs, tmp, alpha_, beta_);
  cpu::copy_dense(tmp, out);
}

void BlockMaskedMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.dtype() != float32) {
    throw std::runtime_error("[BlockMaskedMM::eval] Currently only supports float32.");
  }
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  std::vector<array> in;
  for (auto& x : inputs) in.push_back(cpu::ensure_row_contiguous(x));
  const array &a = in[0], &b = in[1];
  int M = a.shape(-2), K = a.shape(-1), N = b.shape(-1), bs = block_size_;
  int mb = (M + bs - 1) / bs, kb = (K + bs - 1) / bs, nb = (N + bs - 1) / bs;
  int64_t batch = int64_t(out.size()) / (int64_t(M) * N);
  int next = 2;
  const array* mo = has_out_ ? &in[next++] : nullptr;
  const array* ml = has_lhs_ ? &in[next++] : nullptr;
  const array* mr = has_rhs_ ? &in[next++] : nullptr;
  float* c = out.data<float>();
  for_each_gemm(batch, [&](int64_t i) {
    const float* ai = a.data<float>() + i * int64_t(M) * K;
    const float* bi = b.data<float>() + i * int64_t(K) * N;
    std::vector<float> a_masked, b_masked;
    if (ml) {
      a_masked.assign(ai, ai + int64_t(M) * K);
      apply_mask(a_masked.data(), M, K, *ml, i * int64_t(mb) * kb, bs);
      ai = a_masked.data();
    }
    if (mr) {
      b_masked.assign(bi, bi + int64_t(K) * N);
      apply_mask(b_masked.data(), K, N, *mr, i * int64_t(kb) * nb, bs);
      bi = b_masked.data();
    }
    float* ci = c + i * int64_t(M) * N;
    // A mostly-false bool output mask: compute only the kept output blocks.
    if (mo && mo->dtype() == bool_) {
      const bool* keep = mo->data<bool>() + i * int64_t(mb) * nb;
      int64_t kept = std::count(keep, keep + int64_t(mb) * nb, true);
      if (2 * kept < int64_t(mb) * nb) {
        std::fill(ci, ci + int64_t(M) * N, 0.0f);
        std::vector<int64_t> blocks;
        for (int64_t blk = 0; blk < int64_t(mb) * nb; ++blk) {
          if (keep[blk]) blocks.push_back(blk);
        }
        for_each_gemm(int64_t(blocks.size()), [&](int64_t j) {
          int r = int(blocks[j] / nb), q = int(blocks[j] % nb);
          int rows = std::min(bs, M - r * bs), cols = std::min(bs, N - q * bs);
          gemm(rows, cols, K, ai + int64_t(r) * bs * K, K, bi + int64_t(q) * bs, N,
               ci + int64_t(r) * bs * N + int64_t(q) * bs, N);
        });
        return;
      }
    }
    gemm(M, N, K, ai, K, bi, N, ci, N);
    if (mo) apply_mask(ci, M, N, *mo, i * int64_t(mb) * nb, bs);
  });
}

void GatherMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.dtype() != float32) {
    throw std::runtime_error("[GatherMM::eval] Currently only supports float32.");
  }
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  array a = cpu::ensure_row_contiguous(inputs[0]), b = cpu::ensure_row_contiguous(inputs[1]);
  array li = cpu::ensure_row_contiguous(inputs[2]), ri = cpu::ensure_row_contiguous(inputs[3]);
  int M = a.shape(1), K = a.shape(2), N = b.shape(2);
  float* c = out.data<float>();
  // The builder clamps the indices; an imported graph may not, so clamp again here.
  std::vector<uint32_t> lc(li.data<uint32_t>(), li.data<uint32_t>() + li.size());
  std::vector<uint32_t> rc(ri.data<uint32_t>(), ri.data<uint32_t>() + ri.size());
  for (auto& x : lc) x = std::min<uint32_t>(x, uint32_t(a.shape(0) - 1));
  for (auto& x : rc) x = std::min<uint32_t>(x, uint32_t(b.shape(0) - 1));
  const uint32_t *l = lc.data(), *r = rc.data();
  // Items that use the same b matrix and consecutive a matrices (sorted indices,
  // as in mixture-of-experts layers) stack into one taller GEMM.
  std::vector<std::pair<int64_t, int64_t>> runs;  // (first item, count)
  for (int64_t i = 0; i < int64_t(li.size()); ++i) {
    if (!runs.empty()) {
      auto& [first, count] = runs.back();
      int64_t prev = first + count - 1;
      if (r[i] == r[prev] && l[i] == l[prev] + 1) {
        ++count;
        continue;
      }
    }
    runs.emplace_back(i, 1);
  }
  for_each_gemm(int64_t(runs.size()), [&](int64_t j) {
    auto [i, count] = runs[j];
    gemm(int(count * M), N, K, a.data<float>() + int64_t(l[i]) * M * K, K,
         b.data<float>() + int64_t(r[i]) * K * N, N, c + i * int64_t(M) * N, N);
  });
}

void SegmentedMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  array seg = cpu::ensure_row_contiguous(inputs[2]);
  int M = inputs[0].shape(0), K = inputs[0].shape(1), N = inputs[1].shape(1);
  auto run = [&](auto* a, auto* b, auto* c) {
    const uint32_t* sg = seg.data<uint32_t>();
    for_each_gemm(int64_t(seg.size() / 2), [&](int64_t i) {
      // Clamped to [0, K] (the builder clips; an imported graph may not).
      int k0 = int(std::min<uint32_t>(sg[2 * i], K)), k1 = int(std::min<uint32_t>(sg[2 * i + 1], K));
      int k = std::max(0, k1 - k0);
      gemm(M, N, k, a + (k > 0 ? k0 : 0), K, b + (k > 0 ? int64_t(k0) * N : 0), N,
           c + i * int64_t(M) * N, N);
    });
  };
  Dtype d = out.dtype();
  if (d == float32 || d == float64) {
    array a = cpu::ensure_row_contiguous(inputs[0]), b = cpu::ensure_row_contiguous(inputs[1]);
    if (d == float32) run(a.data<float>(), b.data<float>(), out.data<float>());
    else run(a.data<double>(), b.data<double>(), out.data<double>());
    return;
  }
  // Half types: float32 products, rounded once.
  array a = cpu::row_contiguous_copy(inputs[0], float32);
  array b = cpu::row_contiguous_copy(inputs[1], float32);
  array tmp(allocator::malloc(out.size() * 4), out.shape(), float32);
  run(a.data<float>(), b.data<float>(), tmp.data<float>());
  cpu::copy_dense(tmp, out);
}

// ---- Hadamard -------------------------------------------------------------------

namespace {

// Hadamard matrices of orders 12, 20 and 28 with the sign conventions MLX
// uses (read off its transform of the identity): row i lists H[i][j].
const char* const kHadamard12[12] = {
    "+-++++++++++", "--+-+-+-+-+-", "+++-++----++", "+---+--+-++-", "+++++-++----",
    "+-+---+--+-+", "++--+++-++--", "+--++---+--+", "++----+++-++", "+--+-++---+-",
    "++++----+++-", "+-+--+-++---"};
const char* const kHadamard20[20] = {
    "+----+----++--++-++-", "-+----+---+++---+-++", "--+----+---+++-+-+-+",
    "---+----+---+++++-+-", "----+----++--++-++-+", "-+++++-----+--+++--+",
    "+-+++-+---+-+--+++--", "++-++--+---+-+--+++-", "+++-+---+---+-+--+++",
    "++++-----++--+-+--++", "--++-+-++-+-----++++", "---++-+-++-+---+-+++",
    "+---++-+-+--+--++-++", "++---++-+----+-+++-+", "-++---++-+----+++++-",
    "-+--+--++-+----+----", "+-+-----++-+----+---", "-+-+-+---+--+----+--",
    "--+-+++------+----+-", "+--+--++------+----+"};
const char* const kHadamard28[28] = {
    "+------++----++-+--+-+--++--", "-+-----+++-----+-+--+-+--++-",
    "--+-----+++---+-+-+----+--++", "---+-----+++---+-+-+-+--+--+",
    "----+-----+++---+-+-+++--+--", "-----+-----++++--+-+--++--+-",
    "------++----++-+--+-+--++--+", "--++++-+-------++--+++-+--+-",
    "---++++-+-----+-++--+-+-+--+", "+---+++--+----++-++--+-+-+--",
    "++---++---+----++-++--+-+-+-", "+++---+----+----++-++--+-+-+",
    "++++--------+-+--++-++--+-+-", "-++++--------+++--++--+--+-+",
    "-+-++-++--++--+--------++++-", "+-+-++--+--++--+--------++++",
    "-+-+-++--+--++--+----+---+++", "+-+-+-++--+--+---+---++---++",
    "++-+-+-++--+------+--+++---+", "-++-+-+-++--+------+-++++---",
    "+-++-+---++--+------+-++++--", "-++--++-+-++-+++----++------",
    "+-++--++-+-++-+++-----+-----", "++-++---+-+-++-+++-----+----",
    "-++-++-+-+-+-+--+++-----+---", "--++-++++-+-+----+++-----+--",
    "+--++-+-++-+-+----+++-----+-", "++--++-+-++-+-+----++------+"};

// n = m * 2^k with m in {1, 12, 20, 28}; m = 0 when n has no such form.
int hadamard_factor(int64_t n) {
  for (int m : {28, 20, 12, 1}) {
    if (n % m == 0) {
      int64_t p = n / m;
      if ((p & (p - 1)) == 0) return m;
    }
  }
  return 0;
}

// In place on one row x (m x p, row-major): the radix-2 butterflies along p,
// then the order-m matrix along m, then the scale.
void hadamard_row(float* x, int m, int64_t p, const char* const* table, bool transposed,
                  float scale, std::vector<float>& scratch) {
  for (int r = 0; r < m; ++r) {
    float* v = x + r * p;
    for (int64_t h = 1; h < p; h *= 2) {
      for (int64_t i = 0; i < p; i += 2 * h) {
        for (int64_t j = i; j < i + h; ++j) {
          float u = v[j], w = v[j + h];
          v[j] = u + w;
          v[j + h] = u - w;
        }
      }
    }
  }
  if (m > 1) {
    scratch.assign(size_t(m) * p, 0.0f);
    for (int i = 0; i < m; ++i) {
      float* dst = scratch.data() + i * p;
      for (int j = 0; j < m; ++j) {
        bool plus = (transposed ? table[j][i] : table[i][j]) == '+';
        const float* src = x + j * p;
        if (plus) {
          for (int64_t t = 0; t < p; ++t) dst[t] += src[t];
        } else {
          for (int64_t t = 0; t < p; ++t) dst[t] -= src[t];
        }
      }
    }
    std::memcpy(x, scratch.data(), sizeof(float) * m * p);
  }
  int64_t n = m * p;
  for (int64_t t = 0; t < n; ++t) x[t] *= scale;
}

}  // namespace

void Hadamard::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int64_t n = in.ndim() == 0 ? 1 : in.shape(-1);
  int m = hadamard_factor(n);
  if (m == 0) {
    throw std::invalid_argument(
        "[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
  }
  const char* const* table = m == 12 ? kHadamard12 : m == 20 ? kHadamard20 : kHadamard28;
  int64_t p = n / m;
  // Work in a float32 row-major copy (the output itself when it is float32).
  array work = in.dtype() == float32 ? array(allocator::malloc(in.nbytes()), in.shape(), float32)
                                     : cpu::row_contiguous_copy(in, float32);
  if (in.dtype() == float32) cpu::copy_into(in, work, work.strides(), 0, in.shape());
  float* data = work.data<float>();
  int64_t rows = int64_t(in.size()) / n;
  size_t grain = std::max<size_t>(1, cpu::kStreamingGrain / size_t(n));
  cpu::parallel_for(size_t(rows), grain, [&](size_t b, size_t e) {
    std::vector<float> scratch;
    for (size_t r = b; r < e; ++r) {
      hadamard_row(data + int64_t(r) * n, m, p, table, transposed_, scale_, scratch);
    }
  });
  if (out.dtype() == float32) {
    out.copy_shared_buffer(work);
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
    cpu::copy_dense(work, out);
  }
}

// ---- fp8 (e4m3, "fn": no infinities, 0x7f/0xff are NaN, largest 448) ----------

namespace {

uint8_t encode_e4m3(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  uint8_t sign = (bits >> 24) & 0x80;
  float a = std::fabs(x);
  // NaN, infinities and anything that rounds past 448 saturate (MLX's choice).
  if (!(a < 464.0f)) return sign | 0x7e;
  if (a < 0.015625f) {  // subnormals: multiples of 2^-9, ties to even
    return sign | uint8_t(std::nearbyint(a * 512.0f));
  }
  int e;
  float frac = std::frexp(a, &e);  // a = frac * 2^e, frac in [0.5, 1)
  int q = int(std::nearbyint((frac * 2.0f - 1.0f) * 8.0f));
  int exponent = e - 1 + 7;
  if (q == 8) {
    q = 0;
    ++exponent;
  }
  int code = (exponent << 3) | q;
  return sign | uint8_t(std::min(code, 0x7e));
}

float decode_e4m3(uint8_t v) {
  float sign = (v & 0x80) ? -1.0f : 1.0f;
  int exponent = (v >> 3) & 0xf, mantissa = v & 0x7;
  if (exponent == 0xf && mantissa == 0x7) return std::nanf("");
  if (exponent == 0) return sign * std::ldexp(float(mantissa), -9);
  return sign * std::ldexp(1.0f + float(mantissa) / 8.0f, exponent - 7);
}

}  // namespace

void ToFP8::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  uint8_t* dst = out.data<uint8_t>();
  cpu::dispatch_float(in.dtype(), "to_fp8", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = in.data<T>();
    cpu::parallel_for(in.size(), cpu::kStreamingGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) dst[i] = encode_e4m3(cpu::convert<float>(src[i]));
    });
  });
}

void FromFP8::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  out.set_data(allocator::malloc(out.nbytes()));
  float table[256];
  for (int v = 0; v < 256; ++v) table[v] = decode_e4m3(uint8_t(v));
  const uint8_t* src = in.data<uint8_t>();
  cpu::dispatch_float(out.dtype(), "from_fp8", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.data<T>();
    cpu::parallel_for(in.size(), cpu::kStreamingGrain, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) dst[i] = cpu::convert<T>(table[src[i]]);
    });
  });
}

}  // namespace mlx_core
