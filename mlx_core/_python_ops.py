"""Ops whose argument handling is easiest in Python; the work is in C++."""

import math
from contextlib import contextmanager as _contextmanager

from mlx_core import _core

__all__ = [
    "arange", "atleast_1d", "atleast_2d", "atleast_3d", "trace", "asarray", "eval",
    "async_eval", "finfo", "iinfo", "can_cast", "isdtype", "stream", "StreamContext",
    "new_thread_unsafe_stream", "device_info", "get_array_buffer_size", "pi", "e", "inf", "nan",
    "newaxis", "euler_gamma",
]

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None
euler_gamma = 0.5772156649015329


def arange(start=None, stop=None, step=None, dtype=None, *, stream=None):
    """Evenly spaced values in [start, stop) with the given step."""
    given = [v for v in (start, stop, step) if v is not None]
    for v in given:
        # Only ints within int64 and floats pass MLX's signature check.
        if not isinstance(v, (int, float)) or (isinstance(v, int) and not -(2**63) <= v < 2**63):
            raise TypeError(
                f"arange(): incompatible function arguments: expected int or float, got {v!r}"
            )
    if stop is None:
        start, stop = 0, start
    if start is None:
        start = 0
    if dtype is None:
        if any(isinstance(v, float) for v in given):
            dtype = _core.float32
        elif all(isinstance(v, bool) for v in given):
            dtype = _core.bool_  # MLX infers bool from all-bool arguments, then refuses it
        elif all(-(2**31) <= v < 2**31 for v in given):
            dtype = _core.int32
        else:
            dtype = _core.int64
    return _core._arange(
        float(start), float(stop), 1.0 if step is None else float(step), dtype, stream
    )


def _atleast(n, arys, stream):
    for a in arys:
        if not isinstance(a, _core.array):
            # MLX 0.32.4 raises std::bad_cast (a RuntimeError) for anything but arrays.
            kind = type(a).__name__
            raise RuntimeError(f"[atleast_{n}d] Expected arrays, got {kind}.")  # noqa: TRY004
    out = [_core._atleast_nd(a, n, stream) for a in arys]
    return out[0] if len(out) == 1 else out  # a list for none or several, as in MLX


def atleast_1d(*arys, stream=None):
    """Convert inputs to arrays with at least one dimension."""
    return _atleast(1, arys, stream)


def atleast_2d(*arys, stream=None):
    """Convert inputs to arrays with at least two dimensions."""
    return _atleast(2, arys, stream)


def atleast_3d(*arys, stream=None):
    """Convert inputs to arrays with at least three dimensions."""
    return _atleast(3, arys, stream)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, *, stream=None):
    """Sum along a diagonal of the array."""
    if not isinstance(a, _core.array):
        raise TypeError(f"trace(): incompatible function arguments: a is a {type(a).__name__}")
    if a.ndim < 2:
        raise ValueError(
            f"[trace] Array must have at least two dimensions, but got {a.ndim} dimensions."
        )
    for name, axis in (("axis1", axis1), ("axis2", axis2)):
        if not -a.ndim <= axis < a.ndim:
            raise IndexError(f"[trace] Invalid {name} {axis} for array with {a.ndim} dimensions.")
    if axis1 % a.ndim == axis2 % a.ndim:
        raise ValueError("[trace] axis1 and axis2 cannot be the same axis")
    d = _core.diagonal(a, offset, axis1, axis2, stream=stream)
    if dtype is not None:
        d = d.astype(dtype)
    return _core.sum(d, axis=-1, stream=stream)


def asarray(a, dtype=None, *, copy=None):
    """Convert the input to an array (a new array object, sharing memory where possible)."""
    if copy is False:
        # MLX 0.32.4 cannot avoid the copy for any input.
        if not isinstance(a, _core.array) and hasattr(a, "__dlpack__"):
            raise ValueError("[convert] Cannot import a CPU array without a copy.")
        raise ValueError("Unable to avoid copy while creating an array as requested.")
    return _core.array(a, dtype=dtype)


def _tree_arrays(tree, out):
    if isinstance(tree, _core.array):
        out.append(tree)
    elif isinstance(tree, (list, tuple)):
        for t in tree:
            _tree_arrays(t, out)
    elif isinstance(tree, dict):
        for t in tree.values():
            _tree_arrays(t, out)
    return out


def eval(*args):
    """Evaluate the arrays in any pytree of arrays."""
    for a in args:
        if type(a) is not _core.array:
            _core._eval(_tree_arrays(args, []))
            return
    _core._eval(list(args))  # the common call: arrays only


def async_eval(*args):
    """Start evaluating the arrays (the CPU stream runs synchronously for now)."""
    _core._eval(_tree_arrays(args, []))


def _require_dtype(fn, value):
    if not isinstance(value, _core.Dtype):
        raise TypeError(
            f"{fn}(): incompatible function arguments: expected a Dtype, got "
            f"{type(value).__name__}"
        )


class finfo:
    """Machine limits for floating point types."""

    _TABLE = {
        "float16": (16, 65504.0, 0.0009765625, 6.103515625e-05),
        "bfloat16": (16, 3.3895313892515355e38, 0.0078125, 1.1754943508222875e-38),
        "float32": (32, 3.4028234663852886e38, 1.1920928955078125e-07, 1.1754943508222875e-38),
        "float64": (64, 1.7976931348623157e308, 2.220446049250313e-16, 2.2250738585072014e-308),
        "complex64": (32, 3.4028234663852886e38, 1.1920928955078125e-07, 1.1754943508222875e-38),
    }

    def __init__(self, dtype):
        _require_dtype("__init__", dtype)
        name = str(dtype).split(".")[-1]
        if name not in self._TABLE:
            raise ValueError(f"[finfo] dtype {name} is not inexact.")
        self.dtype = _core.float32 if name == "complex64" else dtype
        self.bits, self.max, self.eps, self.smallest_normal = self._TABLE[name]
        self.min = -self.max

    def __repr__(self):
        return f"finfo(min={self.min:g}, max={self.max:g}, dtype={str(self.dtype).split('.')[-1]})"


class iinfo:
    """Machine limits for integer types."""

    def __init__(self, dtype):
        _require_dtype("__init__", dtype)
        name = str(dtype).split(".")[-1]
        if not (name.startswith("int") or name.startswith("uint")):
            raise ValueError(f"[iinfo] Only integer types supported but {name} was provided")
        bits = int(name.lstrip("uint")) if name.startswith("u") else int(name[3:])
        if name.startswith("u"):
            self.min, self.max = 0, 2**bits - 1
        else:
            self.min, self.max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        self.dtype = dtype

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={str(self.dtype).split('.')[-1]})"


def can_cast(from_, to):
    """True if promoting `from_` with `to` gives `to`."""
    if isinstance(from_, _core.array):
        src = from_.dtype
    elif isinstance(from_, _core.Dtype):
        src = from_
    else:
        raise ValueError("[can_cast] `from_` must be an array or a dtype.")
    if not isinstance(to, _core.Dtype):
        raise ValueError("[can_cast] `to` must be a dtype.")
    return _core._promote_types(src, to) == to


_KINDS = {
    "bool": lambda d: d == _core.bool_,
    "signed integer": lambda d: _core.issubdtype(d, _core.signedinteger),
    "unsigned integer": lambda d: _core.issubdtype(d, _core.unsignedinteger),
    "integral": lambda d: _core.issubdtype(d, _core.integer),
    "real floating": lambda d: _core.issubdtype(d, _core.floating),
    "complex floating": lambda d: _core.issubdtype(d, _core.complexfloating),
    "numeric": lambda d: _core.issubdtype(d, _core.number),
}


def isdtype(dtype, kind):
    """Test whether a dtype belongs to one or more kinds."""
    _require_dtype("isdtype", dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not all(isinstance(k, (str, _core.Dtype)) for k in kinds):
        raise ValueError(
            "[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes and strings."
        )
    for k in kinds:
        if isinstance(k, str):
            if k not in _KINDS:
                raise ValueError(f"[isdtype] Unknown data type kind: '{k}'.")
            if _KINDS[k](dtype):
                return True
        elif dtype == k:
            return True
    return False


class StreamContext:
    """Context manager that makes a stream (or device) the default."""

    def __init__(self, s):
        self._target = s
        self._saved = None

    def __enter__(self):
        target = self._target
        if isinstance(target, _core.ThreadLocalStream):
            target = _core.Stream(target)  # this thread's stream
        if isinstance(target, _core.Stream):
            self._saved = ("stream", _core.default_stream(target.device))
            _core.set_default_stream(target)
        else:
            self._saved = ("device", _core.default_device())
            _core.set_default_device(target)
        return self

    def __exit__(self, *exc):
        kind, value = self._saved
        if kind == "stream":
            _core.set_default_stream(value)
        else:
            _core.set_default_device(value)
        return False


def stream(s):
    """Make `s` (a Stream or Device) the default inside a `with` block."""
    return StreamContext(s)


def new_thread_unsafe_stream(device):
    """A new stream usable from any thread (streams run synchronously here)."""
    return _core.new_stream(device)


def device_info(d=None):
    """Information about a device."""
    import platform

    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"architecture": platform.machine(), "device_name": name}


def get_array_buffer_size(a):
    """Bytes of the buffer backing the array."""
    return a.nbytes
