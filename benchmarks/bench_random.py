"""random.normal / random.uniform of 16M float32: mlx_core vs MLX, NumPy default_rng, PyTorch.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_random.py
Prints median wall times (ms) and mlx_core's speed-up over each peer.
"""

import statistics
import time

import numpy as np

import mlx_core as mc

N = 1 << 24
REPEAT = 7


def median_ms(fn):
    fn()
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    peers = {}
    try:
        import mlx.core as mx

        k = mx.random.key(0)
        peers["mlx"] = {
            "normal": lambda: mx.eval(mx.random.normal(shape=(N,), key=k)),
            "uniform": lambda: mx.eval(mx.random.uniform(shape=(N,), key=k)),
        }
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    peers["numpy"] = {
        "normal": lambda: rng.standard_normal(N, dtype=np.float32),
        "uniform": lambda: rng.random(N, dtype=np.float32),
    }
    try:
        import torch

        peers["torch"] = {
            "normal": lambda: torch.randn(N),
            "uniform": lambda: torch.rand(N),
        }
    except ImportError:
        pass
    kc = mc.random.key(0)
    ours = {
        "normal": lambda: mc.eval(mc.random.normal(shape=(N,), key=kc)),
        "uniform": lambda: mc.eval(mc.random.uniform(shape=(N,), key=kc)),
    }
    for op in ("normal", "uniform"):
        t = median_ms(ours[op])
        line = f"{op:8s} mlx_core {t:8.1f} ms"
        for name, fns in peers.items():
            tp = median_ms(fns[op])
            line += f" | {name} {tp:8.1f} ms ({tp / t:5.2f}x)"
        print(line)


if __name__ == "__main__":
    main()
