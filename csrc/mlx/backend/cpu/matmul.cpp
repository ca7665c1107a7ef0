// Matmul::eval_cpu: float32 products through our kernel (gemm_f32.h) where
// they suit it, the rest through OpenBLAS (blas.h). float16/bfloat16 go
// through float32.
#include <type_traits>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/gemm_f32.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/ops/shape.h"
#include "mlx/primitives/linalg.h"

namespace mlx_core {

namespace {

// A matrix operand as BLAS sees it: row-major with a leading dimension,
// possibly transposed. Copies only when neither orientation is strided right.
struct BlasOperand {
  array data;
  bool transposed;
  int64_t ld;
};

BlasOperand prepare(const array& x) {
  int64_t rows = x.shape(-2), cols = x.shape(-1);
  int64_t rs = x.strides()[x.ndim() - 2], cs = x.strides()[x.ndim() - 1];
  if (cs == 1 && (rs >= std::max<int64_t>(cols, 1) || rows == 1)) return {x, false, std::max<int64_t>(rs, cols)};
  if (rs == 1 && (cs >= std::max<int64_t>(rows, 1) || cols == 1)) return {x, true, std::max<int64_t>(cs, rows)};
  array c = cpu::ensure_row_contiguous(x);
  return {c, false, std::max<int64_t>(cols, 1)};
}

// Offset (elements) of batch item i given the batch dims' strides.
int64_t batch_offset(const array& x, int64_t i) {
  int64_t off = 0;
  for (int d = x.ndim() - 3; d >= 0; --d) {
    off += (i % x.shape(d)) * x.strides()[d];
    i /= x.shape(d);
  }
  return off;
}

// One product, or one block of a product, on the calling thread: through our
// float32 kernel when `kernel` (chosen once for the whole product, so that
// its blocks sum as it would: OpenBLAS's sums differ), else OpenBLAS.
template <typename T>
void product(bool kernel, bool ta, bool tb, int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c,
             int ldc) {
  if constexpr (std::is_same_v<T, float>) {
    if (kernel) return cpu::sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  }
  cpu::gemm<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, T(0), c, ldc);
}

// How one product is split over the pool: a grid of row blocks by column
// blocks, one block per thread. Rows go in steps of 16 and columns in steps
// of 48, the float32 kernel's A groups and tile width, so that no block but
// the last of a row or column has a partial tile. Of the grids with at most
// one block per thread, the one whose largest block costs least: its
// multiply-adds per step of K, plus the elements of A and B it copies per
// step of K (rows + columns), each counted as kCopyCost multiply-adds (a copy
// reads from L3 or memory; a multiply-add is a sixteenth of a vector
// instruction). On 16 threads, 16 blocks of 16 rows each copied the whole of
// B: a (256, 1024) @ (1024, 1024) took 0.74 ms that way, against 0.55 ms
// on 12 threads that split only the columns.
struct ProductGrid {
  int rows, cols;
  int64_t row_step, col_step;
};

ProductGrid split_product(int64_t m, int64_t n, int threads) {
  constexpr int64_t kRowUnit = 16, kColUnit = 48, kCopyCost = 16;
  const int64_t row_units = (m + kRowUnit - 1) / kRowUnit, col_units = (n + kColUnit - 1) / kColUnit;
  ProductGrid best{1, 1, m, n};
  int64_t best_block = -1;
  for (int rows = 1; rows <= threads && rows <= row_units; ++rows) {
    int cols = int(std::min<int64_t>(threads / rows, col_units));
    int64_t row_step = (row_units + rows - 1) / rows * kRowUnit;
    int64_t col_step = (col_units + cols - 1) / cols * kColUnit;
    int64_t r = std::min(row_step, m), c = std::min(col_step, n);
    int64_t block = r * c + kCopyCost * (r + c);
    if (best_block < 0 || block < best_block) {
      best = {int((m + row_step - 1) / row_step), int((n + col_step - 1) / col_step), row_step, col_step};
      best_block = block;
    }
  }
  return best;
}

template <typename T>
void run(const array& a_in, const array& b_in, array& out) {
  BlasOperand a = prepare(a_in), b = prepare(b_in);
  int m = out.shape(-2), n = out.shape(-1), k = a_in.shape(-1);
  int64_t batch = int64_t(out.size()) / std::max<int64_t>(int64_t(m) * n, 1);
  T* c = out.data<T>();
  bool big = double(m) * n * k >= double(1 << 21);
  const bool kernel = std::is_same_v<T, float> && cpu::sgemm_suits(m, n, k);
  auto one = [&](int64_t i) {
    T* ci = c + i * int64_t(m) * n;
    if (k == 0) {
      std::fill(ci, ci + int64_t(m) * n, T(0));
      return;
    }
    product<T>(kernel, a.transposed, b.transposed, m, n, k, a.data.data<T>() + batch_offset(a.data, i), int(a.ld),
               b.data.data<T>() + batch_offset(b.data, i), int(b.ld), ci, n);
  };
  if (cpu::num_threads() < 2 || (batch < 2 && (!big || k == 0))) {
    for (int64_t i = 0; i < batch; ++i) one(i);
    return;
  }
  // Our pool runs single-threaded GEMMs: one per batch item, or one per block
  // of rows (columns when wider) of a single product. OpenBLAS's own threads
  // spend more time waking than working on small GEMMs, and stall when other
  // processes hold the cores.
  cpu::BlasSingleThreaded single;
  // Dynamic: a thread that starts late (a sleeping vCPU) finds its share taken
  // by one that finished, instead of holding the product up by its whole share.
  if (batch >= 2) {
    cpu::parallel_for_dynamic(size_t(batch), 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) one(int64_t(i));
    });
  } else {
    ProductGrid g = split_product(m, n, cpu::num_threads());
    const T* ap = a.data.data<T>();
    const T* bp = b.data.data<T>();
    cpu::parallel_for_dynamic(size_t(g.rows) * g.cols, 1, [&](size_t t0, size_t t1) {
      for (size_t t = t0; t < t1; ++t) {
        int64_t r0 = std::min<int64_t>(m, int64_t(t / g.cols) * g.row_step);
        int64_t r1 = std::min<int64_t>(m, r0 + g.row_step);
        int64_t c0 = std::min<int64_t>(n, int64_t(t % g.cols) * g.col_step);
        int64_t c1 = std::min<int64_t>(n, c0 + g.col_step);
        if (r0 == r1 || c0 == c1) continue;
        const T* ar = ap + (a.transposed ? r0 : r0 * a.ld);
        const T* bc = bp + (b.transposed ? c0 * b.ld : c0);
        product<T>(kernel, a.transposed, b.transposed, int(r1 - r0), int(c1 - c0), k, ar, int(a.ld), bc, int(b.ld),
                   c + r0 * n + c0, n);
      }
    });
  }
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  Dtype d = out.dtype();
  if (d == float32 || d == float64 || d == complex64) {
    out.set_data(allocator::malloc(out.nbytes()));
    if (d == float32) run<float>(inputs[0], inputs[1], out);
    else if (d == float64) run<double>(inputs[0], inputs[1], out);
    else run<complex64_t>(inputs[0], inputs[1], out);
    return;
  }
  // Half types: widen, multiply in float32, round once.
  array a = cpu::row_contiguous_copy(inputs[0], float32);
  array b = cpu::row_contiguous_copy(inputs[1], float32);
  array tmp(allocator::malloc(out.size() * 4), out.shape(), float32);
  run<float>(a, b, tmp);
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::copy_dense(tmp, out);
}

}  // namespace mlx_core
