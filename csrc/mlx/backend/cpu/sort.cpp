// Sort-family kernels. Every real dtype is sorted through an order-preserving
// unsigned key (floats: sign-flipped bits; -0.0 joins +0.0 and every NaN gets
// the largest key, so NaN sorts last and ties stay in input order), with an
// LSD radix sort for long rows (parallel for very long ones) and a stable
// comparison sort of the keys for short ones. Complex values use a comparison
// sort. Rows are made contiguous with the sorted axis last; outputs keep that
// layout (a transposed view when the axis is not last).
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/sort.h"

namespace mlx_core {

namespace cpu {
namespace {

// ---- keys ------------------------------------------------------------------------

template <size_t N> struct uint_of;
template <> struct uint_of<1> { using type = uint8_t; };
template <> struct uint_of<2> { using type = uint16_t; };
template <> struct uint_of<4> { using type = uint32_t; };
template <> struct uint_of<8> { using type = uint64_t; };

template <typename T>
using key_t = typename uint_of<sizeof(T)>::type;

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

template <typename T>
inline key_t<T> bits_of(T v) {
  key_t<T> u;
  std::memcpy(&u, &v, sizeof(T));
  return u;
}

template <typename T>
inline bool is_nan_value(T v) {
  if constexpr (is_float_v<T>) return compute_t<T>(v) != compute_t<T>(v);
  else return false;
}

// Order-preserving key. Floats: NaN -> all ones, -0.0 -> +0.0.
template <typename T>
inline key_t<T> to_key(T v) {
  using K = key_t<T>;
  constexpr K sign = K(K(1) << (8 * sizeof(K) - 1));
  K u = bits_of(v);
  if constexpr (is_float_v<T>) {
    if (is_nan_value(v)) return K(~K(0));
    if (u == sign) u = 0;
    return (u & sign) ? K(~u) : K(u | sign);
  } else if constexpr (std::is_signed_v<T>) {
    return K(u ^ sign);
  } else {
    return u;
  }
}

template <typename T>
inline T from_key(key_t<T> k) {
  using K = key_t<T>;
  constexpr K sign = K(K(1) << (8 * sizeof(K) - 1));
  K u = k;
  if constexpr (is_float_v<T>) u = (k & sign) ? K(k ^ sign) : K(~k);
  else if constexpr (std::is_signed_v<T>) u = K(k ^ sign);
  T v;
  std::memcpy(&v, &u, sizeof(T));
  return v;
}

// NaN-aware strict order (NaN largest, NaNs equal) for the comparison paths.
template <typename C>
inline bool nan_less(C a, C b) {
  if constexpr (std::is_same_v<C, complex64_t>) {
    bool na = a != a, nb = b != b;
    if (na) return false;
    if (nb) return true;
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else if constexpr (std::is_floating_point_v<C>) {
    if (a != a) return false;
    if (b != b) return true;
    return a < b;
  } else {
    return a < b;
  }
}

// ---- radix sort ------------------------------------------------------------------

// Sorts n keys (and their uint32 payloads when idx != nullptr) with LSD radix
// passes of BITS bits; passes where every key has the same digit are skipped.
// Returns true when the result ended up in the scratch buffers.
template <typename K, int BITS>
bool radix_sort(K* key, K* key_tmp, uint32_t* idx, uint32_t* idx_tmp, size_t n) {
  constexpr int R = 1 << BITS;
  constexpr int P = (8 * sizeof(K) + BITS - 1) / BITS;
  std::vector<uint32_t> hist(size_t(P) * R, 0);
  for (size_t i = 0; i < n; ++i) {
    K k = key[i];
    for (int p = 0; p < P; ++p) ++hist[size_t(p) * R + ((k >> (p * BITS)) & (R - 1))];
  }
  bool swapped = false;
  for (int p = 0; p < P; ++p) {
    uint32_t* h = hist.data() + size_t(p) * R;
    if (std::any_of(h, h + R, [&](uint32_t c) { return c == n; })) continue;
    uint32_t sum = 0;
    for (int b = 0; b < R; ++b) {
      uint32_t c = h[b];
      h[b] = sum;
      sum += c;
    }
    int shift = p * BITS;
    if (idx) {
      for (size_t i = 0; i < n; ++i) {
        K k = key[i];
        uint32_t pos = h[(k >> shift) & (R - 1)]++;
        key_tmp[pos] = k;
        idx_tmp[pos] = idx[i];
      }
      std::swap(idx, idx_tmp);
    } else {
      for (size_t i = 0; i < n; ++i) {
        K k = key[i];
        key_tmp[h[(k >> shift) & (R - 1)]++] = k;
      }
    }
    std::swap(key, key_tmp);
    swapped = !swapped;
  }
  return swapped;
}

// Scratch memory from the caching allocator (no page faults when reused).
template <typename T>
struct Scratch {
  allocator::Buffer buf;
  explicit Scratch(size_t n) : buf(allocator::malloc(std::max<size_t>(n, 1) * sizeof(T))) {}
  ~Scratch() { allocator::free(buf); }
  T* get() { return static_cast<T*>(buf.ptr); }
};

// Long rows: one parallel scatter on the top MSD_BITS bits (stable), then
// every bucket, now small enough for the cache, is LSD-sorted on its own,
// buckets spread over the threads.
template <typename K>
void sort_keys_long(K* key, K* key_tmp, uint32_t* idx, uint32_t* idx_tmp, size_t n) {
  constexpr int MSD_BITS = 11, R = 1 << MSD_BITS;
  constexpr int shift = 8 * sizeof(K) - MSD_BITS;
  const int parts = std::max(1, num_threads());
  size_t chunk = (n + parts - 1) / parts;
  std::vector<uint32_t> hist(size_t(parts) * R, 0);
  parallel_for(size_t(parts), 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      uint32_t* h = hist.data() + t * R;
      size_t lo = t * chunk, hi = std::min(n, lo + chunk);
      for (size_t i = lo; i < hi; ++i) ++h[key[i] >> shift];
    }
  });
  std::vector<uint32_t> start(R + 1, 0);
  uint32_t sum = 0;
  for (int b = 0; b < R; ++b) {
    start[b] = sum;
    for (int t = 0; t < parts; ++t) {
      uint32_t c = hist[size_t(t) * R + b];
      hist[size_t(t) * R + b] = sum;
      sum += c;
    }
  }
  start[R] = sum;
  parallel_for(size_t(parts), 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      uint32_t* o = hist.data() + t * R;
      size_t lo = t * chunk, hi = std::min(n, lo + chunk);
      if (idx) {
        for (size_t i = lo; i < hi; ++i) {
          K k = key[i];
          uint32_t pos = o[k >> shift]++;
          key_tmp[pos] = k;
          idx_tmp[pos] = idx[i];
        }
      } else {
        for (size_t i = lo; i < hi; ++i) {
          K k = key[i];
          key_tmp[o[k >> shift]++] = k;
        }
      }
    }
  });
  parallel_for(size_t(R), 1, [&](size_t b, size_t e) {
    for (size_t bucket = b; bucket < e; ++bucket) {
      size_t lo = start[bucket], m = start[bucket + 1] - lo;
      if (m == 0) continue;
      bool back = m > 1 && radix_sort<K, 8>(key_tmp + lo, key + lo, idx ? idx_tmp + lo : nullptr,
                                            idx ? idx + lo : nullptr, m);
      if (!back) {  // the result is in the scratch half: move it home
        std::memcpy(key + lo, key_tmp + lo, m * sizeof(K));
        if (idx) std::memcpy(idx + lo, idx_tmp + lo, m * sizeof(uint32_t));
      }
    }
  });
}

// Sorts the keys of one row (with payloads when idx != nullptr) into key/idx.
template <typename K>
void sort_keys(K* key, K* key_tmp, uint32_t* idx, uint32_t* idx_tmp, size_t n, bool parallel) {
  if (n <= 16) {  // insertion sort: stable, no allocation
    for (size_t i = 1; i < n; ++i) {
      K k = key[i];
      uint32_t v = idx ? idx[i] : 0;
      size_t j = i;
      for (; j > 0 && key[j - 1] > k; --j) {
        key[j] = key[j - 1];
        if (idx) idx[j] = idx[j - 1];
      }
      key[j] = k;
      if (idx) idx[j] = v;
    }
    return;
  }
  if (n <= 256) {
    if (idx) {
      std::vector<std::pair<K, uint32_t>> pairs(n);
      for (size_t i = 0; i < n; ++i) pairs[i] = {key[i], idx[i]};
      std::stable_sort(pairs.begin(), pairs.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t i = 0; i < n; ++i) {
        key[i] = pairs[i].first;
        idx[i] = pairs[i].second;
      }
    } else {
      std::sort(key, key + n);  // equal keys are equal values here (fixed up after)
    }
    return;
  }
  // Not instantiated for 1- and 2-byte keys, whose top-bits shift would be negative.
  if constexpr (sizeof(K) >= 4) {
    // Single-threaded for many rows, parallel inside one long row.
    if (parallel && n >= (size_t(1) << 16)) return sort_keys_long(key, key_tmp, idx, idx_tmp, n);
  }
  if (radix_sort<K, 8>(key, key_tmp, idx, idx_tmp, n)) {
    std::memcpy(key, key_tmp, n * sizeof(K));
    if (idx) std::memcpy(idx, idx_tmp, n * sizeof(uint32_t));
  }
}

// ---- rows ------------------------------------------------------------------------

// Row-contiguous data with `axis` last (the input itself when it already is).
array axis_last(const array& in, int axis) {
  if (axis == in.ndim() - 1) return ensure_row_contiguous(in);
  Shape tshape;
  Strides tstrides;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis) {
      tshape.push_back(in.shape(i));
      tstrides.push_back(in.strides()[i]);
    }
  }
  tshape.push_back(in.shape(axis));
  tstrides.push_back(in.strides()[axis]);
  array tmp(allocator::malloc(in.nbytes()), tshape, in.dtype());
  copy_strided(in.data<void>(), in.dtype(), tstrides, tmp.data<void>(), in.dtype(), tmp.strides(), tshape);
  return tmp;
}

// A fresh buffer for `out` laid out with `axis` last (a transposed view when
// the axis is not last).
void set_axis_last_output(array& out, int axis) {
  int nd = out.ndim();
  if (axis == nd - 1) {
    out.set_data(allocator::malloc(out.nbytes()));
    return;
  }
  Shape tshape;
  std::vector<int> perm;
  for (int i = 0; i < nd; ++i) {
    if (i != axis) perm.push_back(i);
  }
  perm.push_back(axis);
  for (int p : perm) tshape.push_back(out.shape(p));
  Strides ts = row_major_strides(tshape), os(nd);
  for (int i = 0; i < nd; ++i) os[perm[i]] = ts[i];
  auto [flags, dsize] = view_layout(out.shape(), os);
  out.set_data(allocator::malloc(out.nbytes()), os, flags, dsize);
}

// Calls fn(row_index) for every row, rows split over threads.
template <typename F>
void for_rows(int64_t rows, int64_t n, F&& fn) {
  size_t grain = std::max<size_t>(1, size_t(kStreamingGrain / 4) / std::max<int64_t>(n, 1));
  parallel_for(size_t(rows), grain, [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r) fn(int64_t(r));
  });
}

// Rows so long that one row should use every thread.
bool is_long_row(int64_t rows, int64_t n) { return rows < num_threads() && n >= (int64_t(1) << 20); }

template <typename T>
void sort_rows(const T* x, T* y, int64_t rows, int64_t n, uint32_t* idx_out) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    for_rows(rows, n, [&](int64_t r) {
      const T* xr = x + r * n;
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return nan_less(xr[a], xr[b]); });
      for (int64_t i = 0; i < n; ++i) {
        if (idx_out) idx_out[r * n + i] = order[i];
        else y[r * n + i] = xr[order[i]];
      }
    });
  } else {
    using K = key_t<T>;
    bool long_rows = is_long_row(rows, n);
    // Scratch is per chunk of rows: many short rows should not each allocate.
    auto one_row = [&](int64_t r, K* own_keys, K* tmp, uint32_t* itmp) {
      const T* xr = x + r * n;
      // Sort keeps its keys in the output row; ArgSort needs its own.
      K* keys = idx_out ? own_keys : reinterpret_cast<K*>(y + r * n);
      uint32_t* idx = idx_out ? idx_out + r * n : nullptr;
      bool fixup = false;  // -0.0 or NaN seen: their exact bits are restored after
      for (int64_t i = 0; i < n; ++i) {
        keys[i] = to_key(xr[i]);
        if constexpr (is_float_v<T>) {
          fixup |= K(bits_of(xr[i]) << 1) == 0 && bits_of(xr[i]) != 0;
          fixup |= is_nan_value(xr[i]);
        }
      }
      if (idx) std::iota(idx, idx + n, 0u);
      sort_keys(keys, tmp, idx, itmp, size_t(n), long_rows);
      if (idx) return;
      T* yr = y + r * n;
      int64_t zeros_at = 0, nans_at = 0;
      if constexpr (is_float_v<T>) {
        if (fixup) {  // find the runs before the keys turn into values in place
          zeros_at = std::lower_bound(keys, keys + n, to_key(T(0.0f))) - keys;
          nans_at = std::lower_bound(keys, keys + n, K(~K(0))) - keys;
        }
      }
      for (int64_t i = 0; i < n; ++i) yr[i] = from_key<T>(keys[i]);
      if constexpr (is_float_v<T>) {
        if (fixup) {
          // Zeros and NaNs keep their input order (stable), so their original
          // bits go back in that order.
          for (int64_t i = 0; i < n; ++i) {
            if (is_nan_value(xr[i])) yr[nans_at++] = xr[i];
            else if (compute_t<T>(xr[i]) == 0) yr[zeros_at++] = xr[i];
          }
        }
      }
    };
    auto chunk = [&](size_t b, size_t e) {
      Scratch<K> own_keys(idx_out ? n : 0), tmp(n);
      Scratch<uint32_t> itmp(idx_out ? n : 0);
      for (size_t r = b; r < e; ++r) one_row(int64_t(r), own_keys.get(), tmp.get(), itmp.get());
    };
    if (long_rows) {
      chunk(0, size_t(rows));
    } else {
      parallel_for(size_t(rows), std::max<size_t>(1, size_t(kStreamingGrain / 4) / std::max<int64_t>(n, 1)), chunk);
    }
  }
}

// ---- selection -------------------------------------------------------------------

template <typename T>
void partition_rows(const T* x, T* y, uint32_t* idx_out, int64_t rows, int64_t n, int kth) {
  using C = compute_t<T>;
  for_rows(rows, n, [&](int64_t r) {
    const T* xr = x + r * n;
    if (idx_out) {
      uint32_t* ir = idx_out + r * n;
      std::iota(ir, ir + n, 0u);
      // Equal values break ties by index (NaNs stay unordered), which gives
      // exactly MLX's argpartition order.
      std::nth_element(ir, ir + kth, ir + n, [&](uint32_t a, uint32_t b) {
        C va = C(xr[a]), vb = C(xr[b]);
        return nan_less(va, vb) || (va == vb && a < b);
      });
    } else {
      T* yr = y + r * n;
      std::copy(xr, xr + n, yr);
      std::nth_element(yr, yr + kth, yr + n, [](T a, T b) { return nan_less(C(a), C(b)); });
    }
  });
}

// Indices of the k largest of each row, by ascending value (ties: lower index
// first). Long rows keep a candidate buffer and a running threshold, so most
// elements cost one vectorised key comparison.
template <typename T>
void topk_rows(const T* x, uint32_t* out, int64_t rows, int64_t n, int k) {
  if (k == 0) return;
  if constexpr (std::is_same_v<T, complex64_t>) {
    for_rows(rows, n, [&](int64_t r) {
      const T* xr = x + r * n;
      std::vector<uint32_t> order(n);
      std::iota(order.begin(), order.end(), 0u);
      auto greater = [&](uint32_t a, uint32_t b) { return nan_less(xr[b], xr[a]); };
      std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), greater);
      std::sort(order.begin(), order.begin() + k, [&](uint32_t a, uint32_t b) {
        return nan_less(xr[a], xr[b]) || (!nan_less(xr[b], xr[a]) && a < b);
      });
      std::copy(order.begin(), order.begin() + k, out + r * k);
    });
  } else {
    using K = key_t<T>;
    using Item = std::pair<K, uint32_t>;
    auto by_desc = [](const Item& a, const Item& b) { return a.first > b.first; };
    for_rows(rows, n, [&](int64_t r) {
      const T* xr = x + r * n;
      // A small buffer keeps the threshold tight, so few blocks need a second look.
      size_t cap = std::max<size_t>(size_t(2) * k, 64);
      std::vector<Item> buf;
      buf.reserve(cap + 64);
      auto shrink = [&]() {
        std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), by_desc);
        buf.resize(k);
        K lo = buf[0].first;
        for (auto& it : buf) lo = std::min(lo, it.first);
        return lo;
      };
      int64_t i = 0;
      for (; i < n && int64_t(buf.size()) < k; ++i) buf.push_back({to_key(xr[i]), uint32_t(i)});
      K thr = shrink();
      constexpr K kNanKey = K(~K(0));
      using C = compute_t<T>;
      // The threshold as a value: "key > thr" is "!(v <= thr)" for floats
      // (true for NaN, the largest key) and "v > thr" for integers.
      C thr_v = C(from_key<T>(thr));
      constexpr int B = 32;
      for (; i < n && thr != kNanKey; i += B) {
        int w = int(std::min<int64_t>(B, n - i));
        const T* xb = xr + i;
        bool any = false;
        if constexpr (is_float_v<T>) {
          for (int j = 0; j < w; ++j) any |= !(C(xb[j]) <= thr_v);
        } else {
          for (int j = 0; j < w; ++j) any |= C(xb[j]) > thr_v;
        }
        if (!any) continue;
        for (int j = 0; j < w; ++j) {
          K key = to_key(xb[j]);
          if (key > thr) buf.push_back({key, uint32_t(i + j)});
        }
        if (buf.size() >= cap) {
          thr = shrink();
          thr_v = C(from_key<T>(thr));
        }
      }
      shrink();
      std::sort(buf.begin(), buf.end(), [](const Item& a, const Item& b) {
        return a.first < b.first || (a.first == b.first && a.second < b.second);
      });
      for (int j = 0; j < k; ++j) out[r * k + j] = buf[j].second;
    });
  }
}

}  // namespace
}  // namespace cpu

// ---- eval_cpu --------------------------------------------------------------------

namespace {
struct RowView {
  array data;
  int64_t rows, n;
};
RowView rows_of(const array& in, int axis) {
  array x = cpu::axis_last(in, axis);
  int64_t n = in.shape(axis);
  return {x, n, n == 0 ? 0 : int64_t(in.size()) / n};
}
}  // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  set_axis_last_output(out, axis_);
  if (out.size() == 0) return;
  auto [x, n, rows] = rows_of(inputs[0], axis_);
  dispatch_all(out.dtype(), "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    sort_rows<T>(x.data<T>(), out.data<T>(), rows, n, nullptr);
  });
}

void ArgSort::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  set_axis_last_output(out, axis_);
  if (out.size() == 0) return;
  auto [x, n, rows] = rows_of(inputs[0], axis_);
  dispatch_all(x.dtype(), "argsort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    sort_rows<T>(x.data<T>(), nullptr, rows, n, out.data<uint32_t>());
  });
}

void Partition::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  set_axis_last_output(out, axis_);
  if (out.size() == 0) return;
  auto [x, n, rows] = rows_of(inputs[0], axis_);
  dispatch_all(out.dtype(), "partition", [&](auto tag) {
    using T = typename decltype(tag)::type;
    partition_rows<T>(x.data<T>(), out.data<T>(), nullptr, rows, n, kth_);
  });
}

void ArgPartition::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  set_axis_last_output(out, axis_);
  if (out.size() == 0) return;
  auto [x, n, rows] = rows_of(inputs[0], axis_);
  dispatch_all(x.dtype(), "argpartition", [&](auto tag) {
    using T = typename decltype(tag)::type;
    partition_rows<T>(x.data<T>(), nullptr, out.data<uint32_t>(), rows, n, kth_);
  });
}

void ArgTopK::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  set_axis_last_output(out, axis_);
  if (out.size() == 0) return;
  auto [x, n, rows] = rows_of(inputs[0], axis_);
  dispatch_all(x.dtype(), "topk", [&](auto tag) {
    using T = typename decltype(tag)::type;
    topk_rows<T>(x.data<T>(), out.data<uint32_t>(), rows, n, k_);
  });
}

void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  using namespace cpu;
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) return;
  array seq = ensure_row_contiguous(inputs[0]);
  array vals = ensure_row_contiguous(inputs[1]);
  int64_t n = seq.size();
  dispatch_all(seq.dtype(), "searchsorted", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* s = seq.data<T>();
    const T* v = vals.data<T>();
    uint32_t* y = out.data<uint32_t>();
    bool right = right_;
    parallel_for(out.size(), 4096, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        C q = C(v[i]);
        int64_t lo = 0, hi = n;  // first position where the predicate holds
        while (lo < hi) {
          int64_t mid = (lo + hi) / 2;
          C m = C(s[mid]);
          bool go_right = right ? !nan_less(q, m) : nan_less(m, q);
          if (go_right) lo = mid + 1;
          else hi = mid;
        }
        y[i] = uint32_t(lo);
      }
    });
  });
}

}  // namespace mlx_core
