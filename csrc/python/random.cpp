// The `random` submodule: MLX's signatures, keyword names and defaults.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include "mlx/ops/random.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// The global key as a one-element sequence, as MLX's `mx.random.state`.
struct RandomState {};

// Python scalars take the requested dtype; arrays keep theirs.
array param(nb::handle h, Dtype dtype) {
  return is_python_scalar(h) ? to_array(h, dtype) : to_array(h);
}


}  // namespace

void init_random(nb::module_& parent) {
  auto m = parent.def_submodule("random", "mlx_core random number generation");

  nb::class_<RandomState>(m, "_RandomState")
      .def("__len__", [](const RandomState&) { return 1; })
      .def("__getitem__", [](const RandomState&, int i) {
        if (i != 0 && i != -1) throw nb::index_error("list index out of range");
        return random::global_key();
      })
      .def("__setitem__", [](const RandomState&, int i, const array& k) {
        if (i != 0 && i != -1) throw nb::index_error("list assignment index out of range");
        random::set_global_key(k);
      })
      .def("__iter__", [](const RandomState&) {
        nb::list l;
        l.append(nb::cast(random::global_key()));
        return nb::iter(l);
      });
  // MLX serves `state` through the module's __getattr__ (it is not in dir()).
  m.def("__getattr__", [](const std::string& name) -> nb::object {
    if (name == "state") return nb::cast(RandomState{});
    throw nb::attribute_error(("Module 'random' has no attribute '" + name + "'").c_str());
  });

  m.def("seed", [](uint64_t s) { random::seed(s); }, "seed"_a, nb::sig("def seed(seed: int) -> None"),
        "Seed the global PRNG.\n\nArgs:\n    seed (int): Seed for the global PRNG.");
  m.def("key", [](uint64_t s) { return random::key(s); }, "seed"_a, nb::sig("def key(seed: int) -> array"),
        "Get a PRNG key from a seed.\n\nArgs:\n    seed (int): Seed for the PRNG.\n\n"
        "Returns:\n    array: The PRNG key array.");
  m.def("split", [](const array& key, int num, StreamOrDevice s) { return random::split(key, num, s); },
        "key"_a, "num"_a = 2, "stream"_a = nb::none(),
        nb::sig("def split(key: array, num: int = 2, stream: Stream | Device | None = None) -> array"),
        "Split a PRNG key into sub keys.\n\nArgs:\n    key (array): Input key to split.\n"
        "    num (int, optional): Number of sub keys. Default: ``2``.\n\n"
        "Returns:\n    array: The array of sub keys with ``num`` as its first dimension.");

  m.def("uniform", [](nb::handle low, nb::handle high, const ShapeArg& shape, std::optional<Dtype> dtype,
                      const std::optional<array>& key, StreamOrDevice s) {
    return random::uniform(to_array(low), to_array(high), shape.value, dtype.value_or(float32), key, s);
  }, "low"_a = 0, "high"_a = 1, "shape"_a = std::vector<int>{}, "dtype"_a.none() = float32,
     "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def uniform(low: scalar | array = 0, high: scalar | array = 1, shape: collections.abc.Sequence[int] = [], "
             "dtype: Dtype | None = float32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
     "Generate uniformly distributed random numbers in the half-open interval ``[low, high)``.\n\n"
     "``low`` and ``high`` (scalars or arrays) must broadcast to ``shape``.");

  m.def("normal", [](const ShapeArg& shape, std::optional<Dtype> dtype, nb::handle loc, nb::handle scale,
                     const std::optional<array>& key, StreamOrDevice s) {
    Dtype d = dtype.value_or(float32);
    std::optional<array> l, sc;
    if (!loc.is_none()) l = param(loc, d);
    if (!scale.is_none()) sc = param(scale, d);
    return random::normal(shape.value, d, l, sc, key, s);
  }, "shape"_a = std::vector<int>{}, "dtype"_a.none() = float32, "loc"_a = nb::none(), "scale"_a = nb::none(),
     "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def normal(shape: collections.abc.Sequence[int] = [], dtype: Dtype | None = float32, "
             "loc: scalar | array | None = None, scale: scalar | array | None = None, key: array | None = None, "
             "stream: Stream | Device | None = None) -> array"),
     "Generate normally distributed random numbers (mean ``loc``, standard deviation ``scale``).\n\n"
     "For complex64 the real and imaginary parts are each N(0, 1/2).");

  m.def("randint", [](nb::handle low, nb::handle high, const ShapeArg& shape, std::optional<Dtype> dtype,
                      const std::optional<array>& key, StreamOrDevice s) {
    return random::randint(to_array(low), to_array(high), shape.value, dtype.value_or(int32), key, s);
  }, "low"_a, "high"_a, "shape"_a = std::vector<int>{}, "dtype"_a.none() = int32, "key"_a = nb::none(),
     "stream"_a = nb::none(),
     nb::sig("def randint(low: scalar | array, high: scalar | array, shape: collections.abc.Sequence[int] = [], "
             "dtype: Dtype | None = int32, key: array | None = None, stream: Stream | Device | None = None) -> array"),
     "Generate random integers from the half-open interval ``[low, high)``.\n\n"
     "Drawn from a float32 uniform and clamped to ``[low, high - 1]``, as MLX does.");

  m.def("bernoulli", [](nb::handle p, std::optional<ShapeArg> shape, const std::optional<array>& key,
                        StreamOrDevice s) {
    std::optional<Shape> sh;
    if (shape) sh = shape->value;
    return random::bernoulli(to_array(p), sh, key, s);
  }, "p"_a = 0.5, "shape"_a = nb::none(), "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def bernoulli(p: scalar | array = 0.5, shape: collections.abc.Sequence[int] | None = None, "
             "key: array | None = None, stream: Stream | Device | None = None) -> array"),
     "Generate Bernoulli random values with probability ``p`` (default shape: ``p.shape``).");

  m.def("truncated_normal", [](nb::handle lower, nb::handle upper, std::optional<ShapeArg> shape,
                               std::optional<Dtype> dtype, const std::optional<array>& key, StreamOrDevice s) {
    std::optional<Shape> sh;
    if (shape) sh = shape->value;
    return random::truncated_normal(to_array(lower), to_array(upper), sh, dtype.value_or(float32), key, s);
  }, "lower"_a, "upper"_a, "shape"_a = nb::none(), "dtype"_a.none() = float32, "key"_a = nb::none(),
     "stream"_a = nb::none(),
     nb::sig("def truncated_normal(lower: scalar | array, upper: scalar | array, "
             "shape: collections.abc.Sequence[int] | None = None, dtype: Dtype | None = float32, "
             "key: array | None = None, stream: Stream | Device | None = None) -> array"),
     "Generate values from a normal distribution truncated to ``(lower, upper)``.");

  m.def("gumbel", [](const ShapeArg& shape, std::optional<Dtype> dtype, const std::optional<array>& key,
                     StreamOrDevice s) {
    return random::gumbel(shape.value, dtype.value_or(float32), key, s);
  }, "shape"_a = std::vector<int>{}, "dtype"_a.none() = float32, "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def gumbel(shape: collections.abc.Sequence[int] = [], dtype: Dtype | None = float32, "
             "key: array | None = None, stream: Stream | Device | None = None) -> array"),
     "Sample from the standard Gumbel distribution (CDF ``exp(-exp(-x))``).");

  m.def("categorical", [](const array& logits, int axis, std::optional<ShapeArg> shape,
                          std::optional<int> num_samples, const std::optional<array>& key, StreamOrDevice s) {
    std::optional<Shape> sh;
    if (shape) sh = shape->value;
    return random::categorical(logits, axis, sh, num_samples, key, s);
  }, "logits"_a, "axis"_a = -1, "shape"_a = nb::none(), "num_samples"_a = nb::none(), "key"_a = nb::none(),
     "stream"_a = nb::none(),
     nb::sig("def categorical(logits: array, axis: int = -1, shape: collections.abc.Sequence[int] | None = None, "
             "num_samples: int | None = None, key: array | None = None, "
             "stream: Stream | Device | None = None) -> array"),
     "Sample from the categorical distributions given by the unnormalized ``logits`` along ``axis``.");

  m.def("laplace", [](const ShapeArg& shape, std::optional<Dtype> dtype, double loc, double scale,
                      const std::optional<array>& key, StreamOrDevice s) {
    return random::laplace(shape.value, dtype.value_or(float32), loc, scale, key, s);
  }, "shape"_a = std::vector<int>{}, "dtype"_a.none() = float32, "loc"_a = 0.0, "scale"_a = 1.0,
     "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def laplace(shape: collections.abc.Sequence[int] = [], dtype: Dtype | None = float32, "
             "loc: float = 0.0, scale: float = 1.0, key: array | None = None, "
             "stream: Stream | Device | None = None) -> array"),
     "Sample numbers from a Laplace distribution with mean ``loc`` and scale ``scale``.");

  m.def("multivariate_normal", [](const array& mean, const array& cov, const ShapeArg& shape,
                                  std::optional<Dtype> dtype, const std::optional<array>& key, StreamOrDevice s) {
    return random::multivariate_normal(mean, cov, shape.value, dtype.value_or(float32), key, s);
  }, "mean"_a, "cov"_a, "shape"_a = std::vector<int>{}, "dtype"_a.none() = float32, "key"_a = nb::none(),
     "stream"_a = nb::none(),
     nb::sig("def multivariate_normal(mean: array, cov: array, shape: collections.abc.Sequence[int] = [], "
             "dtype: Dtype | None = float32, key: array | None = None, "
             "stream: Stream | Device | None = None) -> array"),
     "Generate jointly-normal samples with mean ``mean`` (..., n) and covariance ``cov`` (..., n, n).\n\n"
     "``cov`` must be positive semi-definite; only float32 is supported.");

  m.def("permutation", [](nb::handle x, int axis, const std::optional<array>& key, StreamOrDevice s) {
    if (PyLong_Check(x.ptr())) return random::permutation(nb::cast<int>(x), key, s);  // bool counts, as in MLX
    if (!nb::isinstance<array>(x)) {
      throw nb::type_error("permutation(): incompatible function arguments: x must be an int or an array.");
    }
    return random::permutation(nb::cast<array>(x), axis, key, s);
  }, "x"_a, "axis"_a = 0, "key"_a = nb::none(), "stream"_a = nb::none(),
     nb::sig("def permutation(x: int | array, axis: int = 0, key: array | None = None, "
             "stream: Stream | Device | None = None) -> array"),
     "A random permutation of ``arange(x)``, or ``x`` with its entries along ``axis`` randomly permuted.");
}
