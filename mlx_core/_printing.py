"""MLX-compatible ``repr``/``str`` of arrays and the print options API.

The layout matches MLX 0.32.4 byte for byte:

- ``array(<body>, dtype=<name>)``; ``str`` and ``repr`` are identical.
- Nested rows are joined by ``",\\n"`` plus one space per open bracket after ``"array("``;
  there is no column alignment and no blank line between blocks.
- Every axis longer than 6 is summarised on its own as its first 3 items, ``...``, last 3
  items; the total size plays no part (a 5x5x5x5x5 array prints in full).
- An axis of length 0 prints as ``[]`` and hides the axes after it.
- Floats print like a C++ ``ostream``: ``%g`` (6 significant digits) by default, ``%.Nf``
  for a precision ``N >= 0``, ``%.6f`` for ``N < -1``; NaN keeps its sign (``-nan``).
"""

import math
import operator

import numpy as np

_PREFIX = "array("
_EDGE_ITEMS = 3
_SUMMARY_THRESHOLD = 2 * _EDGE_ITEMS  # an axis longer than this is summarised
_DEFAULT_PRECISION = -1
_FIXED_DEFAULT_DIGITS = 6  # printf's digits when a fixed-point precision is negative
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _as_c_int(value, signature: str, function: str) -> int:
    """Convert like a nanobind ``int`` argument: ints and ``__index__`` objects, never floats."""
    try:
        if isinstance(value, float):
            raise TypeError
        result = operator.index(value)
        if not _INT32_MIN <= result <= _INT32_MAX:
            raise TypeError
    except TypeError:
        raise TypeError(
            f"{function}(): incompatible function arguments. The following argument types are "
            f"supported:\n    1. {signature}\n\nInvoked with types: {type(value).__name__}"
        ) from None
    return result


class PrintOptions:
    """Options that control how arrays are printed.

    Args:
        precision (int): Digits after the decimal point for inexact dtypes; ``-1`` (the
            default) prints 6 significant digits in the shortest of fixed or scientific form.
    """

    __slots__ = ("_precision",)
    __module__ = "mlx_core"

    def __init__(self, precision: int = _DEFAULT_PRECISION) -> None:
        self._precision = _as_c_int(
            precision, "__init__(self, precision: int = -1) -> None", "__init__"
        )

    @property
    def precision(self) -> int:
        return self._precision

    @precision.setter
    def precision(self, value: int) -> None:
        self._precision = _as_c_int(value, "(self, arg: int, /) -> None", "")

    def __reduce__(self):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


_options = PrintOptions()


def set_printoptions(precision: int = _DEFAULT_PRECISION) -> None:
    """Set the global print options.

    Args:
        precision (int): Digits after the decimal point; ``-1`` restores the default.
    """
    global _options
    _options = PrintOptions(
        _as_c_int(precision, "set_printoptions(precision: int = -1) -> None", "set_printoptions")
    )


def get_printoptions() -> PrintOptions:
    """Return a copy of the global print options."""
    return PrintOptions(_options.precision)


class _PrintOptionsContext:
    """Applies print options on ``__enter__`` and restores the previous ones on ``__exit__``."""

    __slots__ = ("_options", "_saved")
    __module__ = "mlx_core"

    def __init__(self, options: PrintOptions) -> None:
        self._options = options
        self._saved = options

    def __enter__(self):
        global _options
        # One save slot, as in MLX: re-entering the same context overwrites what it restores.
        self._saved = _options
        _options = PrintOptions(self._options.precision)
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        global _options
        _options = self._saved

    def __reduce__(self):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


def printoptions(precision: int = _DEFAULT_PRECISION) -> _PrintOptionsContext:
    """Context manager that sets print options temporarily.

    Args:
        precision (int): Digits after the decimal point; ``-1`` for the default.
    """
    signature = "printoptions(precision: int = -1) -> mlx_core._PrintOptionsContext"
    return _PrintOptionsContext(PrintOptions(_as_c_int(precision, signature, "printoptions")))


def _format_real(value: float, precision: int) -> str:
    if math.isnan(value):
        # C's printf keeps the sign bit of NaN; Python's formatting drops it.
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precision == _DEFAULT_PRECISION:
        return f"{value:g}"
    digits = precision if precision >= 0 else _FIXED_DEFAULT_DIGITS
    return f"{value:.{digits}f}"


def _format_complex(value: complex, precision: int) -> str:
    real = _format_real(value.real, precision)
    imag = value.imag
    # MLX only flips the sign for imag < 0, so -0 and -nan print as "+-0" and "+-nan".
    if imag < 0:
        return f"{real}-{_format_real(-imag, precision)}j"
    return f"{real}+{_format_real(imag, precision)}j"


def _scalar_formatter(dtype_name: str):
    precision = _options.precision
    if dtype_name == "bool":
        return lambda value: "True" if value else "False"
    if dtype_name == "complex64":
        return lambda value: _format_complex(complex(value), precision)
    if dtype_name.startswith(("float", "bfloat")):
        return lambda value: _format_real(float(value), precision)
    return lambda value: str(int(value))


def _visible_indices(length: int) -> list:
    if length > _SUMMARY_THRESHOLD:
        head = list(range(_EDGE_ITEMS))
        tail = list(range(length - _EDGE_ITEMS, length))
        return head + [None] + tail
    return list(range(length))


def _format_nested(values: np.ndarray, depth: int, format_scalar) -> str:
    if values.ndim == 0:
        return format_scalar(values[()])
    items = [
        "..." if index is None else _format_nested(values[index], depth + 1, format_scalar)
        for index in _visible_indices(values.shape[0])
    ]
    if values.ndim == 1:
        separator = ", "
    else:
        separator = ",\n" + " " * (len(_PREFIX) + depth + 1)
    return "[" + separator.join(items) + "]"


def format_array(values: np.ndarray, dtype_name: str, is_repr: bool) -> str:
    """Return MLX's ``repr`` (``is_repr=True``) or ``str`` of an array.

    Args:
        values: the array's values with its shape (float32 values for ``bfloat16``).
        dtype_name: MLX's dtype name, e.g. ``"float32"``.
        is_repr: ``repr`` or ``str``; MLX 0.32.4 gives the same text for both.
    """
    del is_repr  # kept for the caller's clarity: MLX prints both the same way
    body = _format_nested(np.asarray(values), 0, _scalar_formatter(dtype_name))
    return f"{_PREFIX}{body}, dtype={dtype_name})"
