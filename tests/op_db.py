"""One table of the elementwise ops of mlx.core 0.32.4; it drives the generic value tests in
test_unary.py and test_binary.py (all-dtypes grid, hypothesis values, special values,
NumPy reference, method and alias forms). Op-specific edge cases stay in the family files.

Each entry says which dtypes MLX accepts (the others must raise `error`), which value domain
the inputs are drawn from (see helpers.DOMAINS), the NumPy reference (None where MLX does
not follow NumPy or NumPy has no such function) and tolerances by result dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from helpers import ALL_DTYPES, BOOL, COMPLEX, FLOATING, INTEGER, REAL

# Tolerance presets, by result dtype name: (rtol, atol). Missing dtypes use helpers.DEFAULT_TOL.
# Correctly rounded IEEE operations must agree bit for bit at float32/float64. Complex
# products round more than once (and compilers may fuse them into FMAs), so not bit for bit.
EXACT = {"float32": (0, 0), "float64": (0, 0), "complex64": (1e-6, 1e-7)}
# MLX's float32 approximations are within ~1e-6 relative of the true value (atol covers
# results that are ~0, where relative error means nothing).
TRANSCENDENTAL = {"float32": (2e-6, 1e-6), "complex64": (1e-5, 1e-6), "float64": (1e-12, 1e-14)}
# MLX computes these in float32 precision even for float64 inputs.
TRANSCENDENTAL_F64_AS_F32 = {**TRANSCENDENTAL, "float64": (2e-6, 1e-6)}
# logaddexp is float32-accurate at best: ~1e-6 absolute near 0 (log1p of a cancellation).
LOGADDEXP = {"float32": (2e-6, 2e-6), "complex64": (1e-5, 1e-5), "float64": (5e-6, 2e-6)}

NOT_COMPLEX = REAL
INT_OR_BOOL = BOOL + INTEGER


@dataclass(frozen=True, repr=False)
class OpInfo:
    name: str
    arity: int
    dtypes: tuple = ALL_DTYPES  # accepted by MLX
    error: type = ValueError  # what MLX raises for the others
    domains: tuple = ("any",)  # one per argument
    numpy: Callable | None = None
    numpy_dtypes: tuple = ("float32", "float64")  # where the NumPy reference applies
    tol: dict = field(default_factory=dict)
    method: bool = False  # also an `array` method
    aliases: tuple = ()
    special_values: bool = True  # run the nan/inf/±0 special-value test

    @property
    def rejected(self):
        return tuple(d for d in ALL_DTYPES if d not in self.dtypes)

    def domain(self, i: int) -> str:
        return self.domains[i] if i < len(self.domains) else self.domains[-1]

    def __repr__(self):
        return f"OpInfo({self.name!r})"

    def _repr_pretty_(self, p, cycle):  # how hypothesis prints a falsifying example
        p.text(repr(self))


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


U = 1  # arity shorthands
B = 2

UNARY_OPS = [
    OpInfo("abs", U, numpy=np.abs, numpy_dtypes=REAL, tol=EXACT, method=True),
    OpInfo("sign", U, numpy=np.sign, numpy_dtypes=INTEGER + ("float32", "float64"), tol=EXACT),
    OpInfo("positive", U, numpy=np.positive, numpy_dtypes=INTEGER + FLOATING, tol=EXACT),
    OpInfo(
        "negative",
        U,
        dtypes=ALL_DTYPES[1:],
        numpy=np.negative,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=EXACT,
    ),
    OpInfo("floor", U, dtypes=NOT_COMPLEX, numpy=np.floor, tol=EXACT),
    OpInfo("ceil", U, dtypes=NOT_COMPLEX, numpy=np.ceil, tol=EXACT),
    OpInfo("trunc", U, dtypes=NOT_COMPLEX, numpy=np.trunc, tol=EXACT),
    OpInfo(
        "round",
        U,
        numpy=np.round,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=EXACT,
        method=True,
    ),
    OpInfo(
        "square",
        U,
        domains=("small",),
        numpy=np.square,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=EXACT,
        method=True,
    ),
    OpInfo(
        "sqrt",
        U,
        domains=("nonneg",),
        numpy=np.sqrt,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=TRANSCENDENTAL,
        method=True,
    ),
    OpInfo("rsqrt", U, domains=("positive",), numpy=_rsqrt, tol=TRANSCENDENTAL, method=True),
    OpInfo(
        "reciprocal", U, domains=("nonzero",), numpy=np.reciprocal, tol=TRANSCENDENTAL, method=True
    ),
    OpInfo("exp", U, domains=("exp",), numpy=np.exp, tol=TRANSCENDENTAL_F64_AS_F32, method=True),
    OpInfo("expm1", U, dtypes=NOT_COMPLEX, domains=("exp",), numpy=np.expm1, tol=TRANSCENDENTAL),
    OpInfo("log", U, domains=("positive",), numpy=np.log, tol=TRANSCENDENTAL, method=True),
    OpInfo("log1p", U, domains=("nonneg",), numpy=np.log1p, tol=TRANSCENDENTAL, method=True),
    OpInfo("log2", U, domains=("positive",), numpy=np.log2, tol=TRANSCENDENTAL, method=True),
    OpInfo("log10", U, domains=("positive",), numpy=np.log10, tol=TRANSCENDENTAL, method=True),
    OpInfo("sin", U, domains=("trig",), numpy=np.sin, tol=TRANSCENDENTAL_F64_AS_F32, method=True),
    OpInfo("cos", U, domains=("trig",), numpy=np.cos, tol=TRANSCENDENTAL_F64_AS_F32, method=True),
    OpInfo("tan", U, domains=("tiny",), numpy=np.tan, tol=TRANSCENDENTAL),
    OpInfo("arcsin", U, domains=("unit",), numpy=np.arcsin, tol=TRANSCENDENTAL, aliases=("asin",)),
    OpInfo("arccos", U, domains=("unit",), numpy=np.arccos, tol=TRANSCENDENTAL, aliases=("acos",)),
    OpInfo("arctan", U, numpy=np.arctan, tol=TRANSCENDENTAL, aliases=("atan",)),
    OpInfo("sinh", U, domains=("exp",), numpy=np.sinh, tol=TRANSCENDENTAL),
    OpInfo("cosh", U, domains=("exp",), numpy=np.cosh, tol=TRANSCENDENTAL),
    OpInfo("tanh", U, domains=("exp",), numpy=np.tanh, tol=TRANSCENDENTAL),
    OpInfo("arcsinh", U, numpy=np.arcsinh, tol=TRANSCENDENTAL, aliases=("asinh",)),
    OpInfo(
        "arccosh", U, domains=("ge1",), numpy=np.arccosh, tol=TRANSCENDENTAL, aliases=("acosh",)
    ),
    OpInfo(
        "arctanh", U, domains=("unit",), numpy=np.arctanh, tol=TRANSCENDENTAL, aliases=("atanh",)
    ),
    OpInfo(
        "erf", U, dtypes=NOT_COMPLEX, domains=("tiny",), numpy=_erf, tol=TRANSCENDENTAL_F64_AS_F32
    ),
    OpInfo("erfinv", U, dtypes=NOT_COMPLEX, domains=("unit",), tol=TRANSCENDENTAL_F64_AS_F32),
    OpInfo(
        "sigmoid",
        U,
        dtypes=NOT_COMPLEX,
        domains=("exp",),
        numpy=_sigmoid,
        tol=TRANSCENDENTAL_F64_AS_F32,
    ),
    OpInfo("degrees", U, numpy=np.degrees, tol=TRANSCENDENTAL),
    OpInfo("radians", U, numpy=np.radians, tol=TRANSCENDENTAL),
    OpInfo("logical_not", U, numpy=np.logical_not, numpy_dtypes=REAL),
    OpInfo("isnan", U, numpy=np.isnan, numpy_dtypes=REAL),
    OpInfo("isinf", U, numpy=np.isinf, numpy_dtypes=REAL),
    OpInfo("isfinite", U, numpy=np.isfinite, numpy_dtypes=REAL),
    OpInfo("isposinf", U, numpy=np.isposinf, numpy_dtypes=REAL),
    OpInfo("isneginf", U, numpy=np.isneginf, numpy_dtypes=REAL),
    # float64 and complex64 are rejected (MLX 0.32.4 has no case for them).
    OpInfo(
        "nan_to_num",
        U,
        dtypes=REAL[:-1],
        numpy=np.nan_to_num,
        numpy_dtypes=INTEGER + ("float32",),
        tol=EXACT,
    ),
    OpInfo("real", U, numpy=np.real, numpy_dtypes=REAL + COMPLEX, tol=EXACT),
    OpInfo("imag", U, numpy=np.imag, numpy_dtypes=REAL + COMPLEX, tol=EXACT),
    OpInfo("conj", U, numpy=np.conj, numpy_dtypes=REAL + COMPLEX, tol=EXACT, method=True),
    OpInfo("conjugate", U, numpy=np.conjugate, numpy_dtypes=REAL + COMPLEX, tol=EXACT),
    OpInfo("bitwise_invert", U, dtypes=INT_OR_BOOL, numpy=np.invert, numpy_dtypes=INT_OR_BOOL),
    OpInfo("stop_gradient", U, tol=EXACT),
]

BINARY_OPS = [
    OpInfo("add", B, domains=("small",), numpy=np.add, numpy_dtypes=REAL, tol=EXACT),
    OpInfo(
        "subtract",
        B,
        domains=("small",),
        numpy=np.subtract,
        numpy_dtypes=INTEGER + FLOATING,
        tol=EXACT,
    ),
    OpInfo("multiply", B, domains=("small",), numpy=np.multiply, numpy_dtypes=REAL, tol=EXACT),
    OpInfo("divide", B, domains=("small", "nonzero"), numpy=np.divide, tol=EXACT),
    OpInfo(
        "floor_divide",
        B,
        domains=("small", "nonzero"),
        numpy=np.floor_divide,
        numpy_dtypes=INTEGER + ("float32", "float64"),
    ),
    OpInfo(
        "remainder",
        B,
        dtypes=NOT_COMPLEX,
        domains=("small", "nonzero"),
        numpy=np.remainder,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=TRANSCENDENTAL,
    ),
    OpInfo(
        "divmod",
        B,
        dtypes=NOT_COMPLEX,
        domains=("small", "nonzero"),
        numpy=lambda a, b: np.stack(np.divmod(a, b)),
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=TRANSCENDENTAL,
    ),
    OpInfo(
        "power",
        B,
        domains=("tiny", "tiny"),
        numpy=np.power,
        numpy_dtypes=INTEGER + ("float32", "float64"),
        tol=TRANSCENDENTAL,
        aliases=("pow",),
    ),
    OpInfo("maximum", B, numpy=np.maximum, numpy_dtypes=REAL, tol=EXACT),
    OpInfo("minimum", B, numpy=np.minimum, numpy_dtypes=REAL, tol=EXACT),
    OpInfo(
        "arctan2",
        B,
        dtypes=NOT_COMPLEX,
        domains=("small",),
        numpy=np.arctan2,
        tol=TRANSCENDENTAL,
        aliases=("atan2",),
    ),
    OpInfo("logaddexp", B, domains=("small",), numpy=np.logaddexp, tol=LOGADDEXP),
    OpInfo("equal", B, domains=("tiny",), numpy=np.equal, numpy_dtypes=REAL),
    OpInfo("not_equal", B, domains=("tiny",), numpy=np.not_equal, numpy_dtypes=REAL),
    OpInfo("less", B, domains=("tiny",), numpy=np.less, numpy_dtypes=REAL),
    OpInfo("less_equal", B, domains=("tiny",), numpy=np.less_equal, numpy_dtypes=REAL),
    OpInfo("greater", B, domains=("tiny",), numpy=np.greater, numpy_dtypes=REAL),
    OpInfo("greater_equal", B, domains=("tiny",), numpy=np.greater_equal, numpy_dtypes=REAL),
    OpInfo("logical_and", B, domains=("tiny",), numpy=np.logical_and, numpy_dtypes=REAL),
    OpInfo("logical_or", B, domains=("tiny",), numpy=np.logical_or, numpy_dtypes=REAL),
    OpInfo("logical_xor", B, domains=("tiny",), numpy=np.logical_xor, numpy_dtypes=REAL),
    # Bitwise ops reject floats with RuntimeError in 0.32.4 (not ValueError).
    OpInfo(
        "bitwise_and",
        B,
        dtypes=INT_OR_BOOL,
        error=RuntimeError,
        numpy=np.bitwise_and,
        numpy_dtypes=INT_OR_BOOL,
    ),
    OpInfo(
        "bitwise_or",
        B,
        dtypes=INT_OR_BOOL,
        error=RuntimeError,
        numpy=np.bitwise_or,
        numpy_dtypes=INT_OR_BOOL,
    ),
    OpInfo(
        "bitwise_xor",
        B,
        dtypes=INT_OR_BOOL,
        error=RuntimeError,
        numpy=np.bitwise_xor,
        numpy_dtypes=INT_OR_BOOL,
    ),
    OpInfo(
        "left_shift",
        B,
        dtypes=INT_OR_BOOL,
        error=RuntimeError,
        domains=("any", "shift"),
        numpy=np.left_shift,
        numpy_dtypes=INTEGER,
        aliases=("bitwise_left_shift",),
    ),
    OpInfo(
        "right_shift",
        B,
        dtypes=INT_OR_BOOL,
        error=RuntimeError,
        domains=("any", "shift"),
        numpy=np.right_shift,
        numpy_dtypes=INTEGER,
        aliases=("bitwise_right_shift",),
    ),
]

ALL_OPS = UNARY_OPS + BINARY_OPS
BY_NAME = {op.name: op for op in ALL_OPS}

# Python operators and the function each one stands for.
BINARY_OPERATORS = {
    "__add__": "add",
    "__sub__": "subtract",
    "__mul__": "multiply",
    "__truediv__": "divide",
    "__floordiv__": "floor_divide",
    "__mod__": "remainder",
    "__pow__": "power",
    "__and__": "bitwise_and",
    "__or__": "bitwise_or",
    "__xor__": "bitwise_xor",
    "__lshift__": "left_shift",
    "__rshift__": "right_shift",
    "__eq__": "equal",
    "__ne__": "not_equal",
    "__lt__": "less",
    "__le__": "less_equal",
    "__gt__": "greater",
    "__ge__": "greater_equal",
}
REFLECTED_OPERATORS = {
    "__radd__": "add",
    "__rsub__": "subtract",
    "__rmul__": "multiply",
    "__rtruediv__": "divide",
    "__rfloordiv__": "floor_divide",
    "__rmod__": "remainder",
    "__rpow__": "power",
}
INPLACE_OPERATORS = {
    "__iadd__": "add",
    "__isub__": "subtract",
    "__imul__": "multiply",
    "__itruediv__": "divide",
    "__ifloordiv__": "floor_divide",
    "__imod__": "remainder",
    "__ipow__": "power",
    "__iand__": "bitwise_and",
    "__ior__": "bitwise_or",
    "__ixor__": "bitwise_xor",
    "__ilshift__": "left_shift",
    "__irshift__": "right_shift",
}
