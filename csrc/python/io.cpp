// Saving and loading (npy, safetensors, gguf; npz is assembled in
// mlx_core/_io.py from npy members) and DLPack import. The public functions
// with MLX's signatures live in mlx_core/_io.py; these are their engines.
// A file is a path (str) or a Python file object opened in binary mode.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include "mlx/io/io.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

constexpr size_t kPyChunk = size_t(64) << 20;  // bounds the copies a file object makes

std::string file_label(nb::handle file) {
  if (nb::hasattr(file, "name")) {
    nb::object name = file.attr("name");
    if (nb::isinstance<nb::str>(name)) return nb::cast<std::string>(name);
  }
  return "<" + std::string(nb::type_name(file.type()).c_str()) + ">";
}

// A Python file object read at offsets relative to its position on entry.
class PyReader : public io::Reader {
 public:
  PyReader(nb::object file, std::optional<uint64_t> length)
      : io::Reader(file_label(file)), file_(std::move(file)) {
    base_ = nb::cast<uint64_t>(file_.attr("tell")());
    if (length) {
      size_ = *length;
    } else {
      uint64_t end = nb::cast<uint64_t>(file_.attr("seek")(0, 2));
      size_ = end >= base_ ? end - base_ : 0;
      file_.attr("seek")(base_);
    }
    pos_ = base_;
    has_readinto_ = nb::hasattr(file_, "readinto");
  }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* dst, size_t n) override {
    check_range("load", offset, n, "A read");
    nb::gil_scoped_acquire gil;
    if (base_ + offset != pos_) {
      file_.attr("seek")(base_ + offset);
      pos_ = base_ + offset;
    }
    char* out = static_cast<char*>(dst);
    while (n > 0) {
      size_t want = std::min(n, kPyChunk);
      size_t got = 0;
      if (has_readinto_) {
        // Straight into the destination: no intermediate bytes object.
        nb::object view = nb::steal(PyMemoryView_FromMemory(out, Py_ssize_t(want), PyBUF_WRITE));
        if (!view.is_valid()) throw nb::python_error();
        nb::object r = file_.attr("readinto")(view);
        got = r.is_none() ? 0 : nb::cast<size_t>(r);
      } else {
        nb::object r = file_.attr("read")(want);
        if (!PyBytes_Check(r.ptr())) fail("load", "The file object's read() did not return bytes");
        got = size_t(PyBytes_GET_SIZE(r.ptr()));
        std::memcpy(out, PyBytes_AS_STRING(r.ptr()), std::min(got, want));
      }
      if (got == 0 || got > want) fail("load", "Unexpected end of data");
      out += got;
      n -= got;
      pos_ += got;
    }
  }

 private:
  nb::object file_;
  uint64_t base_ = 0, size_ = 0, pos_ = 0;
  bool has_readinto_ = false;
};

class PyWriter : public io::Writer {
 public:
  explicit PyWriter(nb::object file) : io::Writer(file_label(file)), file_(std::move(file)) {}
  void write(const void* src, size_t n) override {
    nb::gil_scoped_acquire gil;
    const char* p = static_cast<const char*>(src);
    while (n > 0) {
      size_t part = std::min(n, kPyChunk);
      // A read-only view of the array's memory: no copy on our side.
      nb::object view = nb::steal(PyMemoryView_FromMemory(const_cast<char*>(p), Py_ssize_t(part), PyBUF_READ));
      if (!view.is_valid()) throw nb::python_error();
      nb::object r = file_.attr("write")(view);
      size_t put = r.is_none() ? part : nb::cast<size_t>(r);
      if (put == 0 || put > part) throw std::runtime_error("[save] The file object's write() failed.");
      p += put;
      n -= put;
    }
  }

 private:
  nb::object file_;
};

// A duplicate of the descriptor of an io.FileIO / BufferedReader / BufferedRandom
// on a regular file, or -1. Other objects with fileno() (GzipFile, say) may not
// read the bytes their descriptor holds.
int plain_file_descriptor(nb::handle file) {
  nb::module_ pyio = nb::module_::import_("io");
  nb::handle type = file.type();
  if (!type.is(pyio.attr("FileIO")) && !type.is(pyio.attr("BufferedReader")) &&
      !type.is(pyio.attr("BufferedRandom"))) {
    return -1;
  }
  int fd = -1;
  try {
    fd = nb::cast<int>(file.attr("fileno")());
  } catch (const nb::python_error&) {
    return -1;
  }
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

// Runs `fn` on a reader for `file` (a str path or a file object), with the
// GIL released for path reads.
template <typename F>
auto with_reader(nb::handle file, std::optional<uint64_t> length, F&& fn, uint64_t offset = 0) {
  if (nb::isinstance<nb::str>(file)) {
    io::FileReader reader(nb::cast<std::string>(file));
    nb::gil_scoped_release release;
    if (length) {
      io::WindowReader window(reader, offset, *length);
      return fn(static_cast<io::Reader&>(window));
    }
    return fn(static_cast<io::Reader&>(reader));
  }
  // A plain binary file object: read (and map) its descriptor directly, from
  // its current position, then leave the position after what the load used.
  if (int fd = plain_file_descriptor(file); fd >= 0) {
    uint64_t base = nb::cast<uint64_t>(file.attr("tell")());
    io::FileReader reader(fd, file_label(file));
    uint64_t size = length ? *length : (reader.size() > base ? reader.size() - base : 0);
    io::WindowReader window(reader, base, size);
    auto result = [&] {
      nb::gil_scoped_release release;
      return fn(static_cast<io::Reader&>(window));
    }();
    file.attr("seek")(base + window.high_water());
    return result;
  }
  PyReader reader(nb::borrow(file), length);
  return fn(static_cast<io::Reader&>(reader));
}

template <typename F>
void with_writer(nb::handle file, F&& fn) {
  if (nb::isinstance<nb::str>(file)) {
    io::FileWriter writer(nb::cast<std::string>(file));
    nb::gil_scoped_release release;
    fn(static_cast<io::Writer&>(writer));
    return;
  }
  PyWriter writer(nb::borrow(file));
  fn(static_cast<io::Writer&>(writer));
}

nb::dict to_dict(const io::NamedArrays& arrays) {
  nb::dict d;
  for (auto& [name, a] : arrays) d[nb::str(name.c_str(), name.size())] = nb::cast(a);
  return d;
}

// A DLPack dtype to ours, or nullopt.
std::optional<Dtype> from_dlpack_dtype(nb::dlpack::dtype t) {
  using C = nb::dlpack::dtype_code;
  if (t.lanes != 1) return std::nullopt;
  auto code = C(t.code);
  switch (t.bits) {
    case 8:
      if (code == C::Bool) return bool_;
      if (code == C::UInt) return uint8;
      if (code == C::Int) return int8;
      break;
    case 16:
      if (code == C::UInt) return uint16;
      if (code == C::Int) return int16;
      if (code == C::Float) return float16;
      if (code == C::Bfloat) return bfloat16;
      break;
    case 32:
      if (code == C::UInt) return uint32;
      if (code == C::Int) return int32;
      if (code == C::Float) return float32;
      break;
    case 64:
      if (code == C::UInt) return uint64;
      if (code == C::Int) return int64;
      if (code == C::Float) return float64;
      if (code == C::Complex) return complex64;
      break;
    default: break;
  }
  return std::nullopt;
}

}  // namespace

// Imports anything DLPack-capable (or with the buffer protocol) on the CPU.
// copy=None shares memory when the dtype needs no conversion, copy=False
// insists on sharing, copy=True always copies. float64 becomes float32 and
// complex128 complex64, as MLX's array constructor does.
array dlpack_to_array(nb::handle obj, std::optional<bool> copy) {
  nb::ndarray<nb::device::cpu> t;
  try {
    t = nb::cast<nb::ndarray<nb::device::cpu>>(obj);
  } catch (const nb::cast_error&) {
    throw nb::type_error(("[from_dlpack] Cannot import an object of type " +
                          std::string(nb::type_name(obj.type()).c_str()) +
                          " through DLPack: it must be a CPU tensor of a supported dtype.").c_str());
  }
  Shape shape;
  Strides strides;
  for (size_t i = 0; i < t.ndim(); ++i) {
    if (t.shape(i) > size_t(INT32_MAX)) throw std::invalid_argument("[from_dlpack] Dimension too large.");
    shape.push_back(int32_t(t.shape(i)));
    if (t.stride(i) < 0 && t.size() > 0) {
      throw std::invalid_argument("Cannot convert DLPack arrays with negative strides to mlx array.");
    }
    strides.push_back(t.stride(i));
  }
  std::optional<Dtype> dtype = from_dlpack_dtype(t.dtype());
  bool complex128 = t.dtype() == nb::dtype<std::complex<double>>();
  if (!dtype && !complex128) throw std::invalid_argument("[from_dlpack] Unsupported DLPack dtype.");
  Dtype target = complex128 ? complex64 : *dtype == float64 ? float32 : *dtype;
  bool convert = complex128 || *dtype != target;
  if (copy && !*copy && convert) {
    throw std::invalid_argument("[from_dlpack] Cannot import without a copy: the dtype must be converted.");
  }
  Dtype stored = complex128 ? complex64 : *dtype;
  if (complex128) {
    // No complex128 dtype here: let NumPy narrow it.
    nb::object np = nb::module_::import_("numpy");
    return dlpack_to_array(np.attr("asarray")(obj, "complex64"), std::nullopt);
  }
  // Share: the view keeps the producer's tensor alive until the last array goes.
  auto* keep = new nb::ndarray<nb::device::cpu>(t);
  allocator::Buffer b{t.data(), t.nbytes(), 0};
  auto data = std::make_shared<Data>(b, [keep](allocator::Buffer) {
    if (!Py_IsInitialized()) return;  // at exit: leave it to the OS
    nb::gil_scoped_acquire gil;
    delete keep;
  });
  array shared(std::move(data), t.data(), shape, stored, strides);
  if (convert) return astype(shared, target);
  if (copy && *copy) {
    array c = contiguous(shared);
    c.eval();
    if (c.data_shared_ptr() != shared.data_shared_ptr()) return c;
    array fresh(allocator::malloc(c.nbytes()), shape, stored);
    if (c.nbytes()) std::memcpy(fresh.data<void>(), c.data<void>(), c.nbytes());
    return fresh;
  }
  return shared;
}

void init_io(nb::module_& m) {
  m.def("_save_npy", [](nb::handle file, const array& a) {
    with_writer(file, [&](io::Writer& w) { io::save_npy(w, a); });
  }, "file"_a, "arr"_a);
  // offset/length: a window of a file on disk (an uncompressed npz member);
  // for a file object, length is its size when it cannot seek to the end.
  m.def("_load_npy", [](nb::handle file, uint64_t offset, std::optional<uint64_t> length) {
    return with_reader(file, length, [](io::Reader& r) { return io::load_npy(r); }, offset);
  }, "file"_a, "offset"_a = 0, "length"_a = nb::none());
  m.def("_save_safetensors", [](nb::handle file, const io::NamedArrays& arrays,
                                const io::StringMap& metadata) {
    with_writer(file, [&](io::Writer& w) { io::save_safetensors(w, arrays, metadata); });
  }, "file"_a, "arrays"_a, "metadata"_a);
  m.def("_load_safetensors", [](nb::handle file) {
    auto st = with_reader(file, std::nullopt, [](io::Reader& r) { return io::load_safetensors(r); });
    nb::dict md;
    for (auto& [k, v] : st.metadata) md[nb::str(k.c_str(), k.size())] = nb::str(v.c_str(), v.size());
    return nb::make_tuple(to_dict(st.arrays), md);
  }, "file"_a);
  m.def("_save_gguf", [](const std::string& path, const io::NamedArrays& arrays,
                         const std::vector<std::pair<std::string, io::GGUFValue>>& metadata) {
    with_writer(nb::str(path.c_str()), [&](io::Writer& w) { io::save_gguf(w, arrays, metadata); });
  }, "file"_a, "arrays"_a, "metadata"_a);
  m.def("_load_gguf", [](const std::string& path) {
    auto g = with_reader(nb::str(path.c_str()), std::nullopt, [](io::Reader& r) { return io::load_gguf(r); });
    nb::dict md;
    for (auto& [k, v] : g.metadata) {
      nb::str key(k.c_str(), k.size());
      if (auto* a = std::get_if<array>(&v)) {
        md[key] = nb::cast(*a);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        md[key] = nb::str(s->c_str(), s->size());
      } else {
        nb::list l;
        for (auto& s : std::get<std::vector<std::string>>(v)) l.append(nb::str(s.c_str(), s.size()));
        md[key] = l;
      }
    }
    return nb::make_tuple(to_dict(g.arrays), md);
  }, "file"_a);
  m.def("from_dlpack", [](nb::handle x, std::optional<bool> copy) { return dlpack_to_array(x, copy); },
        "x"_a, nb::kw_only(), "copy"_a = nb::none(),
        nb::sig("def from_dlpack(x: DLPackCompatible, /, *, copy: bool | None = None) -> array"),
        R"(Create an array from an object that supports DLPack (or the buffer protocol).

Args:
    x: Input object implementing ``__dlpack__`` and ``__dlpack_device__``.
    copy (bool, optional): ``True`` always copies, ``False`` never copies (raising if the
      dtype must change), ``None`` shares memory when possible and copies otherwise.

Returns:
    array: An array containing the input data.)");
}
