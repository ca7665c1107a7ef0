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

// Reduces chain elements [lo, hi), fed block by block. Blocks are multiples
// of 16 long except the last, so the additions happen in Reduce's order.
template <typename T, typename Op>
compute_t<T> reduce_range(const ChainProgram& program, int root, Op op, ThreadScratch& scratch, char* base,
                          int64_t lo, int64_t hi) {
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
}

// y[r] for rows [r0, r1) of n chain elements each.
template <typename T, typename Op>
void reduce_row_range(const ChainProgram& program, int root, int64_t n, int64_t r0, int64_t r1, T* y, Op op,
                 ThreadScratch& scratch, char* base) {
  for (int64_t r = r0; r < r1; ++r) {
    y[r] = convert<T>(reduce_range<T>(program, root, op, scratch, base, r * n, (r + 1) * n));
  }
}

template <typename T, typename Op>
void run(const ChainProgram& program, int root, int64_t total, int64_t n, array& out, Op op) {
  using C = compute_t<T>;
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
        if (lo < hi) partial[p] = reduce_range<T>(program, root, op, scratch, base, lo, hi);
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
    reduce_row_range<T>(program, root, n, int64_t(b), int64_t(e), y, op, scratch, base);
  });
}

// f(op) with the reduction's functor; And and Or reduce bools (the builder casts to bool).
template <typename F>
void with_reduce_op(ReduceType type, Dtype dtype, const char* name, F f) {
  auto go = [&](auto op) {
    dispatch_all(dtype, name, [&](auto tag) { f(tag, op); });
  };
  switch (type) {
    case ReduceType::Sum: return go(SumOp{});
    case ReduceType::Prod: return go(ProdOp{});
    case ReduceType::Max: return go(MaxOp{});
    case ReduceType::Min: return go(MinOp{});
    case ReduceType::And: return f(TypeTag<bool>{}, AndOp{});
    case ReduceType::Or: return f(TypeTag<bool>{}, OrOp{});
  }
}

}  // namespace

int FusedReduce::root(size_t ninputs) const { return int(ninputs + ops_.size()) - 1; }

void FusedReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  int root = this->root(inputs.size());
  ChainProgram program(ops_, inputs, shape_, {root}, {nullptr});
  int64_t total = 1;
  for (auto d : shape_) total *= d;
  with_reduce_op(type_, dtype_, name(), [&](auto tag, auto op) {
    using T = typename decltype(tag)::type;
    run<T>(program, root, total, row_length_, out, op);
  });
}

void FusedReduce::reduce_rows(const cpu::ChainProgram& program, size_t ninputs, int64_t r0, int64_t r1,
                              array& out, cpu::ThreadScratch& scratch, char* base) const {
  with_reduce_op(type_, dtype_, name(), [&](auto tag, auto op) {
    using T = typename decltype(tag)::type;
    reduce_row_range<T>(program, root(ninputs), row_length_, r0, r1, out.data<T>(), op, scratch, base);
  });
}

}  // namespace mlx_core
