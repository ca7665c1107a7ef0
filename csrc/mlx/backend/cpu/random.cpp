// eval_cpu for the random primitives.
//
// Bits: for one key (k0, k1) and a request of n bytes, MLX takes W = ceil(n / 4)
// 32-bit words, H = ceil(W / 2) Threefry-2x32-20 blocks, and block j hashes the
// counter pair (j, H + j): its first word is word j, its second word H + j. When
// W is odd the last block's second counter is 0 instead. The bytes are the
// little-endian words, cut at n. Blocks are independent, so the hash loop below
// is a plain loop over counters that the compiler vectorises, split over threads.
// MLX rounds after every multiply and add: no fused multiply-add contraction in
// this file (explicit std::fma calls still fuse). Set before the includes so the
// inline helpers share the setting and still inline and vectorise.
#pragma GCC optimize("fp-contract=off")

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include <lapacke.h>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/random_math.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/random.h"


namespace mlx_core {

namespace {

using cpu::rnd;

constexpr size_t kBlock = 256;  // hash blocks computed per inner loop (stack buffers)

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

#define MLX_CORE_TF_ROUNDS(r0, r1, r2, r3)   \
  x0 += x1, x1 = rotl(x1, r0), x1 ^= x0;     \
  x0 += x1, x1 = rotl(x1, r1), x1 ^= x0;     \
  x0 += x1, x1 = rotl(x1, r2), x1 ^= x0;     \
  x0 += x1, x1 = rotl(x1, r3), x1 ^= x0;

// Threefry-2x32 with 20 rounds (Salmon et al., 2011) of counters (c0 + i, c1 + i).
void threefry_block(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, size_t m, uint32_t* a,
                    uint32_t* b) {
  const uint32_t k2 = 0x1BD11BDAu ^ k0 ^ k1;
  for (size_t i = 0; i < m; ++i) {
    uint32_t x0 = c0 + uint32_t(i) + k0, x1 = c1 + uint32_t(i) + k1;
    MLX_CORE_TF_ROUNDS(13, 15, 26, 6)
    x0 += k1, x1 += k2 + 1u;
    MLX_CORE_TF_ROUNDS(17, 29, 16, 24)
    x0 += k2, x1 += k0 + 2u;
    MLX_CORE_TF_ROUNDS(13, 15, 26, 6)
    x0 += k0, x1 += k1 + 3u;
    MLX_CORE_TF_ROUNDS(17, 29, 16, 24)
    x0 += k1, x1 += k2 + 4u;
    MLX_CORE_TF_ROUNDS(13, 15, 26, 6)
    x0 += k2, x1 += k0 + 5u;
    a[i] = x0;
    b[i] = x1;
  }
}
#undef MLX_CORE_TF_ROUNDS

// Calls emit(j0, m, a, b) for consecutive runs of blocks [j0, j0 + m) of the
// `words`-word stream of one key: a[i] is word j0 + i, b[i] is word H + j0 + i
// (which may lie past the end when `words` is odd). Threads split the blocks
// when `parallel`.
template <typename Emit>
void for_each_block(uint32_t k0, uint32_t k1, size_t words, bool parallel, Emit&& emit) {
  size_t half = (words + 1) / 2;
  auto run = [&](size_t begin, size_t end) {
    alignas(64) uint32_t a[kBlock], b[kBlock];
    for (size_t j0 = begin; j0 < end; j0 += kBlock) {
      size_t m = std::min(kBlock, end - j0);
      threefry_block(k0, k1, uint32_t(j0), uint32_t(half + j0), m, a, b);
      if ((words & 1) && j0 + m == half) {  // odd: the last block's second counter is 0
        uint32_t bb;
        threefry_block(k0, k1, uint32_t(half - 1), 0, 1, a + m - 1, &bb);
      }
      emit(j0, m, a, b);
    }
  };
  if (!parallel) return run(0, half);
  size_t chunks = (half + kBlock - 1) / kBlock;
  cpu::parallel_for(chunks, 64, [&](size_t c0, size_t c1) {
    run(c0 * kBlock, std::min(half, c1 * kBlock));
  });
}

// Key i of a (..., 2) uint32 array of any layout.
std::pair<uint32_t, uint32_t> key_at(const array& keys, size_t i) {
  auto loc = [&](size_t flat) {
    int64_t off = 0;
    for (int d = keys.ndim() - 1; d >= 0; --d) {
      off += int64_t(flat % keys.shape(d)) * keys.strides(d);
      flat /= keys.shape(d);
    }
    return off;
  };
  const uint32_t* k = keys.data<uint32_t>();
  return {k[loc(2 * i)], k[loc(2 * i + 1)]};
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& keys = inputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  size_t num_keys = keys.size() / 2;
  if (out.size() == 0 || num_keys == 0) return;
  size_t bytes_per_key = out.nbytes() / num_keys;
  size_t words = (bytes_per_key + 3) / 4, half = (words + 1) / 2;
  char* base = static_cast<char*>(out.data<void>());
  auto one_key = [&](size_t i, bool parallel) {
    auto [k0, k1] = key_at(keys, i);
    char* dst = base + i * bytes_per_key;
    for_each_block(k0, k1, words, parallel, [&](size_t j0, size_t m, const uint32_t* a, const uint32_t* b) {
      auto put = [&](size_t word, const uint32_t* src) {
        size_t start = word * 4;
        if (start >= bytes_per_key) return;
        std::memcpy(dst + start, src, std::min(m * 4, bytes_per_key - start));
      };
      put(j0, a);
      put(half + j0, b);
    });
  };
  if (num_keys == 1) return one_key(0, true);
  cpu::parallel_for(num_keys, std::max<size_t>(1, (1 << 16) / (words + 1)), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) one_key(i, false);
  });
}

namespace {

// u in [0, 1) exactly as MLX's uniform makes it: a float32 division of the word
// by 2^32 - 1, clamped below 1, then rounded to T and clamped below 1 in T.
template <typename T>
inline float unit_float(uint32_t w) {
  float u = std::min(float(w) / 4294967295.0f, 0x1.fffffep-1f);
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return u;
  } else {
    return std::min(rnd<T>(u), float(cpu::one_below_one<T>()));
  }
}

// Per-element transforms; each rounds to T where MLX's op chain rounds.
template <typename T>
struct UniformOp {
  float lo, range;
  UniformOp(double a, double b) : lo(rnd<T>(float(a))), range(rnd<T>(rnd<T>(float(b)) - lo)) {}
  float operator()(uint32_t w) const { return rnd<T>(rnd<T>(range * unit_float<T>(w)) + lo); }
};

// v uniform in [nextafter(-1, 0), 1): normal and laplace always draw it in
// float32, whatever the output dtype.
inline float symmetric_uniform(uint32_t w) {
  return 2.0f * unit_float<float>(w) + -0x1.fffffep-1f;  // range 1 - (-1 + 2^-24) rounds to 2
}

// erfinv(v) rounded to T, times factor (sqrt(2) * scale, in T), plus loc (in T).
template <typename T>
struct NormalOp {
  using C = cpu::compute_t<T>;
  C factor, loc;
  bool has_loc;
  NormalOp(double f, double l, bool hl) : factor(C(f)), loc(C(l)), has_loc(hl) {}
  void block(const uint32_t* w, T* out, size_t m) const {
    alignas(64) float v[kBlock], e[kBlock];
    for (size_t i = 0; i < m; ++i) v[i] = symmetric_uniform(w[i]);
    cpu::erfinv_mlx_block(v, e, m);
    if (has_loc) {
      for (size_t i = 0; i < m; ++i) out[i] = T(cpu::rnd<T>(cpu::rnd<T>(C(e[i])) * factor) + loc);
    } else {
      for (size_t i = 0; i < m; ++i) out[i] = T(cpu::rnd<T>(C(e[i])) * factor);
    }
  }
};

// -log(-log(u)), each log in float32 (logf) rounded to T.
template <typename T>
struct GumbelOp {
  float operator()(uint32_t w) const {
    float u = unit_float<T>(w);
    return -rnd<T>(std::log(-rnd<T>(std::log(u))));
  }
  // Vectorised with the exact logf of random_math.h; flagged elements take operator().
  void block(const uint32_t* w, T* out, size_t m) const {
    alignas(64) uint8_t hard[kBlock], hard2[kBlock];
    alignas(64) float y[kBlock], z[kBlock];
    for (size_t i = 0; i < m; ++i) y[i] = unit_float<T>(w[i]);
    for (size_t i = 0; i < m; ++i) {  // simple loops, so each one vectorises
      bool h;
      y[i] = -cpu::logf_unless_hard(y[i], h);
      hard[i] = uint8_t(h);
    }
    for (size_t i = 0; i < m; ++i) y[i] = rnd<T>(y[i]);
    for (size_t i = 0; i < m; ++i) {
      bool h;
      z[i] = -cpu::logf_unless_hard(y[i], h);
      hard2[i] = uint8_t(h);
    }
    for (size_t i = 0; i < m; ++i) out[i] = T(rnd<T>(z[i]));
    for (size_t i = 0; i < m; ++i) hard[i] |= hard2[i];
    for (size_t i = 0; i < m; ++i) {
      if (hard[i]) out[i] = T((*this)(w[i]));
    }
  }
};

// sign(v) * log1p(-|v|) in float32 rounded to T (float64: in double), then scale and loc in T.
template <typename T>
struct LaplaceOp {
  using C = cpu::compute_t<T>;
  C scale, loc;
  LaplaceOp(double sc, double l) : scale(C(sc)), loc(C(l)) {}
  C operator()(uint32_t w) const {
    float x = symmetric_uniform(w);
    float sign = x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f);
    C base = cpu::rnd<T>(C(sign) * std::log1p(-std::fabs(C(x))));  // float64: log1p in double
    return cpu::rnd<T>(cpu::rnd<T>(base * scale) + loc);
  }
};

template <typename Op, typename = void>
struct has_block : std::false_type {};
template <typename Op>
struct has_block<Op, std::void_t<decltype(&Op::block)>> : std::true_type {};

// Ops either transform one word (operator()) or a whole block (block()).
template <typename T, typename Op>
inline void apply_block(const Op& op, const uint32_t* w, T* out, size_t m) {
  if constexpr (has_block<Op>::value) {
    op.block(w, out, m);
  } else {
    for (size_t t = 0; t < m; ++t) out[t] = T(op(w[t]));
  }
}

template <typename T, typename Op>
void sample(const array& keys, array& out, const Op& op) {
  size_t num_keys = keys.size() / 2;
  if (out.size() == 0 || num_keys == 0) return;
  size_t n = out.size() / num_keys, half = (n + 1) / 2;
  T* base = out.data<T>();
  auto one_key = [&](size_t i, bool parallel) {
    auto [k0, k1] = key_at(keys, i);
    T* dst = base + i * n;
    for_each_block(k0, k1, n, parallel, [&](size_t j0, size_t m, const uint32_t* a, const uint32_t* b) {
      size_t mb = std::min(m, n - std::min(n, half + j0));
      apply_block<T>(op, a, dst + j0, m);
      apply_block<T>(op, b, dst + half + j0, mb);
    });
  };
  if (num_keys == 1) return one_key(0, true);
  cpu::parallel_for(num_keys, std::max<size_t>(1, (1 << 15) / (n + 1)), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) one_key(i, false);
  });
}

}  // namespace

void RandomSample::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  const array& keys = inputs[0];
  cpu::dispatch_float(out.dtype(), name(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (kind_) {
      case SampleKind::Uniform:
        if constexpr (!std::is_same_v<T, double>) sample<T>(keys, out, UniformOp<T>(a_, b_));
        break;
      case SampleKind::Normal: sample<T>(keys, out, NormalOp<T>(a_, b_, has_b_)); break;
      case SampleKind::Gumbel:
        if constexpr (!std::is_same_v<T, double>) sample<T>(keys, out, GumbelOp<T>());
        break;
      case SampleKind::Laplace: sample<T>(keys, out, LaplaceOp<T>(a_, b_)); break;
    }
  });
}

void CategoricalSearch::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& probs = inputs[0];  // both row contiguous (the builder makes them so)
  const array& u = inputs[1];
  out.set_data(allocator::malloc(out.nbytes()));
  size_t n = probs.size();
  std::vector<float> cdf(n);
  float acc = 0;
  for (size_t i = 0; i < n; ++i) cdf[i] = acc += probs.data<float>()[i];
  const float* uu = u.data<float>();
  uint32_t* dst = out.data<uint32_t>();
  cpu::parallel_for(out.size(), 1 << 14, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      size_t idx = std::lower_bound(cdf.begin(), cdf.end(), uu[i]) - cdf.begin();
      dst[i] = uint32_t(std::min(idx, n - 1));
    }
  });
}

void CovarianceSqrt::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& cov = inputs[0];  // float32, row contiguous (the builder makes it so)
  out.set_data(allocator::malloc(out.nbytes()));
  int n = cov.shape(-1);
  if (out.size() == 0) return;
  size_t batch = cov.size() / (size_t(n) * n);
  std::vector<float> a(size_t(n) * n), u(size_t(n) * n), vt(size_t(n) * n), sv(n), work(n);
  for (size_t b = 0; b < batch; ++b) {
    const float* src = cov.data<float>() + b * n * n;
    float* dst = out.data<float>() + b * n * n;
    std::copy(src, src + size_t(n) * n, a.begin());
    int info = scipy_LAPACKE_sgesvd(LAPACK_ROW_MAJOR, 'S', 'S', n, n, a.data(), n, sv.data(), u.data(), n,
                                    vt.data(), n, work.data());
    if (info != 0) throw std::runtime_error("[multivariate_normal] SVD of cov did not converge.");
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        double acc = 0;
        for (int k = 0; k < n; ++k) acc += double(u[i * n + k]) * std::sqrt(double(sv[k])) * double(vt[k * n + j]);
        dst[i * n + j] = float(acc);
      }
    }
  }
}

}  // namespace mlx_core
