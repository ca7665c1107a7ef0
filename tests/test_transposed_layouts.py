"""Elementwise ops and copies with a transposed operand (transpose_tile.h): blocks of 16 x 16 go
through registers for 4-byte items and item by item for other sizes, and edges that are not
whole blocks take the short path. Every dtype, either operand transposed, batched, with a
reversed column walk; the reference is the same op on contiguous arrays (another kernel), NumPy
where its arithmetic is the same, and MLX."""

import numpy as np
import pytest

from helpers import ALL_DTYPES, BOOL, COMPLEX, ORACLE, SUBJECT, make

mx = SUBJECT

# (rows, cols): whole blocks, ragged edges on either side, fewer rows or columns than a block.
SIZES = [(16, 16), (17, 33), (40, 16), (64, 70), (3, 50), (50, 3)]
BATCHES = [(), (3,), (2, 3)]


def _values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith(("int", "uint")):
        return rng.integers(0, 100, shape)
    if dtype == "complex64":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    return rng.standard_normal(shape).astype(np.float32)


def _turned(lib, values, dtype):
    """An array holding `values`, reached as the transpose of its transpose (stride 1 down rows)."""
    return lib.swapaxes(make(lib, np.ascontiguousarray(np.swapaxes(values, -1, -2)), dtype), -1, -2)


def _ops(dtype):
    ops = ["equal"]
    if dtype not in BOOL:
        ops.append("add")
    if dtype not in COMPLEX:
        ops += ["maximum", "greater"]
    return ops


def _np(a):
    """The values of an array of either library (bfloat16 as its bits, which NumPy lacks)."""
    lib = ORACLE if type(a).__module__.startswith("mlx.") else mx
    return np.asarray(a.view(lib.uint16) if a.dtype == lib.bfloat16 else a)


def _bits(a):
    a = _np(a) if not isinstance(a, np.ndarray) else a
    return a.view(np.uint8) if a.dtype != bool else a


@pytest.mark.parametrize("which", ["first", "second"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_binary_op_with_a_transposed_operand_matches_contiguous(dtype, which):
    for batch in BATCHES:
        for rows, cols in SIZES:
            a = _values(batch + (rows, cols), dtype, rows)
            b = _values(batch + (rows, cols), dtype, cols + 1)
            for op in _ops(dtype):
                f = getattr(mx, op)
                want = _np(f(make(mx, a, dtype), make(mx, b, dtype)))
                x = _turned(mx, a, dtype) if which == "first" else make(mx, a, dtype)
                y = _turned(mx, b, dtype) if which == "second" else make(mx, b, dtype)
                got = _np(f(x, y))
                assert got.dtype == want.dtype and got.shape == want.shape
                assert np.array_equal(_bits(got), _bits(want)), f"{op} {dtype} {batch + (rows, cols)}"


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "int64", "float64"])
def test_binary_op_with_a_transposed_operand_matches_numpy(dtype):
    a = _values((64, 70), dtype, 1)
    b = _values((70, 64), dtype, 2)
    got = np.asarray(mx.add(_turned(mx, a, dtype), make(mx, b.T.copy(), dtype)))
    want = np.asarray(make(mx, a, dtype)) + np.asarray(make(mx, b.T.copy(), dtype))
    assert np.array_equal(got, want)
    # x.T + y with x row-major: the operand read column-wise is a plain transpose view.
    got = np.asarray(make(mx, b, dtype).T - make(mx, a, dtype)) if dtype != "uint8" else None
    if got is not None:
        assert np.array_equal(got, np.asarray(make(mx, b, dtype)).T - np.asarray(make(mx, a, dtype)))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_contiguous_copy_of_a_transpose_matches_numpy(dtype):
    for batch in BATCHES:
        for rows, cols in SIZES:
            a = _values(batch + (rows, cols), dtype, 3)
            t = _turned(mx, a, dtype)
            ref = _np(make(mx, a, dtype))
            for view, expect in ((t, ref), (t[..., ::-1], ref[..., ::-1]), (t[..., ::-1, :], ref[..., ::-1, :])):
                got = _np(mx.contiguous(view))
                assert np.array_equal(_bits(got), _bits(np.ascontiguousarray(expect))), f"{dtype} {a.shape}"
            # With a conversion on the way (the item-by-item path).
            if dtype not in COMPLEX:
                got = _np(t.astype(mx.float32))
                assert np.array_equal(got, _np(make(mx, a, dtype).astype(mx.float32)))


@pytest.mark.parametrize("dtype", ["float32", "int16", "bfloat16", "complex64"])
def test_transposed_operand_results_match_mlx(dtype):
    a = _values((40, 33), dtype, 4)
    b = _values((40, 33), dtype, 5)
    want = _np(ORACLE.add(_turned(ORACLE, a, dtype), make(ORACLE, b, dtype)))
    got = _np(mx.add(_turned(mx, a, dtype), make(mx, b, dtype)))
    assert np.array_equal(_bits(got), _bits(want))
