// Non-temporal stores for outputs far larger than the caches. A normal store
// first reads the line it overwrites (read for ownership): for `y = f(x)` that
// is a third of the memory traffic. Kernels compute a chunk into an L1 buffer
// and stream it out instead.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mlx_core::cpu {

// Outputs of at least this many bytes are streamed (the last-level cache is
// tens of MiB at most here; smaller outputs are likely read again soon).
constexpr size_t kStreamingOutputBytes = size_t(8) << 20;

// Copies a block to memory with non-temporal stores where both sides are
// aligned (else memcpy); the writer issues _mm_sfence() before others read.
void stream_block(const char* src, char* dst, size_t bytes);

// Writes dst[b, e) as fill(i, n, out) computes elements [i, i + n) into out:
// straight into dst, or when `stream` through an aligned buffer and
// stream_block. Up to dst's first 64-byte boundary is written directly.
template <typename Out, typename Fill>
void write_dense(Out* dst, size_t b, size_t e, bool stream, Fill&& fill) {
  if (!stream) {
    fill(b, e - b, dst + b);
    return;
  }
  constexpr size_t kChunk = 8192 / sizeof(Out);
  alignas(64) unsigned char raw[8192];  // raw bytes: no constructors per call
  Out* buf = reinterpret_cast<Out*>(raw);
  size_t head = ((64 - (reinterpret_cast<uintptr_t>(dst + b) & 63)) & 63) / sizeof(Out);
  size_t i = b + std::min(head, e - b);
  if (i > b) fill(b, i - b, dst + b);
  for (; i < e; i += kChunk) {
    size_t n = std::min(kChunk, e - i);
    fill(i, n, buf);
    stream_block(reinterpret_cast<const char*>(buf), reinterpret_cast<char*>(dst + i), n * sizeof(Out));
  }
  _mm_sfence();
}

}  // namespace mlx_core::cpu
