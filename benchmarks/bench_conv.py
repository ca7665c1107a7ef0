"""Convolution benchmarks: mlx_core vs real MLX, PyTorch (CPU, channels-first, 2 threads)
and NumPy (im2col through sliding_window_view + matmul).

Each framework runs in its own child process (this script re-invokes itself), so thread
pools and BLAS copies never share a process. Prints the median ms per framework and the
ratios other/mlx_core (> 1: mlx_core is faster).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_conv.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (input NHWC-style shape, weight (C_out, k..., C_in) shape, kwargs)
WORKLOADS = {
    "conv2d resnet 32x56x56x64 3x3->64": ((32, 56, 56, 64), (64, 3, 3, 64), dict(padding=1)),
    "conv1d speech 16x16000x1 k400 s160->256": ((16, 16000, 1), (256, 400, 1), dict(stride=160)),
    "conv2d resnet grad (x and w)": ((32, 56, 56, 64), (64, 3, 3, 64), dict(padding=1, grad=True)),
    "conv2d 1x1 32x28x28x256->128": ((32, 28, 28, 256), (128, 1, 1, 256), dict()),
    "conv1d depthwise 8x1024x768 k4": ((8, 1024, 768), (768, 4, 1), dict(padding=3, groups=768)),
}
FRAMEWORKS = ("mlx_core", "mlx", "torch", "numpy")


def make_inputs(xs, ws):
    rng = np.random.default_rng(0)
    return rng.standard_normal(xs, dtype=np.float32), rng.standard_normal(ws, dtype=np.float32)


def build(framework, xs, ws, kw):
    """A zero-argument function that runs the workload once (results evaluated)."""
    x, w = make_inputs(xs, ws)
    kw = dict(kw)
    grad = kw.pop("grad", False)
    nd = len(xs) - 2
    if framework in ("mlx_core", "mlx"):
        if framework == "mlx_core":
            sys.path.insert(0, ROOT)
            import mlx_core as mx
        else:
            import mlx.core as mx
        conv = mx.conv1d if nd == 1 else mx.conv2d
        xa, wa = mx.array(x), mx.array(w)
        mx.eval(xa, wa)
        if grad:
            g = mx.grad(lambda a, b: conv(a, b, **kw).sum(), argnums=(0, 1))
            return lambda: mx.eval(g(xa, wa))
        return lambda: mx.eval(conv(xa, wa, **kw))
    if framework == "torch":
        import torch

        torch.set_num_threads(2)
        perm = (0, nd + 1) + tuple(range(1, nd + 1))
        xt = torch.tensor(x).permute(*perm).contiguous()
        wt = torch.tensor(w).permute(*perm).contiguous()
        conv = torch.nn.functional.conv1d if nd == 1 else torch.nn.functional.conv2d
        if grad:
            xt.requires_grad_(True)
            wt.requires_grad_(True)

            def step():
                xt.grad = wt.grad = None
                conv(xt, wt, **kw).sum().backward()

            return step
        return lambda: torch.no_grad()(conv)(xt, wt, **kw)
    if framework == "numpy":
        if grad or kw.get("groups", 1) != 1:
            return None
        from numpy.lib.stride_tricks import sliding_window_view

        stride = kw.get("stride", 1)
        pad = kw.get("padding", 0)
        k = ws[1:-1]

        def run():
            xp = np.pad(x, [(0, 0)] + [(pad, pad)] * nd + [(0, 0)]) if pad else x
            win = sliding_window_view(xp, k, axis=tuple(range(1, nd + 1)))
            win = win[(slice(None),) + (slice(None, None, stride),) * nd]
            # (N, O..., C_in, k...) x (C_out, k..., C_in) -> (N, O..., C_out)
            wt = np.transpose(w, (0,) + tuple(range(1, nd + 1)) + (nd + 1,))
            cols = np.moveaxis(win, nd + 1, -1)  # (N, O..., k..., C_in)
            m = cols.reshape(-1, int(np.prod(k)) * ws[-1])
            return (m @ wt.reshape(ws[0], -1).T).reshape(cols.shape[: nd + 1] + (ws[0],))

        return run
    raise ValueError(framework)


def worker(framework, names, repeat, warmup):
    out = {}
    for name in names:
        xs, ws, kw = WORKLOADS[name]
        try:
            fn = build(framework, xs, ws, kw)
        except Exception as e:  # noqa: BLE001
            out[name] = f"n/a ({type(e).__name__}: {e})"
            continue
        if fn is None:
            out[name] = "n/a"
            continue
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        out[name] = float(np.median(times) * 1e3)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--only", default="")
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    names = [n for n in WORKLOADS if args.only in n]
    if args.worker:
        worker(args.worker, names, args.repeat, args.warmup)
        return
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"warning: {var} is set; run under `env -u {var}`", file=sys.stderr)
    results = {}
    fws = args.frameworks.split(",")
    for fw in fws:
        cmd = [sys.executable, __file__, "--worker", fw, "--only", args.only,
               "--repeat", str(args.repeat), "--warmup", str(args.warmup)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        try:
            results[fw] = json.loads(p.stdout.strip().splitlines()[-1])
        except Exception:  # noqa: BLE001
            results[fw] = {n: f"n/a (crashed: {p.stderr.strip()[-200:]})" for n in names}
    cell = lambda v: f"{v:10.2f}" if isinstance(v, float) else f"{'n/a':>10}"  # noqa: E731
    print(f"{'workload':42s}" + "".join(f"{fw:>10s}" for fw in fws) + "   ratios other/mlx_core")
    for n in names:
        row = f"{n:42s}" + "".join(cell(results[fw].get(n)) for fw in fws)
        base = results.get("mlx_core", {}).get(n)
        ratios = []
        for fw in fws:
            v = results[fw].get(n)
            if fw != "mlx_core" and isinstance(v, float) and isinstance(base, float):
                ratios.append(f"{fw} {v / base:.2f}x")
        print(row + "   " + ", ".join(ratios))
    print("(median ms; torch: channels-first, torch.set_num_threads(2))")


if __name__ == "__main__":
    main()
