// The Python `array` class: construction, properties, operators, indexing.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "python/convert.h"
#include "python/indexing.h"
#include "mlx/ops/shape_util.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

// a OP b with Python's operand rules; `reflected` swaps for __rop__.
array apply_binary(BinaryFn fn, const array& self, nb::handle other, bool reflected) {
  if (nb::isinstance<array>(other)) {
    const array& o = nb::cast<const array&>(other);
    return reflected ? fn(o, self, {}) : fn(self, o, {});
  }
  if (is_plain_scalar(other)) {
    array o = scalar_operand(other, self);
    return reflected ? fn(o, self, {}) : fn(self, o, {});
  }
  nb::handle self_h = nb::find(self);
  auto [a, b] = reflected ? to_arrays(other, self_h) : to_arrays(self_h, other);
  return fn(a, b, {});
}

array floordiv_op(const array& a, const array& b, StreamOrDevice s) { return floor_divide(a, b, s); }
array truediv_op(const array& a, const array& b, StreamOrDevice s) { return divide(a, b, s); }

// What MLX takes as the other operand: an array, a Python scalar, or anything
// NumPy-like (ndarray, NumPy scalar, buffer such as bytes). Lists are not.
bool is_operand(nb::handle h) {
  return nb::isinstance<array>(h) || is_python_scalar(h) || nb::hasattr(h, "__array__") ||
         PyObject_CheckBuffer(h.ptr());
}

enum class OpKind { Arithmetic, Bitwise, Equal, NotEqual };

// MLX's operator checks, before any conversion (None never gets here: nanobind
// refuses it with a TypeError, as in MLX). Returns the answer for ==/!= with a
// non-operand (False/True, not an error), else nullopt.
std::optional<bool> check_operator_operands(const char* word, OpKind kind, bool inplace,
                                            const array& self, nb::handle other) {
  if (!is_operand(other)) {
    if (kind == OpKind::Equal) return false;
    if (kind == OpKind::NotEqual) return true;
    throw std::invalid_argument(msg("Cannot perform ", inplace ? "inplace " : "", word,
                                    " on an mlx.core.array and ", nb::type_name(other.type()).c_str()));
  }
  if (kind == OpKind::Bitwise) {
    bool float_other = PyFloat_Check(other.ptr()) || PyComplex_Check(other.ptr()) ||
                       (nb::isinstance<array>(other) && is_inexact(nb::cast<array>(other).dtype()));
    if (is_inexact(self.dtype()) || float_other) {
      throw std::invalid_argument(msg("Floating point types not allowed with ", word, "."));
    }
  }
  return std::nullopt;
}

// Binds name (and rname / iname when given) for one binary op. There is no
// reflected form of the bitwise and shift operators, as in MLX.
// `commutes`: MLX's reflected form keeps the array first (1 + x is add(x, 1)),
// which export files show.
template <BinaryFn fn>
void def_binary(nb::class_<array>& cls, const char* name, const char* rname, const char* iname,
                const char* word, OpKind kind = OpKind::Arithmetic, bool commutes = false) {
  cls.def(name, [word, kind](const array& self, nb::handle other) -> nb::object {
    if (auto answer = check_operator_operands(word, kind, false, self, other)) return nb::bool_(*answer);
    return nb::cast(apply_binary(fn, self, other, false));
  }, "other"_a);
  if (rname) {
    cls.def(rname, [word, kind, commutes](const array& self, nb::handle other) -> nb::object {
      check_operator_operands(word, kind, false, self, other);
      return nb::cast(apply_binary(fn, self, other, !commutes));
    }, "other"_a);
  }
  if (iname) {
    // MLX updates the array object in place: every reference sees the result.
    cls.def(iname, [word, kind](nb::handle self_h, nb::handle other) -> nb::object {
      array& self = nb::cast<array&>(self_h);
      check_operator_operands(word, kind, true, self, other);
      // Other in-place ops may change the dtype (int += 1.5 is float32); this one refuses.
      if (fn == truediv_op && !is_inexact(self.dtype())) {
        throw std::invalid_argument("In place division cannot cast to non-floating point type.");
      }
      self.overwrite_descriptor(apply_binary(fn, self, other, false));
      return nb::borrow(self_h);
    }, "other"_a);
  }
}

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
    case Dtype::Val::bfloat16: return "bfloat16";  // not PEP 3118, but what MLX reports
  }
  return nullptr;
}

int array_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  try {
    array a = nb::cast<array>(nb::handle(self));
    const char* fmt = buffer_format(a.dtype());
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

nb::object checked(PyObject* result) {
  if (!result) throw nb::python_error();
  return nb::steal(result);
}

PyType_Slot array_slots[] = {
    {Py_bf_getbuffer, (void*)array_getbuffer},
    {Py_bf_releasebuffer, (void*)array_releasebuffer},
    {0, nullptr}};

}  // namespace

namespace {

// Walks the first axis one view at a time (no list of all rows up front).
struct ArrayIterator {
  array a;
  int index;
};

// A typing aid, as in MLX: anything with an `__mlx_array__` method.
struct ArrayLike {
  nb::object obj;
};

}  // namespace

void init_array(nb::module_& m) {
  nb::class_<ArrayLike>(m, "ArrayLike",
                        "Any Python object which has an ``__mlx__array__`` method that returns an "
                        ":obj:`array`.")
      .def(nb::init<nb::object>(), "arg"_a);
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots), "An N-dimensional array object.");
  nb::class_<ArrayIterator>(m, "ArrayIterator",
                            "A helper object to iterate over the 1st dimension of an array.")
      .def("__iter__", [](nb::handle self) { return self; })
      .def("__next__", [](ArrayIterator& it) {
        if (it.index >= it.a.shape(0)) throw nb::stop_iteration();
        return getitem(it.a, nb::int_(it.index++));
      });
  cls.def("__init__", [](array* self, nb::handle val, std::optional<Dtype> dtype) {
        // MLX's ArrayLike protocol: an object that makes its own array.
        if (!nb::isinstance<array>(val) && nb::hasattr(val, "__mlx_array__")) {
          nb::object made = val.attr("__mlx_array__")();
          new (self) array(to_array(made, dtype));
          return;
        }
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
        return ArrayIterator{a, 0};
      })
      // The conversions apply Python's own bool/int/float/complex to the element, so
      // results and errors (int() of a complex is a TypeError) are Python's, as in MLX.
      .def("__bool__", [](const array& a) { return PyObject_IsTrue(item(a).ptr()) == 1; })
      .def("__int__", [](const array& a) { return checked(PyNumber_Long(item(a).ptr())); })
      .def("__float__", [](const array& a) { return checked(PyNumber_Float(item(a).ptr())); })
      .def("__complex__", [](const array& a) {
        return checked(PyObject_CallOneArg((PyObject*)&PyComplex_Type, item(a).ptr()));
      })
      .def("__index__", [](const array& a) {
        if (a.ndim() != 0 || !is_integral(a.dtype()) || a.dtype() == bool_) {
          throw nb::type_error("Only 0-dimensional integer arrays can be converted to an index.");
        }
        return item(a);
      })
      .def("__hash__", [](const array& a) { return nb::int_(a.id()); })
      .def("__array__", [](const array& a, nb::object dtype, nb::object copy) {
        nb::object out = to_numpy(a);  // a zero-copy view
        if (!dtype.is_none()) {
          out = out.attr("astype")(dtype);
        } else if (!copy.is_none() && nb::cast<bool>(copy)) {
          out = out.attr("copy")();  // NumPy 2 asks for a copy and trusts the answer
        }
        return out;
      }, "dtype"_a = nb::none(), "copy"_a = nb::none())
      .def("__dlpack__", [](const array& a, nb::kwargs) {
        // Exported with the array's own strides (zero-copy for transposes and
        // slices, as MLX); negative strides are copied first.
        array c = a;
        c.eval();
        for (auto st : c.strides()) {
          if (st < 0) {
            c = contiguous(c);
            c.eval();
            break;
          }
        }
        std::vector<size_t> shape(c.shape().begin(), c.shape().end());
        std::vector<int64_t> strides(c.strides().begin(), c.strides().end());
        auto* keep = new array(c);
        nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
        // A framework-less nanobind ndarray casts to a DLPack capsule.
        return nb::cast(nb::ndarray<>(c.data<void>(), shape.size(), shape.data(), owner,
                                      strides.data(), dlpack_dtype(c.dtype())));
      })
      .def("__dlpack_device__", [](const array&) { return nb::make_tuple(1, 0); })
      .def("__getitem__", [](const array& a, nb::handle idx) { return getitem(a, idx); },
           "index"_a.none())
      .def("__setitem__", [](array& a, nb::handle idx, nb::handle v) { setitem(a, idx, v); },
           "index"_a.none(), "value"_a)
      .def("__neg__", [](const array& a) { return negative(a); })
      .def("__pos__", [](const array& a) { return a; })
      .def("__abs__", [](const array& a) { return abs(a); })
      .def("__invert__", [](const array& a) {
        if (is_inexact(a.dtype())) throw std::invalid_argument("Floating point types not allowed with or bitwise inversion.");
        return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
      })
      // Only arrays: MLX has no __rmatmul__ and refuses scalars, lists and NumPy.
      .def("__matmul__", [](const array& a, const array& b) { return matmul(a, b); }, "other"_a)
      .def("__imatmul__", [](nb::handle self_h, const array& b) {
        array& self = nb::cast<array&>(self_h);
        self.overwrite_descriptor(matmul(self, b));
        return nb::borrow(self_h);
      }, "other"_a)
      .def("__copy__", [](const array& a) { return a; })
      .def("__deepcopy__", [](const array& a, nb::handle) { return a; }, "memo"_a)
      // Pickled as MLX does: (NumPy array, dtype index); bfloat16 travels as its uint16 bits.
      .def("__getstate__", [](const array& a) {
        array bits = a.dtype() == bfloat16 ? view(contiguous(a), uint16) : a;
        return nb::make_tuple(to_numpy(bits), a.dtype().index());
      })
      .def("__setstate__", [](array& self, const nb::tuple& state) {
        int index = nb::cast<int>(state[1]);
        if (index < 0 || index >= Dtype::count) throw std::invalid_argument("Invalid dtype index.");
        Dtype dtype = dtype_from_index(index);
        array values = to_array(state[0], dtype == bfloat16 ? uint16 : dtype);
        new (&self) array(dtype == bfloat16 ? view(values, bfloat16) : values);
      });

  def_binary<add>(cls, "__add__", "__radd__", "__iadd__", "addition", OpKind::Arithmetic, true);
  def_binary<subtract>(cls, "__sub__", "__rsub__", "__isub__", "subtraction");
  def_binary<multiply>(cls, "__mul__", "__rmul__", "__imul__", "multiplication", OpKind::Arithmetic, true);
  def_binary<truediv_op>(cls, "__truediv__", "__rtruediv__", "__itruediv__", "division");
  def_binary<truediv_op>(cls, "__div__", "__rdiv__", nullptr, "division");  // kept by MLX
  def_binary<floordiv_op>(cls, "__floordiv__", "__rfloordiv__", "__ifloordiv__", "floor division");
  def_binary<remainder>(cls, "__mod__", "__rmod__", "__imod__", "modulus");
  def_binary<power>(cls, "__pow__", "__rpow__", "__ipow__", "power");
  def_binary<equal>(cls, "__eq__", nullptr, nullptr, "equality comparison", OpKind::Equal);
  def_binary<not_equal>(cls, "__ne__", nullptr, nullptr, "inequality comparison", OpKind::NotEqual);
  def_binary<less>(cls, "__lt__", nullptr, nullptr, "less than");
  def_binary<less_equal>(cls, "__le__", nullptr, nullptr, "less than or equal");
  def_binary<greater>(cls, "__gt__", nullptr, nullptr, "greater than");
  def_binary<greater_equal>(cls, "__ge__", nullptr, nullptr, "greater than or equal");
  def_binary<bitwise_and>(cls, "__and__", nullptr, "__iand__", "bitwise and", OpKind::Bitwise);
  def_binary<bitwise_or>(cls, "__or__", nullptr, "__ior__", "bitwise or", OpKind::Bitwise);
  def_binary<bitwise_xor>(cls, "__xor__", nullptr, "__ixor__", "bitwise xor", OpKind::Bitwise);
  def_binary<left_shift>(cls, "__lshift__", nullptr, "__ilshift__", "left shift", OpKind::Bitwise);
  def_binary<right_shift>(cls, "__rshift__", nullptr, "__irshift__", "right shift", OpKind::Bitwise);
  // No __divmod__: MLX leaves divmod(array, x) to raise TypeError.
}
