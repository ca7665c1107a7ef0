// The kernel of a row group (transforms/row_fusion.h): threads take chunks of
// rows, and each chunk goes through every stage in order before the next,
// so that what the stages read of it is still in L2. Each stage computes its
// rows exactly as its kernel does on the whole (the same chain program and,
// for a reduction, the same order of additions per row), so the values are
// those of the stages run one after another.
#include <immintrin.h>

#include <memory>

#include "mlx/allocator.h"
#include "mlx/backend/cpu/fused_chain.h"
#include "mlx/backend/cpu/fused_reduce.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/threading.h"
#include "mlx/primitives/compiled.h"
#include "mlx/transforms/row_fusion.h"

namespace mlx_core {

namespace {

// Bytes of one input row-chunk: with a few such inputs and outputs it stays in L2.
constexpr int64_t kChunkBytes = int64_t(128) << 10;

struct StageProgram {
  std::unique_ptr<cpu::ChainProgram> program;
  const FusedReduce* reduce = nullptr;  // else a Compiled chain
  int out_value = 0;                    // Compiled: the value it writes
  bool per_row = false;                 // one value per row, not the full shape
  bool streaming = false;               // its output is written past the caches
};

}  // namespace

void allocate_row_group(RowGroup& group) {
  for (auto& st : group.stages) st.node.set_data(allocator::malloc(st.node.nbytes()));
}

void run_row_group(RowGroup& group) {
  const int64_t rows = group.rows, n = group.row_length;
  std::vector<StageProgram> stages(group.stages.size());
  bool any_streaming = false;
  for (size_t s = 0; s < stages.size(); ++s) {
    RowStage& st = group.stages[s];
    StageProgram& sp = stages[s];
    if (auto* reduce = dynamic_cast<const FusedReduce*>(st.kernel.get())) {
      sp.reduce = reduce;
      int root = reduce->root(st.inputs.size());
      sp.program = std::make_unique<cpu::ChainProgram>(reduce->ops(), st.inputs, reduce->shape(),
                                                       std::vector<int>{root}, std::vector<char*>{nullptr});
      continue;
    }
    auto& chain = static_cast<const Compiled&>(*st.kernel);
    sp.out_value = chain.outputs()[0];
    // The planner takes a chain of the full shape or one of one value per row.
    sp.per_row = int64_t(st.node.size()) != rows * n;
    sp.streaming = !sp.per_row && st.node.nbytes() >= cpu::kStreamingOutputBytes;
    any_streaming |= sp.streaming;
    char* out = st.node.data<char>();
    sp.program = std::make_unique<cpu::ChainProgram>(
        chain.ops(), st.inputs, st.node.shape(), std::vector<int>{sp.out_value},
        std::vector<char*>{sp.streaming ? nullptr : out}, sp.streaming ? std::vector<char*>{out} : std::vector<char*>{});
  }

  int64_t chunk = std::max<int64_t>(1, kChunkBytes / (n * 4));
  // Stages after the first find their rows in cache: they ask for the
  // thread's next chunk instead (a thread walks consecutive chunks), so that
  // the memory is busy while they compute.
  for (size_t s = 1; s < stages.size(); ++s) stages[s].program->set_prefetch_ahead(chunk * n);
  int64_t nchunks = (rows + chunk - 1) / chunk;
  cpu::parallel_for_dynamic(size_t(nchunks), 1, [&](size_t lo, size_t hi) {
    thread_local cpu::ThreadScratch scratch;
    for (size_t c = lo; c < hi; ++c) {
      int64_t r0 = int64_t(c) * chunk, r1 = std::min(rows, r0 + chunk);
      for (size_t s = 0; s < stages.size(); ++s) {
        StageProgram& sp = stages[s];
        array& out = group.stages[s].node;
        char* base = sp.program->scratch_base(scratch);
        if (sp.reduce) {
          sp.reduce->reduce_rows(*sp.program, group.stages[s].inputs.size(), r0, r1, out, scratch, base);
        } else if (sp.per_row) {
          for (int64_t b = r0; b < r1; b += cpu::kBlock) {
            sp.program->run_block(b, std::min<int64_t>(cpu::kBlock, r1 - b), base, scratch);
          }
        } else {  // block by block within each row: a row's one-value inputs stay one value
          size_t item = out.itemsize();
          for (int64_t r = r0; r < r1; ++r) {
            for (int64_t off = 0; off < n; off += cpu::kBlock) {
              int64_t begin = r * n + off, len = std::min<int64_t>(cpu::kBlock, n - off);
              sp.program->run_block(begin, len, base, scratch);
              if (sp.streaming && !sp.program->writes_streamed(0)) {
                cpu::stream_block(scratch.ptr[size_t(sp.out_value)], out.data<char>() + begin * item,
                                  size_t(len) * item);
              }
            }
          }
        }
      }
    }
    if (any_streaming) _mm_sfence();  // the stores are visible before the caller reads
  });
}

}  // namespace mlx_core
