// The Python `array` class: construction, properties, operators, indexing.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/convert.h"
#include "python/indexing.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

// a OP b with Python's operand rules; `reflected` swaps for __rop__.
array apply_binary(BinaryFn fn, const array& self, nb::handle other, bool reflected) {
  nb::handle self_h = nb::find(self);
  auto [a, b] = reflected ? to_arrays(other, self_h) : to_arrays(self_h, other);
  return fn(a, b, {});
}

bool is_operand(nb::handle h) {
  return nb::isinstance<array>(h) || is_python_scalar(h) || PyList_Check(h.ptr()) ||
         PyTuple_Check(h.ptr()) || nb::hasattr(h, "__array__");
}

// MLX's operator checks, before any conversion: lists are rejected, and the
// bitwise operators refuse floating point operands.
void check_operator_operands(const char* word, bool bitwise, const array& self, nb::handle other) {
  if (PyList_Check(other.ptr()) || PyTuple_Check(other.ptr())) {
    throw std::invalid_argument(std::string("Cannot perform ") + word + " on an mlx.core.array and " +
                                nb::type_name(other.type()).c_str());
  }
  if (bitwise) {
    bool float_other = PyFloat_Check(other.ptr()) || PyComplex_Check(other.ptr()) ||
                       (nb::isinstance<array>(other) && is_inexact(nb::cast<array>(other).dtype()));
    if (is_inexact(self.dtype()) || float_other) {
      throw std::invalid_argument(std::string("Floating point types not allowed with ") + word + ".");
    }
  }
}

template <BinaryFn fn>
void def_binary(nb::class_<array>& cls, const char* name, const char* rname, const char* iname,
                const char* word, bool bitwise = false) {
  cls.def(name, [word, bitwise](const array& self, nb::handle other) -> nb::object {
    check_operator_operands(word, bitwise, self, other);
    if (!is_operand(other)) return nb::borrow(Py_NotImplemented);
    return nb::cast(apply_binary(fn, self, other, false));
  });
  if (rname) {
    cls.def(rname, [word, bitwise](const array& self, nb::handle other) -> nb::object {
      check_operator_operands(word, bitwise, self, other);
      if (!is_operand(other)) return nb::borrow(Py_NotImplemented);
      return nb::cast(apply_binary(fn, self, other, true));
    });
  }
  if (iname) {
    // MLX updates the array object in place: every reference sees the result.
    cls.def(iname, [word, bitwise](nb::handle self_h, nb::handle other) -> nb::object {
      array& self = nb::cast<array&>(self_h);
      check_operator_operands(word, bitwise, self, other);
      if (!is_operand(other)) return nb::borrow(Py_NotImplemented);
      self.overwrite_descriptor(apply_binary(fn, self, other, false));
      return nb::borrow(self_h);
    });
  }
}

array floordiv_op(const array& a, const array& b, StreamOrDevice s) { return floor_divide(a, b, s); }
array truediv_op(const array& a, const array& b, StreamOrDevice s) { return divide(a, b, s); }

// The buffer protocol: a strided view of the evaluated array. A copy of the
// handle lives in view->internal so the memory outlives in-place rebinding.
struct BufferExport {
  array keep;
  std::vector<Py_ssize_t> shape, strides;
  std::string format;
};

const char* buffer_format(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "?";
    case Dtype::Val::uint8: return "B";
    case Dtype::Val::uint16: return "H";
    case Dtype::Val::uint32: return "I";
    case Dtype::Val::uint64: return "Q";
    case Dtype::Val::int8: return "b";
    case Dtype::Val::int16: return "h";
    case Dtype::Val::int32: return "i";
    case Dtype::Val::int64: return "q";
    case Dtype::Val::float16: return "e";
    case Dtype::Val::float32: return "f";
    case Dtype::Val::float64: return "d";
    case Dtype::Val::complex64: return "Zf";
    default: return nullptr;
  }
}

int array_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  try {
    array a = nb::cast<array>(nb::handle(self));
    const char* fmt = buffer_format(a.dtype());
    if (!fmt) {
      PyErr_SetString(PyExc_ValueError, "bfloat16 is not a valid PEP 3118 buffer format string");
      return -1;
    }
    {
      nb::gil_scoped_release release;
      a.eval();
    }
    auto* ex = new BufferExport{a, {}, {}, fmt};
    for (int i = 0; i < a.ndim(); ++i) {
      ex->shape.push_back(a.shape(i));
      ex->strides.push_back(Py_ssize_t(a.strides()[i] * int64_t(a.itemsize())));
    }
    view->buf = ex->keep.data<void>();
    view->obj = self;
    Py_INCREF(self);
    view->len = Py_ssize_t(a.nbytes());
    view->readonly = 0;
    view->itemsize = Py_ssize_t(a.itemsize());
    view->format = (flags & PyBUF_FORMAT) ? ex->format.data() : nullptr;
    view->ndim = a.ndim();
    view->shape = ex->shape.data();
    view->strides = ex->strides.data();
    view->suboffsets = nullptr;
    view->internal = ex;
    return 0;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<BufferExport*>(view->internal);
}

PyType_Slot array_slots[] = {
    {Py_bf_getbuffer, (void*)array_getbuffer},
    {Py_bf_releasebuffer, (void*)array_releasebuffer},
    {0, nullptr}};

}  // namespace

void init_array(nb::module_& m) {
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots), "An N-dimensional array object.");
  cls.def("__init__", [](array* self, nb::handle val, std::optional<Dtype> dtype) {
        new (self) array(to_array(val, dtype));
      }, "val"_a, "dtype"_a = nb::none(),
      nb::sig("def __init__(self, val: scalar | list | tuple | numpy.ndarray | array, dtype: Dtype | None = None)"))
      .def_prop_ro("shape", [](const array& a) {
        nb::list l;
        for (auto d : a.shape()) l.append(d);
        return nb::tuple(l);
      }, "The shape of the array as a Python tuple.")
      .def_prop_ro("ndim", &array::ndim, "The array's dimension.")
      .def_prop_ro("size", &array::size, "Number of elements in the array.")
      .def_prop_ro("dtype", &array::dtype, "The array's Dtype.")
      .def_prop_ro("itemsize", &array::itemsize, "The size of the array's datatype in bytes.")
      .def_prop_ro("nbytes", &array::nbytes, "The number of bytes in the array.")
      .def_prop_ro("T", [](const array& a) { return transpose(a); }, "Equivalent to calling self.transpose() with no arguments.")
      .def_prop_ro("mT", [](const array& a) {
        if (a.ndim() < 2) throw std::invalid_argument("[matrix_transpose] Array must have at least 2 dimensions.");
        return swapaxes(a, -1, -2);
      }, "Transpose the last two dimensions.")
      .def("item", [](const array& a) { return item(a); }, "Access the value of a scalar array.")
      .def("tolist", [](const array& a) { return tolist(a); }, "Convert the array to a Python list.")
      .def("astype", [](const array& a, Dtype d, StreamOrDevice s) { return astype(a, d, s); },
           "dtype"_a, "stream"_a = nb::none(), "Cast the array to a specified type.")
      .def("view", [](const array& a, Dtype d, StreamOrDevice s) { return view(a, d, s); },
           "dtype"_a, "stream"_a = nb::none())
      .def("__repr__", [](const array& a) { return array_repr(a); })
      .def("__str__", [](const array& a) { return array_repr(a); })
      .def("__len__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("len() 0-dimensional array.");
        return a.shape(0);
      })
      .def("__iter__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("iteration over 0-d array.");
        nb::list parts;
        for (int i = 0; i < a.shape(0); ++i) parts.append(getitem(a, nb::int_(i)));
        return nb::iter(parts);
      })
      .def("__bool__", [](const array& a) {
        if (a.size() != 1) throw std::invalid_argument("The truth value of an array with more than one element is ambiguous.");
        return nb::cast<bool>(nb::bool_(item(a)));
      })
      .def("__int__", [](const array& a) { return nb::int_(item(astype(a, int64))); })
      .def("__float__", [](const array& a) { return nb::float_(item(astype(a, float64))); })
      .def("__index__", [](const array& a) {
        if (!is_integral(a.dtype()) || a.size() != 1) throw nb::type_error("Only integer scalar arrays can be converted to a scalar index.");
        return nb::int_(item(astype(a, int64)));
      })
      .def("__hash__", [](const array& a) { return nb::int_(a.id()); })
      .def("__array__", [](const array& a, nb::object dtype, nb::object copy) {
        nb::object out = to_numpy(a);
        if (!dtype.is_none()) out = out.attr("astype")(dtype);
        return out;
      }, "dtype"_a = nb::none(), "copy"_a = nb::none())
      .def("__dlpack__", [](const array& a, nb::kwargs) {
        array c = contiguous(a);
        c.eval();
        std::vector<size_t> shape(c.shape().begin(), c.shape().end());
        auto* keep = new array(c);
        nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
        // A framework-less nanobind ndarray casts to a DLPack capsule.
        return nb::cast(nb::ndarray<>(c.data<void>(), shape.size(), shape.data(), owner, nullptr,
                                      dlpack_dtype(c.dtype())));
      })
      .def("__dlpack_device__", [](const array&) { return nb::make_tuple(1, 0); })
      .def("__getitem__", [](const array& a, nb::handle idx) { return getitem(a, idx); })
      .def("__setitem__", [](array& a, nb::handle idx, nb::handle v) { setitem(a, idx, v); })
      .def("__neg__", [](const array& a) { return negative(a); })
      .def("__pos__", [](const array& a) { return a; })
      .def("__abs__", [](const array& a) { return abs(a); })
      .def("__invert__", [](const array& a) {
        if (is_inexact(a.dtype())) throw std::invalid_argument("Floating point types not allowed with or bitwise inversion.");
        return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
      })
      .def("__matmul__", [](const array& a, nb::handle b) { return matmul(a, to_array(b)); })
      .def("__rmatmul__", [](const array& a, nb::handle b) { return matmul(to_array(b), a); })
      .def("__imatmul__", [](nb::handle self_h, nb::handle b) {
        array& self = nb::cast<array&>(self_h);
        self.overwrite_descriptor(matmul(self, to_array(b)));
        return nb::borrow(self_h);
      })
      .def("__copy__", [](const array& a) { return a; })
      .def("__deepcopy__", [](const array& a, nb::handle) { return a; }, "memo"_a);

  def_binary<add>(cls, "__add__", "__radd__", "__iadd__", "addition");
  def_binary<subtract>(cls, "__sub__", "__rsub__", "__isub__", "subtraction");
  def_binary<multiply>(cls, "__mul__", "__rmul__", "__imul__", "multiplication");
  def_binary<truediv_op>(cls, "__truediv__", "__rtruediv__", "__itruediv__", "division");
  def_binary<floordiv_op>(cls, "__floordiv__", "__rfloordiv__", "__ifloordiv__", "floor division");
  def_binary<remainder>(cls, "__mod__", "__rmod__", "__imod__", "modulus");
  def_binary<power>(cls, "__pow__", "__rpow__", "__ipow__", "power");
  def_binary<equal>(cls, "__eq__", nullptr, nullptr, "equality comparison");
  def_binary<not_equal>(cls, "__ne__", nullptr, nullptr, "inequality comparison");
  def_binary<less>(cls, "__lt__", nullptr, nullptr, "less than comparison");
  def_binary<less_equal>(cls, "__le__", nullptr, nullptr, "less than or equal comparison");
  def_binary<greater>(cls, "__gt__", nullptr, nullptr, "greater than comparison");
  def_binary<greater_equal>(cls, "__ge__", nullptr, nullptr, "greater than or equal comparison");
  def_binary<bitwise_and>(cls, "__and__", "__rand__", "__iand__", "bitwise and", true);
  def_binary<bitwise_or>(cls, "__or__", "__ror__", "__ior__", "bitwise or", true);
  def_binary<bitwise_xor>(cls, "__xor__", "__rxor__", "__ixor__", "bitwise xor", true);
  def_binary<left_shift>(cls, "__lshift__", "__rlshift__", "__ilshift__", "left shift", true);
  def_binary<right_shift>(cls, "__rshift__", "__rrshift__", "__irshift__", "right shift", true);
  cls.def("__divmod__", [](const array& a, nb::handle b) {
    auto [x, y] = to_arrays(nb::find(a), b);
    auto r = divmod(x, y);
    return nb::make_tuple(r[0], r[1]);
  });
}
