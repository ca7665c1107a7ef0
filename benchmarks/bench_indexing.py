#!/usr/bin/env python3
"""Indexing benchmark: mlx_core vs real mlx.core vs NumPy vs PyTorch (CPU), in one run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_indexing.py

Workloads (a 4096 x 256 float32 table, 1M random row indices):
  gather       table[idx]                 (torch: index_select)
  scatter_add  table.at[idx].add(updates) (NumPy: np.add.at; torch: index_add_)
  take_small   take of 1M scalars from a 1M vector (element gather)

Cells are median wall times in ms over --repeat calls after one warm-up; lazy libraries
evaluate inside the timed call. The libraries take turns call by call (round robin), so a
busy machine slows them alike. Ratios are speedups of mlx_core (> 1: mlx_core is faster).
Use --rows to shrink the index count on small machines (1M rows of 256 floats is 1 GiB per
result).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import numpy as np


def timeit_round_robin(calls, repeat):
    """Median ms per call for each callable, timed in turns."""
    times = {key: [] for key in calls}
    for fn in calls.values():
        fn()  # warm-up
    for _ in range(repeat):
        for key, fn in calls.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    return {key: statistics.median(t) * 1e3 for key, t in times.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1 << 20)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-numpy-add-at", action="store_true", help="np.add.at is slow")
    args = p.parse_args()

    rng = np.random.default_rng(0)
    table = rng.standard_normal((4096, 256)).astype(np.float32)
    idx = rng.integers(0, 4096, size=args.rows).astype(np.int32)
    updates = rng.standard_normal((args.rows, 256)).astype(np.float32)
    vec = rng.standard_normal(1 << 20).astype(np.float32)
    vidx = rng.integers(0, 1 << 20, size=1 << 20).astype(np.int32)

    calls = {}  # (workload, lib) -> callable

    import mlx_core

    libs = {"mlx_core": mlx_core}
    try:
        import mlx.core as mx

        libs["mlx"] = mx
    except ImportError:
        pass
    for name, m in libs.items():
        t, i, u = m.array(table), m.array(idx), m.array(updates)
        v, vi = m.array(vec), m.array(vidx)
        m.eval(t, i, u, v, vi)
        calls[("gather", name)] = lambda m=m, t=t, i=i: m.eval(t[i])
        calls[("scatter_add", name)] = lambda m=m, t=t, i=i, u=u: m.eval(t.at[i].add(u))
        calls[("take_small", name)] = lambda m=m, v=v, vi=vi: m.eval(m.take(v, vi))

    calls[("gather", "numpy")] = lambda: table[idx]
    calls[("take_small", "numpy")] = lambda: np.take(vec, vidx)

    try:
        import torch

        tt, ti, tu = torch.from_numpy(table), torch.from_numpy(idx.astype(np.int64)), torch.from_numpy(updates)
        tv, tvi = torch.from_numpy(vec), torch.from_numpy(vidx.astype(np.int64))
        calls[("gather", "torch")] = lambda: torch.index_select(tt, 0, ti)
        calls[("scatter_add", "torch")] = lambda: tt.clone().index_add_(0, ti, tu)
        calls[("take_small", "torch")] = lambda: torch.take(tv, tvi)
    except ImportError:
        pass

    results = timeit_round_robin(calls, args.repeat)
    if not args.skip_numpy_add_at:  # slow: timed on its own, a few times

        def np_add_at():
            out = table.copy()
            np.add.at(out, idx, updates)

        results.update(timeit_round_robin({("scatter_add", "numpy"): np_add_at}, 2))

    names = ["mlx_core", "mlx", "numpy", "torch"]
    print(f"{'workload':<12}" + "".join(f"{n:>12}" for n in names) + f"{'mlx/ours':>10}{'best_peer/ours':>16}")
    for w in ("gather", "scatter_add", "take_small"):
        row = [results.get((w, n)) for n in names]
        ours = row[0]
        peers = [r for r in row[2:] if r is not None]
        mlx_ratio = f"{row[1] / ours:10.2f}" if row[1] else f"{'-':>10}"
        peer_ratio = f"{min(peers) / ours:16.2f}" if peers else f"{'-':>16}"
        cells = "".join(f"{r:12.1f}" if r is not None else f"{'-':>12}" for r in row)
        print(f"{w:<12}{cells}{mlx_ratio}{peer_ratio}")


if __name__ == "__main__":
    main()
