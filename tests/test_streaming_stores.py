"""Outputs of 8 MiB and more are written with non-temporal stores through a small buffer
(backend/cpu/streaming.h). These sizes are above what the rest of the suite uses, so every
dense layout of the unary and binary kernels is checked here against NumPy: contiguous,
misaligned starts (a view one element in), scalar operands, donated buffers and bool/float64
outputs."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import SUBJECT as mx

N = (3 << 20) + 7  # 12 MiB of float32, not a multiple of any block


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    return rng.standard_normal(N).astype(np.float32), rng.standard_normal(N).astype(np.float32)


def _unstreamed(fn, xn):
    """fn over slices small enough to be written normally: the same kernel, other stores."""
    parts = [np.array(fn(mx.array(xn[i : i + (1 << 20)]))) for i in range(0, len(xn), 1 << 20)]
    return np.concatenate(parts)


def test_unary_contiguous_and_misaligned(data):
    xn, _ = data
    x = mx.array(xn)
    got = np.array(mx.exp(x))
    np.testing.assert_array_equal(got, _unstreamed(mx.exp, xn))
    np.testing.assert_allclose(got, np.exp(xn), rtol=5e-7)
    np.testing.assert_array_equal(np.array(mx.abs(x[1:])), np.abs(xn[1:]))
    np.testing.assert_array_equal(np.array(mx.negative(x[3:])), -xn[3:])


@pytest.mark.parametrize("form", ["vector-vector", "scalar-vector", "vector-scalar", "misaligned"])
def test_binary_layouts(data, form):
    xn, yn = data
    x, y = mx.array(xn), mx.array(yn)
    if form == "vector-vector":
        got, want = x * y, xn * yn
    elif form == "scalar-vector":
        got, want = 2.5 - y, np.float32(2.5) - yn
    elif form == "vector-scalar":
        got, want = x / 3.0, xn / np.float32(3.0)
    else:
        got, want = x[5:] + y[:-5], xn[5:] + yn[:-5]
    np.testing.assert_array_equal(np.array(got), want)


def test_bool_and_float64_outputs(data):
    xn, yn = data
    x, y = mx.array(xn), mx.array(yn)
    np.testing.assert_array_equal(np.array(x < y), xn < yn)  # 3 MiB of bool: not streamed
    big = mx.array(np.concatenate([xn] * 4))  # 12M values: a 12 MiB bool output
    np.testing.assert_array_equal(np.array(big > 0), np.concatenate([xn] * 4) > 0)
    x64 = x.astype(mx.float64)
    np.testing.assert_array_equal(np.array(x64 * 2), xn.astype(np.float64) * 2)


def test_donated_input_buffer(data):
    xn, _ = data
    # exp's result is held by nothing but the graph: the addition writes into its buffer.
    got = mx.exp(mx.array(xn)) + 1
    np.testing.assert_array_equal(np.array(got), _unstreamed(lambda v: mx.exp(v) + 1, xn))
