// Basic indexing: ints, slices (any step), None and Ellipsis. Reads are
// views (Slice + Reshape); writes are SliceUpdate on the same handle.
#include "python/indexing.h"

#include "mlx/ops/shape_util.h"

namespace {

struct BasicIndex {
  Shape start, stop, step;  // one per source axis
  Shape out_shape;          // after ints are dropped and None axes added
};

bool is_none(nb::handle h) { return h.is_none(); }
bool is_ellipsis(nb::handle h) { return h.ptr() == Py_Ellipsis; }
bool is_int_index(nb::handle h) {
  return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr());
}

BasicIndex parse(const array& a, nb::handle index) {
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
  if (consumed > a.ndim()) {
    throw std::out_of_range(msg("Too many indices for array with ", a.ndim(), " dimensions."));
  }
  BasicIndex r;
  int axis = 0;
  auto full_axis = [&](int ax) {
    r.start.push_back(0);
    r.stop.push_back(a.shape(ax));
    r.step.push_back(1);
    r.out_shape.push_back(a.shape(ax));
  };
  for (auto h : items) {
    if (is_ellipsis(h)) {
      for (int k = 0; k < a.ndim() - consumed; ++k) full_axis(axis++);
    } else if (is_none(h)) {
      r.out_shape.push_back(1);
    } else if (is_int_index(h)) {
      int64_t n = a.shape(axis);
      int64_t i = nb::cast<int64_t>(h);
      if (i < -n || i >= n) {
        // Known at call time: raise as NumPy does (stricter than MLX).
        throw std::out_of_range(msg("Index ", i, " is out of bounds for axis ", axis,
                                    " with size ", n, "."));
      }
      if (i < 0) i += n;
      r.start.push_back(int32_t(i));
      r.stop.push_back(int32_t(i + 1));
      r.step.push_back(1);
      axis++;
    } else {  // slice
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(h.ptr(), &start, &stop, &step) < 0) throw nb::python_error();
      Py_ssize_t len = PySlice_AdjustIndices(a.shape(axis), &start, &stop, step);
      // Adjusted stops below 0 mean "before the first element"; keep them
      // out of the negative-index wrap range that slice() applies.
      if (stop < 0) stop -= a.shape(axis);
      r.start.push_back(int32_t(start));
      r.stop.push_back(int32_t(stop));
      r.step.push_back(int32_t(step));
      r.out_shape.push_back(int32_t(len));
      axis++;
    }
  }
  while (axis < a.ndim()) full_axis(axis++);
  return r;
}

}  // namespace

array getitem(const array& a, nb::handle index) {
  if (a.ndim() == 0 && !(is_none(index) || is_ellipsis(index) || PyTuple_Check(index.ptr()))) {
    throw std::invalid_argument("too many indices for array: array is 0-dimensional");
  }
  BasicIndex idx = parse(a, index);
  array view = a.ndim() ? slice(a, idx.start, idx.stop, idx.step) : a;
  return reshape(view, idx.out_shape);
}

void setitem(array& a, nb::handle index, nb::handle value) {
  BasicIndex idx = parse(a, index);
  array v = is_python_scalar(value) ? scalar_to_array(value, a.dtype()) : to_array(value);
  // The update broadcasts against the indexed region's shape (with None and
  // int axes as NumPy sees them), then maps onto the sliced source region.
  Shape region;
  for (size_t i = 0; i < idx.start.size(); ++i) {
    int64_t n = a.shape(int(i)), b = idx.start[i], e = idx.stop[i], st = idx.step[i];
    int64_t len = st > 0 ? (e > b ? (e - b + st - 1) / st : 0) : (b > e ? (b - e - st - 1) / -st : 0);
    (void)n;
    region.push_back(int32_t(len));
  }
  Shape vshape = v.shape();
  while (!vshape.empty() && vshape.size() > idx.out_shape.size() && vshape[0] == 1) vshape.erase(vshape.begin());
  array vb = broadcast_to(reshape(v, vshape), idx.out_shape);
  array update = reshape(vb, region);
  if (a.ndim() == 0) {
    a.overwrite_descriptor(astype(broadcast_to(v, {}), a.dtype()));
    return;
  }
  Shape stop = idx.stop;
  a.overwrite_descriptor(slice_update(a, update, idx.start, stop, idx.step));
}
