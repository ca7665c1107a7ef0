"""Function-transform benchmarks: an MLP training step with value_and_grad, and vmap vs a loop.

Runs the same workloads through mlx_core, real MLX and PyTorch CPU (when installed) in one
process and prints median times and ratios. Run it as

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_transforms.py
"""

import argparse
import importlib
import statistics
import time

import numpy as np

SIZES = (784, 1024, 1024, 10)
BATCH = 256


def median_ms(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def init_params(rng):
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        w = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        params.append((w, np.zeros(fan_out, np.float32)))
    return params


def batch(rng):
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return x, np.eye(SIZES[-1], dtype=np.float32)[y]


def mlx_like_step(mx, params_np, x_np, y_np):
    """One SGD step of the MLP written with raw ops, for mlx_core or mlx."""
    params = [(mx.array(w), mx.array(b)) for w, b in params_np]
    x, y = mx.array(x_np), mx.array(y_np)

    def loss_fn(params):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = mx.maximum(h, 0.0)
        logp = h - mx.logsumexp(h, axis=-1, keepdims=True)
        return -mx.mean(mx.sum(logp * y, axis=-1))

    step = mx.value_and_grad(loss_fn)

    def run():
        nonlocal params
        loss, grads = step(params)
        params = [(w - 0.01 * gw, b - 0.01 * gb) for (w, b), (gw, gb) in zip(params, grads)]
        mx.eval(loss, params)
        return loss

    return run


def torch_step(params_np, x_np, y_np):
    import torch

    params = [
        (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
        for w, b in params_np
    ]
    x, y = torch.tensor(x_np), torch.tensor(y_np)

    def run():
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = torch.clamp_min(h, 0.0)
        loss = -(torch.log_softmax(h, -1) * y).sum(-1).mean()
        grads = torch.autograd.grad(loss, [p for pair in params for p in pair])
        with torch.no_grad():
            for p, g in zip([p for pair in params for p in pair], grads):
                p -= 0.01 * g
        return loss

    return run


def vmap_vs_loop(mx, repeat):
    """The guide's example: x + y over the columns of x and rows of y, vmap vs a Python loop."""
    rng = np.random.default_rng(1)
    xs = mx.array(rng.random((4, 1000), dtype=np.float32))
    ys = mx.array(rng.random((1000, 4), dtype=np.float32))
    batched = mx.vmap(lambda x, y: x + y, in_axes=(1, 0))

    def loop():
        mx.eval(mx.stack([xs[:, i] + ys[i] for i in range(xs.shape[1])]))

    return median_ms(lambda: mx.eval(batched(xs, ys)), repeat), median_ms(loop, repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params_np, (x_np, y_np) = init_params(rng), batch(rng)
    rows = {}
    for name in ("mlx_core", "mlx.core"):
        try:
            mx = importlib.import_module(name)
        except ImportError:
            continue
        rows[name] = median_ms(mlx_like_step(mx, params_np, x_np, y_np), args.repeat)
    try:
        import torch

        print("torch threads:", torch.get_num_threads())
        rows["torch"] = median_ms(torch_step(params_np, x_np, y_np), args.repeat)
    except ImportError:
        pass
    print(f"MLP {SIZES} batch {BATCH}: training step (value_and_grad + SGD update), median ms")
    for name, ms in rows.items():
        print(f"  {name:10s} {ms:9.2f} ms")
    if "mlx_core" in rows:
        for peer in ("mlx.core", "torch"):
            if peer in rows:
                print(f"  {peer}/mlx_core = {rows[peer] / rows['mlx_core']:.2f}x")
    print("vmap vs Python loop, x + y with in_axes=(1, 0) on (4, 1000) and (1000, 4), median ms")
    for name in ("mlx_core", "mlx.core"):
        try:
            mx = importlib.import_module(name)
        except ImportError:
            continue
        vmapped, looped = vmap_vs_loop(mx, args.repeat)
        print(f"  {name:10s} vmap {vmapped:8.3f} ms  loop {looped:8.3f} ms  loop/vmap {looped / vmapped:6.1f}x")


if __name__ == "__main__":
    main()
