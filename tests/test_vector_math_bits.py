"""exp, erf and sigmoid on float32, bit for bit against real MLX over a dense
sample of all 2**32 bit patterns (every NaN payload class, subnormals, the
range limits near +-88 and the exponent's underflow), eagerly and inside a
compiled chain (where they run in registers, scalar_steps.cpp)."""

import numpy as np
import pytest

import mlx_core as mx

mlx = pytest.importorskip("mlx.core")

# A prime stride walks every exponent and many mantissas of both signs.
_STRIDE = 4099
_EDGES = np.array(
    [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF,
     0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FC00001,
     0xFFFFFFFF],
    dtype=np.uint32,
)


def _sample_bits():
    bits = np.arange(0, 1 << 32, _STRIDE, dtype=np.uint64).astype(np.uint32)
    # Dense neighbourhoods of the range checks: e^x overflows past 88 and
    # underflows below about -87.3 (exp, sigmoid), erf's e^{-x^2} below it.
    near = [np.float32(v) for v in (88.0, -88.0, 87.33, -87.33, 88.72, -88.72, 9.37, -9.37, 0.5, -0.5)]
    around = [np.arange(-2000, 2001, dtype=np.int64) + np.array(v).view(np.uint32).astype(np.int64) for v in near]
    return np.concatenate([bits, _EDGES] + [a.astype(np.uint32) for a in around])


@pytest.mark.parametrize("name", ["exp", "erf", "sigmoid"])
@pytest.mark.parametrize("compiled", [False, True])
def test_float32_bits_match_mlx_everywhere(name, compiled):
    x = _sample_bits().view(np.float32)
    want = np.array(getattr(mlx, name)(mlx.array(x))).view(np.uint32)
    op = getattr(mx, name)
    # Inside a compiled chain the op runs as a register-run step; the `* 1`
    # keeps it a chain (quiet NaNs and every number pass through unchanged).
    f = mx.compile(lambda a: op(a) * 1.0) if compiled else op
    got = np.array(f(mx.array(x))).view(np.uint32)
    if compiled:
        want = np.array(mlx.multiply(getattr(mlx, name)(mlx.array(x)), 1.0)).view(np.uint32)
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, (
        f"{bad.size} of {x.size} differ, first at bits {x.view(np.uint32)[bad[0]]:#010x}: "
        f"got {got[bad[0]]:#010x}, MLX {want[bad[0]]:#010x}"
    )
