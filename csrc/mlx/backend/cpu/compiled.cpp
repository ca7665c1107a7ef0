// Compiled::eval_cpu: the fused elementwise kernel, without a C++ compiler at
// run time, and the block program it runs (fused_chain.h). The output is cut
// into blocks; inputs are read once from memory and outputs written once;
// blocks are spread over the thread pool.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <immintrin.h>

#include "mlx/backend/cpu/block_mode.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/fused_chain.h"
#include "mlx/backend/cpu/select_kernel.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/binary.h"
#include "mlx/primitives/compiled.h"
#include "mlx/primitives/convert.h"
#include "mlx/primitives/ternary.h"
#include "mlx/primitives/unary.h"

namespace mlx_core {

namespace cpu {
namespace {

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

// Where a strided input's elements [begin, begin + n) start, when they lie in
// one row of `shape` along which the input's stride is 0 or 1; else nullptr.
// The element of a strided input at `coords` (the output's multi-index).
const char* element_at(const InputPlan& p, const int64_t* coords, int nd) {
  int64_t src = 0;
  for (int d = 0; d < nd; ++d) src += coords[d] * p.strides[d];
  return p.ptr + src * int64_t(p.itemsize);
}

}  // namespace

// Bypasses the caches where the addresses allow (both 64-byte aligned, which
// blocks of dense outputs are).
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

namespace {
// What the fused kernel does with an op: the arithmetic kinds and the unary
// ops with a vector form may join a register run (scalar_steps.h), Select and
// AsType have loops of their own, the rest run their captured block loop.
enum class OpKind : int8_t {
  Add, Subtract, Multiply, Divide, Maximum, Minimum,  // binary
  Negative, Abs, Square, Sqrt, Exp, Erf, Sigmoid,  // unary
  Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual,  // comparisons (bool out)
  Select, AsType, Other
};

OpKind unary_kind(UnaryOp op) {
  switch (op) {
    case UnaryOp::Negative: return OpKind::Negative;
    case UnaryOp::Abs: return OpKind::Abs;
    case UnaryOp::Square: return OpKind::Square;
    case UnaryOp::Sqrt: return OpKind::Sqrt;
    case UnaryOp::Exp: return OpKind::Exp;
    case UnaryOp::Erf: return OpKind::Erf;
    case UnaryOp::Sigmoid: return OpKind::Sigmoid;
    default: return OpKind::Other;
  }
}

OpKind kind_of(const FusedOp& op) {
  if (op.kind < 0) {
    OpKind k = OpKind::Other;
    const Primitive* p = op.primitive.get();
    if (auto* b = dynamic_cast<const Binary*>(p)) {
      switch (b->op()) {
        case BinaryOp::Add: k = OpKind::Add; break;
        case BinaryOp::Subtract: k = OpKind::Subtract; break;
        case BinaryOp::Multiply: k = OpKind::Multiply; break;
        case BinaryOp::Divide: k = OpKind::Divide; break;
        case BinaryOp::Maximum: k = OpKind::Maximum; break;
        case BinaryOp::Minimum: k = OpKind::Minimum; break;
        case BinaryOp::Greater: k = OpKind::Greater; break;
        case BinaryOp::GreaterEqual: k = OpKind::GreaterEqual; break;
        case BinaryOp::Less: k = OpKind::Less; break;
        case BinaryOp::LessEqual: k = OpKind::LessEqual; break;
        case BinaryOp::Equal: k = OpKind::Equal; break;
        case BinaryOp::NotEqual: k = OpKind::NotEqual; break;
        default: break;
      }
    } else if (auto* u = dynamic_cast<const Unary*>(p)) {
      k = unary_kind(u->op());
    } else if (dynamic_cast<const Select*>(p)) {
      k = OpKind::Select;
    } else if (dynamic_cast<const AsType*>(p)) {
      k = OpKind::AsType;
    }
    op.kind = int8_t(k);
  }
  return OpKind(op.kind);
}
}  // namespace

ChainProgram::ChainProgram(const std::vector<FusedOp>& ops, const std::vector<array>& inputs,
                           const Shape& shape, const std::vector<int>& kept,
                           const std::vector<char*>& direct, const std::vector<char*>& streamed)
    : ops_(ops), shape_(shape), nin_(int(inputs.size())) {
  total_ = 1;
  for (auto d : shape) total_ *= d;
  const int nvalues = nin_ + int(ops.size());
  plans_.reserve(inputs.size());
  op_plans_.reserve(ops.size());
  for (auto& in : inputs) plans_.push_back(plan_input(in, shape));
  // Where each op writes: a caller's buffer, or a scratch slot reused once the
  // values it held are dead. Kept values without a buffer hold their slot to
  // the end of the block.
  std::vector<char*> direct_of(nvalues, nullptr);
  std::vector<bool> is_kept(nvalues, false);
  for (size_t k = 0; k < kept.size(); ++k) {
    is_kept[kept[k]] = true;
    if (direct[k] && !direct_of[kept[k]]) direct_of[kept[k]] = direct[k];
  }
  std::vector<int> last_use(nvalues, -1);
  for (size_t j = 0; j < ops.size(); ++j) {
    for (int a : ops[j].args) last_use[a] = int(j);
  }
  slot_of_.assign(nvalues, -1);
  std::vector<int> free_slots;
  for (int i = 0; i < nin_; ++i) {
    if (plans_[i].kind == InputPlan::Strided) slot_of_[i] = nslots_++;
  }
  for (size_t j = 0; j < ops.size(); ++j) {
    int v = nin_ + int(j);
    if (is_kept[v] && !direct_of[v]) {
      slot_of_[v] = nslots_++;
      last_use[v] = int(ops.size());
    } else if (!direct_of[v]) {
      if (free_slots.empty()) {
        slot_of_[v] = nslots_++;
      } else {
        slot_of_[v] = free_slots.back();
        free_slots.pop_back();
      }
    }
    for (int a : ops[j].args) {
      if (last_use[a] == int(j) && slot_of_[a] >= 0 && a >= nin_) {
        free_slots.push_back(slot_of_[a]);
        slot_of_[a] = -2 - slot_of_[a];  // freed (kept decodable for this op's reads)
      }
    }
  }
  for (auto& sl : slot_of_) {
    if (sl <= -2) sl = -2 - sl;
  }
  // Per op, decided once: how it runs and where it writes. The ops' own
  // kernels pick their loop from the dtypes of the stand-in arrays.
  for (size_t j = 0; j < ops.size(); ++j) {
    const FusedOp& op = ops[j];
    int v = nin_ + int(j);
    OpPlan plan{OpPlan::Kernel, op.primitive.get(), direct_of[v], slot_of_[v], op.dtype.size, op.dtype};
    OpKind kind = kind_of(op);
    if (kind == OpKind::Select) plan.kind = OpPlan::Where;
    if (kind == OpKind::AsType) plan.kind = OpPlan::Cast;
    for (int a : op.args) plan.from = a < nin_ ? inputs[a].dtype() : ops[a - nin_].dtype;
    op_plans_.push_back(std::move(plan));
  }
  // Scalar runs first: the ops they absorb need no kernel of their own.
  plan_scalar_runs(inputs, kept);
  // A run whose value only the caller reads writes it out itself, past the
  // caches: no store to scratch and no copy at the block's end.
  writes_streamed_.assign(kept.size(), false);
  for (size_t k = 0; k < streamed.size(); ++k) {
    int v = kept[k];
    auto read_by_an_op = [&] {
      for (auto& op : ops) {
        if (std::find(op.args.begin(), op.args.end(), v) != op.args.end()) return true;
      }
      return false;
    };
    if (!streamed[k] || v < nin_ || read_by_an_op()) continue;
    OpPlan& plan = op_plans_[size_t(v - nin_)];
    if (plan.kind != OpPlan::ScalarRun || plan.direct) continue;
    plan.direct = streamed[k];
    plan.stream = true;
    writes_streamed_[k] = true;
  }
  for (size_t j = 0; j < ops.size(); ++j) {
    OpPlan& plan = op_plans_[j];
    if (plan.kind == OpPlan::Kernel) capture_kernel(ops[j], inputs, plan);
    if (plan.kind == OpPlan::Cast) plan.convert = convert_run(plan.from, ops[j].dtype);
  }
}

bool ChainProgram::as_step(size_t j, const std::vector<array>& inputs, const std::vector<int>& uses,
                           int& through, int& operand, ScalarStep& step, int& folded) const {
  const FusedOp* op = &ops_[j];
  OpKind kind = kind_of(*op);
  auto dtype_of = [&](int a) { return a < nin_ ? inputs[a].dtype() : ops_[a - nin_].dtype; };
  folded = -1;
  if (kind == OpKind::AsType && op->dtype == float32 && through < 0) {
    // A float32 cast of a comparison (a mask: relu's gradient is g * (x > 0))
    // is one step on the comparison's operands; the comparison runs no kernel.
    // Its operands are read later than planned, so it must be the op just
    // before, or read only inputs (the slots of op values may be reused).
    int c = op->args[0] - nin_;
    if (c < 0 || dtype_of(op->args[0]) != bool_ || uses[op->args[0]] != 1 ||
        op_plans_[size_t(c)].kind != OpPlan::Kernel) {
      return false;
    }
    OpKind ck = kind_of(ops_[size_t(c)]);
    if (ck < OpKind::Greater || ck > OpKind::NotEqual) return false;
    bool reads_inputs_only = true;
    for (int a : ops_[size_t(c)].args) reads_inputs_only &= a < nin_;
    if (size_t(c) + 1 != j && !reads_inputs_only) return false;
    folded = c;
    op = &ops_[size_t(c)];
    kind = ck;
  } else if (kind > OpKind::Sigmoid || op->dtype != float32) {
    return false;
  }
  for (int a : op->args) {
    if (dtype_of(a) != float32) return false;
  }
  operand = -1;
  if (kind >= OpKind::Negative && kind <= OpKind::Sigmoid) {  // unary
    if (through >= 0 && op->args[0] != through) return false;
    through = op->args[0];
    static constexpr ScalarStep::Kind unary[] = {ScalarStep::Negative, ScalarStep::Abs, ScalarStep::Square,
                                                 ScalarStep::Sqrt,     ScalarStep::Exp, ScalarStep::Erf,
                                                 ScalarStep::Sigmoid};
    step.kind = unary[int(kind) - int(OpKind::Negative)];
    return true;
  }
  if (op->args.size() != 2) return false;
  auto one_value = [&](int a) { return a < nin_ && plans_[a].kind == InputPlan::Scalar; };
  int x = op->args[0], y = op->args[1];
  if (one_value(x) && one_value(y)) return false;
  if (x == y) {  // v * v (a variance's (x - mu) * (x - mu)) is v squared, the same product
    if (kind != OpKind::Multiply || (through >= 0 && x != through)) return false;
    through = x;
    step.kind = ScalarStep::Square;
    return true;
  }
  // Which operand the running value is: the one given, else the one that is
  // not a constant (the first if neither is).
  bool second = through >= 0 ? y == through && x != through : one_value(x);
  if (through >= 0 && !second && x != through) return false;
  through = second ? y : x;
  int other = second ? x : y;
  if (kind >= OpKind::Greater) {  // a comparison, with the operands swapped if need be
    using C = ScalarStep::Comparison;
    static constexpr C as_given[] = {C::Greater, C::GreaterEqual, C::Less, C::LessEqual, C::Equal, C::NotEqual};
    static constexpr C swapped[] = {C::Less, C::LessEqual, C::Greater, C::GreaterEqual, C::Equal, C::NotEqual};
    int k = int(kind) - int(OpKind::Greater);
    step.cmp = second ? swapped[k] : as_given[k];
    if (one_value(other)) {
      step.c = *reinterpret_cast<const float*>(plans_[other].ptr);
      step.kind = ScalarStep::CompareConstant;
    } else {
      operand = other;
      step.kind = ScalarStep::CompareArray;
    }
    return true;
  }
  int base;  // the step kinds for (v op c) and (c op v) follow in ScalarStep's order
  if (one_value(other)) {
    step.c = *reinterpret_cast<const float*>(plans_[other].ptr);
    base = ScalarStep::Add;
  } else {
    operand = other;
    base = ScalarStep::AddArray;
  }
  static constexpr int offset[] = {0, 1, 3, 4, 6, 8};  // Add, Subtract, Multiply, Divide, Maximum, Minimum
  int k = offset[int(kind)];
  // With the running value second (c - v, c / v, maximum(c, v)...), the next
  // kind: all but addition and multiplication depend on the order.
  if (second && kind != OpKind::Add && kind != OpKind::Multiply) ++k;
  step.kind = ScalarStep::Kind(base + k);
  return true;
}

void ChainProgram::plan_scalar_runs(const std::vector<array>& inputs, const std::vector<int>& kept) {
  // A value can be folded into the next op only if that op is its one reader.
  std::vector<int> uses(size_t(nin_) + ops_.size(), 0);
  for (auto& op : ops_) {
    for (int a : op.args) ++uses[a];
  }
  for (int k : kept) ++uses[k];
  for (size_t j = 0; j < ops_.size();) {
    int through = -1, operand, folded_op;
    ScalarStep step{};
    // A run starts at an op with a captured kernel, or at a cast of a comparison.
    bool may_start = op_plans_[j].kind == OpPlan::Kernel || op_plans_[j].kind == OpPlan::Cast;
    if (!may_start || !as_step(j, inputs, uses, through, operand, step, folded_op)) {
      ++j;
      continue;
    }
    const int run_input = through;
    std::vector<ScalarStep> steps{step};
    std::vector<OpPlan::RunOperandPlan> operands;
    std::vector<size_t> folded;  // ops computed inside other steps
    if (folded_op >= 0) folded.push_back(size_t(folded_op));
    // An operand that is an input with one constant step, read by nothing
    // else, is read as the input with the step applied.
    auto add_operand = [&](int o) {
      OpPlan::RunOperandPlan r{o, false, {}};
      int t = -1, w, f;
      ScalarStep own{};
      size_t k = size_t(o - nin_);
      if (o >= nin_ && uses[o] == 1 && op_plans_[k].kind == OpPlan::Kernel &&
          as_step(k, inputs, uses, t, w, own, f) && w < 0 && own.is_constant_step() && t < nin_) {
        r = {t, true, own};
        folded.push_back(k);
      }
      operands.push_back(r);
    };
    if (operand >= 0) add_operand(operand);
    size_t end = j + 1;  // the run is ops [j, end)
    for (; end < ops_.size(); ++end) {
      int v = nin_ + int(end) - 1;
      through = v;
      // Its one reader, or a reader that takes it twice (v * v).
      bool twice = ops_[end].args.size() == 2 && ops_[end].args[0] == v && ops_[end].args[1] == v;
      if (uses[v] != (twice ? 2 : 1) || op_plans_[end].kind != OpPlan::Kernel ||
          !as_step(end, inputs, uses, through, operand, step, folded_op) ||
          (operand >= 0 && operands.size() == size_t(kMaxRunOperands))) {
        break;
      }
      steps.push_back(step);
      if (operand >= 0) add_operand(operand);
    }
    if (steps.size() >= 2) {
      for (size_t k = j; k + 1 < end; ++k) op_plans_[k].kind = OpPlan::Skip;
      for (size_t k : folded) op_plans_[k].kind = OpPlan::Skip;
      OpPlan& last = op_plans_[end - 1];
      last.kind = OpPlan::ScalarRun;
      last.run_input = run_input;
      last.steps = std::move(steps);
      last.run_operands = std::move(operands);
    }
    j = end;
  }
}

namespace {
// An unevaluated array of a dtype: what a kernel reads of its arguments when it
// hands back its block loop. One per dtype, made once (eval runs under the GIL).
const array& stand_in(Dtype d) {
  static std::vector<std::pair<Dtype, array>> made = [] {
    std::vector<std::pair<Dtype, array>> v;
    v.reserve(32);  // more than the dtypes: references handed out stay valid
    return v;
  }();
  for (auto& [dtype, a] : made) {
    if (dtype == d) return a;
  }
  made.emplace_back(d, array(Shape{0}, d, nullptr, std::vector<array>{}));
  return made.back().second;
}
}  // namespace

void ChainProgram::capture_kernel(const FusedOp& op, const std::vector<array>& inputs, OpPlan& plan) const {
  // The first block's layout as far as it is known now: a one-value input
  // keeps its pointer for the whole call; the others are only "dense".
  BlockArgs args{};
  for (size_t k = 0; k < op.args.size() && k < 2; ++k) {
    int a = op.args[k];
    bool one_value = a < nin_ && plans_[a].kind == InputPlan::Scalar;
    args.in[k] = one_value ? plans_[a].ptr : nullptr;
    args.in_stride[k] = one_value ? 0 : 1;
  }
  args.capture = &plan.kernel;
  struct Restore {  // leave block mode even if the kernel throws
    BlockArgs* saved = block_args;
    ~Restore() { block_args = saved; }
  } restore;
  std::vector<array> meta_in, meta_out{stand_in(op.dtype)};
  for (int a : op.args) meta_in.push_back(stand_in(a < nin_ ? inputs[a].dtype() : ops_[a - nin_].dtype));
  block_args = &args;
  plan.primitive->eval_cpu(meta_in, meta_out);
  if (!plan.kernel) {
    throw std::runtime_error(std::string("[compile] ") + plan.primitive->name() + " cannot run in a fused kernel.");
  }
}

char* ChainProgram::scratch_base(ThreadScratch& t) const {
  // Kept per thread: a fresh buffer each call would be a fresh mmap (and page
  // faults) for every call.
  size_t need = size_t(std::max(nslots_, 1)) * kSlotStride + 8192;
  if (t.size < need) {
    t.data.reset(new char[need]);
    t.size = need;
  }
  t.ptr.resize(size_t(nin_) + ops_.size());
  t.stride.resize(size_t(nin_) + ops_.size());
  // Half a page off page alignment: big inputs and outputs start on pages, so
  // a block's loads and stores never sit a few bytes apart modulo 4 KiB (where
  // the core would see false store-to-load dependencies).
  return reinterpret_cast<char*>(((reinterpret_cast<uintptr_t>(t.data.get()) + 4095) & ~uintptr_t(4095)) +
                                 2048);
}

// Asks for a dense input's elements a few blocks ahead, from memory into L2,
// while this block is computed: the ops' passes over a block in cache leave
// the memory idle otherwise, and compute-heavy chains of block loops then run
// 10-15% slower. (Register runs too: a layer norm's output pass, one run,
// takes 13 ms without, 10.4 with, on 4096 x 4096 float32.)
static void prefetch_ahead(const InputPlan& p, int64_t begin, int64_t len, int64_t total, int64_t ahead) {
  int64_t start = begin + ahead;
  if (start >= total) return;
  size_t bytes = size_t(std::min<int64_t>(len, total - start)) * p.itemsize;
  const char* next = p.ptr + start * p.itemsize;
  for (size_t off = 0; off < bytes; off += 64) _mm_prefetch(next + off, _MM_HINT_T1);
}

void ChainProgram::run_block(int64_t begin, int64_t len, char* base, ThreadScratch& t) const {
  auto& ptr = t.ptr;
  auto& stride = t.stride;
  // Whether the block lies in one row of the output, and where it starts in
  // it: found once for all strided inputs (the divisions cost more than a
  // block of arithmetic on data in cache).
  const int nd = int(shape_.size());
  int64_t coords[16];
  bool in_one_row = false, coords_known = false;
  for (int i = 0; i < nin_; ++i) {
    const InputPlan& p = plans_[i];
    if (p.kind == InputPlan::Dense) {
      ptr[i] = p.ptr + begin * p.itemsize;
      stride[i] = 1;
      if (prefetch_ahead_) prefetch_ahead(p, begin, len, total_, prefetch_ahead_);
      continue;
    }
    if (p.kind == InputPlan::Scalar) {
      ptr[i] = p.ptr;
      stride[i] = 0;
      continue;
    }
    if (!coords_known && nd >= 1 && nd <= 16) {
      coords_known = true;
      int64_t rem = begin;
      for (int d = nd - 1; d > 0; --d) {
        int64_t q = rem / shape_[d];
        coords[d] = rem - q * shape_[d];
        rem = q;
      }
      coords[0] = rem;
      in_one_row = coords[nd - 1] + len <= shape_[nd - 1];
    }
    int64_t ls = p.strides[nd - 1];
    if (in_one_row && (ls == 0 || ls == 1)) {
      // Along the block's row the input is contiguous or one value (a layer
      // norm's weight, a row's mean): read it in place.
      ptr[i] = element_at(p, coords, nd);
      stride[i] = ls;
    } else {
      char* dst = base + size_t(slot_of_[i]) * kSlotStride;
      gather_block(p, shape_, begin, len, dst);
      ptr[i] = dst;
      stride[i] = 1;
    }
  }
  BlockArgs args{};
  for (size_t j = 0; j < ops_.size(); ++j) {
    const FusedOp& op = ops_[j];
    const OpPlan& plan = op_plans_[j];
    if (plan.kind == OpPlan::Skip) continue;
    int v = nin_ + int(j);
    char* out = plan.direct ? plan.direct + begin * plan.itemsize
                            : base + size_t(plan.slot) * kSlotStride;
    ptr[v] = out;
    stride[v] = 1;
    if (plan.kind == OpPlan::ScalarRun) {
      // Field by field: GCC built whole structs on the stack from two 8-byte
      // stores and read them back as one 16-byte load, which stalls on x86.
      auto set = [&](RunOperand& o, int a, const ScalarStep* step) {
        o.ptr = reinterpret_cast<const float*>(ptr[a]);
        o.stride = stride[a];
        o.step = step;
      };
      RunOperand operands[kMaxRunOperands], x;
      for (size_t k = 0; k < plan.run_operands.size(); ++k) {
        auto& r = plan.run_operands[k];
        set(operands[k], r.value, r.has_step ? &r.step : nullptr);
      }
      set(x, plan.run_input, nullptr);
      run_scalar_steps(x, reinterpret_cast<float*>(out), len, plan.steps.data(), int(plan.steps.size()),
                       operands, plan.stream);
    } else if (plan.kind == OpPlan::Where) {
      const bool* c = reinterpret_cast<const bool*>(ptr[op.args[0]]);
      int64_t sc = stride[op.args[0]], sx = stride[op.args[1]], sy = stride[op.args[2]];
      dispatch_bytes(plan.itemsize, "where", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* x = reinterpret_cast<const T*>(ptr[op.args[1]]);
        const T* y = reinterpret_cast<const T*>(ptr[op.args[2]]);
        T* o = reinterpret_cast<T*>(out);
        select_run(c, sc, x, sx, y, sy, o, 1, len);
      });
    } else if (plan.kind == OpPlan::Cast) {
      int a = op.args[0];
      plan.convert(ptr[a], stride[a], out, len);
    } else {
      for (size_t k = 0; k < op.args.size() && k < 2; ++k) {
        args.in[k] = ptr[op.args[k]];
        args.in_stride[k] = stride[op.args[k]];
      }
      args.out = out;
      args.n = len;
      plan.kernel->run(args);
    }
  }
}

}  // namespace cpu

void Compiled::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  using cpu::ChainProgram;
  using cpu::InputPlan;
  const Shape shape = outputs[0].shape();
  const int64_t n = int64_t(outputs[0].size());
  const int nin = int(inputs.size());
  if (n == 0) {
    for (auto& o : outputs) o.set_data(allocator::malloc(o.nbytes()));
    return;
  }
  std::vector<int> last_use(nin + ops_.size(), -1);
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
      bool dense = in.shape() == shape && in.flags().row_contiguous;
      if (donated[i] || !dense || last_use[i] > op || in.itemsize() != o.itemsize() ||
          !in.is_donatable()) {
        continue;
      }
      o.copy_shared_buffer(in);
      donated[i] = done = true;
    }
    if (!done) o.set_data(allocator::malloc(o.nbytes()));
  }
  // Large outputs are computed into scratch (later ops of the block read them
  // from cache) and streamed out at the block's end; others are written in place.
  bool streaming = true;
  for (auto& o : outputs) {
    streaming &= o.nbytes() >= cpu::kStreamingOutputBytes && o.flags().row_contiguous;
  }
  std::vector<char*> direct, streamed;
  for (auto& o : outputs) {
    direct.push_back(streaming ? nullptr : o.data<char>());
    if (streaming) streamed.push_back(o.data<char>());
  }
  ChainProgram program(ops_, inputs, shape, outputs_, direct, streamed);

  const int64_t nblocks = (n + cpu::kBlock - 1) / cpu::kBlock;
  size_t grain = std::max<size_t>(1, cpu::kStreamingGrain / cpu::kBlock);
  cpu::parallel_for_streaming(size_t(nblocks), grain, [&](size_t lo, size_t hi) {
    thread_local cpu::ThreadScratch scratch;
    char* base = program.scratch_base(scratch);
    for (size_t blk = lo; blk < hi; ++blk) {
      int64_t begin = int64_t(blk) * cpu::kBlock, len = std::min<int64_t>(cpu::kBlock, n - begin);
      program.run_block(begin, len, base, scratch);
      if (streaming) {
        for (size_t k = 0; k < outputs.size(); ++k) {
          if (program.writes_streamed(k)) continue;
          size_t item = outputs[k].itemsize();
          cpu::stream_block(scratch.ptr[outputs_[k]], outputs[k].data<char>() + begin * item,
                            size_t(len) * item);
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
