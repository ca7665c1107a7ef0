"""Array methods that forward to the module functions (as in MLX)."""

import inspect

from mlx_core import _core
from mlx_core import _python_ops

_array = _core.array


def _function_signature(fn):
    """inspect.Signature of a nanobind function, read from its signature text (the names,
    kinds and default objects; annotations are left out)."""
    text, _, defaults = fn.__nb_signature__[0]
    inner = text[text.index("(") + 1 : text.rindex(")")]
    params, kind, depth, start, parts = [], inspect.Parameter.POSITIONAL_OR_KEYWORD, 0, 0, []
    for i, ch in enumerate(inner):  # split at top-level commas
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    parts.append(inner[start:].strip())
    for part in filter(None, parts):
        if part == "*":
            kind = inspect.Parameter.KEYWORD_ONLY
            continue
        name, _, default = part.partition("=")
        name = name.split(":")[0].strip()
        default = defaults[int(default.strip()[1:])] if default else inspect.Parameter.empty
        params.append(inspect.Parameter(name, kind, default=default))
    return inspect.Signature(params)


def _method(fn):
    """fn(array, ...) as a method, with fn's signature (its first parameter named self)."""

    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    sig = _function_signature(fn)
    first, *rest = sig.parameters.values()
    method.__signature__ = sig.replace(parameters=[first.replace(name="self"), *rest])
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in [
    "abs", "all", "any", "argmax", "argmin", "conj", "cos", "diag", "diagonal", "exp", "flatten",
    "log", "log10", "log1p", "log2", "logsumexp", "max", "mean", "min", "moveaxis", "prod",
    "reciprocal", "round", "rsqrt", "sin", "split", "sqrt", "square", "squeeze", "sum",
    "swapaxes",
]:
    setattr(_array, _name, _method(getattr(_core, _name)))


# The methods take `correction` too, which replaces ddof when given (as MLX's methods).
def _std(self, axis=None, keepdims=False, ddof=0, *, correction=None, stream=None):
    ddof = ddof if correction is None else correction
    return _core.std(self, axis, keepdims, ddof, stream=stream)


def _var(self, axis=None, keepdims=False, ddof=0, *, correction=None, stream=None):
    ddof = ddof if correction is None else correction
    return _core.var(self, axis, keepdims, ddof, stream=stream)


_array.std = _std
_array.var = _var


def _int_args(method, values):
    """The ints of a method's *args form; MLX casts them unchecked, so anything that is not
    an int within int32 raises RuntimeError (std::bad_cast in MLX 0.32.4)."""
    for v in values:
        if not isinstance(v, int) or not -(2**31) <= v < 2**31:
            raise RuntimeError(f"[{method}] Expected ints within int32, got {v!r}.")
    return list(values)


def _reshape(self, *shape, stream=None):
    if len(shape) == 1 and not isinstance(shape[0], int):
        try:
            return _core.reshape(self, shape[0], stream=stream)
        except TypeError:  # unreadable shape: a RuntimeError for the method, as in MLX
            raise RuntimeError(f"[reshape] Cannot read the shape {shape[0]!r}.") from None
    return _core.reshape(self, _int_args("reshape", shape), stream=stream)


def _transpose(self, *axes, stream=None):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    elif axes:
        axes = _int_args("transpose", axes)
    return _core.transpose(self, list(axes) if axes else None, stream=stream)


_array.reshape = _reshape
_array.real = property(lambda self: _core.real(self), doc="The real part of a complex array.")
_array.imag = property(lambda self: _core.imag(self), doc="The imaginary part of a complex array.")
_array.transpose = _transpose
_array.__round__ = lambda self, ndigits=0: _core.round(self, ndigits)


def _scan_method(fn):
    # MLX's methods take no `dtype` (unlike mx.cumsum / mx.cumprod).
    def method(self, axis=None, *, reverse=False, inclusive=True, stream=None):
        return fn(self, axis, reverse=reverse, inclusive=inclusive, stream=stream)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]:
    setattr(_array, _name, _scan_method(getattr(_core, _name)))
