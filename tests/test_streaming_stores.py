"""Outputs of 8 MiB and more are written with non-temporal stores through a small buffer
(backend/cpu/streaming.h). These sizes are above what the rest of the suite uses, so every
dense layout of the unary and binary kernels is checked here against NumPy: contiguous,
misaligned starts (a view one element in), scalar operands, donated buffers and bool/float64
outputs."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import SUBJECT as mx
from helpers import child_env

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


SPLIT_SCRIPT = """
import sys
import numpy as np
import {module} as mx

rng = np.random.default_rng(3)
out = {{}}
for n in ({sizes}):
    xn = rng.standard_normal(n).astype(np.float32)
    x = mx.array(xn)
    chain = mx.compile(lambda v: (v * 2 + 1) * 3)
    out[f"x{{n}}"] = xn
    out[f"neg{{n}}"] = np.array(-x)
    out[f"add{{n}}"] = np.array(x + 1.5)
    out[f"mul{{n}}"] = np.array(x[1:] * x[:-1])
    out[f"chain{{n}}"] = np.array(chain(x))
np.savez(sys.argv[1], **out)
"""


@pytest.mark.parametrize("threads", [3, 7])
def test_streaming_loops_cover_every_element_with_any_number_of_threads(threads, tmp_path):
    # Streaming loops hand out chunks of 64K elements to whichever thread asks first
    # (threading.cpp): sizes just past two chunks, with fewer chunks than threads, with
    # more, and a streamed output, each element computed once and in place.
    import subprocess
    import sys

    sizes = [2 * 65536 + 5, 5 * 65536 + 123, 11 * 65536 + 1, N]
    env = child_env(MLX_CORE_NUM_THREADS=str(threads))
    path = tmp_path / "split.npz"
    script = SPLIT_SCRIPT.format(module=mx.__name__, sizes=", ".join(map(str, sizes)))
    subprocess.run([sys.executable, "-c", script, str(path)], env=env, cwd=tmp_path, check=True, timeout=300)
    with np.load(path) as f:
        for n in sizes:
            xn = f[f"x{n}"]
            np.testing.assert_array_equal(f[f"neg{n}"], -xn)
            np.testing.assert_array_equal(f[f"add{n}"], xn + np.float32(1.5))
            np.testing.assert_array_equal(f[f"mul{n}"], xn[1:] * xn[:-1])
            np.testing.assert_array_equal(f[f"chain{n}"], (xn * np.float32(2) + np.float32(1)) * np.float32(3))
