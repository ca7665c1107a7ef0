// Basic indexing: ints, slices (any step), None and Ellipsis. Reads are
// views (Slice + Reshape); writes are SliceUpdate on the same handle.
#include "python/indexing.h"

#include "mlx/ops/shape_util.h"

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
      throw std::invalid_argument(
          "Cannot index mlx array using the given type yet (array indices come with gather).");
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

array getitem(const array& a, nb::handle index) {
  BasicIndex idx = parse(a, index);
  array view = a.ndim() ? slice(a, idx.start, idx.stop, idx.step) : a;
  return reshape(view, idx.out_shape);
}

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

void setitem(array& a, nb::handle index, nb::handle value) {
  array v = setitem_value(value, a.dtype());
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
