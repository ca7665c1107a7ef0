"""Array repr/str and the print options API, compared byte for byte with real MLX."""

import importlib.util
import inspect
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

mx = pytest.importorskip("mlx.core")

_PATH = Path(__file__).resolve().parents[1] / "mlx_core" / "_printing.py"
_spec = importlib.util.spec_from_file_location("mlx_core_printing", _PATH)
printing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(printing)

DTYPE_NAMES = [
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64",
]  # fmt: skip
INF, NAN = float("inf"), float("nan")


def mx_dtype(name):
    return mx.bool_ if name == "bool" else getattr(mx, name)


def values_of(array):
    """What the array's owner hands to format_array: float32 values stand in for bfloat16."""
    if array.dtype == mx.bfloat16:
        array = array.astype(mx.float32)
    return np.array(array)


def assert_same_text(array):
    name = str(array.dtype).removeprefix("mlx.core.")
    values = values_of(array)
    assert printing.format_array(values, name, True) == repr(array)
    assert printing.format_array(values, name, False) == str(array)


def set_precision_both(precision):
    mx.set_printoptions(precision=precision)
    printing.set_printoptions(precision=precision)


@pytest.fixture(autouse=True)
def default_printoptions():
    set_precision_both(-1)
    yield
    set_precision_both(-1)


EDGE_CASES = [
    (1.5, "float32"),
    (True, "bool"),
    ([True, False], "bool"),
    (-7, "int8"),
    ([1.5, 2, 3], "float32"),
    ([1e-5, 1e10, 1.0, 1e-4, 123456.7, 999999.5, 1e6], "float32"),
    ([0.0, -0.0, INF, -INF, NAN, -NAN], "float32"),
    ([3.4e38, 1e-45, 1.17549435e-38, 1 / 3], "float32"),
    ([1 / 3, 1e300, 1e-300, -NAN, 5e-324], "float64"),
    ([65504, 6e-8, 1e-5, 1 / 3, -0.0, INF], "float16"),
    ([1.1, 2.2, 1e38, 1e-40, -NAN, 3.0], "bfloat16"),
    ([1 + 2j, 1 - 2j, -1 - 2j, 0j, complex(0, -0.0), complex(-0.0, -0.0)], "complex64"),
    ([complex(NAN, 1), complex(1, NAN), complex(1, -NAN), complex(INF, -INF)], "complex64"),
    ([complex(1e10, 1e-5), complex(1 / 3, 2 / 3), complex(0, INF)], "complex64"),
    (1 - 2j, "complex64"),
    (np.array([2**64 - 1, 0, 2**63], dtype=np.uint64), "uint64"),
    ([-(2**63), 2**63 - 1], "int64"),
    ([-128, 127, 65, 0], "int8"),
    ([255, 65, 0], "uint8"),
    ([[1, 2], [3, 4]], "int32"),
    ([[[1.5, 2], [3, 4]], [[5, 6], [7, 8]]], "float32"),
]


@pytest.mark.parametrize("data, name", EDGE_CASES, ids=lambda case: str(case)[:40])
def test_edge_values_match_mlx(data, name):
    assert_same_text(mx.array(data, dtype=mx_dtype(name)))


@pytest.mark.parametrize(
    "shape",
    [(0,), (0, 3), (2, 0), (0, 0), (1, 0), (2, 0, 3), (2, 3, 0), (10, 0), (2, 10, 0)],
)
@pytest.mark.parametrize("name", ["float32", "int64", "bool", "complex64"])
def test_empty_arrays_match_mlx(shape, name):
    assert_same_text(mx.zeros(shape, dtype=mx_dtype(name)))


@pytest.mark.parametrize(
    "shape",
    [(6,), (7,), (1000,), (2000,), (7, 7), (6, 6, 6), (40, 40), (3, 400), (400, 3), (7, 2, 2),
     (11, 11, 11), (7, 1, 1), (2, 3, 8, 9), (5, 5, 5, 5, 5), (300, 300)],
)  # fmt: skip
@pytest.mark.parametrize("name", ["float32", "int32", "bfloat16", "complex64"])
def test_summarised_arrays_match_mlx(shape, name):
    rng = np.random.default_rng(sum(shape))
    values = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8, shape)
    if name == "complex64":
        values = values + 1j * rng.standard_normal(shape)
    assert_same_text(mx.array(values, dtype=mx_dtype(name)))


def test_summary_keeps_three_edge_items_per_axis():
    text = printing.format_array(np.arange(7), "int32", True)
    assert text == "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"
    assert "..." not in printing.format_array(np.arange(6), "int32", True)


def _elements(name):
    if name == "bool":
        return st.booleans()
    if name in ("float16", "float32", "float64", "complex64"):
        return hnp.from_dtype(np.dtype(name))
    if name == "bfloat16":
        return hnp.from_dtype(np.dtype("float32"))
    return hnp.from_dtype(np.dtype(name))


@st.composite
def mlx_arrays(draw):
    name = draw(st.sampled_from(DTYPE_NAMES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=9))
    numpy_dtype = "float32" if name == "bfloat16" else name
    values = draw(hnp.arrays(numpy_dtype, shape, elements=_elements(name)))
    return mx.array(values, dtype=mx_dtype(name))


@settings(max_examples=200, deadline=None)
@given(array=mlx_arrays(), precision=st.sampled_from([-1, -1, -1, 0, 1, 3, 8, -2]))
def test_random_arrays_match_mlx(array, precision):
    set_precision_both(precision)
    assert_same_text(array)


@pytest.mark.parametrize("precision", [-1, 0, 1, 2, 3, 6, 10, 17, 50, -2, -100, -(2**31)])
@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", "complex64"])
def test_precision_changes_output_like_mlx(precision, name):
    data = [1.5, 2, 3.14159265, 1e-5, 1e10, -0.0, 0.5, 2.5, 1 / 3, INF, NAN]
    if name == "complex64":
        data = [complex(x, -x / 3) for x in data[:6]]
    set_precision_both(precision)
    assert_same_text(mx.array(data, dtype=mx_dtype(name)))
    assert_same_text(mx.array([1, 2, 3]))


def test_precision_is_fixed_point_digits():
    printing.set_printoptions(precision=3)
    assert printing.format_array(np.array([1.5, 2.0]), "float32", True) == (
        "array([1.500, 2.000], dtype=float32)"
    )


def test_printoptions_context_restores_state_like_mlx():
    for module in (mx, printing):
        module.set_printoptions(5)
        context = module.printoptions(precision=2)
        assert module.get_printoptions().precision == 5  # applied on enter, not on creation
        with context:
            assert module.get_printoptions().precision == 2
            module.set_printoptions(7)
        assert module.get_printoptions().precision == 5
        with pytest.raises(ValueError), module.printoptions(precision=3):
            raise ValueError("propagates")
        assert module.get_printoptions().precision == 5
        with module.printoptions():
            assert module.get_printoptions().precision == -1


def test_printoptions_context_reentered_overwrites_saved_state_like_mlx():
    results = []
    for module in (mx, printing):
        module.set_printoptions(-1)
        context = module.printoptions(precision=2)
        with context:
            with context:
                pass
            inner = module.get_printoptions().precision
        results.append((inner, module.get_printoptions().precision))
    assert results[0] == results[1] == (2, 2)


def test_printoptions_context_formats_inside_block():
    values = np.array([1 / 3], dtype=np.float32)
    with printing.printoptions(precision=2), mx.printoptions(precision=2):
        assert printing.format_array(values, "float32", True) == repr(mx.array(values))
    assert printing.format_array(values, "float32", True) == repr(mx.array(values))


def test_get_printoptions_returns_a_copy():
    for module in (mx, printing):
        options = module.get_printoptions()
        options.precision = 3
        assert module.get_printoptions().precision == -1
        assert module.get_printoptions() is not module.get_printoptions()


def test_print_options_object_like_mlx():
    for cls in (mx.PrintOptions, printing.PrintOptions):
        assert cls().precision == -1
        assert cls(4).precision == 4 and cls(precision=4).precision == 4
        assert cls(2) != cls(2)  # identity equality, as nanobind objects
        with pytest.raises(TypeError):
            pickle.dumps(cls())
        with pytest.raises(TypeError):
            cls().precision = 2.5
        with pytest.raises(TypeError):
            cls(precision=2.5)
    own = re.sub(r"0x[0-9a-f]+", "ADDR", repr(printing.PrintOptions()))
    assert own == "<mlx_core.PrintOptions object at ADDR>"
    context = re.sub(r"0x[0-9a-f]+", "ADDR", repr(printing.printoptions()))
    assert context == "<mlx_core._PrintOptionsContext object at ADDR>"


@pytest.mark.parametrize(
    "function", ["set_printoptions", "get_printoptions", "printoptions", "PrintOptions"]
)
def test_signatures_match_mlx(function):
    ours, theirs = getattr(printing, function), getattr(mx, function)
    if inspect.isclass(ours):
        ours, theirs = ours.__init__, theirs.__init__
    expected = theirs.__doc__.strip().splitlines()[0].replace("mlx.core.", "mlx_core.")
    assert f"{ours.__name__}{inspect.signature(ours)}" == expected


class _Index:
    def __index__(self):
        return 4


@pytest.mark.parametrize(
    "precision", [True, np.int64(3), np.uint64(2), np.array(3), _Index(), 2**31 - 1, -(2**31)]
)
def test_int_like_precision_accepted_like_mlx(precision):
    mx.set_printoptions(precision)
    printing.set_printoptions(precision)
    assert printing.get_printoptions().precision == mx.get_printoptions().precision


@pytest.mark.parametrize(
    "precision", [2.5, np.float64(3.0), np.float32(2), "3", None, np.bool_(True), 2**31]
)
def test_bad_precision_raises_type_error_like_mlx(precision):
    for function in ("set_printoptions", "printoptions", "PrintOptions"):
        with pytest.raises(TypeError):
            getattr(mx, function)(precision)
        with pytest.raises(TypeError, match=r"incompatible function arguments"):
            getattr(printing, function)(precision)
    with pytest.raises(TypeError):
        printing.set_printoptions(foo=2)
