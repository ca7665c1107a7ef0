#include "mlx/io/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>

#include "mlx/backend/cpu/threading.h"

#include "mlx/ops/convert.h"
#include "mlx/transforms/eval.h"

namespace mlx_core::io {

namespace {

// Below this a copy is cheaper than a mapping (a syscall, a page fault per page).
constexpr size_t kMapThreshold = size_t(1) << 16;
// Large reads are split into pieces read by the thread pool: the copies out of
// the page cache and the page faults on the fresh buffer then run on every core.
constexpr size_t kParallelRead = size_t(16) << 20;
constexpr size_t kReadPiece = size_t(4) << 20;
// One read/write call moves at most this much (Linux caps single calls near 2 GiB).
constexpr size_t kChunk = size_t(1) << 30;

std::string errno_text() { return std::strerror(errno); }

template <size_t N>
void swap_bytes(char* p, size_t count) {
  for (size_t i = 0; i < count; ++i, p += N) std::reverse(p, p + N);
}

}  // namespace

std::shared_ptr<Data> Reader::map(uint64_t, size_t, void**) { return nullptr; }

void Reader::fail(const char* op, const std::string& what) const {
  // Names from a hostile file may hold control bytes (a NUL would cut the
  // message short): show them escaped.
  std::string shown;
  for (char c : what) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* hex = "0123456789abcdef";
      shown += "\\x";
      shown += hex[u >> 4];
      shown += hex[u & 15];
    } else {
      shown += c;
    }
  }
  throw std::runtime_error(std::string("[") + op + "] " + shown + " in file " + label_ + ".");
}

void Reader::check_range(const char* op, uint64_t offset, uint64_t n,
                         const std::string& what) const {
  uint64_t total = size();
  if (offset > total || n > total - offset) {
    fail(op, what + " (bytes " + std::to_string(offset) + " to " + std::to_string(offset) +
                 " + " + std::to_string(n) + ") extends past the end of the file (" +
                 std::to_string(total) + " bytes)");
  }
}

FileReader::FileReader(const std::string& path) : Reader(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("[load] Failed to open file " + path + ": " + errno_text());
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("[load] " + path + " is not a regular file.");
  }
  size_ = uint64_t(st.st_size);
}

FileReader::FileReader(int fd, std::string label) : Reader(std::move(label)), fd_(fd) {
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("[load] " + this->label() + " is not a regular file.");
  }
  size_ = uint64_t(st.st_size);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::read(uint64_t offset, void* dst, size_t n) {
  check_range("load", offset, n, "A read");
  char* out = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd_, out, std::min(n, kChunk), off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("load", got < 0 ? "Read error: " + errno_text() : "Unexpected end of data");
    out += got;
    offset += uint64_t(got);
    n -= size_t(got);
  }
}

std::shared_ptr<Data> FileReader::map(uint64_t offset, size_t n, void** ptr) {
  check_range("load", offset, n, "A tensor");
  static const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  uint64_t start = offset / page * page;
  size_t length = size_t(offset - start) + n;
  // Private and writable: kernels may write into (donate) the buffer, and
  // those writes never reach the file.
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, off_t(start));
  if (p == MAP_FAILED) return nullptr;  // the caller reads instead
  ::madvise(p, length, MADV_WILLNEED);  // start read-ahead now; pages fault in lazily
  *ptr = static_cast<char*>(p) + (offset - start);
  allocator::Buffer b{p, length, 0};
  return std::make_shared<Data>(b, [](allocator::Buffer m) { ::munmap(m.ptr, m.size); });
}

FileWriter::FileWriter(const std::string& path) : Writer(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) throw std::runtime_error("[save] Failed to open file " + path + ": " + errno_text());
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWriter::write(const void* src, size_t n) {
  const char* p = static_cast<const char*>(src);
  while (n > 0) {
    ssize_t put = ::write(fd_, p, std::min(n, kChunk));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      throw std::runtime_error("[save] Write error in file " + label() + ": " + errno_text());
    }
    p += put;
    n -= size_t(put);
  }
}

WindowReader::WindowReader(Reader& base, uint64_t start, uint64_t length)
    : Reader(base.label()), base_(base), start_(start), length_(length) {
  base.check_range("load", start, length, "An archive member");
}

void WindowReader::note_end(uint64_t end) {
  uint64_t seen = high_water_.load();
  while (end > seen && !high_water_.compare_exchange_weak(seen, end)) {
  }
}

void WindowReader::read(uint64_t offset, void* dst, size_t n) {
  check_range("load", offset, n, "A read");
  base_.read(start_ + offset, dst, n);
  note_end(offset + n);
}

std::shared_ptr<Data> WindowReader::map(uint64_t offset, size_t n, void** ptr) {
  check_range("load", offset, n, "A tensor");
  auto data = base_.map(start_ + offset, n, ptr);
  if (data) note_end(offset + n);
  return data;
}

array read_array(Reader& in, uint64_t offset, const Shape& shape, Dtype dtype,
                 const Strides& strides, bool byteswap) {
  size_t nbytes = shape_size(shape, "load") * dtype.size;
  in.check_range("load", offset, nbytes, "Tensor data");
  if (!byteswap && nbytes >= kMapThreshold && offset % dtype.size == 0) {
    void* ptr = nullptr;
    if (auto data = in.map(offset, nbytes, &ptr)) {
      return array(std::move(data), ptr, shape, dtype, strides);
    }
  }
  auto buffer = allocator::malloc(nbytes);
  try {
    if (nbytes >= kParallelRead && in.reads_in_parallel()) {
      char* dst = static_cast<char*>(buffer.ptr);
      std::exception_ptr error;
      std::mutex error_mutex;
      size_t pieces = (nbytes + kReadPiece - 1) / kReadPiece;
      cpu::parallel_for(pieces, 1, [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          size_t at = i * kReadPiece;
          try {
            in.read(offset + at, dst + at, std::min(kReadPiece, nbytes - at));
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
          }
        }
      });
      if (error) std::rethrow_exception(error);
    } else if (nbytes) {
      in.read(offset, buffer.ptr, nbytes);
    }
  } catch (...) {
    allocator::free(buffer);
    throw;
  }
  if (byteswap) {
    char* p = static_cast<char*>(buffer.ptr);
    size_t count = nbytes / dtype.size;
    // complex64 swaps each float of the pair
    switch (dtype == complex64 ? 4 : dtype.size) {
      case 2: swap_bytes<2>(p, nbytes / 2); break;
      case 4: swap_bytes<4>(p, nbytes / 4); break;
      case 8: swap_bytes<8>(p, count); break;
      default: break;
    }
  }
  return array(std::make_shared<Data>(buffer), buffer.ptr, shape, dtype, strides);
}

void write_array(Writer& out, array a, bool fortran) {
  a.eval();
  bool matches = fortran ? a.flags().col_contiguous : a.flags().row_contiguous;
  if (!matches || a.data_size() != a.size()) {
    if (fortran) throw std::logic_error("[save] Array is not in Fortran order.");
    // Only row order needs a copy: callers ask for Fortran order when the
    // array already has it.
    a = contiguous(a);
    a.eval();
  }
  if (a.nbytes()) out.write(a.data<void>(), a.nbytes());
}

}  // namespace mlx_core::io
