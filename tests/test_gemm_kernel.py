"""The float32 GEMM kernel (backend/cpu/gemm_f32.cpp) that runs products of at least 8 rows,
96 columns, 16 steps of K and 2^20 multiply-adds (smaller ones go to OpenBLAS): every orientation of the operands, shapes at and around the
8 x 48 tiles, the 16-row groups and the 256-step blocks of K, batches, NaN and inf kept to
their own rows and columns, and the same bits whichever way the product is split. The
reference is NumPy in float64 with the classic bound on a float32 sum's rounding error."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import SUBJECT as mx
from helpers import check, child_env

EPS32 = 2.0**-24
KERNEL_MIN_WORK = 1 << 20  # gemm_f32.cpp's sgemm_suits


def kernel_depth(m, n, k):
    """k, or k plus a multiple of 256 (the same place in a block of K), so that the
    product is big enough for the kernel."""
    while m * n * k < KERNEL_MIN_WORK:
        k += 256
    return k


def operand(rng, rows, cols, transposed):
    """A rows x cols float32 matrix, as a transposed view of its transpose where asked
    (matmul then hands the kernel the stored matrix with the transposed flag)."""
    values = rng.standard_normal((rows, cols)).astype(np.float32)
    if transposed:
        return values, mx.array(np.ascontiguousarray(values.T)).T
    return values, mx.array(values)


def assert_product_close(got, a, b):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    want = a64 @ b64
    # Each element is a sum of k products: its error is at most about k eps (|a| @ |b|).
    bound = 2 * a.shape[-1] * EPS32 * (np.abs(a64) @ np.abs(b64)) + 1e-30
    err = np.abs(np.asarray(got, dtype=np.float64) - want)
    assert got.shape == want.shape
    assert np.all(err <= bound), f"worst excess {np.max(err - bound)} at {np.unravel_index(np.argmax(err - bound), err.shape)}"


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(8, 70),
    n=st.integers(96, 260),
    k=st.integers(16, 600),
    ta=st.booleans(),
    tb=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_products_of_every_orientation_match_float64(m, n, k, ta, tb, seed):
    k = kernel_depth(m, n, k)
    rng = np.random.default_rng(seed)
    a, ma = operand(rng, m, k, ta)
    b, mb = operand(rng, k, n, tb)
    got = mx.matmul(ma, mb)
    assert got.dtype == mx.float32
    assert_product_close(np.array(got), a, b)


@pytest.mark.parametrize("m", [8, 9, 15, 16, 17, 24, 33])
@pytest.mark.parametrize("n", [96, 111, 112, 128, 143, 144, 145, 1000])
@pytest.mark.parametrize("k", [1, 255, 256, 257])
def test_tile_group_and_block_edges(m, n, k):
    k = kernel_depth(m, n, k)
    rng = np.random.default_rng(m * 10007 + n * 101 + k)
    for ta, tb in ((False, False), (True, True)):
        a, ma = operand(rng, m, k, ta)
        b, mb = operand(rng, k, n, tb)
        assert_product_close(np.array(ma @ mb), a, b)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_large_products_split_over_threads(ta, tb):
    # The product is split over the pool in a grid of row and column blocks.
    rng = np.random.default_rng(7)
    for m, n, k in ((300, 1000, 300), (700, 250, 270), (256, 1024, 784)):
        a, ma = operand(rng, m, k, ta)
        b, mb = operand(rng, k, n, tb)
        assert_product_close(np.array(ma @ mb), a, b)


def test_short_products_over_many_rows():
    # K of 16, the least the kernel takes, over enough rows and columns.
    rng = np.random.default_rng(2)
    for m, n, ta, tb in ((700, 100, False, True), (80, 1000, True, False)):
        a, ma = operand(rng, m, 16, ta)
        b, mb = operand(rng, 16, n, tb)
        assert_product_close(np.array(ma @ mb), a, b)


def test_batched_products():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 20, 600)).astype(np.float32)
    b = rng.standard_normal((600, 100)).astype(np.float32)
    got = np.array(mx.array(a) @ mx.array(b))
    for i in range(3):
        assert_product_close(got[i], a[i], b)
    bt = rng.standard_normal((3, 100, 600)).astype(np.float32)
    got = np.array(mx.array(a) @ mx.swapaxes(mx.array(bt), -1, -2))
    for i in range(3):
        assert_product_close(got[i], a[i], bt[i].T)


def test_same_bits_however_the_product_is_split():
    # Each element sums its products in the same order whatever rows and columns the
    # call covers: a block of the product is the product of the blocks.
    rng = np.random.default_rng(11)
    a = rng.standard_normal((200, 700)).astype(np.float32)
    b = rng.standard_normal((700, 500)).astype(np.float32)
    ma, mb = mx.array(a), mx.array(b)
    whole = np.array(ma @ mb)
    rows = np.array(ma[37:161] @ mb)
    cols = np.array(ma @ mb[:, 101:399])
    assert np.array_equal(whole[37:161].view(np.uint32), rows.view(np.uint32))
    assert np.array_equal(whole[:, 101:399].view(np.uint32), cols.view(np.uint32))
    # Compiled and eager products give the same bits.
    compiled = np.array(mx.compile(lambda x, y: x @ y)(ma, mb))
    assert np.array_equal(whole.view(np.uint32), compiled.view(np.uint32))


GRID_SCRIPT = """
import sys
import numpy as np
import {module} as mx
rng = np.random.default_rng(5)
out = []
for m, n, k, ta, tb, dtype in {cases!r}:
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    ma, mb = mx.array(a, dtype=getattr(mx, dtype)), mx.array(b, dtype=getattr(mx, dtype))
    out.append(np.array((ma.T if ta else ma) @ (mb.T if tb else mb)))
np.savez(sys.argv[1], *out)
"""


@pytest.mark.parametrize("threads", [1, 3, 7, 16])
def test_same_bits_with_any_number_of_threads(threads, tmp_path):
    # Each thread gets a block of a grid of rows (in steps of 16) by columns (in steps
    # of 48): for float32 any grid gives the bits of one thread's whole product; every
    # grid gives the values of float64 NumPy. Shapes off the steps, with few row or
    # column steps.
    import subprocess
    import sys

    cases = [
        (256, 1024, 784, False, False, "float32"),
        (784, 1000, 256, True, False, "float32"),
        (37, 1100, 300, False, True, "float32"),
        (1000, 100, 300, True, True, "float32"),
        (300, 290, 200, False, False, "float64"),
    ]
    env = child_env(MLX_CORE_NUM_THREADS=str(threads))
    script = GRID_SCRIPT.format(module=mx.__name__, cases=cases)
    results = []
    for name, run_env in (("one", dict(env, MLX_CORE_NUM_THREADS="1")), ("many", env)):
        path = tmp_path / f"{name}.npz"
        subprocess.run([sys.executable, "-c", script, str(path)], env=run_env, cwd=tmp_path, check=True, timeout=300)
        with np.load(path) as f:
            results.append([f[f"arr_{i}"] for i in range(len(cases))])
    rng = np.random.default_rng(5)
    for (m, n, k, ta, tb, dtype), one, many in zip(cases, *results):
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
        a, b = (a.T if ta else a), (b.T if tb else b)
        if dtype == "float32":
            assert np.array_equal(one.view(np.uint32), many.view(np.uint32)), (m, n, k, ta, tb)
            assert_product_close(many, a, b)
        else:  # OpenBLAS's float64 blocks may sum in another order: values only
            bound = 2 * k * 2.0**-53 * (np.abs(a) @ np.abs(b))
            assert np.all(np.abs(many - a @ b) <= bound)


def test_nan_and_inf_stay_in_their_rows_and_columns():
    # Padding rows and columns of the tiles hold zeros; 0 * inf there must not reach C.
    rng = np.random.default_rng(5)
    m, n, k = 13, 101, 900  # edges in both directions; the part below is big enough too
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    a[4, 7] = np.nan
    b[9, 99] = np.inf
    b[2, 100] = -np.inf
    got = np.array(mx.array(a) @ mx.array(b))
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    assert np.array_equal(np.sign(got[~finite & ~np.isnan(want)]), np.sign(want[~finite & ~np.isnan(want)]))
    good = np.ones((m, n), bool)
    good[4, :] = False
    good[:, 99:] = False
    sub = np.array(mx.array(np.delete(a, 4, 0)) @ mx.array(b[:, :99]))
    assert np.array_equal(sub.view(np.uint32), got[good].reshape(m - 1, 99).view(np.uint32))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_products_go_through_float32(dtype):
    rng = np.random.default_rng(9)
    a = rng.standard_normal((24, 400)).astype(np.float32)
    b = rng.standard_normal((400, 130)).astype(np.float32)
    ha, hb = mx.array(a).astype(getattr(mx, dtype)), mx.array(b).astype(getattr(mx, dtype))
    got = ha @ hb
    assert got.dtype == getattr(mx, dtype)
    # The product of the rounded inputs, from float32 sums rounded once to the half type:
    # within the sum's bound plus the final rounding (unit roundoff 2^-11 or 2^-8).
    a32 = np.array(ha.astype(mx.float32)).astype(np.float64)
    b32 = np.array(hb.astype(mx.float32)).astype(np.float64)
    exact = a32 @ b32
    unit = 2.0**-8 if dtype == "bfloat16" else 2.0**-11
    bound = unit * np.abs(exact) + 2 * 400 * EPS32 * (np.abs(a32) @ np.abs(b32)) * (1 + unit) + 1e-6
    assert np.all(np.abs(np.array(got.astype(mx.float32)) - exact) <= bound)


def test_against_mlx():
    rng = np.random.default_rng(13)
    a = (rng.standard_normal((40, 300)) / 10).astype(np.float32)
    b = (rng.standard_normal((300, 150)) / 10).astype(np.float32)
    check(lambda m: m.array(a) @ m.array(b), 1e-5, 1e-5)
    check(lambda m: m.array(a.T.copy()).T @ m.array(b.T.copy()).T, 1e-5, 1e-5)
