"""Saving and loading: npy, npz, safetensors, gguf. Round trips bit for bit, files
exchanged with real MLX, NumPy, the safetensors package and the gguf package, and
MLX's argument checks (exception type and op name)."""

from __future__ import annotations

import io
import os
import pathlib
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ALL_DTYPES, ORACLE, SUBJECT

mx = SUBJECT
MX = ORACLE

NPY_DTYPES = ALL_DTYPES
SAFETENSORS_DTYPES = tuple(d for d in ALL_DTYPES if d != "float64")  # MLX refuses F64
GGUF_DTYPES = ("float32", "float16", "int8", "int16", "int32")  # what MLX itself writes


def values(dtype: str, shape, seed=0) -> np.ndarray:
    """Random bit patterns of `dtype` (NaNs included), as the NumPy holder of the bits."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if len(shape) else 1
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(np.bool_).reshape(shape)
    width = {"complex64": 8}.get(dtype, np.dtype(_np_bits(dtype)).itemsize)
    raw = rng.integers(0, 256, n * width, dtype=np.uint8)
    return raw.view(_np_bits(dtype)).reshape(shape)


def _np_bits(dtype: str):
    return {"bfloat16": np.uint16, "complex64": np.uint64, "float16": np.uint16,
            "float32": np.uint32, "float64": np.uint64}.get(dtype, dtype)


def make_array(lib, dtype: str, shape, seed=0):
    bits = values(dtype, shape, seed)
    if dtype == "bool":
        return lib.array(bits)
    carrier = {"bfloat16": lib.uint16, "float16": lib.uint16, "float32": lib.uint32,
               "float64": lib.uint64, "complex64": lib.uint64}.get(dtype)
    if carrier is None:
        return lib.array(bits, dtype=getattr(lib, dtype))
    return lib.array(bits, dtype=carrier).view(getattr(lib, dtype))


def bits_of(a) -> np.ndarray:
    """The array's raw bits as NumPy (bool stays bool)."""
    name = str(a.dtype).split(".")[-1]
    if name == "bool":
        return np.array(a)
    lib = SUBJECT if type(a).__module__.startswith("mlx_core") else ORACLE
    carrier = {"bfloat16": lib.uint16, "float16": lib.uint16, "float32": lib.uint32,
               "float64": lib.uint64, "complex64": lib.uint64}.get(name)
    return np.array(a.view(carrier) if carrier is not None else a)


def assert_bits_equal(got, expected):
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(bits_of(got), bits_of(expected))


SHAPES = [(), (0,), (7,), (3, 5), (2, 0, 3), (2, 3, 4)]


# ---------------------------------------------------------------------------------------------
# round trips within mlx_core, every dtype each format holds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", NPY_DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_npy_round_trip_every_dtype(tmp_path, dtype, shape):
    a = make_array(mx, dtype, shape)
    mx.save(tmp_path / "a.npy", a)
    assert_bits_equal(mx.load(str(tmp_path / "a.npy")), a)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_safetensors_round_trip_every_dtype(tmp_path, dtype):
    arrays = {f"t{i}": make_array(mx, dtype, s, seed=i) for i, s in enumerate(SHAPES)}
    mx.save_safetensors(str(tmp_path / "a"), arrays, {"k": "v", "é": "ü"})
    got, md = mx.load(str(tmp_path / "a.safetensors"), return_metadata=True)
    assert md == {"k": "v", "é": "ü"}
    assert set(got) == set(arrays)
    for k in arrays:
        assert_bits_equal(got[k], arrays[k])


@pytest.mark.parametrize("dtype", GGUF_DTYPES + ("bfloat16", "int64", "float64"))
def test_gguf_round_trip(tmp_path, dtype):
    arrays = {f"t{i}": make_array(mx, dtype, s, seed=i) for i, s in enumerate(SHAPES)}
    md = {"s": "text", "l": ["a", "bc"], "n": mx.array(3), "v": mx.array([1.5, 2.5]),
          "b": mx.array(True), "u": mx.array([1, 2], dtype=mx.uint64)}
    mx.save_gguf(str(tmp_path / "a.gguf"), arrays, md)
    got, gmd = mx.load(str(tmp_path / "a.gguf"), return_metadata=True)
    for k in arrays:
        assert_bits_equal(got[k], arrays[k])
    assert gmd["s"] == "text" and gmd["l"] == ["a", "bc"]
    for k in ("n", "v", "b", "u"):
        assert_bits_equal(gmd[k], md[k])


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_round_trip(tmp_path, compressed):
    arrays = {d: make_array(mx, d, (3, 4), seed=i) for i, d in enumerate(ALL_DTYPES)}
    save = mx.savez_compressed if compressed else mx.savez
    save(str(tmp_path / "a"), make_array(mx, "int32", (2,)), **arrays)
    got = mx.load(str(tmp_path / "a.npz"))
    assert set(got) == set(arrays) | {"arr_0"}
    for k in arrays:
        assert_bits_equal(got[k], arrays[k])
    with zipfile.ZipFile(tmp_path / "a.npz") as zf:
        methods = {i.compress_type for i in zf.infolist()}
    assert methods == {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED}


@settings(max_examples=25, deadline=None)
@given(dtype=st.sampled_from(SAFETENSORS_DTYPES),
       shape=st.lists(st.integers(0, 5), min_size=0, max_size=4),
       layout=st.sampled_from(["contiguous", "transposed", "sliced"]),
       fmt=st.sampled_from(["npy", "safetensors", "npz"]))
def test_non_contiguous_inputs_save_their_values(tmp_path_factory, dtype, shape, layout, fmt):
    a = make_array(mx, dtype, tuple(shape) + (4,))
    if layout == "transposed":
        a = a.T
    elif layout == "sliced":
        a = a[..., ::2]
    path = str(tmp_path_factory.mktemp("nc") / f"a.{fmt}")
    if fmt == "npy":
        mx.save(path, a)
        got = mx.load(path)
    elif fmt == "npz":
        mx.savez(path, a=a)
        got = mx.load(path)["a"]
    else:
        mx.save_safetensors(path, {"a": a})
        got = mx.load(path)["a"]
    assert_bits_equal(got, a)


def test_fortran_order_saved_in_place_and_loaded_as_view(tmp_path):
    a = make_array(mx, "float32", (300, 200)).T
    mx.save(str(tmp_path / "f.npy"), a)
    with open(tmp_path / "f.npy", "rb") as f:
        assert b"'fortran_order': True" in f.read(128)
    np.testing.assert_array_equal(np.load(tmp_path / "f.npy"), np.array(a))
    assert_bits_equal(mx.load(str(tmp_path / "f.npy")), a)


# ---------------------------------------------------------------------------------------------
# files exchanged with real MLX
# ---------------------------------------------------------------------------------------------


def _save(lib, fmt, path, arrays):
    if fmt == "npy":
        lib.save(path, arrays["a"])
    elif fmt == "npz":
        lib.savez(path, **arrays)
    elif fmt == "npz_compressed":
        lib.savez_compressed(path, **arrays)
    elif fmt == "safetensors":
        lib.save_safetensors(path, arrays, {"m": "x"})
    else:
        lib.save_gguf(path, arrays, {"m": "x", "n": lib.array([1, 2])})


@pytest.mark.parametrize("fmt", ["npy", "npz", "npz_compressed", "safetensors", "gguf"])
@pytest.mark.parametrize("writer", ["mlx", "mlx_core"])
def test_files_exchange_with_real_mlx_bit_for_bit(tmp_path, fmt, writer):
    dtypes = {"npy": NPY_DTYPES, "npz": NPY_DTYPES, "npz_compressed": NPY_DTYPES,
              "safetensors": SAFETENSORS_DTYPES, "gguf": GGUF_DTYPES}[fmt]
    ext = ".npz" if fmt.startswith("npz") else "." + fmt
    src, dst = (MX, mx) if writer == "mlx" else (mx, MX)
    for i, dtype in enumerate(dtypes):
        for shape in [(), (5,), (3, 4)]:
            path = str(tmp_path / f"f{i}_{len(shape)}{ext}")
            arrays = {"a": make_array(src, dtype, shape, seed=i), "b": make_array(src, dtype, (2,))}
            _save(src, fmt, path, arrays)
            got = dst.load(path)
            got = {"a": got} if fmt == "npy" else got
            for k in got:
                np.testing.assert_array_equal(bits_of(got[k]), bits_of(arrays[k]))
                assert str(got[k].dtype).split(".")[-1] == dtype


def test_gguf_quantized_tensors_match_mlx(tmp_path):
    gguf = pytest.importorskip("gguf")
    import gguf.quants as q

    x = (np.arange(256, dtype=np.float32).reshape(4, 64) - 100) / 13
    path = str(tmp_path / "q.gguf")
    w = gguf.GGUFWriter(path, "test")
    for qt in (gguf.GGMLQuantizationType.Q4_0, gguf.GGMLQuantizationType.Q4_1,
               gguf.GGMLQuantizationType.Q8_0):
        w.add_tensor("q_" + qt.name, q.quantize(x, qt), raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    got, expected = mx.load(path), MX.load(path)
    assert set(got) == set(expected)
    for k in expected:
        assert_bits_equal(got[k], expected[k])
    # the affine form (w = scale * q + bias, q packed LSB first) reproduces gguf's own
    # dequantization
    for qt in ("Q4_0", "Q4_1", "Q8_0"):
        bits = 8 if qt == "Q8_0" else 4
        words = np.array(got["q_" + qt]).view(np.uint8)
        q_vals = words if bits == 8 else np.stack([words & 15, words >> 4], -1).reshape(4, -1)
        scales = np.repeat(np.array(got[f"q_{qt}.scales"]).astype(np.float32), 32, axis=1)
        biases = np.repeat(np.array(got[f"q_{qt}.biases"]).astype(np.float32), 32, axis=1)
        kind = getattr(gguf.GGMLQuantizationType, qt)
        ref = q.dequantize(q.quantize(x, kind), kind)
        np.testing.assert_allclose(scales * q_vals + biases, ref, rtol=1e-3, atol=2e-3)


# ---------------------------------------------------------------------------------------------
# NumPy, safetensors and gguf packages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [d for d in NPY_DTYPES if d != "bfloat16"])
def test_numpy_reads_our_npy_and_npz(tmp_path, dtype):
    a = make_array(mx, dtype, (3, 4))
    mx.save(str(tmp_path / "a.npy"), a)
    mx.savez_compressed(str(tmp_path / "a.npz"), x=a, y=a.T)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.array(a))
    with np.load(tmp_path / "a.npz") as z:
        np.testing.assert_array_equal(z["x"], np.array(a))
        np.testing.assert_array_equal(z["y"], np.array(a).T)


@pytest.mark.parametrize("variant", ["plain", "fortran", "big_endian", "version2", "scalar",
                                     "empty", "float16", "bool", "uint64"])
def test_we_read_numpy_files(tmp_path, variant):
    base = np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 7 - 50
    x = {"plain": base, "fortran": np.asfortranarray(base.astype(np.float64)),
         "big_endian": base.astype(">f4"), "version2": base, "scalar": np.float32(2.5),
         "empty": np.zeros((0, 3), np.int16), "float16": base.astype(np.float16),
         "bool": base > 0, "uint64": base.astype(np.uint64)}[variant]
    path = tmp_path / "x.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.asanyarray(x), version=(2, 0) if variant == "version2" else None)
    got = mx.load(str(path))
    np.testing.assert_array_equal(np.array(got), np.asarray(x).astype(np.asarray(x).dtype.newbyteorder("=")))
    assert got.shape == np.asarray(x).shape
    np.savez(tmp_path / "z.npz", x=x)
    np.testing.assert_array_equal(np.array(mx.load(str(tmp_path / "z.npz"))["x"]), np.asarray(x))


def test_numpy_npy_dtypes_mlx_lacks_raise_value_error(tmp_path):
    for x in [np.array([1 + 2j]), np.array(["ab"]), np.array([1.0], np.longdouble)]:
        np.save(tmp_path / "u.npy", x)
        for lib in (mx, MX):
            with pytest.raises(ValueError):
                lib.load(str(tmp_path / "u.npy"))


def test_safetensors_package_exchange(tmp_path):
    sn = pytest.importorskip("safetensors.numpy")
    arrays = {d: make_array(mx, d, (3, 5), seed=i)
              for i, d in enumerate(ALL_DTYPES) if d not in ("bfloat16", "complex64")}
    mx.save_safetensors(str(tmp_path / "ours.safetensors"), arrays, {"a": "b"})
    theirs = sn.load_file(str(tmp_path / "ours.safetensors"))
    for k, a in arrays.items():
        np.testing.assert_array_equal(theirs[k], np.array(a))
    sn.save_file({k: np.array(a) for k, a in arrays.items()}, str(tmp_path / "theirs.safetensors"),
                 metadata={"x": "y"})
    got, md = mx.load(str(tmp_path / "theirs.safetensors"), return_metadata=True)
    assert md == {"x": "y"}
    for k, a in arrays.items():
        assert_bits_equal(got[k], a)


def test_safetensors_torch_bfloat16_exchange(tmp_path):
    torch = pytest.importorskip("torch")
    stt = pytest.importorskip("safetensors.torch")
    a = make_array(mx, "bfloat16", (4, 6))
    mx.save_safetensors(str(tmp_path / "b.safetensors"), {"w": a})
    t = stt.load_file(str(tmp_path / "b.safetensors"))["w"]
    np.testing.assert_array_equal(t.view(torch.int16).numpy().view(np.uint16), bits_of(a))
    stt.save_file({"w": t}, str(tmp_path / "c.safetensors"))
    assert_bits_equal(mx.load(str(tmp_path / "c.safetensors"))["w"], a)


def test_gguf_package_reads_our_file(tmp_path):
    gguf = pytest.importorskip("gguf")
    arrays = {"f32": make_array(mx, "float32", (3, 8)), "i8": make_array(mx, "int8", (5,)),
              "f16": make_array(mx, "float16", (2, 2, 4))}
    mx.save_gguf(str(tmp_path / "a.gguf"), arrays,
                 {"name": "x", "toks": ["a", "b"], "n": mx.array(7, mx.uint32),
                  "v": mx.array([1.5, 2.0])})
    r = gguf.GGUFReader(str(tmp_path / "a.gguf"))
    tensors = {t.name: t for t in r.tensors}
    for k, a in arrays.items():
        data = np.asarray(tensors[k].data).reshape(a.shape)
        np.testing.assert_array_equal(data.view(bits_of(a).dtype), bits_of(a))
    assert r.fields["n"].parts[-1][0] == 7
    assert bytes(r.fields["name"].parts[-1]) == b"x"
    np.testing.assert_array_equal(np.concatenate([r.fields["v"].parts[i] for i in r.fields["v"].data]),
                                  [1.5, 2.0])


# ---------------------------------------------------------------------------------------------
# paths, file objects, memory mapping
# ---------------------------------------------------------------------------------------------


def test_file_objects_and_pathlib(tmp_path):
    a = make_array(mx, "float32", (4, 3))
    buf = io.BytesIO()
    mx.save(buf, a)
    assert_bits_equal(mx.load(io.BytesIO(buf.getvalue()), format="npy"), a)
    buf = io.BytesIO()
    mx.save_safetensors(buf, {"a": a})
    assert_bits_equal(mx.load(io.BytesIO(buf.getvalue()), format="safetensors")["a"], a)
    buf = io.BytesIO()
    mx.savez_compressed(buf, a=a)
    assert_bits_equal(mx.load(io.BytesIO(buf.getvalue()), format="npz")["a"], a)
    with open(tmp_path / "f.npy", "wb") as f:
        mx.save(f, a)
    with open(tmp_path / "f.npy", "rb") as f:  # the format comes from the file's name
        assert_bits_equal(mx.load(f), a)
    mx.save(pathlib.Path(tmp_path / "p"), a)  # the extension is appended
    assert_bits_equal(mx.load(pathlib.Path(tmp_path / "p.npy")), a)


@pytest.mark.parametrize("lib", [MX, mx], ids=["mlx", "mlx_core"])
def test_extensions_appended_like_mlx(tmp_path, lib):
    a = lib.ones((2,))
    lib.save(str(tmp_path / "a.txt"), a)
    lib.savez(str(tmp_path / "b"), a)
    lib.save_safetensors(str(tmp_path / "c"), {"a": a})
    lib.save_gguf(str(tmp_path / "d"), {"a": a}, {})
    assert sorted(os.listdir(tmp_path)) == ["a.txt.npy", "b.npz", "c.safetensors", "d.gguf"]


def test_large_load_is_memory_mapped_and_copy_on_write(tmp_path):
    a = make_array(mx, "float32", (512, 1024))  # 2 MiB
    for fmt in ("npy", "safetensors", "npz"):
        path = str(tmp_path / f"m.{fmt}")
        if fmt == "npy":
            mx.save(path, a)
        elif fmt == "npz":
            mx.savez(path, a=a)
        else:
            mx.save_safetensors(path, {"a": a})
        before = mx.get_active_memory()
        got = mx.load(path)
        got = got if fmt == "npy" else got["a"]
        assert mx.get_active_memory() - before < 1 << 20, fmt  # mapped, not copied
        view = np.asarray(got)
        view[0, 0] = 123.0  # private mapping: the file keeps its bytes
        again = mx.load(path)
        again = again if fmt == "npy" else again["a"]
        assert_bits_equal(again, a)
        y = got + 1  # kernels never write into mapped memory (no donation)
        mx.eval(y)
        assert float(got[0, 0]) == 123.0


def test_loaded_arrays_outlive_the_file(tmp_path):
    a = make_array(mx, "int32", (256, 256))
    path = str(tmp_path / "x.safetensors")
    mx.save_safetensors(path, {"a": a})
    got = mx.load(path)["a"]
    os.remove(path)
    assert_bits_equal(got, a)


# ---------------------------------------------------------------------------------------------
# MLX's argument checks
# ---------------------------------------------------------------------------------------------


def _same_error(fn, tmp_path):
    """fn(lib, dir) raises the same exception type in both libraries, naming the op."""
    errors = []
    for lib in (MX, mx):
        d = tmp_path / lib.__name__
        d.mkdir(exist_ok=True)
        with pytest.raises(Exception) as e:
            fn(lib, d)
        errors.append(e.value)
    assert type(errors[1]) is type(errors[0]), (errors[0], errors[1])
    prefix = str(errors[0]).split("]")[0] + "]" if str(errors[0]).startswith("[") else None
    if prefix:
        assert str(errors[1]).startswith(prefix), (errors[0], errors[1])


@pytest.mark.parametrize("case", [
    "no_extension", "unknown_format", "missing_file", "metadata_npy", "metadata_npz",
    "savez_duplicate", "bytes_path", "int_path", "gguf_file_object", "save_gguf_file_object",
    "bytesio_without_name", "safetensors_bad_metadata", "gguf_float16_metadata",
    "gguf_2d_metadata", "gguf_empty_metadata", "gguf_bool_tensor", "npy_version3",
    "npz_not_zip",
])
def test_errors_match_mlx(tmp_path, case):
    def run(lib, d):
        a = lib.ones((2, 2))
        if case == "no_extension":
            lib.save(str(d / "x"), a)
            lib.load(str(d / "x"))
        elif case == "unknown_format":
            lib.save(str(d / "x.npy"), a)
            lib.load(str(d / "x.npy"), format="xyz")
        elif case == "missing_file":
            lib.load(str(d / "nope.npy"))
        elif case == "metadata_npy":
            lib.save(str(d / "x.npy"), a)
            lib.load(str(d / "x.npy"), return_metadata=True)
        elif case == "metadata_npz":
            lib.savez(str(d / "x.npz"), a)
            lib.load(str(d / "x.npz"), return_metadata=True)
        elif case == "savez_duplicate":
            lib.savez(str(d / "x.npz"), a, arr_0=a)
        elif case == "bytes_path":
            lib.load(b"x.npy")
        elif case == "int_path":
            lib.load(3)
        elif case == "gguf_file_object":
            lib.save_gguf(str(d / "x.gguf"), {"a": a}, {})
            with open(d / "x.gguf", "rb") as f:
                lib.load(f)
        elif case == "save_gguf_file_object":
            lib.save_gguf(io.BytesIO(), {"a": a}, {})
        elif case == "bytesio_without_name":
            buf = io.BytesIO()
            lib.save(buf, a)
            lib.load(io.BytesIO(buf.getvalue()))
        elif case == "safetensors_bad_metadata":
            lib.save_safetensors(str(d / "x"), {"a": a}, {"k": 1})
        elif case == "gguf_float16_metadata":
            lib.save_gguf(str(d / "x"), {"a": a}, {"k": lib.array([1.0], lib.float16)})
        elif case == "gguf_2d_metadata":
            lib.save_gguf(str(d / "x"), {"a": a}, {"k": lib.zeros((2, 2))})
        elif case == "gguf_empty_metadata":
            lib.save_gguf(str(d / "x"), {"a": a}, {"k": lib.array([])})
        elif case == "gguf_bool_tensor":
            lib.save_gguf(str(d / "x"), {"a": a > 0}, {})
        elif case == "npy_version3":
            with open(d / "v3.npy", "wb") as f:
                np.lib.format.write_array(f, np.arange(3), version=(3, 0))
            lib.load(str(d / "v3.npy"))
        elif case == "npz_not_zip":
            lib.save(str(d / "x.npy"), a)
            lib.load(str(d / "x.npy"), format="npz")

    _same_error(run, tmp_path)


def test_non_array_arguments_raise_type_error(tmp_path):
    for call in (lambda lib: lib.save(str(tmp_path / "x"), [1, 2]),
                 lambda lib: lib.save_safetensors(str(tmp_path / "x"), [lib.ones(2)])):
        for lib in (MX, mx):
            with pytest.raises(TypeError):
                call(lib)
    with pytest.raises(TypeError, match=r"\[savez\]"):
        mx.savez(str(tmp_path / "x"), x=[1, 2])  # MLX: RuntimeError std::bad_cast


def _kquant_file(path, name, rows=3, blocks=2, seed=1):
    gguf = pytest.importorskip("gguf")
    from gguf.constants import GGML_QUANT_SIZES

    qt = getattr(gguf.GGMLQuantizationType, name)
    block_size, type_size = GGML_QUANT_SIZES[qt]
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, (rows, type_size * blocks), dtype=np.uint8)
    per_block = raw.reshape(-1, type_size)
    # the float16 d / dmin fields: small finite values (random bits could be inf/nan)
    for offset in {"Q2_K": [80, 82], "Q4_K": [0, 2], "Q6_K": [208]}[name]:
        d = rng.uniform(0.01, 0.1, len(per_block)).astype(np.float16)
        per_block[:, offset:offset + 2] = d.view(np.uint8).reshape(-1, 2)
    w = gguf.GGUFWriter(str(path), "test")
    w.add_tensor("t", raw, raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return raw, qt


@pytest.mark.parametrize("name", ["Q2_K", "Q4_K", "Q6_K"])
def test_gguf_k_quants_load_as_float16(tmp_path, name):
    import gguf.quants as q

    path = tmp_path / "k.gguf"
    raw, qt = _kquant_file(path, name)
    got = mx.load(str(path))["t"]
    assert got.dtype == mx.float16 and got.shape == (3, 512)
    ref = q.dequantize(raw, qt).astype(np.float16)  # the gguf package's reference
    np.testing.assert_allclose(np.array(got).astype(np.float32), ref.astype(np.float32),
                               rtol=2e-3, atol=2e-3)
    if name != "Q4_K":  # MLX 0.32.4 decodes Q4_K's high-nibble groups wrongly
        assert_bits_equal(got, MX.load(str(path))["t"])


@pytest.mark.parametrize("fmt", ["npy", "npz", "safetensors", "gguf"])
def test_save_over_the_file_arrays_were_loaded_from(tmp_path, fmt):
    # Loaded arrays map the file; saving them back to the same path must neither crash
    # (truncating a mapped file) nor corrupt them.
    path = str(tmp_path / f"w.{fmt}")
    a = make_array(mx, "float32", (256, 256))
    save = {"npy": lambda p, x: mx.save(p, x), "npz": lambda p, x: mx.savez(p, a=x),
            "safetensors": lambda p, x: mx.save_safetensors(p, {"a": x}),
            "gguf": lambda p, x: mx.save_gguf(p, {"a": x}, {})}[fmt]
    save(path, a)
    os.chmod(path, 0o640)
    loaded = mx.load(path)
    loaded = loaded if fmt == "npy" else loaded["a"]
    save(path, loaded * 2)
    save(path, loaded)  # the array itself, straight from the old mapping
    assert_bits_equal(loaded, a)
    again = mx.load(path)
    assert_bits_equal(again if fmt == "npy" else again["a"], a)
    assert os.stat(path).st_mode & 0o777 == 0o640  # the file keeps its permissions
    assert sorted(os.listdir(tmp_path)) == [f"w.{fmt}"]  # no temporary files left


def test_save_through_a_symlink_writes_its_target(tmp_path):
    real = tmp_path / "real.npy"
    mx.save(str(real), mx.zeros(3))
    os.symlink(real, tmp_path / "link.npy")
    mx.save(str(tmp_path / "link.npy"), mx.ones(3))
    assert os.path.islink(tmp_path / "link.npy")
    np.testing.assert_array_equal(np.load(real), np.ones(3, np.float32))


def test_open_file_objects_read_from_their_position_and_map(tmp_path):
    a, b = make_array(mx, "int32", (3,)), make_array(mx, "float32", (256, 256), seed=2)
    with open(tmp_path / "seq.npy", "wb") as f:
        mx.save(f, a)
        mx.save(f, b)
    with open(tmp_path / "seq.npy", "rb") as f:  # two arrays in a row, as NumPy allows
        assert_bits_equal(mx.load(f), a)
        before = mx.get_active_memory()
        second = mx.load(f)
        assert mx.get_active_memory() - before < 1 << 16  # mapped from the descriptor
        assert f.tell() == os.path.getsize(tmp_path / "seq.npy")
    assert_bits_equal(second, b)  # outlives the closed file object
    gzip = pytest.importorskip("gzip")
    with gzip.open(tmp_path / "a.npy.gz", "wb") as g:  # fileno() is the compressed file's
        mx.save(g, b)
    with gzip.open(tmp_path / "a.npy.gz", "rb") as g:
        assert_bits_equal(mx.load(g, format="npy"), b)
