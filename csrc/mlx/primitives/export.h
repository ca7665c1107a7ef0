// FileConstant: a constant of an imported function, read from its .mlxfn file
// the first time it is evaluated (as MLX's import, which reads no constant up
// front). The import checked that the bytes lie inside the file; the node keeps
// the file open. Internal: only import_function builds it.
#pragma once

#include <memory>

#include "mlx/primitive.h"

namespace mlx_core {

// An open file descriptor, closed with its last user.
struct OpenFile {
  int fd;
  explicit OpenFile(int f) : fd(f) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
};

class FileConstant : public UnaryPrimitive {
 public:
  FileConstant(Stream s, std::shared_ptr<OpenFile> file, uint64_t offset)
      : UnaryPrimitive(s), file_(std::move(file)), offset_(offset) {}
  // Reads the bytes; raises std::runtime_error if the file has shrunk since the import.
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  // no vjp, jvp, vmap: it has no inputs (constants are never differentiated or batched)
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const FileConstant*>(&other);
    return o && o->file_ == file_ && o->offset_ == offset_;
  }
  const char* name() const override { return "FileConstant"; }

 private:
  std::shared_ptr<OpenFile> file_;
  uint64_t offset_;
};

}  // namespace mlx_core
