// FileConstant::eval_cpu: the constant's bytes straight from the file.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "mlx/allocator.h"
#include "mlx/primitives/export.h"

namespace mlx_core {

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

void FileConstant::eval_cpu(const std::vector<array>&, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  char* dst = out.data<char>();
  size_t n = out.nbytes();
  uint64_t offset = offset_;
  while (n > 0) {
    ssize_t got = ::pread(file_->fd, dst, std::min<size_t>(n, size_t(1) << 30), off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      // MLX's words (its import reads constants lazily too).
      throw std::runtime_error("[read] Unable to read from file.");
    }
    dst += got;
    offset += uint64_t(got);
    n -= size_t(got);
  }
}

}  // namespace mlx_core
