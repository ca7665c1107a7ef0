#include "python/convert.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include <complex>
#include <cstring>
#include <limits>

#include "mlx/backend/cpu/convert.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/ops/shape_util.h"
#include "mlx/transforms/compile.h"
#include "mlx/transforms/eval.h"

namespace {

enum class Kind { Bool, Int, Float, Complex };

bool is_bool(nb::handle h) { return PyBool_Check(h.ptr()); }
bool is_int(nb::handle h) { return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()); }
bool is_float(nb::handle h) { return PyFloat_Check(h.ptr()); }
bool is_complex_scalar(nb::handle h) { return PyComplex_Check(h.ptr()); }

// Flattened nested-list contents.
struct ListData {
  Shape shape;  // expected shape, read from the first element at every level
  std::vector<std::complex<double>> values;
  std::vector<int64_t> ints;      // exact ints (doubles lose int64 precision)
  std::vector<uint8_t> is_exact;  // the value is an integer (or bool)
  bool has_scalar = false;        // a Python scalar, as opposed to an array, was seen
  Kind scalar_kind = Kind::Bool;
  bool int_overflows_int32 = false;
  std::optional<Dtype> array_dtype;  // promoted dtype of the arrays inside
};

bool is_sequence(nb::handle h) { return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()); }

// MLX fixes the shape from the first element of each level, then checks the rest.
Shape expected_shape(nb::handle obj) {
  Shape shape;
  nb::handle cur = obj;
  while (is_sequence(cur)) {
    Py_ssize_t n = PySequence_Size(cur.ptr());
    shape.push_back(int32_t(n));
    if (n == 0) return shape;
    cur = PySequence_Fast_GET_ITEM(cur.ptr(), 0);
  }
  if (nb::isinstance<array>(cur)) {
    const Shape& s = nb::cast<const array&>(cur).shape();
    shape.insert(shape.end(), s.begin(), s.end());
  }
  return shape;
}

[[noreturn]] void throw_invalid_type(nb::handle obj) {
  std::string type_name = nb::type_name(obj.type()).c_str();
  throw std::invalid_argument("Invalid type " + type_name + " received in array initialization.");
}

[[noreturn]] void throw_non_uniform() {
  throw std::invalid_argument("Initialization encountered non-uniform length.");
}

// Appends one Python scalar; `from_array` values don't take part in dtype inference.
void push_scalar(nb::handle obj, ListData& d, bool from_array) {
  Kind kind;
  if (is_bool(obj)) {
    bool v = obj.ptr() == Py_True;
    d.values.emplace_back(v ? 1.0 : 0.0);
    d.ints.push_back(v);
    d.is_exact.push_back(1);
    kind = Kind::Bool;
  } else if (is_int(obj)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    // MLX 0.32.4 raises std::bad_cast (RuntimeError) for ints outside int64.
    if (overflow) {
      throw std::runtime_error(msg("Integer ", nb::cast<std::string>(nb::str(obj)),
                                   " does not fit in int64."));
    }
    if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()) {
      if (!from_array) d.int_overflows_int32 = true;
    }
    d.values.emplace_back(double(v));
    d.ints.push_back(v);
    d.is_exact.push_back(1);
    kind = Kind::Int;
  } else if (is_float(obj)) {
    double v = PyFloat_AsDouble(obj.ptr());
    d.values.emplace_back(v);
    d.ints.push_back(0);
    d.is_exact.push_back(0);
    kind = Kind::Float;
  } else if (is_complex_scalar(obj)) {
    Py_complex c = PyComplex_AsCComplex(obj.ptr());
    d.values.emplace_back(c.real, c.imag);
    d.ints.push_back(0);
    d.is_exact.push_back(0);
    kind = Kind::Complex;
  } else {
    throw_invalid_type(obj);
  }
  if (!from_array) {
    d.has_scalar = true;
    d.scalar_kind = std::max(d.scalar_kind, kind);
  }
}

void push_array_values(nb::handle values, ListData& d) {
  if (PyList_Check(values.ptr())) {
    for (auto h : nb::borrow<nb::list>(values)) push_array_values(h, d);
  } else {
    push_scalar(values, d, true);
  }
}

void walk_list(nb::handle obj, size_t depth, ListData& d) {
  if (is_sequence(obj)) {
    if (depth >= d.shape.size()) {
      throw std::invalid_argument("Initialization encountered extra dimension.");
    }
    Py_ssize_t n = PySequence_Size(obj.ptr());
    if (n != d.shape[depth]) throw_non_uniform();
    for (Py_ssize_t i = 0; i < n; ++i) walk_list(PySequence_Fast_GET_ITEM(obj.ptr(), i), depth + 1, d);
    return;
  }
  if (nb::isinstance<array>(obj)) {
    // Arrays inside lists: their dtype joins the promotion, their values are spliced in.
    array a = nb::cast<array>(obj);
    if (a.shape() != Shape(d.shape.begin() + std::min(depth, d.shape.size()), d.shape.end())) {
      throw_non_uniform();
    }
    d.array_dtype = d.array_dtype ? promote_types(*d.array_dtype, a.dtype()) : a.dtype();
    push_array_values(tolist(a), d);
    return;
  }
  if (!is_python_scalar(obj)) throw_invalid_type(obj);
  if (depth < d.shape.size()) throw_non_uniform();
  push_scalar(obj, d, false);
}

Dtype infer_list_dtype(const ListData& d) {
  Dtype from_scalars = d.scalar_kind == Kind::Bool  ? bool_
                       : d.scalar_kind == Kind::Int ? (d.int_overflows_int32 ? int64 : int32)
                       : d.scalar_kind == Kind::Float ? float32
                                                      : complex64;
  if (!d.array_dtype) return d.has_scalar ? from_scalars : float32;  // [] is float32
  return d.has_scalar ? promote_types(*d.array_dtype, from_scalars) : *d.array_dtype;
}

array list_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  ListData d;
  d.shape = expected_shape(obj);
  walk_list(obj, 0, d);
  Dtype out = dtype ? *dtype : infer_list_dtype(d);
  size_t n = d.values.size();
  array result(allocator::malloc(n * out.size), d.shape, out);
  cpu::dispatch_all(out, "array", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = result.data<T>();
    for (size_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, complex64_t>) {
        dst[i] = complex64_t(float(d.values[i].real()), float(d.values[i].imag()));
      } else if constexpr (std::is_integral_v<T>) {
        dst[i] = d.is_exact[i] ? static_cast<T>(d.ints[i]) : cpu::convert<T>(d.values[i].real());
      } else {
        dst[i] = cpu::convert<T>(d.values[i].real());
      }
    }
  });
  return result;
}

// NumPy (or any buffer) -> array via a C-contiguous NumPy copy when needed.
array numpy_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  nb::module_ np = nb::module_::import_("numpy");
  // Plain buffers (bytes, bytearray) go through memoryview so their format (uint8) is kept.
  nb::object source = nb::borrow(obj);
  if (!nb::hasattr(obj, "__array__") && PyObject_CheckBuffer(obj.ptr())) {
    source = nb::steal(PyMemoryView_FromObject(obj.ptr()));
    if (!source.is_valid()) throw nb::python_error();
  }
  nb::object arr = np.attr("asarray")(source);
  if (nb::cast<int64_t>(arr.attr("size")) > 0) {
    for (auto st : nb::cast<nb::tuple>(arr.attr("strides"))) {
      if (nb::cast<int64_t>(st) < 0) {
        throw std::invalid_argument(
            "Cannot convert DLPack arrays with negative strides to mlx array.");
      }
    }
  }
  arr = np.attr("asarray")(arr, nb::arg("order") = "C");  // (ascontiguousarray makes 0-d 1-d)
  std::string kind = nb::cast<std::string>(arr.attr("dtype").attr("kind"));
  int itemsize = nb::cast<int>(arr.attr("dtype").attr("itemsize"));
  Dtype src = float32;
  if (kind == "b") src = bool_;
  else if (kind == "u" && itemsize <= 8) src = itemsize == 1 ? uint8 : itemsize == 2 ? uint16 : itemsize == 4 ? uint32 : uint64;
  else if (kind == "i" && itemsize <= 8) src = itemsize == 1 ? int8 : itemsize == 2 ? int16 : itemsize == 4 ? int32 : int64;
  else if (kind == "f" && itemsize == 2) src = float16;
  else if (kind == "f" && itemsize == 4) src = float32;
  else if (kind == "f" && itemsize == 8) src = float64;
  else if (kind == "c" && itemsize == 8) src = complex64;
  else if (kind == "c" && itemsize == 16) {
    arr = np.attr("asarray")(arr, "complex64", nb::arg("order") = "C");
    src = complex64;
  } else {
    // MLX 0.32.4 raises std::bad_cast (RuntimeError) for dtypes it cannot hold.
    throw std::runtime_error("Cannot convert NumPy dtype " +
                             nb::cast<std::string>(nb::str(arr.attr("dtype"))) + " to an array.");
  }
  Shape shape;
  for (auto d : nb::cast<nb::tuple>(arr.attr("shape"))) shape.push_back(nb::cast<int32_t>(d));
  size_t nbytes = shape_size(shape) * src.size;
  array out(allocator::malloc(nbytes), shape, src);
  if (nbytes) {
    uintptr_t ptr = nb::cast<uintptr_t>(arr.attr("ctypes").attr("data"));
    std::memcpy(out.data<void>(), reinterpret_cast<void*>(ptr), nbytes);
  }
  // NumPy's float64 becomes float32 unless asked for, as in MLX.
  Dtype target = dtype ? *dtype : (src == float64 ? float32 : src);
  return astype(out, target);
}

}  // namespace

bool is_python_scalar(nb::handle obj) {
  return is_bool(obj) || is_int(obj) || is_float(obj) || is_complex_scalar(obj);
}

namespace {
// One Python scalar straight into a 0-d array: the hot path of `x + 1`.
// Returns nullopt for ints beyond int64 (the list path reports those).
std::optional<array> python_scalar_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  bool is_cplx = is_complex_scalar(obj), is_flt = is_float(obj), is_b = is_bool(obj);
  int64_t iv = 0;
  double re = 0, im = 0;
  if (is_b) {
    iv = obj.ptr() == Py_True;
    re = double(iv);
  } else if (is_cplx) {
    Py_complex c = PyComplex_AsCComplex(obj.ptr());
    re = c.real;
    im = c.imag;
  } else if (is_flt) {
    re = PyFloat_AsDouble(obj.ptr());
  } else {
    int overflow = 0;
    iv = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow) return std::nullopt;
    re = double(iv);
  }
  Dtype d = dtype ? *dtype
            : is_b ? bool_
            : is_cplx ? complex64
            : is_flt ? float32
            : (iv > INT32_MAX || iv < INT32_MIN) ? int64 : int32;
  array out(allocator::malloc(d.size), Shape{}, d);
  cpu::dispatch_all(d, "array", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.data<T>();
    if constexpr (std::is_same_v<T, complex64_t>) {
      *dst = complex64_t(float(re), float(im));
    } else if constexpr (std::is_integral_v<T>) {
      *dst = (is_flt || is_cplx) ? cpu::convert<T>(re) : static_cast<T>(iv);
    } else {
      *dst = cpu::convert<T>(re);
    }
  });
  return out;
}
}  // namespace

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(obj)) {
    array a = nb::cast<array>(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  if (is_python_scalar(obj)) {
    if (auto a = python_scalar_to_array(obj, dtype)) return *a;
  }
  if (is_python_scalar(obj) || PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    return list_to_array(obj, dtype);
  }
  // Tensors of other frameworks (torch, jax) come in through DLPack, which
  // also carries dtypes NumPy lacks (bfloat16); MLX's constructor copies.
  if (nb::hasattr(obj, "__dlpack__") && !nb::hasattr(obj, "__array_interface__")) {
    array a = dlpack_to_array(obj, true);
    return dtype ? astype(a, *dtype) : a;
  }
  if (nb::hasattr(obj, "__array__") || PyObject_CheckBuffer(obj.ptr())) {
    return numpy_to_array(obj, dtype);
  }
  if (nb::hasattr(obj, "__float__") || nb::hasattr(obj, "__index__")) {
    // NumPy scalars and similar.
    return numpy_to_array(obj, dtype);
  }
  std::string type_name = nb::type_name(obj.type()).c_str();
  throw std::invalid_argument("Invalid type " + type_name + " received in array initialization.");
}

array to_operand(nb::handle obj) {
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    std::string type_name = nb::type_name(obj.type()).c_str();
    throw std::invalid_argument("Invalid type " + type_name + " received in array initialization.");
  }
  return to_array(obj);
}

namespace {
// A weak Python int must fit the array's integer dtype (MLX raises otherwise).
void check_int_fits(nb::handle scalar, Dtype d) {
  if (!is_integral(d) || d == bool_) return;
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(scalar.ptr(), &overflow);
  // Outside int64 MLX 0.32.4 raises std::bad_cast (RuntimeError), even for uint64.
  if (overflow) {
    throw std::runtime_error(msg("Integer ", nb::cast<std::string>(nb::str(scalar)),
                                 " does not fit in int64."));
  }
  bool fits = true;
  {
    switch (d.val) {
      case Dtype::Val::uint8: fits = v >= 0 && v <= 255; break;
      case Dtype::Val::uint16: fits = v >= 0 && v <= 65535; break;
      case Dtype::Val::uint32: fits = v >= 0 && v <= 4294967295LL; break;
      case Dtype::Val::int8: fits = v >= -128 && v <= 127; break;
      case Dtype::Val::int16: fits = v >= -32768 && v <= 32767; break;
      case Dtype::Val::int32: fits = v >= INT32_MIN && v <= INT32_MAX; break;
      default: break;
    }
  }  // negative ints wrap for uint64 and int64 always fits, as in MLX
  if (!fits) {
    std::string text = nb::cast<std::string>(nb::str(scalar));
    throw std::invalid_argument("Converting " + text + " to " + dtype_name(d) +
                                " would result in overflow.");
  }
}
}  // namespace

namespace {
// Weak scalars repeat (`x + 1`, `x * 0.5` in a loop), so the last 0-d arrays
// made from Python ints and floats are kept by (dtype, value). They are
// evaluated and never written: the cache's reference also keeps eval from
// donating their buffers. The GIL serialises the callers.
array cached_scalar(nb::handle scalar, Dtype d, bool is_float_value, const Shape* shape) {
  struct Slot {
    uint64_t bits = 0;
    int key = -1;
    std::optional<array> value;
    std::optional<array> shaped;  // the value viewed in the last one-element shape asked for
  };
  static Slot* slots = new Slot[64];  // never destroyed: arrays may outlive statics
  uint64_t bits;
  if (is_float_value) {
    double v = PyFloat_AsDouble(scalar.ptr());
    std::memcpy(&bits, &v, sizeof bits);
  } else {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(scalar.ptr(), &overflow);
    if (overflow) return to_array(scalar, d);
    bits = uint64_t(v);
  }
  int key = int(d.val) * 2 + int(is_float_value);
  Slot& slot = slots[(bits * 0x9E3779B97F4A7C15ull >> 58) ^ uint64_t(key & 63)];
  if (slot.key != key || slot.bits != bits || !slot.value) {
    slot.value = to_array(scalar, d);
    slot.shaped.reset();
    slot.key = key;
    slot.bits = bits;
  }
  if (!shape) return *slot.value;
  if (!slot.shaped || slot.shaped->shape() != *shape) {
    const array& v = *slot.value;
    slot.shaped = array(v.data_shared_ptr(), const_cast<void*>(v.data<void>()), *shape, d,
                        Strides(shape->size(), 1));
  }
  return *slot.shaped;
}
}  // namespace

namespace {
array weak_scalar(nb::handle scalar, Dtype other, const Shape* shape) {
  if (is_bool(scalar)) return to_array(scalar, other);
  if (is_int(scalar)) {
    check_int_fits(scalar, other);
    return cached_scalar(scalar, other == bool_ ? int32 : other, false, shape);
  }
  if (is_float(scalar)) return cached_scalar(scalar, is_inexact(other) ? other : float32, true, shape);
  return to_array(scalar, complex64);
}
}  // namespace

array scalar_to_array(nb::handle scalar, Dtype other) { return weak_scalar(scalar, other, nullptr); }

array scalar_operand(nb::handle scalar, const array& other) {
  // Next to a one-element array of rank 1 or more (`y = y + 1` on shape (1,)),
  // the scalar comes in that shape: the op needs no Broadcast node. Not while
  // a transform traces, whose graphs keep MLX's form.
  bool shaped = other.size() == 1 && other.ndim() > 0 && !is_tracing() && !in_compile_trace();
  return weak_scalar(scalar, other.dtype(), shaped ? &other.shape() : nullptr);
}

namespace {
// NumPy scalars (np.float32(1.5), np.int64(3)) next to an array take the
// array's dtype outright in MLX: int32 array + np.float32(1.5) is int32.
bool is_numpy_scalar(nb::handle h) {
  static nb::handle generic = [] {
    try {
      nb::object g = nb::module_::import_("numpy").attr("generic");
      return g.release();
    } catch (...) {
      return nb::handle();
    }
  }();
  return generic.ptr() && PyObject_IsInstance(h.ptr(), generic.ptr()) == 1;
}
// NumPy arrays as operands are weak too (int8 array + np.array([1]) stays int8).
bool is_numpy_operand(nb::handle h) {
  return is_numpy_scalar(h) || (!nb::isinstance<array>(h) && nb::hasattr(h, "__array_interface__"));
}
}  // namespace

bool is_plain_scalar(nb::handle h) {
  PyObject* o = h.ptr();
  return PyFloat_CheckExact(o) || PyLong_CheckExact(o) || PyBool_Check(o) || PyComplex_CheckExact(o);
}

std::pair<array, array> to_arrays(nb::handle a, nb::handle b) {
  // The hot path (`x + y`, `x * 2`): arrays and plain Python scalars need none
  // of the NumPy probes below, which are failing attribute lookups.
  bool aa = nb::isinstance<array>(a), ab = nb::isinstance<array>(b);
  if (aa && ab) return {nb::cast<array>(a), nb::cast<array>(b)};
  if (aa && is_plain_scalar(b)) {
    array x = nb::cast<array>(a);
    return {x, scalar_operand(b, x)};
  }
  if (ab && is_plain_scalar(a)) {
    array y = nb::cast<array>(b);
    return {scalar_operand(a, y), y};
  }
  bool na = is_numpy_operand(a), nb_ = is_numpy_operand(b);
  if (na && !nb_ && nb::isinstance<array>(b)) {
    array y = nb::cast<array>(b);
    return {to_array(a, y.dtype()), y};
  }
  if (nb_ && !na && nb::isinstance<array>(a)) {
    array x = nb::cast<array>(a);
    return {x, to_array(b, x.dtype())};
  }
  bool sa = is_python_scalar(a), sb = is_python_scalar(b);
  if (sa && !sb) {
    array y = to_operand(b);
    return {scalar_to_array(a, y.dtype()), y};
  }
  if (sb && !sa) {
    array x = to_operand(a);
    return {x, scalar_to_array(b, x.dtype())};
  }
  return {to_operand(a), to_operand(b)};
}

namespace {
template <typename T>
nb::object scalar_to_python(T v) {
  if constexpr (std::is_same_v<T, bool>) return nb::bool_(v);
  else if constexpr (std::is_same_v<T, complex64_t>) return nb::steal(PyComplex_FromDoubles(v.real(), v.imag()));
  else if constexpr (std::is_integral_v<T>) return nb::int_(v);
  else return nb::float_(cpu::convert<double>(v));
}

template <typename T>
nb::object build_list(const T* base, const array& a, int dim, int64_t offset) {
  if (dim == a.ndim()) return scalar_to_python(base[offset]);
  nb::list out;
  for (int i = 0; i < a.shape(dim); ++i) out.append(build_list(base, a, dim + 1, offset + i * a.strides()[dim]));
  return out;
}
}  // namespace

nb::object tolist(array a) {
  a.eval();
  return cpu::dispatch_all(a.dtype(), "tolist", [&](auto tag) -> nb::object {
    using T = typename decltype(tag)::type;
    return build_list(a.data<T>(), a, 0, 0);
  });
}

nb::object item(array a) {
  if (a.size() != 1) {
    throw std::invalid_argument(
        "[convert] Only length-1 arrays can be converted to Python scalars.");
  }
  a.eval();
  return cpu::dispatch_all(a.dtype(), "item", [&](auto tag) -> nb::object {
    using T = typename decltype(tag)::type;
    return scalar_to_python(a.data<T>()[0]);
  });
}

nb::object to_numpy(array a) {
  if (a.dtype() == bfloat16) {
    throw std::invalid_argument("bfloat16 arrays cannot be converted to NumPy directly; use astype(float32).");
  }
  a.eval();
  // A view of our buffer with the array's own strides (a transposed or sliced
  // array stays zero-copy, as in MLX); only negative strides force a copy.
  bool has_negative = false;
  for (auto st : a.strides()) has_negative |= st < 0;
  if (has_negative) {
    a = contiguous(a);
    a.eval();
  }
  // The capsule keeps the array (and its buffer) alive.
  auto* keep = new array(a);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  std::vector<int64_t> strides(a.strides().begin(), a.strides().end());
  nb::ndarray<nb::numpy> view(a.data<void>(), shape.size(), shape.data(), owner, strides.data(),
                              dlpack_dtype(a.dtype()));
  return nb::cast(view, nb::rv_policy::reference);
}

nb::dlpack::dtype dlpack_dtype(Dtype d) {
  nb::dlpack::dtype dt;
  switch (d.val) {
    case Dtype::Val::bool_: dt = nb::dtype<bool>(); break;
    case Dtype::Val::uint8: dt = nb::dtype<uint8_t>(); break;
    case Dtype::Val::uint16: dt = nb::dtype<uint16_t>(); break;
    case Dtype::Val::uint32: dt = nb::dtype<uint32_t>(); break;
    case Dtype::Val::uint64: dt = nb::dtype<uint64_t>(); break;
    case Dtype::Val::int8: dt = nb::dtype<int8_t>(); break;
    case Dtype::Val::int16: dt = nb::dtype<int16_t>(); break;
    case Dtype::Val::int32: dt = nb::dtype<int32_t>(); break;
    case Dtype::Val::int64: dt = nb::dtype<int64_t>(); break;
    case Dtype::Val::float16: dt = {uint8_t(nb::dlpack::dtype_code::Float), 16, 1}; break;
    case Dtype::Val::float32: dt = nb::dtype<float>(); break;
    case Dtype::Val::float64: dt = nb::dtype<double>(); break;
    case Dtype::Val::complex64: dt = nb::dtype<std::complex<float>>(); break;
    case Dtype::Val::bfloat16: dt = {uint8_t(nb::dlpack::dtype_code::Bfloat), 16, 1}; break;
  }
  return dt;
}

std::string array_repr(array a) {
  a.eval();
  nb::object values = a.dtype() == bfloat16 ? to_numpy(astype(a, float32)) : to_numpy(a);
  nb::object fmt = nb::module_::import_("mlx_core._printing").attr("format_array");
  return nb::cast<std::string>(fmt(values, dtype_name(a.dtype()), true));
}

namespace nanobind::detail {

bool type_caster<ShapeArg>::from_python(handle src, uint32_t flags, cleanup_list*) {
  if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr()) || PyBytes_Check(src.ptr())) {
    return false;
  }
  object items = steal(PySequence_Fast(src.ptr(), ""));
  if (!items.is_valid()) {
    PyErr_Clear();
    return false;
  }
  bool convert = flags & uint32_t(cast_flags::convert);
  value.value.clear();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(items.ptr());
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(items.ptr(), i);
    bool readable = PyLong_Check(item) || (convert && PyIndex_Check(item) && !PyFloat_Check(item));
    object index = readable ? steal(PyNumber_Index(item)) : object();
    if (!index.is_valid()) {
      PyErr_Clear();
      return false;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (overflow) return false;  // beyond int64: not an int at all to the signature check
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      throw std::overflow_error(msg("Integer value ", v,
                                    " is outside the supported range [-2147483648, 2147483647]."));
    }
    value.value.push_back(int32_t(v));
  }
  return true;
}

handle type_caster<ShapeArg>::from_cpp(const ShapeArg& shape, rv_policy, cleanup_list*) noexcept {
  PyObject* out = PyTuple_New(Py_ssize_t(shape.value.size()));
  if (!out) return handle();
  for (size_t i = 0; i < shape.value.size(); ++i) {
    PyTuple_SET_ITEM(out, Py_ssize_t(i), PyLong_FromLong(shape.value[i]));
  }
  return out;
}

}  // namespace nanobind::detail

Shape shape_from_python(nb::handle shape, const char* op) {
  if (PyLong_Check(shape.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(shape.ptr(), &overflow);
    if (!overflow && (v < std::numeric_limits<int32_t>::min() ||
                      v > std::numeric_limits<int32_t>::max())) {
      throw std::overflow_error(msg("Shape dimension ", v, " is outside the supported range "
                                    "[-2147483648, 2147483647]. MLX currently uses 32-bit integers "
                                    "for shape dimensions."));
    }
    if (!overflow) return Shape{int32_t(v)};
  } else {
    nb::detail::make_caster<ShapeArg> caster;
    if (caster.from_python(shape, uint32_t(nb::detail::cast_flags::convert), nullptr)) {
      return caster.value.value;
    }
  }
  // MLX 0.32.4 raises std::bad_cast (a RuntimeError) here.
  throw std::runtime_error(msg("[", op, "] Cannot read the shape from a ",
                               nb::type_name(shape.type()).c_str(),
                               ": expected an int or a sequence of ints within int64."));
}
