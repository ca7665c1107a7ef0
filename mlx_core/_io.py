"""Saving and loading with MLX's signatures: npy, npz, safetensors and gguf.

The formats are parsed and written in C++ (`csrc/mlx/io/`); this module picks
the format, handles paths versus file objects, and assembles npz archives
from npy members with `zipfile`. Stored npz members of a file on disk are
mapped in place; compressed members stream into the array's own buffer.
"""

from __future__ import annotations

import contextlib
import io as _pyio
import os
import uuid
import zipfile

from mlx_core import _core

__all__ = ["load", "save", "savez", "savez_compressed", "save_safetensors", "save_gguf"]

_FORMATS = ("npy", "npz", "safetensors", "gguf")
# Deflate cannot expand data by more than about 1032:1: a member that claims
# more is forged, and refusing it bounds what a small file can make us allocate.
_MAX_DEFLATE_RATIO = 1100


def _is_path(file) -> bool:
    return isinstance(file, (str, os.PathLike))


def _save_target(file, extension: str, op: str):
    """A str path with `extension` appended when missing, or a binary file object."""
    if _is_path(file):
        path = os.fspath(file)
        if not isinstance(path, str):
            raise ValueError(f"[{op}] Input must be a file-like object, or string")
        return path if path.endswith(extension) else path + extension
    if hasattr(file, "write") and not isinstance(file, _pyio.TextIOBase):
        return file
    raise ValueError(f"[{op}] Input must be a file-like object, or string")


@contextlib.contextmanager
def _replacing(target):
    """Yields where to write `target`: a path is written to a temporary file beside it
    and renamed over it at the end. Arrays loaded from the old file are memory maps of
    it; truncating it in place would pull their pages away (SIGBUS), replacing it keeps
    the old file alive until they are gone."""
    if not isinstance(target, str):
        yield target
        return
    target = os.path.realpath(target)  # replace what a symlink points to, not the link
    directory, base = os.path.split(target)
    # A fresh name, not a pre-created file: ext4 flushes files truncated with O_TRUNC
    # on close (auto_da_alloc), which would make every save wait for the disk.
    tmp = os.path.join(directory, f".{base}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        try:
            mode = os.stat(target).st_mode & 0o7777
        except OSError:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _check_array(value, op: str, what: str = "arrays"):
    if not isinstance(value, _core.array):
        raise TypeError(
            f"[{op}] {what} must be mlx_core arrays, got {type(value).__name__}."
        )
    return value


def save(file, arr) -> None:
    """Save the array to a binary file in ``.npy`` format.

    Args:
        file (str, pathlib.Path, file): File to which the array is saved.
        arr (array): Array to be saved.
    """
    _check_array(arr, "save", "arr")
    with _replacing(_save_target(file, ".npy", "save")) as target:
        _core._save_npy(target, arr)


def _savez(file, args, kwargs, compressed: bool, op: str):
    arrays = {}
    for i, a in enumerate(args):
        arrays[f"arr_{i}"] = a
    for k, a in kwargs.items():
        if k in arrays:
            raise ValueError(f"[{op}] Cannot use un-named variables and keyword {k}")
        arrays[k] = a
    for a in arrays.values():
        _check_array(a, op)
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with _replacing(_save_target(file, ".npz", op)) as target, zipfile.ZipFile(
        target, mode="w", compression=method, allowZip64=True
    ) as zf:
        for name, a in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o600 << 16
            # npy bytes go straight from the array's memory into the archive.
            with zf.open(info, "w", force_zip64=a.nbytes > (1 << 31) - (1 << 20)) as member:
                _core._save_npy(member, a)


def savez(file, *args, **kwargs):
    """Save several arrays to a binary file in uncompressed ``.npz`` format.

    Args:
        file (file, str, pathlib.Path): Path to file to which the arrays are saved.
        *args (arrays): Arrays to be saved, named ``arr_0``, ``arr_1``, ...
        **kwargs (arrays): Arrays to be saved under their keyword.
    """
    _savez(file, args, kwargs, False, "savez")


def savez_compressed(file, *args, **kwargs):
    """Save several arrays to a binary file in compressed ``.npz`` format.

    Args:
        file (file, str, pathlib.Path): Path to file to which the arrays are saved.
        *args (arrays): Arrays to be saved, named ``arr_0``, ``arr_1``, ...
        **kwargs (arrays): Arrays to be saved under their keyword.
    """
    _savez(file, args, kwargs, True, "savez_compressed")


def _named_arrays(arrays, op: str):
    if not isinstance(arrays, dict):
        raise TypeError(f"[{op}] arrays must be a dict of names to arrays.")
    out = []
    for k, v in arrays.items():
        if not isinstance(k, str):
            raise TypeError(f"[{op}] Array names must be strings.")
        out.append((k, _check_array(v, op)))
    return out


def save_safetensors(file, arrays, metadata=None):
    """Save array(s) to a binary file in ``.safetensors`` format.

    Args:
        file (file, str, pathlib.Path): File in which the arrays are saved.
        arrays (dict(str, array)): Names to arrays.
        metadata (dict(str, str), optional): String metadata stored in the header.
    """
    items = _named_arrays(arrays, "save_safetensors")
    md = []
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise ValueError(
                "[save_safetensors] Metadata must be a dictionary with string keys and values"
            )
        md = list(metadata.items())
    with _replacing(_save_target(file, ".safetensors", "save_safetensors")) as target:
        _core._save_safetensors(target, items, md)


def save_gguf(file, arrays, metadata=None):
    """Save array(s) to a binary file in ``.gguf`` format.

    Args:
        file (str, pathlib.Path): File in which the arrays are saved.
        arrays (dict(str, array)): Names to arrays.
        metadata (dict(str, Union[array, str, list(str)])): Metadata: a scalar or 1D
          array, a string, or a list of strings per key.
    """
    if not _is_path(file) or not isinstance(os.fspath(file), str):
        raise ValueError("[save_gguf] Input must be a string")
    items = _named_arrays(arrays, "save_gguf")
    md = []
    for k, v in (metadata or {}).items():
        if not isinstance(k, str):
            raise TypeError("[save_gguf] Metadata keys must be strings.")
        if isinstance(v, list) and all(isinstance(s, str) for s in v):
            md.append((k, list(v)))
        elif isinstance(v, (str, _core.array)):
            md.append((k, v))
        else:
            raise TypeError(
                f"[save_gguf] Metadata value of '{k}' must be an array, a str or a list of str,"
                f" got {type(v).__name__}."
            )
    path = os.fspath(file)
    with _replacing(path if path.endswith(".gguf") else path + ".gguf") as target:
        _core._save_gguf(target, items, md)


def _load_npz(file, label: str):
    try:
        zf = zipfile.ZipFile(file, "r")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ValueError(
            "[load_npz] Input must be a zip file or a file-like object that can be opened with"
            f" zipfile.ZipFile ({label}: {e})"
        ) from None
    out = {}
    path = os.fspath(file) if _is_path(file) else None
    with zf:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in out:
                raise RuntimeError(f"[load_npz] Duplicate member '{info.filename}' in file {label}.")
            try:
                if info.compress_type == zipfile.ZIP_STORED and path is not None:
                    out[name] = _core._load_npy(path, *_stored_window(zf, info, label))
                    continue
                if info.compress_type != zipfile.ZIP_STORED and (
                    info.file_size > info.compress_size * _MAX_DEFLATE_RATIO + 4096
                ):
                    raise RuntimeError(
                        f"[load_npz] Member '{info.filename}' claims {info.file_size} bytes from"
                        f" {info.compress_size} compressed bytes in file {label}."
                    )
                with zf.open(info) as member:
                    out[name] = _core._load_npy(_Window(member, info.file_size), 0, info.file_size)
            except (zipfile.BadZipFile, EOFError, OSError, _zlib_error()) as e:
                raise RuntimeError(
                    f"[load_npz] Corrupt member '{info.filename}' in file {label}: {e}"
                ) from None
    return out


def _zlib_error():
    import zlib

    return zlib.error


def _stored_window(zf, info, label):
    """(offset, length) of a stored member's bytes, read from its local header."""
    # The data follows the local header, whose name and extra lengths may differ
    # from the central directory's.
    fp = zf.fp
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for '{info.filename}'")
    name_len = int.from_bytes(local[26:28], "little")
    extra_len = int.from_bytes(local[28:30], "little")
    return (info.header_offset + 30 + name_len + extra_len, info.file_size)


class _Window:
    """A zip member as a file object whose size is known (no seek to the end)."""

    def __init__(self, member, size):
        self._member = member
        self.name = getattr(member, "name", "<npz member>")
        self._size = size

    def tell(self):
        return self._member.tell()

    def seek(self, offset, whence=0):
        return self._member.seek(offset, whence)

    def readinto(self, buffer):
        return self._member.readinto(buffer)


def load(file, /, format=None, return_metadata=False, *, stream=None):
    """Load array(s) from a binary file.

    The supported formats are ``.npy``, ``.npz``, ``.safetensors``, and ``.gguf``.

    Args:
        file (file, str, pathlib.Path): File in which the array is saved.
        format (str, optional): Format of the file. If ``None``, the format is inferred
          from the file extension. Supported formats: ``npy``, ``npz``, ``safetensors``
          and ``gguf``. Default: ``None``.
        return_metadata (bool, optional): Also return the metadata of formats that have
          it (``safetensors``, ``gguf``) as a dictionary. Default: ``False``.

    Returns:
        array, dict, or tuple: A single array for ``.npy``, a dict of names to arrays
        otherwise, and ``(arrays, metadata)`` when ``return_metadata`` is ``True``.

    Data of a file on disk is memory-mapped where its layout allows, so pages are read
    when first touched.
    """
    if _is_path(file):
        target = os.fspath(file)
        if not isinstance(target, str):
            raise ValueError(
                "[load] Input must be a file-like object opened in binary mode, or string"
            )
        label = target
    elif hasattr(file, "read") and not isinstance(file, _pyio.TextIOBase):
        target = file
        label = getattr(file, "name", None)
        label = label if isinstance(label, str) else f"<{type(file).__name__}>"
    else:
        raise ValueError("[load] Input must be a file-like object opened in binary mode, or string")
    if format is None:
        name = target if isinstance(target, str) else file.name  # AttributeError as MLX
        name = os.fspath(name) if _is_path(name) else str(name)
        base = os.path.basename(name)
        if "." not in base:
            raise ValueError("[load] Could not infer file format from extension")
        format = base.rsplit(".", 1)[1]
    if format not in _FORMATS:
        raise ValueError(f"[load] Unknown file format {format}")
    if return_metadata and format in ("npy", "npz"):
        raise ValueError(f"[load] metadata not supported for format {format}")
    if format == "npy":
        return _core._load_npy(target)
    if format == "npz":
        return _load_npz(target, label)
    if format == "safetensors":
        arrays, metadata = _core._load_safetensors(target)
    else:
        if not isinstance(target, str):
            raise ValueError("[load_gguf] Input must be a string")
        arrays, metadata = _core._load_gguf(target)
    return (arrays, metadata) if return_metadata else arrays
