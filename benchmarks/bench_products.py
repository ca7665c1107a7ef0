#!/usr/bin/env python3
"""Product-op benchmark: mlx_core vs real mlx.core vs NumPy vs PyTorch (CPU), in one run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_products.py

Each cell is the median wall time (ms) of --repeat calls after one warm-up. Lazy libraries
evaluate inside each timed call. NumPy's einsum runs with optimize=True. The ratio columns
are speed-ups of mlx_core (> 1: mlx_core is faster): ``mlx/mlx_core`` and
``best_peer/mlx_core`` with peer = the faster of NumPy and PyTorch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _frameworks():
    out = {}
    import mlx_core

    out["mlx_core"] = mlx_core
    try:
        import mlx.core

        out["mlx"] = mlx.core
    except ImportError:
        pass
    out["numpy"] = np
    try:
        import torch

        out["torch"] = torch
    except ImportError:
        pass
    return out


def _einsum(subscripts, shapes):
    def build(name, lib, rng):
        arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        if name in ("mlx_core", "mlx"):
            xs = [lib.array(a) for a in arrays]
            lib.eval(*xs)
            return lambda: lib.eval(lib.einsum(subscripts, *xs))
        if name == "numpy":
            return lambda: np.einsum(subscripts, *arrays, optimize=True)
        xs = [lib.from_numpy(a) for a in arrays]
        return lambda: lib.einsum(subscripts, *xs)

    return build


def _tensordot(shape_a, shape_b, axes):
    def build(name, lib, rng):
        a = rng.standard_normal(shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b).astype(np.float32)
        if name in ("mlx_core", "mlx"):
            x, y = lib.array(a), lib.array(b)
            lib.eval(x, y)
            return lambda: lib.eval(lib.tensordot(x, y, axes=axes))
        if name == "numpy":
            return lambda: np.tensordot(a, b, axes=axes)
        x, y = lib.from_numpy(a), lib.from_numpy(b)
        return lambda: lib.tensordot(x, y, dims=axes)

    return build


def _kron(shape_a, shape_b):
    def build(name, lib, rng):
        a = rng.standard_normal(shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b).astype(np.float32)
        if name in ("mlx_core", "mlx"):
            x, y = lib.array(a), lib.array(b)
            lib.eval(x, y)
            return lambda: lib.eval(lib.kron(x, y))
        if name == "numpy":
            return lambda: np.kron(a, b)
        x, y = lib.from_numpy(a), lib.from_numpy(b)
        return lambda: lib.kron(x, y)

    return build


def _gather_mm(tokens, experts, k, n):
    """A mixture-of-experts layer: each token's row times its (sorted) expert's matrix."""
    def build(name, lib, rng):
        a = rng.standard_normal((tokens, 1, k)).astype(np.float32)
        b = (rng.standard_normal((experts, k, n)) / 30).astype(np.float32)
        ri = np.sort(rng.integers(0, experts, tokens)).astype(np.uint32)
        li = np.arange(tokens, dtype=np.uint32)
        if name in ("mlx_core", "mlx"):
            x, y, lx, rx = lib.array(a), lib.array(b), lib.array(li), lib.array(ri)
            lib.eval(x, y, lx, rx)
            return lambda: lib.eval(lib.gather_mm(x, y, lx, rx, sorted_indices=True))
        if name == "numpy":
            return lambda: np.matmul(a[li], b[ri])
        x, y = lib.from_numpy(a), lib.from_numpy(b)
        lt, rt = lib.from_numpy(li.astype(np.int64)), lib.from_numpy(ri.astype(np.int64))
        return lambda: lib.bmm(x[lt], y[rt])

    return build


def _matmul(shape_a, shape_b, transpose_a=False, transpose_b=False):
    """a @ b with each operand stored transposed where asked (a view, as a layer's
    backward pass sees its weights and activations)."""

    def build(name, lib, rng):
        a = rng.standard_normal(shape_a[::-1] if transpose_a else shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b[::-1] if transpose_b else shape_b).astype(np.float32)
        if name in ("mlx_core", "mlx"):
            x, y = lib.array(a), lib.array(b)
            lib.eval(x, y)
        elif name == "numpy":
            x, y = a, b
        else:
            x, y = lib.from_numpy(a), lib.from_numpy(b)
        x = x.T if transpose_a else x
        y = y.T if transpose_b else y
        if name in ("mlx_core", "mlx"):
            return lambda: lib.eval(x @ y)
        return lambda: x @ y

    return build


def _hadamard(shape):
    def build(name, lib, rng):
        a = rng.standard_normal(shape).astype(np.float32)
        if name in ("mlx_core", "mlx"):
            x = lib.array(a)
            lib.eval(x)
            return lambda: lib.eval(lib.hadamard_transform(x))
        return None  # no NumPy/PyTorch equivalent

    return build


WORKLOADS = [
    ("matmul (256,1024)@(1024,1024)", _matmul((256, 1024), (1024, 1024))),
    ("matmul (256,1024)@(1024,1024).T", _matmul((256, 1024), (1024, 1024), transpose_b=True)),
    ("matmul (256,1024).T@(256,1024)", _matmul((1024, 256), (256, 1024), transpose_a=True)),
    ("matmul (256,784).T@(256,1024)", _matmul((784, 256), (256, 1024), transpose_a=True)),
    ("matmul (2048,2048)@(2048,2048)", _matmul((2048, 2048), (2048, 2048))),
    ("einsum bhqd,bhkd->bhqk (8,12,512,64)",
     _einsum("bhqd,bhkd->bhqk", [(8, 12, 512, 64), (8, 12, 512, 64)])),
    ("einsum bhqk,bhkd->bhqd (8,12,512,64)",
     _einsum("bhqk,bhkd->bhqd", [(8, 12, 512, 512), (8, 12, 512, 64)])),
    ("einsum chain ij,jk,kl->il (512)",
     _einsum("ij,jk,kl->il", [(512, 2048), (2048, 512), (512, 64)])),
    ("einsum trace-like bii->b (64,256,256)", _einsum("bii->b", [(64, 256, 256)])),
    ("tensordot (64,128,32)x(128,32,256) axes=2",
     _tensordot((64, 128, 32), (128, 32, 256), 2)),
    ("kron (64,64)x(32,32)", _kron((64, 64), (32, 32))),
    ("gather_mm MoE 2048 tok, 8 exp, 512x512", _gather_mm(2048, 8, 512, 512)),
    ("hadamard_transform (4096,1024)", _hadamard((4096, 1024))),
]


def _time(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if sum(times) > 20:  # slow cells: fewer repeats
            break
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    frameworks = _frameworks()
    names = list(frameworks)
    header = f"{'workload':44}" + "".join(f"{n:>10}" for n in names)
    header += f"{'mlx/core':>10}{'peer/core':>10}"
    print(header)
    print("-" * len(header))
    for title, build in WORKLOADS:
        if args.only and args.only not in title:
            continue
        row, times = f"{title:44}", {}
        for name in names:
            fn = build(name, frameworks[name], np.random.default_rng(0))
            if fn is None:
                row += f"{'-':>10}"
                continue
            times[name] = _time(fn, args.repeat)
            row += f"{times[name]:>10.2f}"
            time.sleep(0.2)  # let other libraries' BLAS threads go idle
        core = times["mlx_core"]
        peers = [times[p] for p in ("numpy", "torch") if p in times]
        row += f"{times['mlx'] / core:>10.2f}" if "mlx" in times else f"{'-':>10}"
        row += f"{min(peers) / core:>10.2f}" if peers else f"{'-':>10}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
