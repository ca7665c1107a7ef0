"""bartlett, blackman, hamming and hanning vs MLX and NumPy: lengths 0 and 1, negative
lengths (empty), float32 results, and the argument type."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ORACLE, SUBJECT, check, check_numpy

WINDOWS = ["bartlett", "blackman", "hamming", "hanning"]
# Built from sin/cos: within a few float32 ulps of MLX (bit-exact where the elementwise
# sin/cos are, see docs/differences.md).
TOL = {"float32": (2e-6, 2e-7)}


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("M", [-5, -1, 0, 1, 2, 3, 4, 5, 8, 33, 256])
def test_window_matches_mlx_and_numpy(name, M):
    check(lambda m: getattr(m, name)(M), tol=TOL)
    check_numpy(getattr(SUBJECT, name)(M), getattr(np, name)(M), 1e-6, 1e-6)


@pytest.mark.parametrize("name", WINDOWS)
@given(M=st.integers(2, 3000))
def test_window_lengths_match_mlx(name, M):
    check(lambda m: getattr(m, name)(M), tol=TOL)


@pytest.mark.parametrize("name", WINDOWS)
def test_window_exact_values_for_small_lengths(name):
    # The endpoints and the centre are exact in MLX's formulation.
    w = np.array(getattr(SUBJECT, name)(5))
    assert w.dtype == np.float32
    assert w[2] == 1.0
    assert w[0] == {"bartlett": 0.0, "blackman": 0.0, "hamming": np.float32(0.54) -
                    np.float32(0.46), "hanning": 0.0}[name]


@pytest.mark.parametrize("name", WINDOWS)
def test_window_rejects_non_int_lengths(name):
    for lib in (ORACLE, SUBJECT):
        with pytest.raises(TypeError):
            getattr(lib, name)(5.0)
        with pytest.raises(TypeError):
            getattr(lib, name)(2**31)
        with pytest.raises(TypeError):
            getattr(lib, name)(5, SUBJECT.cpu if lib is SUBJECT else ORACLE.cpu)  # keyword-only
