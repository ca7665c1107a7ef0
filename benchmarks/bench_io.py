"""save_safetensors + load of ~1 GB of tensors (every byte touched after load), and
np.array of a 256 MB array: mlx_core vs real MLX vs the safetensors package, with
`cat file > /dev/null` as the bandwidth reference. Prints median times and ratios.

Usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_io.py [--gb 1.0]
One ~1 GB file is reused by every library (they all write the same format) and deleted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import mlx_core  # noqa: E402

try:
    import mlx.core as mlx
except ImportError:
    mlx = None
try:
    import safetensors.numpy as stnp
except ImportError:
    stnp = None


def median_time(fn, repeat=3, setup=None):
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def touch(views):
    """Reads every byte (a uint64 sum over each tensor's memory), the same for every library."""
    total = 0
    for v in views:
        total += int(np.add.reduce(v.reshape(-1).view(np.uint64), dtype=np.uint64))
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gb", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    n_tensors = 16
    per = int(args.gb * (1 << 30) / n_tensors / 4)
    rng = np.random.default_rng(0)
    base = rng.standard_normal(per, dtype=np.float32)
    host = {f"layer{i}.weight": base + i for i in range(n_tensors)}
    ours = {k: mlx_core.array(v) for k, v in host.items()}
    mlx_core.eval(list(ours.values()))
    theirs = {k: mlx.array(v) for k, v in host.items()} if mlx else None
    if theirs:
        mlx.eval(list(theirs.values()))
    nbytes = sum(v.nbytes for v in host.values())
    print(f"{n_tensors} float32 tensors, {nbytes / 2**30:.2f} GiB in total\n")
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_IO_DIR")) as d:
        path = os.path.join(d, "bench.safetensors")
        # ---- save (into a fresh file: truncating one still in writeback would dominate) ----
        def fresh():
            # A new file, with earlier runs' dirty pages flushed: otherwise whichever
            # library runs next pays for the kernel's writeback of the previous one.
            if os.path.exists(path):
                os.remove(path)
            os.sync()

        savers = [("mlx_core", lambda: mlx_core.save_safetensors(path, ours))]
        if theirs:
            savers.append(("mlx", lambda: mlx.save_safetensors(path, theirs)))
        if stnp:
            savers.append(("safetensors", lambda: stnp.save_file(host, path)))
        # Round-robin, so the kernel's writeback of earlier runs burdens every library alike.
        save_times = {name: [] for name, _ in savers}
        for _, fn in savers:  # warm-up: the first large write of a process is slow
            fresh()
            fn()
        for _ in range(args.repeat):
            for name, fn in savers:
                fresh()
                save_times[name].append(median_time(fn, 1))
        for name, _ in savers:
            # best of N: the kernel's writeback makes single runs vary by up to 10x here
            rows.append(("save_safetensors", name, min(save_times[name])))
        mlx_core.save_safetensors(path, ours)
        # ---- load + touch every byte (file in the page cache: all runs read it warm) ----
        rows.append(("cat > /dev/null", "cat", median_time(
            lambda: subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True), args.repeat)))

        def load_ours():
            t = mlx_core.load(path)
            touch([np.asarray(a) for a in t.values()])

        def load_mlx():
            t = mlx.load(path)
            mlx.eval(list(t.values()))
            touch([np.asarray(a) for a in t.values()])

        def load_st():
            touch(list(stnp.load_file(path).values()))

        def load_ours_read():
            # A plain open() file object: loaded through its descriptor (mapped as well).
            with open(path, "rb") as f:
                t = mlx_core.load(f)
            touch([np.asarray(a) for a in t.values()])

        rows.append(("load + touch", "mlx_core", median_time(load_ours, args.repeat)))
        rows.append(("load + touch", "mlx_core fileobj", median_time(load_ours_read, args.repeat)))
        if mlx:
            rows.append(("load + touch", "mlx", median_time(load_mlx, args.repeat)))
        if stnp:
            rows.append(("load + touch", "safetensors", median_time(load_st, args.repeat)))
        # The same file with one more header byte: every tensor is misaligned, so the
        # load reads (in parallel pieces) instead of mapping. Timed without the touch.
        shifted = os.path.join(d, "shifted.safetensors")
        with open(path, "rb") as f, open(shifted, "wb") as g:
            n = int.from_bytes(f.read(8), "little")
            g.write((n + 1).to_bytes(8, "little") + f.read(n) + b" ")
            while chunk := f.read(64 << 20):
                g.write(chunk)
        os.remove(path)  # keep disk use at one file
        rows.append(("load (read path)", "mlx_core", median_time(lambda: mlx_core.load(shifted), args.repeat)))
        rows.append(("cat > /dev/null", "cat (shifted)", median_time(
            lambda: subprocess.run(["cat", shifted], stdout=subprocess.DEVNULL, check=True), args.repeat)))
    # ---- np.array of a 256 MB array ----
    big = np.random.default_rng(1).standard_normal(1 << 26, dtype=np.float32)  # 256 MiB
    a_ours = mlx_core.array(big)
    mlx_core.eval(a_ours)
    rows.append(("np.array(256 MB)", "mlx_core", median_time(lambda: np.array(a_ours), args.repeat)))
    rows.append(("np.asarray(256 MB)", "mlx_core", median_time(lambda: np.asarray(a_ours), args.repeat)))
    if mlx:
        a_mlx = mlx.array(big)
        mlx.eval(a_mlx)
        rows.append(("np.array(256 MB)", "mlx", median_time(lambda: np.array(a_mlx), args.repeat)))
        rows.append(("np.asarray(256 MB)", "mlx", median_time(lambda: np.asarray(a_mlx), args.repeat)))
    rows.append(("np.array(256 MB)", "numpy copy", median_time(lambda: np.array(big), args.repeat)))

    ref = {}
    for task, lib, t in rows:
        ref.setdefault(task, t if lib == "mlx_core" else None)
    print(f"{'task':<22}{'library':<14}{'median':>12}{'GB/s':>9}{'vs mlx_core':>14}")
    cat_time = next((t for task, lib, t in rows if lib == "cat"), None)
    for task, lib, t in rows:
        size = nbytes if "256" not in task else big.nbytes
        ratio = t / ref[task] if ref.get(task) else float("nan")
        print(f"{task:<22}{lib:<14}{t * 1e3:>10.1f}ms{size / t / 1e9:>9.2f}{ratio:>13.2f}x")
    if cat_time:
        ours_load = next(t for task, lib, t in rows if task == "load + touch" and lib == "mlx_core")
        ours_fileobj = next(t for task, lib, t in rows if lib == "mlx_core fileobj")
        ours_read = next(t for task, lib, t in rows if task == "load (read path)")
        cat_shifted = next(t for task, lib, t in rows if lib == "cat (shifted)")
        print(f"\nmlx_core load + touch runs at {cat_time / ours_load * 100:.0f}% of cat's speed"
              " (the load maps the file; the touch faults the pages in); through an open() file object"
              f" at {cat_time / ours_fileobj * 100:.0f}%; a misaligned file (read, not mapped)"
              f" loads at {cat_shifted / ours_read * 100:.0f}% of cat's speed")

if __name__ == "__main__":
    main()
