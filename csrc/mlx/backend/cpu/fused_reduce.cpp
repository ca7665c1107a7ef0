#include "mlx/backend/cpu/fused_reduce.h"

#include <algorithm>
#include <memory>

#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/fused_chain.h"
#include "mlx/backend/cpu/reduce_ops.h"
#include "mlx/backend/cpu/threading.h"

namespace mlx_core {

namespace {

using namespace cpu;
using namespace cpu::reduce_ops;

template <typename T, typename Op>
void run(const ChainProgram& program, int root, int64_t total, int64_t n, array& out, Op op) {
  using C = compute_t<T>;
  // Reduces chain elements [lo, hi), fed block by block. Blocks are multiples
  // of 16 long except the last, so the additions happen in Reduce's order.
  auto reduce_range = [&](ThreadScratch& scratch, char* base, int64_t lo, int64_t hi) {
    ContiguousReducer<T, Op> r(op);
    for (int64_t b = lo;; b += kBlock) {
      int64_t len = std::min<int64_t>(kBlock, hi - b);
      program.run_block(b, len, base, scratch);
      const T* v = reinterpret_cast<const T*>(scratch.ptr[root]);
      r.add(v, len);
      if (b + len >= hi) {
        int64_t tail = len % ContiguousReducer<T, Op>::L;
        return r.finish(v + (len - tail), tail);
      }
    }
  };
  T* y = out.data<T>();
  int64_t rows = total / n;
  if (rows == 1) {  // everything: the same split over threads as Reduce
    int parts = int(full_reduce_parts(n));
    std::unique_ptr<C[]> partial(new C[parts]);
    for (int p = 0; p < parts; ++p) partial[p] = Op::template init<C>();
    int64_t chunk = (n + parts - 1) / parts;
    parallel_for_dynamic(size_t(parts), 1, [&](size_t b, size_t e) {
      thread_local ThreadScratch scratch;
      char* base = program.scratch_base(scratch);
      for (size_t p = b; p < e; ++p) {
        int64_t lo = int64_t(p) * chunk, hi = std::min(n, lo + chunk);
        if (lo < hi) partial[p] = reduce_range(scratch, base, lo, hi);
      }
    });
    C r = Op::template init<C>();
    for (int p = 0; p < parts; ++p) r = op(r, partial[p]);
    y[0] = convert<T>(r);
    return;
  }
  parallel_for_dynamic(size_t(rows), std::max<size_t>(1, kStreamingGrain / size_t(n)), [&](size_t b, size_t e) {
    thread_local ThreadScratch scratch;
    char* base = program.scratch_base(scratch);
    for (size_t r = b; r < e; ++r) {
      y[r] = convert<T>(reduce_range(scratch, base, int64_t(r) * n, int64_t(r + 1) * n));
    }
  });
}

}  // namespace

void FusedReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  int root = int(inputs.size() + ops_.size()) - 1;
  ChainProgram program(ops_, inputs, shape_, {root}, {nullptr});
  int64_t total = 1;
  for (auto d : shape_) total *= d;
  Dtype dtype = ops_.back().dtype;
  auto go = [&](auto op) {
    dispatch_all(dtype, name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run<T>(program, root, total, row_length_, out, op);
    });
  };
  switch (type_) {
    case ReduceType::Sum: return go(SumOp{});
    case ReduceType::Prod: return go(ProdOp{});
    case ReduceType::Max: return go(MaxOp{});
    case ReduceType::Min: return go(MinOp{});
    // The builder casts to bool for And/Or.
    case ReduceType::And: return run<bool>(program, root, total, row_length_, out, AndOp{});
    case ReduceType::Or: return run<bool>(program, root, total, row_length_, out, OrOp{});
  }
}

}  // namespace mlx_core
