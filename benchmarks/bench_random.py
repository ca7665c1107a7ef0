"""random.normal / uniform / truncated_normal of 16M float32, and the unary ops they rest on
(erf, erfinv, exp, sigmoid, log): mlx_core vs MLX, NumPy default_rng / NumPy ufuncs, PyTorch.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_random.py
Prints median wall times (ms) and mlx_core's speed-up over each peer.
"""

import statistics
import time

import numpy as np

import mlx_core as mc

N = 1 << 24
REPEAT = 7
UNARY = ("erf", "erfinv", "exp", "sigmoid", "log")
X = np.random.default_rng(1).uniform(0.01, 0.99, N).astype(np.float32)  # in every op's domain


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
            "trunc_normal": lambda: mx.eval(mx.random.truncated_normal(-1.0, 2.0, (N,), key=k)),
        }
        xm = mx.array(X)
        for op in UNARY:
            peers["mlx"][op] = (lambda f: lambda: mx.eval(f(xm)))(getattr(mx, op))
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    peers["numpy"] = {
        "normal": lambda: rng.standard_normal(N, dtype=np.float32),
        "uniform": lambda: rng.random(N, dtype=np.float32),
        "exp": lambda: np.exp(X),
        "log": lambda: np.log(X),
    }
    try:
        import torch

        peers["torch"] = {
            "normal": lambda: torch.randn(N),
            "uniform": lambda: torch.rand(N),
        }
        xt = torch.from_numpy(X)
        for op, f in (("erf", torch.erf), ("erfinv", torch.erfinv), ("exp", torch.exp),
                      ("sigmoid", torch.sigmoid), ("log", torch.log)):
            peers["torch"][op] = (lambda f: lambda: f(xt))(f)
    except ImportError:
        pass
    kc = mc.random.key(0)
    ours = {
        "normal": lambda: mc.eval(mc.random.normal(shape=(N,), key=kc)),
        "uniform": lambda: mc.eval(mc.random.uniform(shape=(N,), key=kc)),
        "trunc_normal": lambda: mc.eval(mc.random.truncated_normal(-1.0, 2.0, (N,), key=kc)),
    }
    xc = mc.array(X)
    for op in UNARY:
        ours[op] = (lambda f: lambda: mc.eval(f(xc)))(getattr(mc, op))
    for op in ("normal", "uniform", "trunc_normal") + UNARY:
        t = median_ms(ours[op])
        line = f"{op:8s} mlx_core {t:8.1f} ms"
        for name, fns in peers.items():
            if op not in fns:
                continue
            tp = median_ms(fns[op])
            line += f" | {name} {tp:8.1f} ms ({tp / t:5.2f}x)"
        print(line)


if __name__ == "__main__":
    main()
