#!/usr/bin/env python3
"""Sort / scan benchmark: mlx_core vs real mlx.core vs NumPy vs PyTorch (CPU), in one run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_sortscan.py

Workloads: sort and argsort of 16M float32, topk(k=32) over a 4096x32000 float32 matrix (last
axis), cumsum of 16M float32. Each cell is the median wall time (ms) of --repeat calls after one
warm-up; lazy libraries evaluate inside the timed call. Ratios are speedups of mlx_core
(t(other) / t(mlx_core), > 1 means mlx_core is faster). The 2-core machine this was written on
is shared, so compare ratios from one run rather than absolute times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _libs(names):
    libs = {}
    for name in names:
        try:
            if name == "mlx_core":
                import mlx_core as mod
            elif name == "mlx":
                import mlx.core as mod
            elif name == "numpy":
                mod = np
            else:
                import torch as mod
            libs[name] = mod
        except ImportError as exc:  # a missing peer only drops its column
            print(f"# {name} unavailable: {exc}", file=sys.stderr)
    return libs


def _workloads(quick: bool):
    n = 1 << (20 if quick else 24)
    rows, cols = (256, 32000) if quick else (4096, 32000)
    rng = np.random.default_rng(0)
    flat = rng.standard_normal(n).astype(np.float32)
    mat = rng.standard_normal((rows, cols)).astype(np.float32)

    def mlx_like(op):
        def build(mx, x):
            a = mx.array(x)
            mx.eval(a)
            return lambda: mx.eval(op(mx, a))

        return build

    return {
        f"sort {n >> 20}M f32": (flat, {
            "mlx": mlx_like(lambda mx, a: mx.sort(a)),
            "numpy": lambda _, x: lambda: np.sort(x),
            "torch": lambda t, x: (lambda a: lambda: t.sort(a))(t.from_numpy(x)),
        }),
        f"argsort {n >> 20}M f32": (flat, {
            "mlx": mlx_like(lambda mx, a: mx.argsort(a)),
            "numpy": lambda _, x: lambda: np.argsort(x, kind="stable"),
            "torch": lambda t, x: (lambda a: lambda: t.argsort(a, stable=True))(t.from_numpy(x)),
        }),
        f"topk32 {rows}x{cols} f32": (mat, {
            "mlx": mlx_like(lambda mx, a: mx.topk(a, 32)),
            "numpy": lambda _, x: lambda: np.partition(x, cols - 32, axis=1)[:, cols - 32:],
            "torch": lambda t, x: (lambda a: lambda: t.topk(a, 32, sorted=False))(t.from_numpy(x)),
        }),
        f"cumsum {n >> 20}M f32": (flat, {
            "mlx": mlx_like(lambda mx, a: mx.cumsum(a)),
            "numpy": lambda _, x: lambda: np.cumsum(x),
            "torch": lambda t, x: (lambda a: lambda: t.cumsum(a, 0))(t.from_numpy(x)),
        }),
    }


def _time(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="1M elements, 256 topk rows")
    p.add_argument("--libs", default="mlx_core,mlx,numpy,torch")
    args = p.parse_args()
    libs = _libs(args.libs.split(","))
    names = list(libs)
    print(f"{'workload':24s}" + "".join(f"{n:>11s}" for n in names)
          + "".join(f"{n + '/ours':>13s}" for n in names if n != "mlx_core"))
    for label, (data, impls) in _workloads(args.quick).items():
        times = {}
        for name, mod in libs.items():
            family = "mlx" if name in ("mlx", "mlx_core") else name
            times[name] = _time(impls[family](mod, data), args.repeat)
        row = f"{label:24s}" + "".join(f"{times[n]:11.1f}" for n in names)
        if "mlx_core" in times:
            row += "".join(f"{times[n] / times['mlx_core']:13.2f}" for n in names if n != "mlx_core")
        print(row, flush=True)


if __name__ == "__main__":
    main()
