"""Hostile files: truncated, corrupted or forged npy / npz / safetensors / gguf files
raise a Python exception that names the file (or load to a valid result), never crash,
never read outside the file, never allocate what a header merely claims, and never
execute code (no pickle)."""

from __future__ import annotations

import json
import os
import resource
import struct
import zipfile

import numpy as np
import pytest

from helpers import SUBJECT as mx

# What a forged file may cost us at most (the files here are a few kB).
MEMORY_BOUND = 64 << 20


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _load_all(path):
    """Loads and touches every array (the result must be valid if no exception)."""
    out = mx.load(path)
    arrays = [out] if isinstance(out, mx.array) else list(out.values())
    for a in arrays:
        if a.size:
            np.asarray(a.view(mx.uint8) if a.dtype == mx.bool_ else a.reshape(-1)[:1]
                       if a.dtype != mx.bfloat16 else a.astype(mx.float32))
            mx.eval(a.sum() if a.dtype != mx.bool_ else a.any())
    return out


def assert_rejects_or_loads(path, *, must_fail=False):
    before_active = mx.get_active_memory()
    try:
        _load_all(str(path))
    except Exception as e:  # noqa: BLE001 - any Python exception is the contract
        # Our own format errors name the file; zipfile/JSON-free paths may too.
        msg = str(e)
        if isinstance(e, (RuntimeError, ValueError)) and msg.startswith("[load"):
            assert os.path.basename(str(path)) in msg or "Input must be" in msg, msg
        return e
    else:
        assert not must_fail, f"{path} loaded but should have been rejected"
    finally:
        assert mx.get_active_memory() - before_active < MEMORY_BOUND
    return None


def _files(tmp_path):
    a = mx.arange(24, dtype=mx.float32).reshape(4, 6)
    b = mx.array([1, 2, 3], dtype=mx.int16)
    paths = {}
    mx.save(str(tmp_path / "v.npy"), a)
    paths["npy"] = tmp_path / "v.npy"
    mx.save_safetensors(str(tmp_path / "v.safetensors"), {"a": a, "b": b}, {"k": "v"})
    paths["safetensors"] = tmp_path / "v.safetensors"
    mx.save_gguf(str(tmp_path / "v.gguf"), {"a": a, "b": b}, {"s": "x", "l": ["p", "q"],
                                                             "n": mx.array([1, 2])})
    paths["gguf"] = tmp_path / "v.gguf"
    mx.savez(str(tmp_path / "v.npz"), a=a, b=b)
    paths["npz"] = tmp_path / "v.npz"
    mx.savez_compressed(str(tmp_path / "c.npz"), a=a, b=b)
    paths["npz_compressed"] = tmp_path / "c.npz"
    return paths


FORMATS = ["npy", "safetensors", "gguf", "npz", "npz_compressed"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncation_at_every_header_byte(tmp_path, fmt):
    src = _files(tmp_path)[fmt]
    data = src.read_bytes()
    ext = ".npz" if fmt.startswith("npz") else "." + fmt
    rss = _rss()
    limit = len(data) if fmt.startswith("npz") else min(len(data), 400)
    for cut in range(0, limit):
        path = tmp_path / f"t{ext}"
        path.write_bytes(data[:cut])
        # npz: zipfile may still find a valid archive in a prefix; gguf: trailing padding.
        complete = {"npz": len(data) - 22, "npz_compressed": len(data) - 22,
                    "gguf": len(data) - 32}.get(fmt, len(data))
        assert_rejects_or_loads(path, must_fail=cut < complete)
    assert _rss() - rss < MEMORY_BOUND


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_byte_flips(tmp_path, fmt):
    src = _files(tmp_path)[fmt]
    data = src.read_bytes()
    ext = ".npz" if fmt.startswith("npz") else "." + fmt
    rng = np.random.default_rng(1234)
    rss = _rss()
    for _ in range(150):
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            pos = int(rng.integers(0, min(len(buf), 300)))
            buf[pos] = int(rng.integers(0, 256))
        path = tmp_path / f"f{ext}"
        path.write_bytes(bytes(buf))
        assert_rejects_or_loads(path)
    assert _rss() - rss < MEMORY_BOUND


# ---------------------------------------------------------------------------------------------
# forged safetensors headers
# ---------------------------------------------------------------------------------------------


def _safetensors(path, header, data=b"", raw_len=None):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h) if raw_len is None else raw_len) + h + data)
    return path


T = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("name,header,data,raw_len,expect", [
    ("huge_len", {"a": T}, b"\0" * 8, 1 << 62, "header length"),
    ("len_past_end", {"a": T}, b"\0" * 8, 10_000, "header length"),
    ("absurd_shape", {"a": {"dtype": "F32", "shape": [1000000, 1000000, 1000], "data_offsets": [0, 8]}},
     b"\0" * 8, None, "do not match"),
    ("negative_dim", {"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\0" * 8, None, "shape"),
    ("offsets_past_end", {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 800]}}, b"\0" * 8, None, "outside"),
    ("offsets_reversed", {"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}, b"\0" * 8, None, "outside"),
    ("shape_lies", {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, None, "do not match"),
    ("dtype_lies", {"a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8, None, "do not match"),
    ("overlap", {"a": T, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12, None, "overlap"),
    ("unknown_dtype", {"a": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8, None, "unsupported dtype"),
    ("offset_not_int", {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0.5, 8]}}, b"\0" * 8, None, "outside"),
    ("metadata_not_str", {"__metadata__": {"k": 1}}, b"", None, "not a string"),
    ("not_object", [1, 2], b"", None, "not an object"),
])
def test_forged_safetensors(tmp_path, name, header, data, raw_len, expect):
    path = _safetensors(tmp_path / f"{name}.safetensors", header, data, raw_len)
    with pytest.raises(RuntimeError, match=expect) as e:
        mx.load(str(path))
    assert path.name in str(e.value) and "[load_safetensors]" in str(e.value)


@pytest.mark.parametrize("name,header", [
    ("non_utf8", b'{"a\xff\xfe": 1}'),
    ("duplicate_names", b'{"a": {"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                        b' "a": {"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'),
    ("deep_nesting", b"[" * 100000 + b"]" * 100000),
    ("truncated_json", b'{"a": {"dtype": "F3'),
    ("bad_escape", b'{"a\\q": 1}'),
    ("lone_surrogate", b'{"a\\ud800": 1}'),
])
def test_malformed_json_headers(tmp_path, name, header):
    path = _safetensors(tmp_path / f"{name}.safetensors", header, b"\0" * 8)
    with pytest.raises(RuntimeError, match=r"\[load_safetensors\]") as e:
        mx.load(str(path))
    assert path.name in str(e.value)


def test_enormous_json_header_is_refused_before_reading(tmp_path):
    # A sparse file claims a 1 GB header: refused by its size, not by reading it.
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", 1_000_000_000))
        f.seek(1_000_000_100)
        f.write(b"\0")
    rss = _rss()
    with pytest.raises(RuntimeError, match="too large"):
        mx.load(str(path))
    assert _rss() - rss < MEMORY_BOUND


# ---------------------------------------------------------------------------------------------
# forged npy / npz
# ---------------------------------------------------------------------------------------------


def _npy(path, header: str, data=b"", version=1):
    h = header.encode("latin1")
    pre = b"\x93NUMPY" + bytes([version, 0]) + (struct.pack("<H", len(h)) if version == 1
                                                 else struct.pack("<I", len(h)))
    path.write_bytes(pre + h + data)
    return path


@pytest.mark.parametrize("name,header,data,exc", [
    ("absurd_shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000)}",
     b"\0" * 16, RuntimeError),
    ("shape_past_data", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", b"\0" * 16,
     RuntimeError),
    ("dim_over_int32", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,)}", b"",
     RuntimeError),
    ("object_dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", b"\0" * 8, ValueError),
    ("structured", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", b"\0" * 4,
     RuntimeError),
    ("code_in_header", "{'descr': __import__('os').system('touch PWNED'), 'fortran_order': False,"
                       " 'shape': (1,)}", b"\0" * 4, RuntimeError),
    ("missing_key", "{'descr': '<f4', 'shape': (1,)}", b"\0" * 4, RuntimeError),
    ("duplicate_key", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
     b"\0" * 4, RuntimeError),
    ("garbage", "not a dict at all", b"", RuntimeError),
])
def test_forged_npy(tmp_path, monkeypatch, name, header, data, exc):
    monkeypatch.chdir(tmp_path)
    path = _npy(tmp_path / f"{name}.npy", header, data)
    with pytest.raises(exc) as e:
        mx.load(str(path))
    assert path.name in str(e.value)
    assert not (tmp_path / "PWNED").exists()


def test_pickled_object_array_is_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch PWNED",))

    arr = np.empty(1, dtype=object)
    arr[0] = Evil()
    np.save(tmp_path / "evil.npy", arr, allow_pickle=True)
    np.savez(tmp_path / "evil.npz", x=arr)
    for p in ("evil.npy", "evil.npz"):
        with pytest.raises(ValueError):
            mx.load(str(tmp_path / p))
    assert not (tmp_path / "PWNED").exists()


def test_huge_npy_header_length_refused(tmp_path):
    path = tmp_path / "h.npy"
    path.write_bytes(b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{")
    with pytest.raises(RuntimeError, match="too large"):
        mx.load(str(path))


def test_npz_member_claiming_a_zip_bomb_is_refused(tmp_path):
    good = tmp_path / "g.npz"
    mx.savez_compressed(str(good), a=mx.zeros((64,)))
    data = bytearray(good.read_bytes())
    # Forge the uncompressed size in the local and central headers to 1 TB.
    with zipfile.ZipFile(good) as zf:
        info = zf.infolist()[0]
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 0xFFFFFFF0)
    struct.pack_into("<I", data, info.header_offset + 22, 0xFFFFFFF0)
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(bytes(data))
    rss = _rss()
    with pytest.raises(RuntimeError, match="bomb.npz"):
        mx.load(str(bomb))
    assert _rss() - rss < MEMORY_BOUND


def test_npz_duplicate_members_refused(tmp_path):
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as zf:
        import io

        buf = io.BytesIO()
        np.save(buf, np.arange(3))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf.writestr("a.npy", buf.getvalue())
            zf.writestr("a.npy", buf.getvalue())
    with pytest.raises(RuntimeError, match="Duplicate"):
        mx.load(str(path))


# ---------------------------------------------------------------------------------------------
# forged gguf
# ---------------------------------------------------------------------------------------------


def _gguf_string(s: bytes) -> bytes:
    return struct.pack("<Q", len(s)) + s


def _gguf(path, n_tensors, n_kv, body=b"", version=3):
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv) + body)
    return path


def _tensor_info(name, dims, ttype=0, offset=0):
    return (_gguf_string(name) + struct.pack("<I", len(dims)) +
            b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ttype, offset))


@pytest.mark.parametrize("name,n_tensors,n_kv,body,expect", [
    ("huge_counts", 1 << 60, 1 << 60, b"", "more entries"),
    ("huge_string", 0, 1, struct.pack("<Q", 1 << 62) + b"abc" + b"\0" * 16, "past the end"),
    ("huge_array", 0, 1, _gguf_string(b"k") + struct.pack("<IIQ", 9, 5, 1 << 61) + b"\0" * 16,
     "past the end"),
    ("unknown_value_type", 0, 1, _gguf_string(b"k") + struct.pack("<I", 99) + b"\0" * 16,
     "Unknown metadata"),
    ("duplicate_key", 0, 2, (_gguf_string(b"k") + struct.pack("<Ii", 5, 1)) * 2 + b"\0" * 8,
     "Duplicate"),
    ("too_many_dims", 1, 0, _gguf_string(b"t") + struct.pack("<I", 1000) + b"\0" * 32,
     "too many dimensions"),
    ("absurd_dims", 1, 0, _tensor_info(b"t", [1 << 40, 1 << 40]) + b"\0" * 64, "too large"),
    ("data_past_end", 1, 0, _tensor_info(b"t", [1000, 1000]) + b"\0" * 64, "past the end"),
    ("offset_past_end", 1, 0, _tensor_info(b"t", [2], offset=1 << 50) + b"\0" * 64, "past the end"),
    ("overlap", 2, 0, _tensor_info(b"a", [4]) + _tensor_info(b"b", [4], offset=8) + b"\0" * 128,
     "overlap"),
    ("duplicate_tensor", 2, 0, _tensor_info(b"a", [1]) + _tensor_info(b"a", [1], offset=32)
     + b"\0" * 128, "Duplicate"),
    ("unknown_tensor_type", 1, 0, _tensor_info(b"a", [32], ttype=77) + b"\0" * 64, "unsupported type"),
    ("non_utf8_key", 0, 1, _gguf_string(b"\xff\xfe") + struct.pack("<Ii", 5, 1) + b"\0" * 16, "UTF-8"),
    ("bad_alignment", 0, 1, _gguf_string(b"general.alignment") + struct.pack("<II", 4, 3)
     + b"\0" * 16, "power of two"),
])
def test_forged_gguf(tmp_path, name, n_tensors, n_kv, body, expect):
    path = _gguf(tmp_path / f"{name}.gguf", n_tensors, n_kv, body)
    rss = _rss()
    with pytest.raises(RuntimeError, match=expect) as e:
        mx.load(str(path))
    assert path.name in str(e.value) and "[load_gguf]" in str(e.value)
    assert _rss() - rss < MEMORY_BOUND


@pytest.mark.parametrize("header", [b"GGUX", b"GGUF\x01\x00\x00\x00"])
def test_gguf_bad_magic_or_version(tmp_path, header):
    path = tmp_path / "m.gguf"
    path.write_bytes(header + b"\0" * 40)
    with pytest.raises(RuntimeError, match="m.gguf"):
        mx.load(str(path))


@pytest.mark.parametrize("ext", ["npy", "safetensors", "gguf", "npz"])
def test_wrong_magic_and_empty_files(tmp_path, ext):
    for content in (b"", b"hello world, not a model file at all" * 4):
        path = tmp_path / f"x.{ext}"
        path.write_bytes(content)
        with pytest.raises((RuntimeError, ValueError)) as e:
            mx.load(str(path))
        assert "[load" in str(e.value)


@pytest.mark.parametrize("fmt", ["npy", "safetensors", "npz"])
def test_file_objects_truncated_and_flipped(tmp_path, fmt):
    import io

    data = _files(tmp_path)[fmt].read_bytes()
    rng = np.random.default_rng(99)
    cases = [data[:cut] for cut in range(0, min(len(data), 300), 3)]
    for _ in range(60):
        buf = bytearray(data)
        buf[int(rng.integers(0, min(len(buf), 300)))] = int(rng.integers(0, 256))
        cases.append(bytes(buf))
    before = mx.get_active_memory()
    for blob in cases:
        try:
            out = mx.load(io.BytesIO(blob), format=fmt)
            mx.eval(out if isinstance(out, mx.array) else list(out.values()))
        except Exception:  # noqa: BLE001 - any Python exception is the contract
            pass
        assert mx.get_active_memory() - before < MEMORY_BOUND
    with pytest.raises(RuntimeError, match="BytesIO"):
        mx.load(io.BytesIO(data[: len(data) // 2]), format=fmt if fmt != "npz" else "npy")


@pytest.mark.parametrize("fmt", ["npy", "safetensors", "gguf"])
def test_open_file_objects_truncated(tmp_path, fmt):
    data = _files(tmp_path)[fmt].read_bytes()
    path = tmp_path / f"cut.{fmt}"
    for cut in range(0, min(len(data), 200), 7):
        path.write_bytes(data[:cut])
        with open(path, "rb") as f:
            if fmt == "gguf":
                with pytest.raises(ValueError):  # gguf takes paths only, as MLX
                    mx.load(f)
                continue
            with pytest.raises(RuntimeError) as e:
                mx.load(f)
            assert path.name in str(e.value)
