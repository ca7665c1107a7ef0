// Module-level op functions with MLX's signatures (Python scalars and lists
// are accepted wherever MLX accepts `array | scalar`).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "mlx/ops/shape_util.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

using Axes = std::optional<std::variant<int, std::vector<int>>>;
using IntOrVec = std::variant<int, std::vector<int>>;

namespace {

std::vector<int> axes_or_all(const Axes& axes, int ndim) {
  if (!axes) return all_axes(ndim);
  if (std::holds_alternative<int>(*axes)) return {std::get<int>(*axes)};
  return std::get<std::vector<int>>(*axes);
}

std::vector<int> to_vec(const IntOrVec& v) {
  if (std::holds_alternative<int>(v)) return {std::get<int>(v)};
  return std::get<std::vector<int>>(v);
}

Shape to_shape(const IntOrVec& v) {
  auto x = to_vec(v);
  return Shape(x.begin(), x.end());
}

using UnaryFn = array (*)(const array&, StreamOrDevice);
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

void def_unary(nb::module_& m, const char* name, UnaryFn fn, const char* doc) {
  m.def(name, [fn](nb::handle a, StreamOrDevice s) { return fn(to_operand(a), s); },
        "a"_a, nb::kw_only(), "stream"_a = nb::none(), doc);
}

void def_binary(nb::module_& m, const char* name, BinaryFn fn, const char* doc) {
  m.def(name, [fn](nb::handle a, nb::handle b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return fn(x, y, s);
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(), doc);
}

using ReduceFn = array (*)(const array&, const std::vector<int>&, bool, StreamOrDevice);

void def_reduce(nb::module_& m, const char* name, ReduceFn fn, const char* doc) {
  m.def(name, [fn](const array& a, const Axes& axis, bool keepdims, StreamOrDevice s) {
    const array& x = a;
    return fn(x, axes_or_all(axis, x.ndim()), keepdims, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(), doc);
}

}  // namespace

void init_ops(nb::module_& m) {
  // ---- elementwise unary ----
  struct { const char* name; UnaryFn fn; } unary[] = {
      {"abs", abs}, {"negative", negative}, {"sign", sign}, {"square", square},
      {"floor", floor}, {"ceil", ceil}, {"conjugate", conjugate}, {"conj", conjugate},
      {"real", real}, {"imag", imag}, {"logical_not", logical_not},
      {"bitwise_invert", bitwise_invert}, {"exp", exp}, {"expm1", expm1}, {"log", log},
      {"log2", log2}, {"log10", log10}, {"log1p", log1p}, {"sin", sin}, {"cos", cos},
      {"tan", tan}, {"sinh", sinh}, {"cosh", cosh}, {"tanh", tanh}, {"arcsin", arcsin},
      {"arccos", arccos}, {"arctan", arctan}, {"arcsinh", arcsinh}, {"arccosh", arccosh},
      {"arctanh", arctanh}, {"asin", arcsin}, {"acos", arccos}, {"atan", arctan},
      {"asinh", arcsinh}, {"acosh", arccosh}, {"atanh", arctanh}, {"sqrt", sqrt},
      {"rsqrt", rsqrt}, {"reciprocal", reciprocal}, {"erf", erf}, {"erfinv", erfinv},
      {"sigmoid", sigmoid}, {"degrees", degrees}, {"radians", radians}, {"isnan", isnan},
      {"isinf", isinf}, {"isfinite", isfinite}, {"isposinf", isposinf}, {"isneginf", isneginf},
  };
  for (auto& u : unary) def_unary(m, u.name, u.fn, "Element-wise operation.");
  // These three take arrays only in MLX (no Python scalars).
  m.def("trunc", [](const array& a, StreamOrDevice s) { return trunc(a, s); }, "a"_a,
        nb::kw_only(), "stream"_a = nb::none());
  m.def("stop_gradient", [](const array& a, StreamOrDevice s) { return stop_gradient(a, s); }, "a"_a,
        nb::kw_only(), "stream"_a = nb::none());
  m.def("positive", [](const array& a, StreamOrDevice) { return a; }, "a"_a,
        nb::kw_only(), "stream"_a = nb::none());
  m.def("round", [](nb::handle a, int decimals, StreamOrDevice s) { return round(to_operand(a), decimals, s); },
        "a"_a, "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(), "Round to the given number of decimals.");

  // ---- elementwise binary ----
  struct { const char* name; BinaryFn fn; } binary[] = {
      {"add", add}, {"subtract", subtract}, {"multiply", multiply}, {"divide", divide},
      {"floor_divide", floor_divide}, {"remainder", remainder}, {"power", power},
      {"pow", power}, {"maximum", maximum}, {"minimum", minimum}, {"arctan2", arctan2},
      {"atan2", arctan2}, {"logaddexp", logaddexp}, {"equal", equal}, {"not_equal", not_equal},
      {"less", less}, {"less_equal", less_equal}, {"greater", greater},
      {"greater_equal", greater_equal},
      {"bitwise_and", bitwise_and}, {"bitwise_or", bitwise_or}, {"bitwise_xor", bitwise_xor},
      {"left_shift", left_shift}, {"right_shift", right_shift},
      {"bitwise_left_shift", left_shift}, {"bitwise_right_shift", right_shift},
  };
  for (auto& b : binary) def_binary(m, b.name, b.fn, "Element-wise operation with broadcasting.");
  // Logical ops read operands as truth values: Python scalars need not fit
  // the other operand's dtype (MLX raises no overflow error here).
  m.def("logical_and", [](nb::handle a, nb::handle b, StreamOrDevice s) {
    return logical_and(to_operand(a), to_operand(b), s);
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(), "Element-wise logical and.");
  m.def("logical_or", [](nb::handle a, nb::handle b, StreamOrDevice s) {
    return logical_or(to_operand(a), to_operand(b), s);
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(), "Element-wise logical or.");
  m.def("logical_xor", [](nb::handle a, nb::handle b, StreamOrDevice s) {
    return not_equal(astype(to_operand(a), bool_, s), astype(to_operand(b), bool_, s), s);
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("divmod", [](nb::handle a, nb::handle b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    auto r = divmod(x, y, s);
    nb::list out;
    out.append(r[0]);
    out.append(r[1]);
    return out;
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("where", [](nb::handle c, nb::handle x, nb::handle y, StreamOrDevice s) {
    auto [a, b] = to_arrays(x, y);
    return where(to_operand(c), a, b, s);
  }, "condition"_a, "x"_a, "y"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("clip", [](nb::handle a, nb::handle lo, nb::handle hi, StreamOrDevice s) {
    array x = to_operand(a);
    auto conv = [&](nb::handle h) -> std::optional<array> {
      if (h.is_none()) return std::nullopt;
      return is_python_scalar(h) ? scalar_to_array(h, x.dtype()) : to_array(h);
    };
    return clip(x, conv(lo), conv(hi), s);
  }, "a"_a, "a_min"_a.none(), "a_max"_a.none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("isclose", [](const array& x, const array& y, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
    return isclose(x, y, rtol, atol, equal_nan, s);
  }, "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none());
  m.def("allclose", [](const array& x, const array& y, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
    return allclose(x, y, rtol, atol, equal_nan, s);
  }, "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none());
  m.def("array_equal", [](nb::handle a, nb::handle b, bool equal_nan, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return array_equal(x, y, equal_nan, s);
  }, "a"_a, "b"_a, nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none());
  m.def("nan_to_num", [](nb::handle a, float nan, std::optional<float> posinf, std::optional<float> neginf, StreamOrDevice s) {
    return nan_to_num(to_operand(a), nan, posinf, neginf, s);
  }, "a"_a, "nan"_a = 0, "posinf"_a = nb::none(), "neginf"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("matmul", [](const array& a, const array& b, StreamOrDevice s) {
    return matmul(a, b, s);
  }, "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(), "Matrix multiplication.");

  // ---- reductions ----
  def_reduce(m, "sum", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return sum(a, ax, k, s); }, "Sum reduction.");
  def_reduce(m, "prod", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return prod(a, ax, k, s); }, "Product reduction.");
  def_reduce(m, "max", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return max(a, ax, k, s); }, "Max reduction.");
  def_reduce(m, "min", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return min(a, ax, k, s); }, "Min reduction.");
  def_reduce(m, "all", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return all(a, ax, k, s); }, "And reduction.");
  def_reduce(m, "any", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return any(a, ax, k, s); }, "Or reduction.");
  def_reduce(m, "mean", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return mean(a, ax, k, s); }, "Mean reduction.");
  def_reduce(m, "logsumexp", [](const array& a, const std::vector<int>& ax, bool k, StreamOrDevice s) { return logsumexp(a, ax, k, s); }, "Log-sum-exp reduction.");
  m.def("var", [](const array& a, const Axes& axis, bool keepdims, int ddof, StreamOrDevice s) {
    array x = a;
    return var(x, axes_or_all(axis, x.ndim()), keepdims, ddof, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("std", [](const array& a, const Axes& axis, bool keepdims, int ddof, StreamOrDevice s) {
    array x = a;
    return mlx_core::std(x, axes_or_all(axis, x.ndim()), keepdims, ddof, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("softmax", [](const array& a, const Axes& axis, bool precise, StreamOrDevice s) {
    array x = a;
    return softmax(x, axes_or_all(axis, x.ndim()), precise, s);
  }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "precise"_a = false, "stream"_a = nb::none());
  m.def("argmax", [](const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
    return argmax(a, axis, keepdims, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none());
  m.def("argmin", [](const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
    return argmin(a, axis, keepdims, s);
  }, "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none());

  // ---- creation ----
  auto dtype_or = [](std::optional<Dtype> d, Dtype def) { return d ? *d : def; };
  m.def("zeros", [=](nb::object shape, std::optional<Dtype> dtype, StreamOrDevice s) {
    return zeros(shape_from_python(shape, "zeros"), dtype_or(dtype, float32), s);
  }, "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def zeros(shape: int | collections.abc.Sequence[int], dtype: Dtype | None = float32, *, stream: Stream | Device | None = None) -> array"));
  m.def("ones", [=](nb::object shape, std::optional<Dtype> dtype, StreamOrDevice s) {
    return ones(shape_from_python(shape, "ones"), dtype_or(dtype, float32), s);
  }, "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def ones(shape: int | collections.abc.Sequence[int], dtype: Dtype | None = float32, *, stream: Stream | Device | None = None) -> array"));
  m.def("empty", [=](nb::object shape, std::optional<Dtype> dtype, StreamOrDevice s) {
    return zeros(shape_from_python(shape, "empty"), dtype_or(dtype, float32), s);
  }, "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def empty(shape: int | collections.abc.Sequence[int], dtype: Dtype | None = float32, *, stream: Stream | Device | None = None) -> array"));
  m.def("full", [](nb::object shape_obj, nb::handle vals, std::optional<Dtype> dtype, StreamOrDevice s) {
    Shape shape = shape_from_python(shape_obj, "full");
    // MLX: an array value keeps its dtype; a Python scalar follows the weak
    // scalar rules against `dtype` (a float with an integer dtype stays float32).
    array v = to_operand(vals);
    if (dtype && is_python_scalar(vals)) {
      bool is_float = PyFloat_Check(vals.ptr());
      v = is_float && !is_floating_point(*dtype) ? astype(v, float32, s) : scalar_to_array(vals, *dtype);
    }
    return full(shape, v, v.dtype(), s);
  }, "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def full(shape: int | collections.abc.Sequence[int], vals: scalar | array, dtype: Dtype | None = None, *, stream: Stream | Device | None = None) -> array"));
  m.def("zeros_like", [](const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
    return zeros(a.shape(), dtype ? *dtype : a.dtype(), s);
  }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("ones_like", [](const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
    return ones(a.shape(), dtype ? *dtype : a.dtype(), s);
  }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("empty_like", [](const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
    return zeros(a.shape(), dtype ? *dtype : a.dtype(), s);
  }, "a"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("full_like", [](const array& a, nb::handle vals, std::optional<Dtype> dtype, StreamOrDevice s) {
    // A Python scalar is weak against the target dtype (an int must fit it), then cast to it:
    // unlike full, a float with an integer dtype is truncated.
    Dtype d = dtype ? *dtype : a.dtype();
    return full(a.shape(), is_python_scalar(vals) ? scalar_to_array(vals, d) : to_operand(vals), d, s);
  }, "a"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("_arange", [](double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
    return arange(start, stop, step, dtype, s);
  }, "start"_a, "stop"_a, "step"_a, "dtype"_a, "stream"_a.none());
  m.def("linspace", [](double start, double stop, std::optional<int> num, bool endpoint,
                       std::optional<Dtype> dtype, StreamOrDevice s) {
    int n = num ? *num : 50;
    if (!endpoint && n > 0) {
      // Without the endpoint: n points of the (n + 1)-point grid.
      array full_grid = linspace(start, stop, n + 1, dtype ? *dtype : float32, s);
      return slice(full_grid, {0}, {n}, {1}, s);
    }
    return linspace(start, stop, n, dtype ? *dtype : float32, s);
  }, "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = float32, "stream"_a = nb::none());
  m.def("eye", [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, StreamOrDevice s) {
    return eye(n, mm ? *mm : n, k, dtype ? *dtype : float32, s);
  }, "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def eye(n: int, m: int | None = None, k: int = 0, dtype: Dtype | None = float32, *, stream: Stream | Device | None = None) -> array"));
  m.def("identity", [](int n, std::optional<Dtype> dtype, StreamOrDevice s) {
    return eye(n, n, 0, dtype ? *dtype : float32, s);
  }, "n"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def identity(n: int, dtype: Dtype | None = float32, *, stream: Stream | Device | None = None) -> array"));
  m.def("tri", [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, StreamOrDevice s) {
    return tri(n, mm ? *mm : n, k, dtype ? *dtype : float32, s);
  }, "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("tril", [](const array& x, int k, StreamOrDevice s) { return tril(x, k, s); }, "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("triu", [](const array& x, int k, StreamOrDevice s) { return triu(x, k, s); }, "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("meshgrid", [](nb::args arrays, bool sparse, std::string indexing, StreamOrDevice s) {
    std::vector<array> in;
    for (auto h : arrays) in.push_back(to_array(h));
    return nb::tuple(nb::cast(meshgrid(in, sparse, indexing, s)));
  }, "arrays"_a, "sparse"_a = false, "indexing"_a = "xy", "stream"_a = nb::none());

  // ---- shape ----
  m.def("reshape", [](const array& a, const ShapeArg& shape, StreamOrDevice s) {
    return reshape(a, shape.value, s);
  }, "a"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, "a"_a, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(), "stream"_a = nb::none());
  m.def("unflatten", [](const array& a, int axis, const ShapeArg& shape, StreamOrDevice s) {
    return unflatten(a, axis, shape.value, s);
  }, "a"_a, "axis"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("squeeze", [](const array& a, const Axes& axis, StreamOrDevice s) {
    array x = a;
    return axis ? squeeze(x, axes_or_all(axis, x.ndim()), s) : squeeze(x, s);
  }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("expand_dims", [](const array& a, const IntOrVec& axis, StreamOrDevice s) {
    return expand_dims(a, to_vec(axis), s);
  }, "a"_a, "axis"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("transpose", [](const array& a, std::optional<std::vector<int>> axes, StreamOrDevice s) {
    array x = a;
    return axes ? transpose(x, *axes, s) : transpose(x, s);
  }, "a"_a, "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("permute_dims", [](const array& a, std::optional<std::vector<int>> axes, StreamOrDevice s) {
    array x = a;
    return axes ? transpose(x, *axes, s) : transpose(x, s);
  }, "a"_a, "axes"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("swapaxes", [](const array& a, int a1, int a2, StreamOrDevice s) { return swapaxes(a, a1, a2, s); },
        "a"_a, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("moveaxis", [](const array& a, int src, int dst, StreamOrDevice s) { return moveaxis(a, src, dst, s); },
        "a"_a, "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("matrix_transpose", [](const array& a, StreamOrDevice s) {
    array x = a;
    if (x.ndim() < 2) throw std::invalid_argument("[matrix_transpose] Array must have at least 2 dimensions.");
    return swapaxes(x, -1, -2, s);
  }, "a"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("broadcast_to", [](nb::handle a, const ShapeArg& shape, StreamOrDevice s) {
    return broadcast_to(to_operand(a), shape.value, s);
  }, "a"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
     nb::sig("def broadcast_to(a: scalar | array, shape: collections.abc.Sequence[int], *, stream: Stream | Device | None = None) -> array"));
  // A list, as MLX returns (its docstring says tuple); only arrays are accepted.
  m.def("broadcast_arrays", [](nb::args arrays, StreamOrDevice s) {
    std::vector<array> in;
    for (auto h : arrays) {
      // MLX 0.32.4 raises std::bad_cast (RuntimeError) for a non-array.
      if (!nb::isinstance<array>(h)) {
        throw std::runtime_error(msg("[broadcast_arrays] Expected arrays, got ",
                                     nb::type_name(h.type()).c_str(), "."));
      }
      in.push_back(nb::cast<array>(h));
    }
    nb::list out;
    for (auto& b : broadcast_arrays(in, s)) out.append(b);
    return out;
  }, "arrays"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("broadcast_shapes", [](nb::args shapes) {
    if (shapes.size() == 0) throw std::invalid_argument("[broadcast_shapes] No input shapes provided.");
    Shape out;
    for (auto h : shapes) {
      auto v = nb::cast<std::vector<int>>(h);
      out = broadcast_shapes(out, Shape(v.begin(), v.end()));
    }
    nb::list l;
    for (auto d : out) l.append(d);
    return nb::tuple(l);
  }, "shapes"_a);
  m.def("concatenate", [](std::vector<array> arrays, std::optional<int> axis, StreamOrDevice s) {
    return concatenate(arrays, axis, s);
  }, "arrays"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("concat", [](std::vector<array> arrays, std::optional<int> axis, StreamOrDevice s) {
    return concatenate(arrays, axis, s);
  }, "arrays"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("stack", [](std::vector<array> arrays, int axis, StreamOrDevice s) { return stack(arrays, axis, s); },
        "arrays"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("split", [](const array& a, const IntOrVec& indices, int axis, StreamOrDevice s) {
    array x = a;
    if (std::holds_alternative<int>(indices)) return split(x, std::get<int>(indices), axis, s);
    auto v = std::get<std::vector<int>>(indices);
    return split(x, Shape(v.begin(), v.end()), axis, s);
  }, "a"_a, "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("unstack", [](const array& x, int axis, StreamOrDevice s) {
    nb::list out;
    for (auto& part : unstack(x, axis, s)) out.append(part);
    return nb::tuple(out);
  }, "x"_a, nb::kw_only(), "axis"_a = 0, "stream"_a = nb::none());
  m.def("tile", [](const array& a, const IntOrVec& reps, StreamOrDevice s) { return tile(a, to_vec(reps), s); },
        "a"_a, "reps"_a, nb::kw_only(), "stream"_a = nb::none());
  m.def("repeat", [](const array& a, int repeats, std::optional<int> axis, StreamOrDevice s) {
    return repeat(a, repeats, axis, s);
  }, "array"_a, "repeats"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  m.def("flip", [](const array& a, const Axes& axis, StreamOrDevice s) {
    array x = a;
    return flip(x, axis ? std::optional(axes_or_all(axis, x.ndim())) : std::nullopt, s);
  }, "a"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  // An int axis rolls by the sum of the shifts; an int shift is used for every
  // axis of a tuple (MLX's rules, see roll in ops/shape.cpp for the rest).
  m.def("roll", [](const array& a, const IntOrVec& shift, const Axes& axis, StreamOrDevice s) {
    Shape shifts = to_shape(shift);
    if (!axis) return roll(a, shifts, std::nullopt, s);
    if (std::holds_alternative<int>(*axis)) {
      int64_t total = 0;
      for (auto v : shifts) total += v;
      return roll(a, {int32_t(total)}, std::vector<int>{std::get<int>(*axis)}, s);
    }
    auto axes = std::get<std::vector<int>>(*axis);
    if (std::holds_alternative<int>(shift)) shifts.assign(axes.size(), std::get<int>(shift));
    return roll(a, shifts, axes, s);
  }, "a"_a, "shift"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none());
  using PadWidth = std::variant<int, std::tuple<int>, std::pair<int, int>,
                                std::vector<std::pair<int, int>>>;
  m.def("pad", [](const array& a, const PadWidth& pad_width, const std::string& mode,
                  nb::handle constant_values, StreamOrDevice s) {
    // One int, (n,), one pair, or one pair per axis; a single pair applies to every axis.
    std::vector<std::pair<int, int>> widths;
    if (auto* n = std::get_if<int>(&pad_width)) widths.assign(a.ndim(), {*n, *n});
    if (auto* t = std::get_if<std::tuple<int>>(&pad_width)) {
      widths.assign(a.ndim(), {std::get<0>(*t), std::get<0>(*t)});
    }
    if (auto* p = std::get_if<std::pair<int, int>>(&pad_width)) widths.assign(a.ndim(), *p);
    if (auto* v = std::get_if<std::vector<std::pair<int, int>>>(&pad_width)) {
      widths = v->size() == 1 ? std::vector<std::pair<int, int>>(a.ndim(), (*v)[0]) : *v;
    }
    array value = is_python_scalar(constant_values) ? scalar_to_array(constant_values, a.dtype())
                                                    : to_operand(constant_values);
    return pad(a, widths, value, mode, s);
  }, "a"_a, "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0, nb::kw_only(),
     "stream"_a = nb::none(),
     nb::sig("def pad(a: array, pad_width: int | tuple[int] | tuple[int, int] | list[tuple[int, int]], mode: Literal['constant', 'edge', 'reflect', 'symmetric'] = 'constant', constant_values: scalar | array = 0, *, stream: Stream | Device | None = None) -> array"),
     "Pad an array with a constant value, its edge values, or its reflection.");
  m.def("_atleast_nd", [](const array& a, int n, StreamOrDevice s) { return atleast_nd(a, n, s); },
        "a"_a, "n"_a, "stream"_a.none());
  m.def("as_strided", [](const array& a, std::optional<std::vector<int>> shape,
                         std::optional<std::vector<int64_t>> strides, size_t offset, StreamOrDevice s) {
    Shape sh = shape ? Shape(shape->begin(), shape->end()) : a.shape();
    Strides st = strides ? Strides(strides->begin(), strides->end()) : row_major_strides(sh);
    return as_strided(a, sh, st, offset, s);
  }, "a"_a, "shape"_a = nb::none(), "strides"_a = nb::none(), "offset"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("contiguous", [](const array& a, bool allow_col_major, StreamOrDevice s) {
    return contiguous(a, allow_col_major, s);
  }, "a"_a, "allow_col_major"_a = false, nb::kw_only(), "stream"_a = nb::none());
  m.def("diagonal", [](const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
    return diagonal(a, offset, axis1, axis2, s);
  }, "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a = nb::none());
  m.def("diag", [](const array& a, int k, StreamOrDevice s) { return diag(a, k, s); },
        "a"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none());
  m.def("astype", [](const array& a, Dtype d, StreamOrDevice s) { return astype(a, d, s); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a = nb::none());
  // MLX accepts a Python scalar here.
  m.def("view", [](nb::handle a, Dtype d, StreamOrDevice s) { return view(to_operand(a), d, s); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a = nb::none(),
        nb::sig("def view(a: scalar | array, dtype: Dtype, *, stream: Stream | Device | None = None) -> array"));

  // ---- evaluation ----
  m.def("_eval", [](std::vector<array> arrays) { eval(arrays); });
}
