"""Export/import of a traced function: mlx_core vs MLX 0.32.4 (median times, ratios).

Measures export_function of a small MLP (with its weights as constants), import_function
of the file, one call of the imported function, and an import followed by its first call
(large constants are read then, in both libraries).
"""

import os
import statistics
import tempfile
import time

import numpy as np

import mlx_core as mc

try:
    import mlx.core as mlx
except ImportError:  # pragma: no cover
    mlx = None


def _median(fn, reps=15):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _case(lib, tmp, width, depth):
    rng = np.random.default_rng(0)
    ws = [lib.array(rng.standard_normal((width, width)).astype(np.float32)) for _ in range(depth)]
    x = lib.array(rng.standard_normal((64, width)).astype(np.float32))

    def mlp(x):
        for w in ws:
            x = lib.maximum(x @ w, 0.0)
        return lib.sum(x, axis=1)

    path = os.path.join(tmp, f"{lib.__name__}.mlxfn")
    t_export = _median(lambda: lib.export_function(path, mlp, x))
    t_import = _median(lambda: lib.import_function(path))
    f = lib.import_function(path)
    t_call = _median(lambda: lib.eval(f(x)))
    # Both libraries read large constants when first used: import plus first call.
    t_first = _median(lambda: lib.eval(lib.import_function(path)(x)))
    return t_export, t_import, t_call, t_first


def main():
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':<22}{'step':<8}{'mlx_core':>12}{'mlx':>12}{'mlx/ours':>10}")
        for width, depth in ((64, 4), (512, 8)):
            ours = _case(mc, tmp, width, depth)
            theirs = _case(mlx, tmp, width, depth) if mlx else (float("nan"),) * 4
            for step, a, b in zip(("export", "import", "call", "1st call"), ours, theirs):
                print(f"{f'mlp {width}x{depth}':<22}{step:<8}{a * 1e3:>10.3f}ms{b * 1e3:>10.3f}ms{b / a:>10.2f}")


if __name__ == "__main__":
    main()
