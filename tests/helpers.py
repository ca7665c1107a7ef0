"""Shared machinery for the differential suite: the two libraries, input builders,
hypothesis strategies and the comparison that decides whether the subject matches MLX.

Every test builds the same input in both libraries from one NumPy array, runs the same
call through both (`check`), and asserts equal shape, dtype name and values, or, when
MLX raises, that the subject raises the same exception type with the same `[op]` prefix.
"""

from __future__ import annotations

import importlib
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ORACLE = pytest.importorskip("mlx.core", reason="real MLX (the oracle) is not installed")

_SUBJECT_NAME = os.environ.get("MLX_CORE_SUBJECT", "mlx_core")
# The module under test must import: a broken build fails the suite, never skips it.
SUBJECT = importlib.import_module(_SUBJECT_NAME)

LIBS = (ORACLE, SUBJECT)


def child_env(**variables: str) -> dict:
    """The environment for a child Python process that imports the module under test from
    where this process found it (the installed package in CI, the working tree's in
    development), never a source folder of the same name in its working directory; run the
    child with cwd=tmp_path. `variables` are set on top."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(SUBJECT.__file__)))
    python_path = os.pathsep.join([package_parent] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return dict(os.environ, PYTHONPATH=python_path, **variables)

# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------

# Names as `str(dtype)` spells them (the attribute for bool is `bool_`).
BOOL = ("bool",)
UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
SIGNED = ("int8", "int16", "int32", "int64")
INTEGER = UNSIGNED + SIGNED
FLOATING = ("float16", "bfloat16", "float32", "float64")
COMPLEX = ("complex64",)
INEXACT = FLOATING + COMPLEX
REAL = BOOL + INTEGER + FLOATING
ALL_DTYPES = BOOL + INTEGER + FLOATING + COMPLEX

# NumPy dtype that holds every value of an MLX dtype exactly (bfloat16 -> float32).
NUMPY_HOLDER = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "bfloat16": np.float32,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
}

BITS = {
    "bool": 8,
    "uint8": 8,
    "uint16": 16,
    "uint32": 32,
    "uint64": 64,
    "int8": 8,
    "int16": 16,
    "int32": 32,
    "int64": 64,
    "float16": 16,
    "bfloat16": 16,
    "float32": 32,
    "float64": 64,
    "complex64": 64,
}


def dtype_name(dtype) -> str:
    """'float32' for mlx.core.float32, mlx_core.float32 or the string itself."""
    return str(dtype).rsplit(".", 1)[-1]


def dt(lib, name: str):
    """The Dtype object called `name` in `lib`."""
    return getattr(lib, "bool_" if name == "bool" else name)


def is_integer(name: str) -> bool:
    return name in INTEGER


def is_float(name: str) -> bool:
    return name in FLOATING


def round_to_bfloat16(x: np.ndarray) -> np.ndarray:
    """float32 values rounded (to nearest even) onto the bfloat16 grid, so the conversion
    both libraries do when building a bfloat16 array is exact."""
    x = np.array(x, dtype=np.float32)  # a copy; keeps 0-d arrays 0-d
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = (rounded & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(x), out, x).astype(np.float32).reshape(x.shape)


# ---------------------------------------------------------------------------------------------
# building inputs
# ---------------------------------------------------------------------------------------------

LAYOUTS = ("contiguous", "transposed", "strided", "reversed")


def make(lib, values, dtype: str | None = None, layout: str = "contiguous"):
    """`values` (anything np.asarray accepts) as an array of `lib` with dtype `dtype`.

    The layout decides how the array is reached: "contiguous" builds it directly;
    "transposed" builds the transpose and transposes it back; "strided" builds an array
    twice as big on every axis and slices it with step 2; "reversed" builds the flipped
    values and flips them with a negative-step slice. All four hold the same values.
    """
    values = np.asarray(values)
    name = dtype or dtype_name(values.dtype)
    if name == "bool_":
        name = "bool"
    if values.size == 0:
        # MLX 0.32.4 reads uninitialized memory (and can hang) when reducing an array built
        # from an empty NumPy array, so empty inputs are made with `zeros` instead.
        return lib.zeros(values.shape, dtype=dt(lib, name))
    if layout == "transposed" and values.ndim >= 2:
        return lib.transpose(make(lib, np.ascontiguousarray(values.T), name))
    if layout == "strided" and values.ndim >= 1:
        big = np.zeros(tuple(2 * s + 1 for s in values.shape), dtype=values.dtype)
        big[tuple(slice(1, None, 2) for _ in values.shape)] = values
        return make(lib, big, name)[tuple(slice(1, None, 2) for _ in values.shape)]
    if layout == "reversed" and values.ndim >= 1 and values.size > 0:
        flipped = np.ascontiguousarray(values[tuple(slice(None, None, -1) for _ in values.shape)])
        return make(lib, flipped, name)[tuple(slice(None, None, -1) for _ in values.shape)]
    if name == "bfloat16":
        return lib.array(values.astype(np.float32), dtype=lib.float32).astype(lib.bfloat16)
    return lib.array(values.astype(NUMPY_HOLDER[name]), dtype=dt(lib, name))


@dataclass(frozen=True)
class Input:
    """One array input, described once and built identically in either library."""

    values: np.ndarray
    dtype: str
    layout: str = "contiguous"

    def __call__(self, lib):
        return make(lib, self.values, self.dtype, self.layout)

    @property
    def shape(self):
        return self.values.shape

    @property
    def ndim(self):
        return self.values.ndim

    def __repr__(self):
        vals = np.array2string(np.asarray(self.values), threshold=40, separator=", ")
        return f"Input({vals}, dtype={self.dtype!r}, layout={self.layout!r})"


# ---------------------------------------------------------------------------------------------
# running a call through both libraries and comparing
# ---------------------------------------------------------------------------------------------

# (rtol, atol) by result dtype name; exact for bool and integers.
DEFAULT_TOL = {
    "float16": (2e-3, 1e-3),
    "bfloat16": (1.6e-2, 1e-2),
    "float32": (1e-5, 1e-6),
    "complex64": (1e-5, 1e-6),
    "float64": (1e-12, 1e-14),
}


@dataclass
class Normalized:
    """A library result turned into plain Python/NumPy so the two sides compare."""

    kind: str
    value: Any = None
    shape: tuple = ()
    dtype: str = ""
    items: list = field(default_factory=list)


def _array_to_numpy(lib, a) -> np.ndarray:
    if dtype_name(a.dtype) == "bfloat16":
        a = a.astype(lib.float32)
    return np.array(a)


def normalize(lib, obj) -> Normalized:
    if isinstance(obj, lib.array):
        return Normalized(
            "array", _array_to_numpy(lib, obj), tuple(obj.shape), dtype_name(obj.dtype)
        )
    if type(obj).__name__ == "array" and not isinstance(obj, lib.array):
        raise AssertionError(f"{lib.__name__} returned a foreign array type {type(obj)!r}")
    if isinstance(obj, (list, tuple)):
        return Normalized(type(obj).__name__, items=[normalize(lib, o) for o in obj])
    if isinstance(obj, dict):
        return Normalized("dict", items=[(k, normalize(lib, v)) for k, v in sorted(obj.items())])
    if isinstance(obj, lib.Dtype):
        return Normalized("Dtype", dtype_name(obj))
    if isinstance(obj, lib.DtypeCategory):
        return Normalized("DtypeCategory", obj.name)
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return Normalized(type(obj).__name__, obj)
    raise TypeError(f"don't know how to compare a {type(obj)!r}")


def _eval_tree(lib, obj):
    """Evaluate every array in a (nested) result, so lazy errors surface here."""
    if isinstance(obj, lib.array):
        lib.eval(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _eval_tree(lib, o)
    elif isinstance(obj, dict):
        for o in obj.values():
            _eval_tree(lib, o)


def call(lib, fn: Callable):
    """(normalized result, None) or (None, exception) for fn(lib), evaluated.

    Only exceptions raised by the call or its evaluation count as the library's answer;
    a failure to compare the result afterwards is a test error and propagates.
    """
    try:
        result = fn(lib)
        _eval_tree(lib, result)
    except AssertionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any exception is a result to compare
        return None, exc
    return normalize(lib, result), None


_PREFIX = re.compile(r"^\[[^\]]*\]")


def error_prefix(exc: BaseException) -> str | None:
    m = _PREFIX.match(str(exc))
    return m.group(0) if m else None


def assert_same_error(got_exc, expected_exc, got=None):
    if got_exc is None:
        raise AssertionError(
            f"MLX raised {type(expected_exc).__name__}: {expected_exc}\n"
            f"but the subject returned {_describe(got)}"
        )
    assert type(got_exc) is type(expected_exc), (
        f"MLX raised {type(expected_exc).__name__}: {expected_exc}\n"
        f"subject raised {type(got_exc).__name__}: {got_exc}"
    )
    prefix = error_prefix(expected_exc)
    if prefix is not None:
        assert str(got_exc).startswith(prefix), (
            f"message should start with {prefix!r}: MLX said {expected_exc!s}, "
            f"subject said {got_exc!s}"
        )


def _describe(n: Normalized | None) -> str:
    if n is None:
        return "nothing"
    if n.kind == "array":
        return f"array shape={n.shape} dtype={n.dtype} values={n.value!r}"
    return f"{n.kind}: {n.value!r}"


def assert_values_close(
    got: np.ndarray, expected: np.ndarray, dtype: str, rtol=None, atol=None, where: str = ""
):
    """Values equal within the tolerance of `dtype` (exact for bool/integers); NaN == NaN."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    if dtype in BOOL + INTEGER or (rtol == 0 and atol == 0):
        if dtype in INEXACT:
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
            assert np.all(same), f"{where}values differ:\n got {got!r}\n expected {expected!r}"
        else:
            np.testing.assert_array_equal(got, expected, err_msg=where, strict=False)
        return
    d_rtol, d_atol = DEFAULT_TOL.get(dtype, (1e-5, 1e-6))
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    g = got.astype(np.complex128 if np.iscomplexobj(got) else np.float64)
    e = expected.astype(np.complex128 if np.iscomplexobj(expected) else np.float64)
    np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)


def assert_same(
    got: Normalized, expected: Normalized, rtol=None, atol=None, path="result", tol=None
):
    """`tol` maps a result dtype name to (rtol, atol); explicit rtol/atol win over it."""
    assert got.kind == expected.kind, (
        f"{path}: subject gave {_describe(got)}, MLX {_describe(expected)}"
    )
    if got.kind == "array":
        assert got.shape == expected.shape, f"{path}: shape {got.shape} != MLX {expected.shape}"
        assert got.dtype == expected.dtype, f"{path}: dtype {got.dtype} != MLX {expected.dtype}"
        r, a = rtol, atol
        if tol is not None and rtol is None and atol is None:
            r, a = tol.get(expected.dtype, (None, None))
        assert_values_close(got.value, expected.value, expected.dtype, r, a, where=f"{path}: ")
    elif got.kind in ("list", "tuple", "dict"):
        assert len(got.items) == len(expected.items), (
            f"{path}: {len(got.items)} items != MLX {len(expected.items)}"
        )
        for i, (g, e) in enumerate(zip(got.items, expected.items, strict=True)):
            if got.kind == "dict":
                assert g[0] == e[0], f"{path}: keys differ {g[0]!r} != {e[0]!r}"
                assert_same(g[1], e[1], rtol, atol, f"{path}[{g[0]!r}]", tol)
            else:
                assert_same(g, e, rtol, atol, f"{path}[{i}]", tol)
    elif got.kind == "float":
        if math.isnan(expected.value):
            assert math.isnan(got.value), f"{path}: {got.value!r} != MLX nan"
        elif rtol is None and atol is None:
            assert got.value == expected.value, f"{path}: {got.value!r} != MLX {expected.value!r}"
        else:
            assert math.isclose(got.value, expected.value, rel_tol=rtol or 0, abs_tol=atol or 0), (
                f"{path}: {got.value!r} != MLX {expected.value!r}"
            )
    else:
        assert got.value == expected.value, f"{path}: {got.value!r} != MLX {expected.value!r}"


def _log_oracle_error(exc):
    """With MLX_CORE_TESTS_ERROR_LOG=path, record which tests saw MLX raise inside `check`
    (a test that only ever compares errors may be calling the op wrongly)."""
    path = os.environ.get("MLX_CORE_TESTS_ERROR_LOG")
    if path:
        with open(path, "a") as f:
            test = os.environ.get("PYTEST_CURRENT_TEST", "?")
            f.write(f"{test}\t{type(exc).__name__}: {exc!s:.120}\n")


def check(fn: Callable, rtol=None, atol=None, *, tol=None):
    """Run fn(lib) for MLX and for the subject; assert the same result or the same error.

    Values compare within rtol/atol when given, else within `tol[result dtype]` when `tol`
    (a dict such as op_db's presets) has that dtype, else within DEFAULT_TOL.

    Returns MLX's normalized result (None when MLX raised) so a test can add its own
    checks, e.g. against NumPy.
    """
    expected, expected_exc = call(ORACLE, fn)
    got, got_exc = call(SUBJECT, fn)
    if expected_exc is not None:
        _log_oracle_error(expected_exc)
        assert_same_error(got_exc, expected_exc, got)
        return None
    if got_exc is not None:
        raise AssertionError(
            f"MLX returned {_describe(expected)} but the subject raised "
            f"{type(got_exc).__name__}: {got_exc}"
        ) from got_exc
    assert_same(got, expected, rtol, atol, tol=tol)
    return expected


def check_raises(
    fn: Callable, exc_type: type[BaseException] | None = None, prefix: str | None = None
):
    """MLX raises (exc_type when given, message starting with `prefix` when given), and the
    subject raises the same type with the same `[op]` prefix."""
    expected, expected_exc = call(ORACLE, fn)
    assert expected_exc is not None, f"MLX did not raise; it returned {_describe(expected)}"
    if exc_type is not None:
        assert type(expected_exc) is exc_type, (
            f"MLX raised {type(expected_exc).__name__}: {expected_exc}"
        )
    if prefix is not None:
        assert str(expected_exc).startswith(prefix), f"MLX said {expected_exc!s}"
    got, got_exc = call(SUBJECT, fn)
    assert_same_error(got_exc, expected_exc, got)
    return expected_exc


def check_numpy(lib_result, np_expected, rtol=None, atol=None, *, tol=None):
    """A library array (or normalized result) matches a NumPy reference in values and shape."""
    if not isinstance(lib_result, Normalized):
        lib_result = normalize(SUBJECT, lib_result)
    np_expected = np.asarray(np_expected)
    assert lib_result.shape == np_expected.shape, (
        f"shape {lib_result.shape} != NumPy {np_expected.shape}"
    )
    name = lib_result.dtype
    if tol is not None and rtol is None and atol is None:
        rtol, atol = tol.get(name, (None, None))
    if name in BOOL + INTEGER:
        np.testing.assert_array_equal(lib_result.value, np_expected)
    else:
        assert_values_close(lib_result.value, np_expected, name, rtol, atol, where="vs NumPy: ")


def to_numpy(lib, a) -> np.ndarray:
    return _array_to_numpy(lib, a)


def check_repr(fn: Callable):
    """repr/str of the results agree (Dtype reprs differ only in the module name)."""
    exp = fn(ORACLE)
    got = fn(SUBJECT)
    assert got == exp, f"subject {got!r} != MLX {exp!r}"


# ---------------------------------------------------------------------------------------------
# hypothesis strategies
# ---------------------------------------------------------------------------------------------


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    """Shapes including 0-d and 0-size dimensions by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def nonempty_shapes(min_dims=0, max_dims=4, max_side=4):
    return shapes(min_dims, max_dims, 1, max_side)


def dtypes(names=ALL_DTYPES):
    return st.sampled_from(tuple(names))


def layouts():
    return st.sampled_from(LAYOUTS)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4):
    """Tuples of shapes that broadcast together (hypothesis' BroadcastableShapes.input_shapes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=min_side,
        max_side=max_side,
    ).map(lambda b: b.input_shapes)


@st.composite
def axes(draw, ndim: int, allow_none=True, allow_tuple=True, allow_empty=True):
    """None, one axis (possibly negative) or a tuple of distinct axes (mixed signs)."""
    options = ["none"] if allow_none else []
    if ndim > 0:
        options.append("int")
    if allow_tuple and (ndim > 0 or allow_empty):
        options.append("tuple")
    kind = draw(st.sampled_from(options))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = (
        draw(
            st.lists(
                st.integers(0, ndim - 1),
                unique=True,
                min_size=0 if allow_empty else 1,
                max_size=ndim,
            )
        )
        if ndim
        else []
    )
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


def axis(ndim: int):
    """One valid axis, possibly negative."""
    return st.integers(-ndim, ndim - 1)


# Element domains for value generation, as (int_low, int_high, float_low, float_high).
# int bounds are clipped to the dtype; `None` float bound means "use the int bounds".
DOMAINS = {
    "any": (None, None, -1e3, 1e3),  # full integer range
    "small": (-20, 20, -20.0, 20.0),
    "positive": (1, 100, 1e-2, 1e3),
    "nonneg": (0, 100, 0.0, 1e3),
    "unit": (-1, 1, -0.999, 0.999),
    "ge1": (1, 100, 1.0, 1e3),
    "exp": (-10, 10, -10.0, 10.0),
    "trig": (-10, 10, -10.0, 10.0),
    "tiny": (0, 3, -3.0, 3.0),
    "nonzero": (-20, 20, -20.0, 20.0),  # zero removed below
    "shift": (0, 7, 0.0, 7.0),  # integers: 0 .. bits-1 of the dtype (see `elements`)
}


def _int_bounds(dtype: str, lo, hi):
    info = np.iinfo(NUMPY_HOLDER[dtype])
    lo = info.min if lo is None else max(lo, int(info.min))
    hi = info.max if hi is None else min(hi, int(info.max))
    return int(lo), int(hi)


def _representable(bound: float, width: int, up: bool) -> float:
    """`bound` moved inward (up for a lower bound) onto the grid of a `width`-bit float."""
    ftype = {16: np.float16, 32: np.float32, 64: np.float64}[width]
    b = ftype(bound)
    if (up and float(b) < bound) or (not up and float(b) > bound):
        b = np.nextafter(b, ftype(np.inf if up else -np.inf))
    return float(b)


def elements(dtype: str, domain: str = "any"):
    """A strategy of Python scalars of `dtype` within `domain`."""
    ilo, ihi, flo, fhi = DOMAINS[domain]
    if dtype == "bool":
        if domain in ("positive", "ge1", "nonzero"):
            return st.just(True)
        return st.booleans()
    if dtype in INTEGER:
        if domain == "shift":
            return st.integers(0, BITS[dtype] - 1)
        lo, hi = _int_bounds(dtype, ilo, ihi)
        s = st.integers(lo, hi)
        return s.filter(lambda v: v != 0) if domain == "nonzero" else s
    if dtype == "float16":
        fhi, flo = min(fhi, 6e4), max(flo, -6e4)
    width = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64, "complex64": 32}[dtype]
    flo, fhi = _representable(flo, width, up=True), _representable(fhi, width, up=False)
    f = st.floats(
        flo, fhi, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )
    if domain == "nonzero":
        f = f.filter(lambda v: abs(v) >= 1e-2)
    if dtype == "complex64":
        return st.builds(complex, f, f)
    return f


def array_values(dtype: str, shape, domain: str = "any"):
    """NumPy arrays of `shape` holding values of `dtype` (bfloat16 on its grid, as float32)."""
    s = hnp.arrays(NUMPY_HOLDER[dtype], shape, elements=elements(dtype, domain))
    if dtype == "bfloat16":
        s = s.map(round_to_bfloat16)
    return s


@st.composite
def inputs(draw, dtypes=ALL_DTYPES, shape=None, domain="any", layout=None, **shape_kw):
    """An `Input`: a dtype drawn from `dtypes`, a shape (drawn unless given), values in
    `domain` and a layout (drawn unless given)."""
    name = draw(st.sampled_from(tuple(dtypes))) if not isinstance(dtypes, str) else dtypes
    shp = draw(shapes(**shape_kw)) if shape is None else shape
    vals = draw(array_values(name, shp, domain))
    lay = draw(layouts()) if layout is None else layout
    return Input(vals, name, lay)


# Floats that every elementwise op should agree on, specials included.
SPECIAL_FLOATS = np.array(
    [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0, 1e-3, 100.0, math.inf, -math.inf, math.nan],
    dtype=np.float32,
)


def sample_values(dtype: str, domain: str = "any") -> np.ndarray:
    """A small fixed array per dtype for the deterministic all-dtypes grid tests."""
    if dtype == "bool":
        if domain in ("positive", "ge1", "nonzero"):
            return np.array([True, True])
        return np.array([True, False, True, True])
    if dtype in INTEGER:
        lo, hi = _int_bounds(dtype, *DOMAINS.get(domain, DOMAINS["any"])[:2])
        base = [lo, hi, 0, 1, 2, 3, 5, -1, -7]
        if domain == "shift":
            base = [0, 1, 3, BITS[dtype] - 1]
        vals = [v for v in base if lo <= v <= hi and not (domain == "nonzero" and v == 0)]
        return np.array(vals, dtype=NUMPY_HOLDER[dtype])
    flo, fhi = DOMAINS.get(domain, DOMAINS["any"])[2:]
    vals = np.array([0.0, 0.25, -0.5, 0.75, 1.0, 1.5, -2.0, 3.0, 10.0], dtype=np.float64)
    vals = vals[(vals >= flo) & (vals <= fhi)]
    if domain == "nonzero":
        vals = vals[vals != 0]
    if domain == "ge1":
        vals = np.array([1.0, 1.5, 2.0, 10.0])
    if dtype == "complex64":
        return (vals + 0.5j * vals[::-1]).astype(np.complex64)
    return vals.astype(NUMPY_HOLDER[dtype])
