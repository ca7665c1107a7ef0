// Indexing from Python: a[idx], a[idx] = v, a.at[idx].add(v), and the
// take/put/dynamic-slice functions. Basic indices (ints, slices with any step,
// None, Ellipsis) read through views (Slice + Reshape) and write through
// SliceUpdate; integer arrays and lists among them go through Gather/Scatter.
#include "python/indexing.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <algorithm>

#include "mlx/ops/shape_util.h"

using namespace nb::literals;

namespace {

struct BasicIndex {
  Shape start, stop, step;  // one per source axis
  Shape region;             // elements selected along each source axis
  Shape out_shape;          // after ints are dropped and None axes added
};

bool is_none(nb::handle h) { return h.is_none(); }
bool is_ellipsis(nb::handle h) { return h.ptr() == Py_Ellipsis; }
// Python ints, and NumPy integer scalars, which index like ints (not bools, not arrays).
bool is_int_index(nb::handle h) {
  if (PyBool_Check(h.ptr()) || nb::isinstance<array>(h)) return false;
  if (PyLong_Check(h.ptr())) return true;
  return PyIndex_Check(h.ptr()) && nb::hasattr(h, "ndim") && nb::cast<int>(h.attr("ndim")) == 0;
}

BasicIndex parse(const array& a, nb::handle index) {
  if (a.ndim() == 0 && !(is_none(index) || is_ellipsis(index) || PyTuple_Check(index.ptr()))) {
    throw std::invalid_argument("too many indices for array: array is 0-dimensional");
  }
  std::vector<nb::handle> items;
  if (PyTuple_Check(index.ptr())) {
    for (auto h : nb::borrow<nb::tuple>(index)) items.push_back(h);
  } else {
    items.push_back(index);
  }
  int consumed = 0;
  bool has_ellipsis = false;
  for (auto h : items) {
    if (is_int_index(h) || PySlice_Check(h.ptr())) {
      consumed++;
    } else if (is_ellipsis(h)) {
      if (has_ellipsis) throw std::invalid_argument("An index can only have a single ellipsis ('...')");
      has_ellipsis = true;
    } else if (!is_none(h)) {
      throw std::invalid_argument("Cannot index mlx array using the given type.");
    }
  }
  if (consumed > a.ndim()) {  // a ValueError in MLX, not NumPy's IndexError
    throw std::invalid_argument(msg("Too many indices for array with ", a.ndim(), " dimensions."));
  }
  BasicIndex r;
  int axis = 0;
  auto full_axis = [&](int ax) {
    r.start.push_back(0);
    r.stop.push_back(a.shape(ax));
    r.step.push_back(1);
    r.region.push_back(a.shape(ax));
    r.out_shape.push_back(a.shape(ax));
  };
  for (auto h : items) {
    if (is_ellipsis(h)) {
      for (int k = 0; k < a.ndim() - consumed; ++k) full_axis(axis++);
    } else if (is_none(h)) {
      r.out_shape.push_back(1);
    } else if (is_int_index(h)) {
      int64_t n = a.shape(axis);
      int64_t i = nb::cast<int64_t>(nb::int_(h));
      if (i < -n || i >= n) {
        // Known at call time: raise as NumPy does (stricter than MLX).
        throw std::out_of_range(msg("Index ", i, " is out of bounds for axis ", axis,
                                    " with size ", n, "."));
      }
      if (i < 0) i += n;
      r.start.push_back(int32_t(i));
      r.stop.push_back(int32_t(i + 1));
      r.step.push_back(1);
      r.region.push_back(1);
      axis++;
    } else {  // slice
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(h.ptr(), &start, &stop, &step) < 0) throw nb::python_error();
      Py_ssize_t len = PySlice_AdjustIndices(a.shape(axis), &start, &stop, step);
      // Adjusted stops below 0 mean "before the first element"; keep them
      // out of the negative-index wrap range that slice() applies.
      if (stop < 0) stop -= a.shape(axis);
      if (len == 0) start = stop = 0, step = 1;  // an adjusted start may be -1 too
      r.start.push_back(int32_t(start));
      r.stop.push_back(int32_t(stop));
      r.step.push_back(int32_t(step));
      r.region.push_back(int32_t(len));
      r.out_shape.push_back(int32_t(len));
      axis++;
    }
  }
  while (axis < a.ndim()) full_axis(axis++);
  return r;
}

}  // namespace


namespace {

// Python scalars are weak (they take a's dtype where they fit), arrays keep
// their dtype, NumPy input is read as a's dtype, and lists are refused.
array setitem_value(nb::handle value, Dtype dtype) {
  if (is_python_scalar(value)) return scalar_to_array(value, dtype);
  if (nb::isinstance<array>(value)) return nb::cast<array>(value);
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) return to_operand(value);  // raises
  return to_array(value, dtype);
}

array drop_leading_ones(const array& v) {
  Shape shape = v.shape();
  size_t k = 0;
  while (k < shape.size() && shape[k] == 1) ++k;
  return k ? reshape(v, Shape(shape.begin() + k, shape.end())) : v;
}

}  // namespace
// ---- advanced indexing: integer arrays (and lists) among the indices ---------------
//
// Reads are one Gather on the basic-sliced view; writes are one Scatter into it
// (then a SliceUpdate of the view back into the array when slices restrict it).
// Ints next to arrays are advanced indices too, and the index dimensions go
// where NumPy puts them: in place when all advanced indices are adjacent, in
// front otherwise.

namespace {

bool is_array_index(nb::handle h) {
  return nb::isinstance<array>(h) || PyList_Check(h.ptr());
}

struct Entry {
  enum Kind { Int, Slice, Array, NewAxis } kind;
  int64_t i = 0;
  nb::handle h;  // the slice object
};

struct AdvancedIndex {
  Shape start, stop, step;  // the basic view of the source (full on indexed axes)
  bool view_is_whole = true;
  std::vector<array> indices;
  std::vector<int> axes;  // source axes the indices address
  Shape index_shape;
  Shape gathered;          // index_shape + the view's remaining dims
  std::vector<int> perm;   // gathered -> result dims (before None axes)
  Shape out_shape;         // the result, with None axes
  bool single_array = false;
};

array index_array(nb::handle h) {
  array a = nb::isinstance<array>(h) ? nb::cast<array>(h) : to_array(h);
  if (a.dtype() == bool_) throw std::invalid_argument("boolean indices are not yet supported");
  return a;
}

bool has_array_index(nb::handle index) {
  if (PyTuple_Check(index.ptr())) {
    for (auto h : nb::borrow<nb::tuple>(index)) {
      if (is_array_index(h)) return true;
    }
    return false;
  }
  return is_array_index(index);
}

AdvancedIndex parse_advanced(const array& a, nb::handle index, const char* op) {
  if (a.ndim() == 0 && !PyTuple_Check(index.ptr())) {
    throw std::invalid_argument("too many indices for array: array is 0-dimensional");
  }
  std::vector<nb::handle> items;
  if (PyTuple_Check(index.ptr())) {
    for (auto h : nb::borrow<nb::tuple>(index)) items.push_back(h);
  } else {
    items.push_back(index);
  }
  int consumed = 0;
  bool has_ellipsis = false;
  for (auto h : items) {
    if (is_int_index(h) || PySlice_Check(h.ptr()) || is_array_index(h)) {
      consumed++;
    } else if (is_ellipsis(h)) {
      if (has_ellipsis) throw std::invalid_argument("An index can only have a single ellipsis ('...')");
      has_ellipsis = true;
    } else if (!is_none(h)) {
      throw std::invalid_argument("Cannot index mlx array using the given type.");
    }
  }
  if (consumed > a.ndim()) {
    throw std::invalid_argument(msg("Too many indices for array with ", a.ndim(), " dimensions."));
  }
  // One entry per source axis (ellipsis and the trailing axes become full slices).
  std::vector<Entry> entries;
  std::vector<array> arrays;  // in entry order, for Array entries
  // Leaked on purpose: a static Python object must not be freed after finalisation.
  static PyObject* full_slice = PySlice_New(nullptr, nullptr, nullptr);
  nb::handle full(full_slice);
  for (auto h : items) {
    if (is_ellipsis(h)) {
      for (int k = 0; k < a.ndim() - consumed; ++k) entries.push_back({Entry::Slice, 0, full});
    } else if (is_none(h)) {
      entries.push_back({Entry::NewAxis, 0, h});
    } else if (is_int_index(h)) {
      entries.push_back({Entry::Int, nb::cast<int64_t>(nb::int_(h)), h});
    } else if (PySlice_Check(h.ptr())) {
      entries.push_back({Entry::Slice, 0, h});
    } else {
      entries.push_back({Entry::Array, 0, h});
      arrays.push_back(index_array(h));
    }
  }
  for (int k = consumed + (has_ellipsis ? a.ndim() - consumed : 0); k < a.ndim(); ++k) {
    entries.push_back({Entry::Slice, 0, full});
  }
  // As MLX, the array indices must share an integer result type (int8 with
  // uint64 promotes to float32 and is refused); Python ints do not take part.
  if (!arrays.empty()) {
    Dtype common = arrays[0].dtype();
    for (auto& arr : arrays) common = promote_types(common, arr.dtype());
    check_index_dtype(zeros({0}, common), op);
  }

  AdvancedIndex r;
  r.single_array = items.size() == 1;
  int axis = 0;
  size_t next_array = 0;
  int first_adv = -1, last_adv = -1, num_adv = 0;
  Shape view_shape;
  for (size_t e = 0; e < entries.size(); ++e) {
    const Entry& en = entries[e];
    if (en.kind == Entry::NewAxis) continue;
    int64_t n = a.shape(axis);
    if (en.kind == Entry::Slice) {
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(en.h.ptr(), &start, &stop, &step) < 0) throw nb::python_error();
      Py_ssize_t len = PySlice_AdjustIndices(n, &start, &stop, step);
      if (stop < 0) stop -= n;  // "before the first element", as in the basic path
      if (len == 0) start = stop = 0, step = 1;
      if (len != n || step != 1) r.view_is_whole = false;
      r.start.push_back(int32_t(start));
      r.stop.push_back(int32_t(stop));
      r.step.push_back(int32_t(step));
      view_shape.push_back(int32_t(len));
    } else {
      if (en.kind == Entry::Int) {
        int64_t i = en.i;
        if (i < -n || i >= n) {  // known at call time: raise as NumPy does
          throw std::out_of_range(msg("Index ", i, " is out of bounds for axis ", axis,
                                      " with size ", n, "."));
        }
        r.indices.push_back(array(int32_t(i < 0 ? i + n : i)));
      } else {
        r.indices.push_back(arrays[next_array++]);
      }
      r.axes.push_back(axis);
      r.start.push_back(0);
      r.stop.push_back(int32_t(n));
      r.step.push_back(1);
      view_shape.push_back(int32_t(n));
      if (first_adv < 0) first_adv = int(e);
      last_adv = int(e);
      num_adv++;
    }
    axis++;
  }
  for (auto& i : r.indices) r.index_shape = broadcast_shapes(r.index_shape, i.shape());
  size_t index_size = shape_size(r.index_shape);
  for (int ax : r.axes) {
    if (view_shape[ax] == 0 && index_size > 0) {
      throw std::invalid_argument(
          r.single_array ? "[take] Cannot do a non-empty take from an empty axis."
                         : "[gather] If the input is empty, either the indices must be empty "
                           "or the total slice size must be 0.");
    }
  }
  bool adjacent = last_adv - first_adv + 1 == num_adv;
  int ni = int(r.index_shape.size());
  r.gathered = r.index_shape;
  for (int d = 0; d < a.ndim(); ++d) {
    if (std::find(r.axes.begin(), r.axes.end(), d) == r.axes.end()) {
      r.gathered.push_back(view_shape[d]);
    }
  }
  auto place_index_dims = [&] {
    for (int d = 0; d < ni; ++d) {
      r.perm.push_back(d);
      r.out_shape.push_back(r.index_shape[d]);
    }
  };
  if (!adjacent) place_index_dims();
  int rest = ni;
  for (size_t e = 0; e < entries.size(); ++e) {
    const Entry& en = entries[e];
    if (en.kind == Entry::NewAxis) {
      r.out_shape.push_back(1);
    } else if (en.kind == Entry::Slice) {
      r.perm.push_back(rest);
      r.out_shape.push_back(r.gathered[rest++]);
    } else if (adjacent && int(e) == first_adv) {
      place_index_dims();
    }
  }
  return r;
}

bool is_identity(const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != int(i)) return false;
  }
  return true;
}

// Gather slice sizes / update slice shape: 1 on indexed axes, the view elsewhere.
Shape slice_sizes(const AdvancedIndex& idx, const array& view) {
  Shape sizes = view.shape();
  for (int ax : idx.axes) sizes[ax] = std::min(sizes[ax], 1);  // 0: empty axis, empty index
  return sizes;
}

array view_of(const array& a, const AdvancedIndex& idx) {
  return idx.view_is_whole ? a : slice(a, idx.start, idx.stop, idx.step);
}

array gather_advanced(const array& a, const AdvancedIndex& idx) {
  array view = view_of(a, idx);
  array g = gather(view, idx.indices, idx.axes, slice_sizes(idx, view), {},
                   idx.single_array ? "take" : "gather");
  g = reshape(g, idx.gathered);
  if (!is_identity(idx.perm)) g = transpose(g, idx.perm);
  return reshape(g, idx.out_shape);
}

// The value, shaped as the read would be, rearranged into Scatter's update layout.
array scatter_updates(const array& v, const AdvancedIndex& idx, const array& view) {
  Shape vshape = v.shape();
  while (vshape.size() > idx.out_shape.size() && vshape[0] == 1) vshape.erase(vshape.begin());
  array u = broadcast_to(reshape(v, vshape), idx.out_shape);
  Shape permuted;
  for (int p : idx.perm) permuted.push_back(idx.gathered[p]);
  u = reshape(u, permuted);  // drop the None axes
  if (!is_identity(idx.perm)) {
    std::vector<int> inverse(idx.perm.size());
    for (size_t i = 0; i < idx.perm.size(); ++i) inverse[idx.perm[i]] = int(i);
    u = transpose(u, inverse);
  }
  Shape ushape = idx.index_shape;
  Shape sizes = slice_sizes(idx, view);
  ushape.insert(ushape.end(), sizes.begin(), sizes.end());
  return reshape(u, ushape);
}

array scatter_advanced(const array& a, const AdvancedIndex& idx, const array& v,
                       ScatterReduce reduce) {
  array view = view_of(a, idx);
  array out = scatter(view, idx.indices, scatter_updates(v, idx, view), idx.axes, reduce);
  if (idx.view_is_whole) return out;
  return slice_update(a, out, idx.start, idx.stop, idx.step);
}

}  // namespace

array getitem(const array& a, nb::handle index) {
  if (has_array_index(index)) return gather_advanced(a, parse_advanced(a, index, "gather"));
  BasicIndex idx = parse(a, index);
  array view = a.ndim() ? slice(a, idx.start, idx.stop, idx.step) : a;
  return reshape(view, idx.out_shape);
}

namespace {

void setitem_basic(array& a, nb::handle index, const array& v) {
  // MLX replaces the whole array when the index is a bare None or Ellipsis, or the
  // array is 0-d: the result then has the value's dtype (a[...] = 1.5 on an int
  // array gives float32). Only a bare None keeps the value's leading 1s.
  bool bare = is_none(index) || is_ellipsis(index);
  if (bare || a.ndim() == 0) {
    if (!bare) parse(a, index);  // validates: ints and slices of a 0-d array raise
    array update = is_none(index) ? v : drop_leading_ones(v);
    a.overwrite_descriptor(broadcast_to(update, a.shape()));
    return;
  }
  BasicIndex idx = parse(a, index);
  // The value broadcasts against the indexed shape (int axes dropped, None axes
  // added, extra leading 1s ignored), then maps onto the selected source region.
  Shape vshape = v.shape();
  while (vshape.size() > idx.out_shape.size() && vshape[0] == 1) vshape.erase(vshape.begin());
  array update = reshape(broadcast_to(reshape(v, vshape), idx.out_shape), idx.region);
  a.overwrite_descriptor(slice_update(a, update, idx.start, idx.stop, idx.step));
}

}  // namespace

void setitem(array& a, nb::handle index, nb::handle value) {
  array v = setitem_value(value, a.dtype());
  if (has_array_index(index)) {
    AdvancedIndex idx = parse_advanced(a, index, "scatter");
    a.overwrite_descriptor(scatter_advanced(a, idx, astype(v, a.dtype()), ScatterReduce::None));
    return;
  }
  setitem_basic(a, index, v);
}

// ---- array.at[idx].add(v) and friends ----------------------------------------------

namespace {

struct ArrayAt {
  array x;
  nb::object index;
};

enum class AtOp { Add, Subtract, Multiply, Divide, Maximum, Minimum };

array at_value(nb::handle value, Dtype dtype) {
  if (is_python_scalar(value)) return scalar_to_array(value, dtype);
  return to_operand(value);  // lists raise as in MLX
}

array apply_at(const ArrayAt& at, AtOp op, nb::handle value) {
  if (!at.index.is_valid()) {
    throw std::invalid_argument("[ArrayAt] Index the ArrayAt first: a.at[idx].add(v).");
  }
  const array& a = at.x;
  array v = at_value(value, a.dtype());
  // As MLX: the value is cast to the array's dtype first; subtract adds the
  // negation, divide multiplies by the (cast) reciprocal.
  ScatterReduce reduce = ScatterReduce::Sum;
  switch (op) {
    case AtOp::Add: v = astype(v, a.dtype()); break;
    case AtOp::Subtract: v = negative(astype(v, a.dtype())); break;
    case AtOp::Multiply: v = astype(v, a.dtype()), reduce = ScatterReduce::Prod; break;
    case AtOp::Divide:
      v = astype(divide(array(int32_t(1)), v), a.dtype());
      reduce = ScatterReduce::Prod;
      break;
    case AtOp::Maximum: v = astype(v, a.dtype()), reduce = ScatterReduce::Max; break;
    case AtOp::Minimum: v = astype(v, a.dtype()), reduce = ScatterReduce::Min; break;
  }
  nb::handle index = at.index;
  if (has_array_index(index)) {
    return scatter_advanced(a, parse_advanced(a, index, "scatter"), v, reduce);
  }
  // Basic indices select each element once: read, combine, write back.
  array sub = getitem(a, index);
  Shape vshape = v.shape();
  while (vshape.size() > sub.shape().size() && vshape[0] == 1) vshape.erase(vshape.begin());
  v = broadcast_to(reshape(v, vshape), sub.shape());
  array combined = reduce == ScatterReduce::Sum    ? add(sub, v)
                   : reduce == ScatterReduce::Prod ? multiply(sub, v)
                   : reduce == ScatterReduce::Max  ? maximum(sub, v)
                                                   : minimum(sub, v);
  combined = astype(combined, a.dtype());
  array out = a;
  if (is_none(index) || is_ellipsis(index)) return reshape(combined, a.shape());
  setitem_basic(out, index, combined);
  return out;
}

}  // namespace

// ---- module functions and the ArrayAt type ----------------------------------------

namespace {

[[noreturn]] void bad_arguments(const char* sig, std::initializer_list<nb::handle> args) {
  std::string types;
  for (auto h : args) types += (types.empty() ? "" : ", ") + std::string(nb::type_name(h.type()).c_str());
  throw nb::type_error(msg(sig, "\n\nInvoked with types: ", types).c_str());
}

const array& array_arg(nb::handle h, const char* sig, std::initializer_list<nb::handle> args) {
  if (!nb::isinstance<array>(h)) bad_arguments(sig, args);
  return nb::cast<const array&>(h);
}

const char* kTakeSig =
    "take(): incompatible function arguments. The following argument types are supported:\n"
    "    1. take(a: array, /, indices: int | array, axis: int | None = None, *, stream: "
    "StreamOrDevice = None) -> array";

}  // namespace

void init_indexing(nb::module_& m) {
  nb::class_<ArrayAt>(m, "ArrayAt",
                      "A helper object to apply updates at specific indices (``a.at[idx]``).")
      .def("__getitem__", [](const ArrayAt& self, nb::object index) {
        return ArrayAt{self.x, index};
      }, "indices"_a.none())
      .def("add", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Add, v); },
           "value"_a, "Add ``value`` at the indices; repeated indices all add.")
      .def("subtract", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Subtract, v); },
           "value"_a, "Subtract ``value`` at the indices.")
      .def("multiply", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Multiply, v); },
           "value"_a, "Multiply by ``value`` at the indices.")
      .def("divide", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Divide, v); },
           "value"_a, "Divide by ``value`` at the indices.")
      .def("maximum", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Maximum, v); },
           "value"_a, "Keep the larger of the element and ``value`` at the indices.")
      .def("minimum", [](const ArrayAt& s, nb::handle v) { return apply_at(s, AtOp::Minimum, v); },
           "value"_a, "Keep the smaller of the element and ``value`` at the indices.");

  // array.at: a read-only property returning the updater (nanobind has no
  // property-on-existing-class helper, so build Python's property directly).
  nb::object property = nb::module_::import_("builtins").attr("property");
  nb::setattr(nb::type<array>(), "at",
              property(nb::cpp_function([](const array& a) { return ArrayAt{a, nb::object()}; }),
                       nb::none(), nb::none(),
                       "Used to apply updates at the given indices: ``x = x.at[idx].add(y)`` "
                       "applies every update, also for repeated indices, where ``x[idx] += y`` "
                       "keeps only one of them."));

  m.def("take", [](nb::handle a, nb::handle indices, std::optional<int> axis, StreamOrDevice s) {
    const array& x = array_arg(a, kTakeSig, {a, indices});
    if (PyLong_Check(indices.ptr())) {
      int64_t i = nb::cast<int64_t>(indices);
      return axis ? take(x, i, *axis, s) : take(x, i, s);
    }
    const array& idx = array_arg(indices, kTakeSig, {a, indices});
    return axis ? take(x, idx, *axis, s) : take(x, idx, s);
  }, "a"_a, nb::arg("indices"), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def take(a: array, /, indices: int | array, axis: int | None = None, *, "
             "stream: StreamOrDevice = None) -> array"),
     R"(Take elements along an axis.

Without ``axis`` the array is read as flattened to 1-D. With ``axis=1`` this is
``a[:, indices, ...]``.

Args:
    a (array): Input array.
    indices (int or array): An integer index or an array of integer indices.
    axis (int, optional): The axis to take along; flattened when not given.

Returns:
    array: The indexed values of ``a``.)");

  m.def("take_along_axis", [](const array& a, const array& indices, std::optional<int> axis,
                              StreamOrDevice s) { return take_along_axis(a, indices, axis, s); },
        "a"_a, nb::arg("indices"), "axis"_a.none() = -1, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def take_along_axis(a: array, /, indices: array, axis: int | None = -1, *, "
                "stream: StreamOrDevice = None) -> array"),
        R"(Take values along an axis at the given indices.

Args:
    a (array): Input array.
    indices (array): Indices, broadcastable with ``a`` except along ``axis``.
    axis (int or None): The axis to read along; ``None`` flattens ``a`` first.
      Defaults to ``-1``.

Returns:
    array: The output array.)");

  m.def("put_along_axis", [](const array& a, const array& indices, const array& values,
                             std::optional<int> axis, StreamOrDevice s) {
    return put_along_axis(a, indices, values, axis, s);
  }, "a"_a, nb::arg("indices"), nb::arg("values"), "axis"_a = nb::none(), nb::kw_only(),
     "stream"_a = nb::none(),
     nb::sig("def put_along_axis(a: array, /, indices: array, values: array, axis: int | None "
             "= None, *, stream: StreamOrDevice = None) -> array"),
     R"(Put values along an axis at the given indices.

Args:
    a (array): Destination array.
    indices (array): Indices, broadcastable with ``a`` except along ``axis``.
    values (array): Values, broadcastable with the indices.
    axis (int or None): The axis to write along; ``None`` flattens ``a`` first.

Returns:
    array: The output array.)");

  m.def("slice", [](const array& a, const array& start_indices, const std::vector<int>& axes,
                    const ShapeArg& slice_size, StreamOrDevice s) {
    return dynamic_slice(a, start_indices, axes, slice_size.value, s);
  }, "a"_a, "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(), "stream"_a = nb::none(),
     R"(Extract a sub-array whose start is given by an array.

Start indices out of range are wrapped once (negative values count from the
end) and clamped so the slice stays inside the array.

Args:
  a (array): Input array.
  start_indices (array): The start of the slice on each of ``axes``.
  axes (tuple(int)): The axes ``start_indices`` refer to.
  slice_size (tuple(int)): The size of the slice on every axis.

Returns:
  array: The sliced array.)");

  m.def("slice_update", [](const array& a, const array& update, const array& start_indices,
                           const std::vector<int>& axes, StreamOrDevice s) {
    return dynamic_slice_update(a, update, start_indices, axes, s);
  }, "a"_a, "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(), "stream"_a = nb::none(),
     R"(Update a sub-array whose start is given by an array.

Args:
  a (array): The input array.
  update (array): The values to write (broadcast to ``a``'s rank).
  start_indices (array): The start of the slice on each of ``axes``.
  axes (tuple(int)): The axes ``start_indices`` refer to.

Returns:
  array: A new array with ``a``'s shape and dtype.)");
}
