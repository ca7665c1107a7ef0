"""NumPy, buffer protocol, DLPack (NumPy, PyTorch, JAX) interop against real MLX, with
zero-copy and lifetime checks."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from helpers import ORACLE as MX
from helpers import SUBJECT as mx

NUMPY_DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
                "int64", "float16", "float32", "float64", "complex64"]


def sample(dtype: str, shape=(3, 4)) -> np.ndarray:
    rng = np.random.default_rng(7)
    x = rng.normal(size=shape) * 50
    if dtype == "bool":
        return x > 0
    if dtype == "complex64":
        return (x + 1j * x[::-1]).astype(np.complex64)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
@pytest.mark.parametrize("convert", ["array", "asarray", "memoryview"])
def test_to_numpy_every_dtype(dtype, convert):
    x = sample(dtype)
    for lib in (MX, mx):
        a = lib.array(x, dtype=getattr(lib, dtype if dtype != "bool" else "bool_"))
        got = {"array": np.array, "asarray": np.asarray,
               "memoryview": lambda a: np.asarray(memoryview(a))}[convert](a)
        assert got.dtype == x.dtype and got.shape == x.shape
        np.testing.assert_array_equal(got, x)


def test_bfloat16_to_numpy_raises_like_mlx():
    for lib in (MX, mx):
        with pytest.raises(ValueError):
            np.array(lib.ones(3, dtype=lib.bfloat16))
        assert memoryview(lib.ones(3, dtype=lib.bfloat16)).format == "bfloat16"


def test_numpy_views_are_zero_copy_with_mlx_strides():
    a = mx.arange(12, dtype=mx.float32).reshape(3, 4)
    r = MX.arange(12, dtype=MX.float32).reshape(3, 4)
    for ours, theirs in ((a, r), (a.T, r.T), (a[:, ::2], r[:, ::2])):
        b = np.asarray(ours)
        assert b.strides == np.asarray(theirs).strides
        np.testing.assert_array_equal(b, np.asarray(theirs))
    # a view of a transposed array points into the original buffer: no copy
    assert np.asarray(a.T).ctypes.data == np.asarray(a).ctypes.data
    # writes through the view are seen by the array (shared memory, as in MLX)
    v = np.asarray(a)
    v[0, 0] = 42
    assert a[0, 0].item() == 42


def test_numpy_view_keeps_memory_alive():
    a = mx.arange(1 << 16, dtype=mx.int32) * 3
    v = np.asarray(a)
    m = memoryview(mx.arange(10, dtype=mx.int64))
    del a
    gc.collect()
    _ = [mx.zeros((1 << 16,)) + i for i in range(4)]  # reuse freed buffers if any leaked
    np.testing.assert_array_equal(v, np.arange(1 << 16, dtype=np.int32) * 3)
    np.testing.assert_array_equal(np.asarray(m), np.arange(10))


@pytest.mark.parametrize("dtype", NUMPY_DTYPES + ["complex128"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "fortran", "0d"])
def test_array_from_numpy_matches_mlx(dtype, layout):
    x = sample(dtype, (4, 6)) if dtype != "complex128" else sample("float64", (4, 6)) * (1 + 1j)
    x = {"contiguous": x, "transposed": x.T, "strided": x[::2, 1::3],
         "fortran": np.asfortranarray(x), "0d": x[1, 2][()]}[layout]
    a, b = mx.array(x), MX.array(x)
    assert str(a.dtype) == str(b.dtype).replace("mlx.core", "mlx_core")
    np.testing.assert_array_equal(np.array(a), np.array(b))


def test_negative_strides_raise_like_mlx():
    x = np.arange(6.0)[::-1]
    for lib in (MX, mx):
        with pytest.raises(ValueError, match="negative strides"):
            lib.array(x)
        with pytest.raises(ValueError, match="negative strides"):
            lib.from_dlpack(x)


def test_from_dlpack_numpy_values_and_copy_rules():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for src in (x, x.T, x[:, ::2], np.float32(2.5), np.arange(5, dtype=np.int16)):
        src = np.asarray(src)
        np.testing.assert_array_equal(np.array(mx.from_dlpack(src)), np.array(MX.from_dlpack(src)))
    # float64 becomes float32 like MLX
    assert mx.from_dlpack(np.arange(3.0)).dtype == mx.float32
    shared = mx.from_dlpack(x)  # copy=None: shared memory
    copied = mx.from_dlpack(x, copy=True)
    x[0, 0] = 99
    assert shared[0, 0].item() == 99 and copied[0, 0].item() == 0
    with pytest.raises(ValueError):
        mx.from_dlpack(np.arange(3.0), copy=False)  # would need a conversion
    with pytest.raises(TypeError):
        mx.from_dlpack([1, 2])


def test_from_dlpack_shared_memory_is_never_overwritten_by_kernels():
    x = np.ones(1 << 16, dtype=np.float32)
    y = mx.exp(mx.from_dlpack(x))  # the imported array is only held by the graph
    mx.eval(y)
    np.testing.assert_array_equal(x, 1.0)


def test_from_dlpack_keeps_producer_alive():
    x = np.arange(1 << 16, dtype=np.int64)
    a = mx.from_dlpack(x)
    del x
    gc.collect()
    assert a.sum().item() == (1 << 16) * ((1 << 16) - 1) // 2


TORCH_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                "float32", "float64", "complex64"]


@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_torch_both_ways(dtype):
    torch = pytest.importorskip("torch")
    td = getattr(torch, dtype)
    t = (torch.arange(12).reshape(3, 4) * 3 - 10).to(td)
    for make in (lambda lib: lib.array(t), lambda lib: lib.from_dlpack(t),
                 lambda lib: lib.from_dlpack(t.T)):
        a, b = make(mx), make(MX)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(np.array(a.astype(mx.float32) if dtype == "bfloat16" else a),
                                      np.array(b.astype(MX.float32) if dtype == "bfloat16" else b))
    if dtype == "float64":
        return  # mlx arrays of float64 exist, but MLX converts imports to float32
    a = mx.array(t)
    back = torch.from_dlpack(a)
    assert back.dtype == td
    assert torch.equal(back, t)


def test_torch_from_dlpack_is_zero_copy_and_keeps_memory_alive():
    torch = pytest.importorskip("torch")
    a = mx.arange(1024, dtype=mx.float32)
    mx.eval(a)
    t = torch.from_dlpack(a)
    assert t.data_ptr() == np.asarray(a).ctypes.data
    del a
    gc.collect()
    assert t.sum().item() == sum(range(1024))


def test_jax_both_ways():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    a = mx.arange(10, dtype=mx.float32) * 2
    j = jax.dlpack.from_dlpack(a)
    np.testing.assert_array_equal(np.asarray(j), np.arange(10) * 2)
    back = mx.from_dlpack(jnp.arange(6, dtype=jnp.int32).reshape(2, 3))
    np.testing.assert_array_equal(np.array(back), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(np.array(mx.array(jnp.ones(3))), np.array(MX.array(jnp.ones(3))))


def test_scalars_and_zero_d():
    for lib in (MX, mx):
        a = lib.array(3.5)
        assert np.asarray(a).shape == () and float(np.asarray(a)) == 3.5
        assert lib.array(np.float32(1.25)).item() == 1.25
        assert lib.array(np.int64(7)).dtype == lib.int64
    assert mx.array([1]).__dlpack_device__() == MX.array([1]).__dlpack_device__()


def test_dlpack_export_keeps_strides_like_mlx():
    a = mx.arange(12, dtype=mx.int32).reshape(3, 4)
    r = MX.arange(12, dtype=MX.int32).reshape(3, 4)
    for ours, theirs in ((a.T, r.T), (a[:, ::2], r[:, ::2]), (a[1:], r[1:])):
        got, ref = np.from_dlpack(ours), np.from_dlpack(theirs)
        assert got.strides == ref.strides
        np.testing.assert_array_equal(got, ref)


def test_asarray_copy_true_is_independent():
    a = mx.arange(4, dtype=mx.float32)
    for b in (np.asarray(a, copy=True), np.array(a)):
        b[0] = 9
    assert a[0].item() == 0
