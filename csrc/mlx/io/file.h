// Byte sources and sinks for the file formats (npy, safetensors, gguf):
// files by path (pread, private memory maps) and, in the bindings, Python
// file objects. Every read is bounds-checked against the file's size, so a
// header that lies about offsets fails before anything is allocated for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "mlx/array.h"

namespace mlx_core::io {

class Reader {
 public:
  explicit Reader(std::string label) : label_(std::move(label)) {}
  virtual ~Reader() = default;
  // The file's name, for error messages.
  const std::string& label() const { return label_; }
  virtual uint64_t size() const = 0;
  // Copies n bytes at `offset` into dst; throws when the file ends first.
  virtual void read(uint64_t offset, void* dst, size_t n) = 0;
  // Memory holding bytes [offset, offset + n) of the file without copying
  // them (a private, copy-on-write map), or null when this source cannot map.
  virtual std::shared_ptr<Data> map(uint64_t offset, size_t n, void** ptr);
  // Whether read() may be called from several threads at once.
  virtual bool reads_in_parallel() const { return false; }
  // Throws std::runtime_error "[op] what in file <label>".
  [[noreturn]] void fail(const char* op, const std::string& what) const;
  // Fails unless [offset, offset + n) lies inside the file.
  void check_range(const char* op, uint64_t offset, uint64_t n, const std::string& what) const;

 private:
  std::string label_;
};

class Writer {
 public:
  explicit Writer(std::string label) : label_(std::move(label)) {}
  virtual ~Writer() = default;
  const std::string& label() const { return label_; }
  virtual void write(const void* src, size_t n) = 0;

 private:
  std::string label_;
};

class FileReader : public Reader {
 public:
  explicit FileReader(const std::string& path);
  // Reads an open descriptor (which it then owns) of a regular file.
  FileReader(int fd, std::string label);
  ~FileReader() override;
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* dst, size_t n) override;
  std::shared_ptr<Data> map(uint64_t offset, size_t n, void** ptr) override;
  bool reads_in_parallel() const override { return true; }  // pread has no shared offset

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

class FileWriter : public Writer {
 public:
  explicit FileWriter(const std::string& path);
  ~FileWriter() override;
  void write(const void* src, size_t n) override;

 private:
  int fd_ = -1;
};

// A window [start, start + length) of another reader, seen as a whole file
// (an npy member stored uncompressed inside an npz archive).
class WindowReader : public Reader {
 public:
  WindowReader(Reader& base, uint64_t start, uint64_t length);
  uint64_t size() const override { return length_; }
  // One past the last byte read or mapped so far (where a stream's position goes after).
  uint64_t high_water() const { return high_water_.load(); }
  void read(uint64_t offset, void* dst, size_t n) override;
  std::shared_ptr<Data> map(uint64_t offset, size_t n, void** ptr) override;
  bool reads_in_parallel() const override { return base_.reads_in_parallel(); }

 private:
  void note_end(uint64_t end);
  Reader& base_;
  uint64_t start_, length_;
  std::atomic<uint64_t> high_water_{0};
};

// An evaluated array of `shape`/`dtype` from `nbytes` bytes at `offset`, laid
// out with `strides` (elements). Large, aligned, native-order data is mapped
// (no copy); the rest is read into a fresh buffer and byte-swapped if asked.
array read_array(Reader& in, uint64_t offset, const Shape& shape, Dtype dtype,
                 const Strides& strides, bool byteswap = false);

// Writes an evaluated array's elements in row-major order (or column-major
// when `fortran`), straight from its memory when the layout already matches.
void write_array(Writer& out, array a, bool fortran = false);

}  // namespace mlx_core::io
