// Compiled::eval_cpu: the fused elementwise kernel, without a C++ compiler at
// run time. The output is cut into blocks of a few thousand elements; for each
// block every op of the chain runs its own vectorised loop (the unary/binary
// kernels in block mode, see block_mode.h) on small buffers that stay in
// cache. Inputs are read once from memory and outputs written once; blocks are
// spread over the thread pool.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <immintrin.h>

#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/ternary.h"

namespace mlx_core {

namespace {

using cpu::BlockArgs;

// Elements per block: 2048 float32 values are 8 KiB, so a chain's live buffers
// stay in L1 next to the input and output streams, while the per-op call
// (~40 ns) stays small next to the loop. Measured here: 2048 beat 1024 and
// 4096 (slots filling L1), and 16384 was 3x slower.
constexpr int64_t kBlock = 2048;
// Scratch slots hold a block of the widest dtype (8 bytes).
constexpr size_t kSlotStride = size_t(kBlock) * 8;

// How the kernel reads one input for a block.
struct InputPlan {
  enum Kind { Dense, Scalar, Strided } kind;
  const char* ptr;
  size_t itemsize;
  Strides strides;  // Strided: element strides of the input broadcast to the output shape
};

InputPlan plan_input(const array& in, const Shape& shape) {
  InputPlan p{InputPlan::Strided, in.data<char>(), in.itemsize(), {}};
  if (in.shape() == shape && in.flags().row_contiguous) {
    p.kind = InputPlan::Dense;
    return p;
  }
  // Strides of `in` broadcast to `shape` (aligned on the right; size-1 dims repeat).
  Strides st(shape.size(), 0);
  int off = int(shape.size()) - in.ndim();
  bool all_zero = true;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape(i) != 1) st[off + i] = in.strides(i);
    all_zero &= st[off + i] == 0 || shape[off + i] == 1;
  }
  if (all_zero) {
    p.kind = InputPlan::Scalar;
    return p;
  }
  p.strides = std::move(st);
  return p;
}

// Copies elements [begin, begin + n) (row-major order over `shape`) of a strided
// input into `dst`.
void gather_block(const InputPlan& p, const Shape& shape, int64_t begin, int64_t n, char* dst) {
  int nd = int(shape.size());
  std::vector<int64_t> idx(nd);
  int64_t rem = begin, src = 0;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % shape[d];
    rem /= shape[d];
    src += idx[d] * p.strides[d];
  }
  cpu::dispatch_bytes(p.itemsize, "compiled", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* s = reinterpret_cast<const T*>(p.ptr);
    T* o = reinterpret_cast<T*>(dst);
    int64_t last = shape[nd - 1], ls = p.strides[nd - 1];
    int64_t done = 0;
    while (done < n) {
      int64_t run = std::min<int64_t>(last - idx[nd - 1], n - done);
      if (ls == 0) {
        T v = s[src];
        for (int64_t i = 0; i < run; ++i) o[done + i] = v;
      } else {
        for (int64_t i = 0; i < run; ++i) o[done + i] = s[src + i * ls];
      }
      done += run;
      src += run * ls;
      idx[nd - 1] += run;
      // Carry into the outer dimensions.
      for (int d = nd - 1; d > 0 && idx[d] == shape[d]; --d) {
        src -= idx[d] * p.strides[d];
        idx[d] = 0;
        ++idx[d - 1];
        src += p.strides[d - 1];
      }
    }
  });
}

// Outputs this large (well past the caches) are written with non-temporal
// stores: a normal store first reads the line it overwrites, a third of the
// traffic of a one-input chain.
constexpr size_t kStreamingOutputBytes = size_t(8) << 20;

// Copies a block from scratch to its output, bypassing the caches where the
// addresses allow (both 64-byte aligned, which blocks of dense outputs are).
void stream_block(const char* src, char* dst, size_t bytes) {
  size_t done = 0;
#if defined(__AVX512F__)
  if ((reinterpret_cast<uintptr_t>(dst) & 63) == 0 && (reinterpret_cast<uintptr_t>(src) & 63) == 0) {
    for (; done + 64 <= bytes; done += 64) {
      __m512i v = _mm512_load_si512(reinterpret_cast<const void*>(src + done));
      _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + done), v);
    }
  }
#elif defined(__AVX__)
  if ((reinterpret_cast<uintptr_t>(dst) & 31) == 0 && (reinterpret_cast<uintptr_t>(src) & 31) == 0) {
    for (; done + 32 <= bytes; done += 32) {
      __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(src + done));
      _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + done), v);
    }
  }
#endif
  std::memcpy(dst + done, src + done, bytes - done);
}

}  // namespace

void Compiled::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const Shape shape = outputs[0].shape();
  const int64_t n = int64_t(outputs[0].size());
  const int nin = int(inputs.size());
  const int nvalues = nin + int(ops_.size());
  if (n == 0) {
    for (auto& o : outputs) o.set_data(allocator::malloc(o.nbytes()));
    return;
  }

  std::vector<InputPlan> plans;
  for (auto& in : inputs) plans.push_back(plan_input(in, shape));

  // Where each op writes: an output buffer, or a scratch slot reused once the
  // values it held are dead.
  std::vector<int> output_of(nvalues, -1);
  for (size_t k = 0; k < outputs_.size(); ++k) {
    if (output_of[outputs_[k]] < 0) output_of[outputs_[k]] = int(k);
  }
  std::vector<int> last_use(nvalues, -1);
  for (size_t j = 0; j < ops_.size(); ++j) {
    for (int a : ops_[j].args) last_use[a] = int(j);
  }
  // An output may take over the buffer of a dense input nothing else holds once
  // no later op reads that input: within a block every read of it comes first.
  std::vector<bool> donated(nin, false);
  for (size_t k = 0; k < outputs.size(); ++k) {
    array& o = outputs[k];
    int op = outputs_[k] - nin;
    bool done = false;
    for (int i = 0; i < nin && !done; ++i) {
      const array& in = inputs[i];
      if (donated[i] || plans[i].kind != InputPlan::Dense || last_use[i] > op ||
          in.itemsize() != o.itemsize() || !in.is_donatable()) {
        continue;
      }
      o.copy_shared_buffer(in);
      donated[i] = done = true;
    }
    if (!done) o.set_data(allocator::malloc(o.nbytes()));
  }
  // Streamed outputs are computed into scratch like the other values (later
  // ops of the block read them from cache) and copied out at the block's end.
  bool streaming = true;
  for (auto& o : outputs) {
    streaming &= o.nbytes() >= kStreamingOutputBytes && o.flags().row_contiguous;
  }
  std::vector<int> slot_of(nvalues, -1);
  std::vector<int> free_slots;
  int nslots = 0;
  for (int i = 0; i < nin; ++i) {
    if (plans[i].kind == InputPlan::Strided) slot_of[i] = nslots++;
  }
  for (size_t j = 0; j < ops_.size(); ++j) {
    int v = nin + int(j);
    if (streaming && output_of[v] >= 0) {
      slot_of[v] = nslots++;  // held to the end of the block
      last_use[v] = int(ops_.size());
    } else if (output_of[v] < 0) {
      if (free_slots.empty()) {
        slot_of[v] = nslots++;
      } else {
        slot_of[v] = free_slots.back();
        free_slots.pop_back();
      }
    }
    for (int a : ops_[j].args) {
      if (last_use[a] == int(j) && slot_of[a] >= 0 && a >= nin) {
        free_slots.push_back(slot_of[a]);
        slot_of[a] = -2 - slot_of[a];  // freed (kept decodable for this op's reads)
      }
    }
  }
  for (auto& s : slot_of) {
    if (s <= -2) s = -2 - s;
  }
  // Per op, decided once: how it runs and where it writes. The ops' own
  // kernels pick their loop from the dtypes of the stand-in arrays.
  struct OpPlan {
    enum Kind { Kernel, Where, Cast } kind;
    Primitive* primitive;
    std::vector<array> meta_in, meta_out;
    int output;  // output index, or -1 for a scratch slot
    int slot;
    size_t itemsize;
    Dtype from;  // Cast: the input dtype
  };
  std::vector<OpPlan> op_plans;
  for (size_t j = 0; j < ops_.size(); ++j) {
    const FusedOp& op = ops_[j];
    int v = nin + int(j);
    OpPlan plan{OpPlan::Kernel, op.primitive.get(), {}, {}, output_of[v], slot_of[v],
                op.dtype.size, op.dtype};
    if (dynamic_cast<Select*>(plan.primitive)) plan.kind = OpPlan::Where;
    if (dynamic_cast<AsType*>(plan.primitive)) plan.kind = OpPlan::Cast;
    for (int a : op.args) {
      Dtype d = a < nin ? inputs[a].dtype() : ops_[a - nin].dtype;
      plan.from = d;
      plan.meta_in.emplace_back(Shape{0}, d, nullptr, std::vector<array>{});
    }
    plan.meta_out.emplace_back(Shape{0}, op.dtype, nullptr, std::vector<array>{});
    op_plans.push_back(std::move(plan));
  }

  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  size_t grain = std::max<size_t>(1, cpu::kStreamingGrain / kBlock);
  cpu::parallel_for(size_t(nblocks), grain, [&](size_t lo, size_t hi) {
    // Kept per thread: a fresh buffer each call would be a fresh mmap (and page
    // faults) for every call.
    thread_local std::unique_ptr<char[]> scratch;
    thread_local size_t scratch_size = 0;
    size_t need = size_t(std::max(nslots, 1)) * kSlotStride + 8192;
    if (scratch_size < need) {
      scratch.reset(new char[need]);
      scratch_size = need;
    }
    // Half a page off page alignment: big inputs and outputs start on pages, so
    // a block's loads and stores never sit a few bytes apart modulo 4 KiB (where
    // the core would see false store-to-load dependencies).
    char* base = reinterpret_cast<char*>(
        ((reinterpret_cast<uintptr_t>(scratch.get()) + 4095) & ~uintptr_t(4095)) + 2048);
    std::vector<const char*> ptr(nvalues);
    std::vector<int64_t> stride(nvalues);
    BlockArgs args;
    struct Restore {  // leave block mode even if a kernel throws
      BlockArgs* saved = cpu::block_args;
      ~Restore() { cpu::block_args = saved; }
    } restore;
    for (size_t blk = lo; blk < hi; ++blk) {
      int64_t begin = int64_t(blk) * kBlock, len = std::min<int64_t>(kBlock, n - begin);
      for (int i = 0; i < nin; ++i) {
        const InputPlan& p = plans[i];
        if (p.kind == InputPlan::Dense) {
          ptr[i] = p.ptr + begin * p.itemsize;
          stride[i] = 1;
        } else if (p.kind == InputPlan::Scalar) {
          ptr[i] = p.ptr;
          stride[i] = 0;
        } else {
          char* dst = base + size_t(slot_of[i]) * kSlotStride;
          gather_block(p, shape, begin, len, dst);
          ptr[i] = dst;
          stride[i] = 1;
        }
      }
      for (size_t j = 0; j < ops_.size(); ++j) {
        const FusedOp& op = ops_[j];
        OpPlan& plan = op_plans[j];
        int v = nin + int(j);
        char* out = plan.output >= 0 && !streaming
                        ? outputs[plan.output].data<char>() + begin * plan.itemsize
                        : base + size_t(plan.slot) * kSlotStride;
        ptr[v] = out;
        stride[v] = 1;
        if (plan.kind == OpPlan::Where) {
          const bool* c = reinterpret_cast<const bool*>(ptr[op.args[0]]);
          int64_t sc = stride[op.args[0]], sx = stride[op.args[1]], sy = stride[op.args[2]];
          cpu::dispatch_bytes(plan.itemsize, "where", [&](auto tag) {
            using T = typename decltype(tag)::type;
            const T* x = reinterpret_cast<const T*>(ptr[op.args[1]]);
            const T* y = reinterpret_cast<const T*>(ptr[op.args[2]]);
            T* o = reinterpret_cast<T*>(out);
            if (sc == 1 && sx == 1 && sy == 1) {
              for (int64_t i = 0; i < len; ++i) o[i] = c[i] ? x[i] : y[i];
            } else {
              for (int64_t i = 0; i < len; ++i) o[i] = c[i * sc] ? x[i * sx] : y[i * sy];
            }
          });
        } else if (plan.kind == OpPlan::Cast) {
          int a = op.args[0];
          cpu::copy_strided(ptr[a], plan.from, Strides{stride[a]}, out, op.dtype, Strides{1},
                            Shape{int32_t(len)});
        } else {
          for (size_t k = 0; k < op.args.size() && k < 2; ++k) {
            args.in[k] = ptr[op.args[k]];
            args.in_stride[k] = stride[op.args[k]];
          }
          args.out = out;
          args.n = len;
          cpu::block_args = &args;
          plan.primitive->eval_cpu(plan.meta_in, plan.meta_out);
          cpu::block_args = restore.saved;
        }
      }
      if (streaming) {
        for (size_t k = 0; k < outputs.size(); ++k) {
          size_t item = outputs[k].itemsize();
          stream_block(ptr[outputs_[k]], outputs[k].data<char>() + begin * item, size_t(len) * item);
        }
      }
    }
    if (streaming) _mm_sfence();  // the stores are visible before the caller reads
  });
}

void NumberOfElements::eval_cpu(const std::vector<array>& inputs, array& out) {
  double n = 1;
  for (int ax : axes_) n *= inputs[0].shape(ax);
  n -= ddof_;
  // As the constants mean and var used before: 1/0 is inf (an empty mean is NaN).
  double v = inverted_ ? (n > 0 ? 1.0 / n : std::numeric_limits<double>::infinity()) : n;
  array scalar(v);
  out.set_data(allocator::malloc(out.itemsize()));
  cpu::copy_strided(scalar.data<void>(), float64, Strides{}, out.data<void>(), out.dtype(),
                    Strides{}, Shape{});
}

}  // namespace mlx_core
