"""mlx_core: a fast, faithful re-implementation of the MLX array library.

`import mlx_core as mx` is meant as a drop-in for `import mlx.core as mx`.
The compiled extension (`_core`) holds the library; this package re-exports
it and adds the few pure-Python conveniences (pytrees, argument forms).
"""

import ctypes as _ctypes
import os as _os

# OpenBLAS ships in the scipy-openblas32 wheel; load it before the extension
# so the dynamic linker finds it for in-tree builds too.
try:
    import scipy_openblas32 as _openblas

    _ctypes.CDLL(
        _os.path.join(_openblas.get_lib_dir(), "libscipy_openblas.so"), mode=_ctypes.RTLD_GLOBAL
    )
except (ImportError, OSError):  # the rpath still finds it in a normal install
    pass

from mlx_core._core import *  # noqa: E402,F401,F403
from mlx_core._core import array, Dtype, Device, Stream  # noqa: E402,F401
from mlx_core._printing import PrintOptions, get_printoptions, printoptions, set_printoptions  # noqa: E402,F401
from mlx_core._python_ops import *  # noqa: E402,F401,F403
from mlx_core import _array_methods  # noqa: E402,F401
from mlx_core._transforms import grad, jvp, value_and_grad, vjp, vmap  # noqa: E402,F401
from mlx_core import cuda, metal  # noqa: E402,F401
from mlx_core._custom_function import checkpoint, custom_function  # noqa: E402,F401
from mlx_core._export import FunctionExporter, export_function, export_to_dot, exporter, import_function  # noqa: E402,F401
from mlx_core._io import load, save, save_gguf, save_safetensors, savez, savez_compressed  # noqa: E402,F401
from mlx_core._core import random  # noqa: E402,F401
import sys as _sys  # noqa: E402

# `import mlx_core.random` and `from mlx_core.random import ...` work as with MLX.
_sys.modules[__name__ + ".random"] = random
from mlx_core._compile import compile, disable_compile, enable_compile  # noqa: E402,F401,A004
