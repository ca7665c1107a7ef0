#!/usr/bin/env python3
"""Core-op benchmark: mlx_core vs real mlx.core vs NumPy / PyTorch CPU / JAX, in one run.

Run (the env -u prefix matters; those variables slow NumPy's OpenBLAS):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_core.py

Every cell is the median wall time (ms) of --repeat timed calls after --warmup untimed ones
(calls under 5 ms are timed in batches lasting about 5 ms, each sample the batch's mean), and
the median of that over --rounds runs of all the frameworks in turn (default 3, the order
reversed every other round: the machine drifts between one framework's cells and the next's).
Lazy libraries (mlx_core, mlx) evaluate inside every timed call with mx.eval(...); their inputs
are built and evaluated before timing. JAX calls are jitted (except the per-op overhead
workload, which is eager dispatch) and timed up to block_until_ready(). The per-op overhead row
is reported in microseconds per op instead of ms.

Ratio columns are speedups of mlx_core: ``mlx/mlx_core`` = t(mlx) / t(mlx_core) and
``best_peer/mlx_core`` = min(t(numpy), t(torch), t(jax)) / t(mlx_core); > 1 means mlx_core is
faster. ``best_peer/mlx`` gives the same for real MLX, as a reference point.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import importlib
import json
import math
import os
import platform
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_FRAMEWORKS = ("mlx_core", "mlx", "numpy", "torch", "jax")
PEERS = ("numpy", "torch", "jax")
OVERHEAD_OPS = 100


# --------------------------------------------------------------------------------------------
# Framework adapters: how to import, convert inputs, force evaluation and report threads.
# --------------------------------------------------------------------------------------------


@dataclass
class Framework:
    name: str
    family: str  # which implementation of a workload to use: mlx | numpy | torch | jax
    lib: Any  # the namespace handed to workload builders (mx, np, torch, jnp)
    to_native: Callable[[np.ndarray], Any]
    sync: Callable[[Any], None]
    to_numpy: Callable[[Any], np.ndarray]
    version: str
    threads: str
    jit: Callable[[Callable], Callable] = lambda f: f


def _import_mlx_core() -> Any:
    try:
        return importlib.import_module("mlx_core")
    except ImportError:
        # Not installed: fall back to a package sitting in the repo root (e.g. PYTHONPATH unset).
        if str(REPO_ROOT) not in sys.path:
            sys.path.append(str(REPO_ROOT))
        return importlib.import_module("mlx_core")


def _mlx_like(name: str, mx: Any) -> Framework:
    def to_native(a: np.ndarray) -> Any:
        x = mx.array(a)
        mx.eval(x)
        return x

    return Framework(
        name=name,
        family="mlx",
        lib=mx,
        to_native=to_native,
        sync=lambda out: mx.eval(out),
        to_numpy=lambda out: np.asarray(out),
        version=str(getattr(mx, "__version__", "?")),
        threads="default (no thread-count API)",
    )


def load_mlx_core() -> Framework:
    return _mlx_like("mlx_core", _import_mlx_core())


def load_mlx() -> Framework:
    import mlx.core as mx

    return _mlx_like("mlx", mx)


def load_numpy() -> Framework:
    return Framework(
        name="numpy",
        family="numpy",
        lib=np,
        to_native=lambda a: a,
        sync=lambda out: None,
        to_numpy=np.asarray,
        version=np.__version__,
        threads=numpy_blas_summary(),
    )


def load_torch() -> Framework:
    import torch

    return Framework(
        name="torch",
        family="torch",
        lib=torch,
        to_native=lambda a: torch.from_numpy(a.copy()),
        sync=lambda out: None,  # CPU eager: the result exists when the call returns
        to_numpy=lambda out: out.numpy(),
        version=torch.__version__,
        threads=f"intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}",
    )


def load_jax() -> Framework:
    import jax
    import jax.numpy as jnp

    def to_native(a: np.ndarray) -> Any:
        return jnp.asarray(a).block_until_ready()

    return Framework(
        name="jax",
        family="jax",
        lib=jnp,
        to_native=to_native,
        sync=jax.block_until_ready,
        to_numpy=np.asarray,
        version=jax.__version__,
        threads=f"XLA default (devices={jax.devices()}, os.cpu_count={os.cpu_count()})",
        jit=jax.jit,
    )


LOADERS = {
    "mlx_core": load_mlx_core,
    "mlx": load_mlx,
    "numpy": load_numpy,
    "torch": load_torch,
    "jax": load_jax,
}


def numpy_blas_summary() -> str:
    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "; ".join(
                f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads, {os.path.basename(i.get('filepath', ''))})"
                for i in infos
            )
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')} (threadpoolctl not installed)"
    except Exception:  # noqa: BLE001 - older numpy: no dict mode
        return "unknown (install threadpoolctl for details)"


# --------------------------------------------------------------------------------------------
# Workload registry: name -> inputs + one builder per framework family.
# A builder takes the framework namespace and returns fn(*inputs) -> output.
# --------------------------------------------------------------------------------------------


def rand(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def vec(scale: float) -> list[np.ndarray]:
    return [rand((max(1, int(16 * 2**20 * scale)),))]


def vec_pair(scale: float) -> list[np.ndarray]:
    (a,) = vec(scale)
    return [a, rand(a.shape, seed=1)]


def square(side: int) -> Callable[[float], list[np.ndarray]]:
    return lambda scale: [rand((max(8, int(side * math.sqrt(scale))),) * 2)]


def matmul_inputs(side: int) -> Callable[[float], list[np.ndarray]]:
    def make(scale: float) -> list[np.ndarray]:
        n = max(8, int(side * math.sqrt(scale)))
        return [rand((n, n), seed=1), rand((n, n), seed=2)]

    return make


def all_families(builder: Callable) -> dict[str, Callable]:
    """Same code for every framework (operators and same-named functions only)."""
    return {fam: builder for fam in ("mlx", "numpy", "torch", "jax")}


def gelu_like(L: Any) -> Callable:
    return lambda x: x * 0.5 * (1 + L.tanh(0.79788456 * (x + 0.044715 * x**3)))


def numpy_softmax(np_: Any) -> Callable:
    def softmax(x: np.ndarray) -> np.ndarray:
        e = np_.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    return softmax


def jax_softmax(jnp: Any) -> Callable:
    import jax

    return lambda x: jax.nn.softmax(x, axis=-1)


def overhead_chain(L: Any) -> Callable:
    def chain(y: Any) -> Any:
        for _ in range(OVERHEAD_OPS):
            y = y + 1
        return y

    return chain


def reduce_axis(axis: int) -> dict[str, Callable]:
    return {
        "mlx": lambda mx: lambda x: mx.sum(x, axis=axis),
        "numpy": lambda np_: lambda x: np_.sum(x, axis=axis),
        "torch": lambda torch: lambda x: torch.sum(x, dim=axis),
        "jax": lambda jnp: lambda x: jnp.sum(x, axis=axis),
    }


@dataclass
class Workload:
    make_inputs: Callable[[float], list[np.ndarray]]
    impls: dict[str, Callable]
    flops: Callable[[list[np.ndarray]], float] | None = None
    per_op: int | None = None  # report microseconds per op instead of ms per call
    jax_jit: bool = True
    atol_scale: Callable[[list[np.ndarray], np.ndarray], float] = lambda inputs, ref: (
        1e-3 * max(1.0, float(np.abs(ref).max()))
    )


def matmul_flops(inputs: list[np.ndarray]) -> float:
    (m, k), (_, n) = inputs[0].shape, inputs[1].shape
    return 2.0 * m * k * n


WORKLOADS: dict[str, Workload] = {
    "add 16M": Workload(vec_pair, all_families(lambda L: lambda a, b: a + b)),
    "add 16M float16": Workload(
        lambda scale: [v.astype(np.float16) for v in vec_pair(scale)], all_families(lambda L: lambda a, b: a + b)
    ),
    "exp 16M": Workload(vec, all_families(lambda L: lambda x: L.exp(x))),
    "gelu-like 16M": Workload(vec, all_families(gelu_like)),
    "sum 16M (full)": Workload(
        vec,
        all_families(lambda L: lambda x: L.sum(x)),
        # float32 accumulation order differs per library: tolerance scales with sum(|x|).
        atol_scale=lambda inputs, ref: 1e-5 * float(np.abs(inputs[0]).sum(dtype=np.float64)),
    ),
    "sum axis0 4096^2": Workload(square(4096), reduce_axis(0)),
    "sum axis1 4096^2": Workload(square(4096), reduce_axis(1)),
    "softmax last 4096^2": Workload(
        square(4096),
        {
            "mlx": lambda mx: lambda x: mx.softmax(x, axis=-1),
            "numpy": numpy_softmax,
            "torch": lambda torch: lambda x: torch.softmax(x, dim=-1),
            "jax": jax_softmax,
        },
    ),
    # Materialise x.T row-major. MLX-like: mx.contiguous(x.T) (note: in MLX, `x.T + 0` keeps the
    # column-major strides of x.T and so does NOT transpose the data). NumPy:
    # np.ascontiguousarray(x.T). PyTorch: x.t().contiguous(). JAX: jit(lambda x: x.T) returns a
    # fresh row-major buffer.
    "transpose-copy 4096^2": Workload(
        square(4096),
        {
            "mlx": lambda mx: lambda x: mx.contiguous(x.T),
            "numpy": lambda np_: lambda x: np_.ascontiguousarray(x.T),
            "torch": lambda torch: lambda x: x.t().contiguous(),
            "jax": lambda jnp: lambda x: x.T,
        },
    ),
    # An elementwise op reading one operand column by column (row-major result everywhere).
    "x.T + y 4096^2": Workload(matmul_inputs(4096), all_families(lambda L: lambda x, y: x.T + y)),
    "matmul 1024^2": Workload(
        matmul_inputs(1024), all_families(lambda L: lambda a, b: L.matmul(a, b)), matmul_flops
    ),
    "matmul 2048^2": Workload(
        matmul_inputs(2048), all_families(lambda L: lambda a, b: L.matmul(a, b)), matmul_flops
    ),
    # 100 dependent `y = y + 1` on a 1-element array, evaluated once (lazy libs) / eager per op.
    f"overhead {OVERHEAD_OPS} tiny ops [us/op]": Workload(
        lambda scale: [np.ones((1,), dtype=np.float32)],
        all_families(overhead_chain),
        per_op=OVERHEAD_OPS,
        jax_jit=False,
    ),
}


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Cell:
    value: float | None = None  # median ms (or us/op for per-op workloads)
    samples_ms: list[float] = field(default_factory=list)
    error: str | None = None
    mismatch: str | None = None
    foreign_cpu_s: float | None = None  # CPU time other processes used while this cell ran

    @property
    def disturbed(self) -> bool:
        """Other processes used > 0.05 CPU-s and > 10% of one core during the timed calls."""
        wall = sum(self.samples_ms) * 1e-3
        return bool(self.foreign_cpu_s and self.foreign_cpu_s > max(0.05, 0.1 * wall))


def cpu_snapshot() -> tuple[float, float] | None:
    """(machine-wide busy CPU-seconds from /proc/stat, this process's CPU-seconds)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK"), time.process_time()


def foreign_cpu(start: tuple[float, float] | None) -> float | None:
    """CPU-seconds used by other processes since `start` (tick resolution, ~10 ms)."""
    end = cpu_snapshot()
    if start is None or end is None:
        return None
    return max(0.0, (end[0] - start[0]) - (end[1] - start[1]))


# Calls shorter than this are timed in batches (as `timeit` does): a sample is the mean of
# enough calls to last about this long, so one timer tick or one interrupt cannot dominate it.
MIN_SAMPLE_MS = 5.0


def time_calls(fn: Callable, args: list, sync: Callable, warmup: int, repeat: int) -> tuple:
    out = None
    t0 = time.perf_counter()
    for _ in range(warmup):
        out = fn(*args)
        sync(out)
    per_call_ms = (time.perf_counter() - t0) * 1e3 / warmup
    batch = max(1, int(MIN_SAMPLE_MS / max(per_call_ms, 1e-6)))
    for _ in range(warmup * batch - warmup):  # warm up for as long as the batched samples take
        sync(fn(*args))
    samples = []
    start = cpu_snapshot()
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(batch):
            res = fn(*args)
            sync(res)
        samples.append((time.perf_counter() - t0) * 1e3 / batch)
        del res
    return samples, out, foreign_cpu(start)


def check(fw: Framework, out: Any, ref: np.ndarray, wl: Workload, inputs: list) -> str | None:
    try:
        got = np.asarray(fw.to_numpy(out), dtype=np.float64).reshape(ref.shape)
    except Exception as e:  # noqa: BLE001
        return f"could not compare output: {type(e).__name__}: {e}"
    atol = wl.atol_scale(inputs, ref)
    if not np.allclose(got, ref, rtol=1e-3, atol=atol):
        err = float(np.abs(got - ref).max())
        return f"max abs err {err:.3g} > atol {atol:.3g}"
    return None


def run_cell(fw: Framework, wl: Workload, inputs: list, ref, args) -> Cell:
    try:
        fn = wl.impls[fw.family](fw.lib)
        if fw.family == "jax" and wl.jax_jit:
            fn = fw.jit(fn)
        native = [fw.to_native(a) for a in inputs]
        gc.collect()
        time.sleep(args.settle)  # let the previous library's spinning worker threads go idle
        samples, out, foreign = time_calls(fn, native, fw.sync, max(1, args.warmup), args.repeat)
    except Exception as e:  # noqa: BLE001 - any failure becomes an n/a cell
        msg = f"{type(e).__name__}: {e}".splitlines()[0]
        if args.verbose:
            traceback.print_exc()
        return Cell(error=msg[:160])
    med = statistics.median(samples)
    value = med * 1e3 / wl.per_op if wl.per_op else med
    mismatch = check(fw, out, ref, wl, inputs) if (ref is not None and not args.no_check) else None
    return Cell(value=value, samples_ms=samples, mismatch=mismatch, foreign_cpu_s=foreign)


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num and den else None


def row_ratios(cells: dict[str, Cell]) -> dict[str, float | None]:
    t = {k: c.value for k, c in cells.items()}
    peers = [t[p] for p in PEERS if t.get(p)]
    best = min(peers) if peers else None
    return {
        "mlx/mlx_core": ratio(t.get("mlx"), t.get("mlx_core")),
        "best_peer/mlx_core": ratio(best, t.get("mlx_core")),
        "best_peer/mlx": ratio(best, t.get("mlx")),
    }


def fmt_val(cell: Cell | None) -> str:
    if cell is None or cell.value is None:
        return "n/a"
    v = cell.value
    s = f"{v:.3f}" if v < 10 else f"{v:.2f}" if v < 100 else f"{v:.1f}"
    return s + ("*" if cell.mismatch else "") + ("~" if cell.disturbed else "")


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def print_table(results: list[dict], frameworks: list[str]) -> None:
    ratio_cols = ["mlx/mlx_core", "best_peer/mlx_core", "best_peer/mlx"]
    header = ["workload", "shape"] + frameworks + ratio_cols + ["notes"]
    rows = []
    for r in results:
        notes = "jax: jit" if r["jax_jit"] else "jax: eager"
        rows.append(
            [r["name"], r["shape"]]
            + [fmt_val(r["cells"].get(f)) for f in frameworks]
            + [fmt_ratio(r["ratios"][c]) for c in ratio_cols]
            + [notes if "jax" in frameworks else ""]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = "  ".join(
        h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))
    )
    print("\nmedian ms per call (overhead row: us per op); ratio > 1: the denominator is faster")
    print("* = result differs from NumPy; ~ = other processes were busy during the timed calls")
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                x.ljust(w) if i < 2 else x.rjust(w) for i, (x, w) in enumerate(zip(row, widths))
            )
        )


def print_gflops(results: list[dict], frameworks: list[str]) -> None:
    flop_rows = [r for r in results if r["flops"]]
    if not flop_rows:
        return
    print("\nGFLOP/s (2*M*N*K / median time)")
    print("workload".ljust(22) + "".join(f.rjust(10) for f in frameworks))
    for r in flop_rows:
        vals = []
        for f in frameworks:
            c = r["cells"].get(f)
            ok = c is not None and c.value
            vals.append(f"{r['flops'] / (c.value * 1e-3) / 1e9:.1f}" if ok else "n/a")
        print(r["name"].ljust(22) + "".join(v.rjust(10) for v in vals))


def print_notes(results: list[dict]) -> None:
    """List n/a reasons and NumPy mismatches; identical errors are grouped per framework."""
    errors: dict[tuple[str, str], list[str]] = {}
    mismatches, disturbed = [], []
    for r in results:
        for fw, c in r["cells"].items():
            if c.error:
                errors.setdefault((fw, c.error), []).append(r["name"])
            if c.mismatch:
                mismatches.append(f"  *    {fw} / {r['name']}: differs from NumPy: {c.mismatch}")
            if c.disturbed:
                disturbed.append(f"{fw} / {r['name']} ({c.foreign_cpu_s:.2f} CPU-s)")
    if disturbed:
        mismatches.append("  ~    other processes' CPU time during: " + "; ".join(disturbed))
    if not errors and not mismatches:
        return
    print("\nnotes:")
    for (fw, err), names in errors.items():
        where = "all workloads" if len(names) == len(results) > 1 else ", ".join(names)
        print(f"  n/a  {fw} ({where}): {err}")
    for line in mismatches:
        print(line)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def warn_env() -> None:
    bad = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if bad:
        msg = (
            f"WARNING: {', '.join(f'{v}={os.environ[v]}' for v in bad)} is set; it slows "
            "NumPy's OpenBLAS. Run as: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "
            "python benchmarks/bench_core.py"
        )
        print(msg)
        print(msg, file=sys.stderr)


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=None, help="run workloads whose name contains this")
    p.add_argument("--frameworks", default=",".join(ALL_FRAMEWORKS), help="comma-separated")
    p.add_argument("--repeat", type=int, default=7, help="timed calls per cell (median)")
    p.add_argument("--rounds", type=int, default=3,
                   help="runs of every framework, alternating order; a cell is their median")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls per cell first")
    p.add_argument("--size-scale", type=float, default=1.0, help="scale element counts")
    p.add_argument("--json", default=None, help="also write results to this path")
    p.add_argument("--settle", type=float, default=0.2, help="idle seconds before each cell")
    p.add_argument(
        "--cell-timeout", type=float, default=300, help="seconds before a cell is killed"
    )
    p.add_argument("--no-check", action="store_true", help="skip comparing results to NumPy")
    p.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # internal: child process
    p.add_argument("--indices", default="", help=argparse.SUPPRESS)  # internal: workloads to run
    args = p.parse_args(argv)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = set(args.frameworks) - set(ALL_FRAMEWORKS)
    if unknown:
        p.error(f"unknown frameworks {sorted(unknown)}; choose from {ALL_FRAMEWORKS}")
    return args


# --------------------------------------------------------------------------------------------
# Worker: one child process per framework, so a crash (mlx_core is a work in progress) or a
# hang costs one cell, and libraries' thread pools and BLAS copies don't share a process.
# It prints one MARK-prefixed JSON line per event on stdout.
# --------------------------------------------------------------------------------------------

MARK = "@@bench "


def emit(obj: dict) -> None:
    print(MARK + json.dumps(obj), flush=True)


def worker(args: argparse.Namespace) -> int:
    faulthandler.enable()  # a segfault prints the Python stack to stderr
    try:
        fw = LOADERS[args.worker]()
    except Exception as e:  # noqa: BLE001 - absent or broken: the whole column is n/a
        emit({"unavailable": f"{type(e).__name__}: {e}".splitlines()[0][:160]})
        return 0
    emit({"info": {"version": fw.version, "threads": fw.threads}})
    names = list(WORKLOADS)
    for index in (int(i) for i in args.indices.split(",") if i):
        wl = WORKLOADS[names[index]]
        inputs = wl.make_inputs(args.size_scale)
        ref = None if args.no_check else np.asarray(wl.impls["numpy"](np)(*inputs), np.float64)
        emit(
            {
                "index": index,
                "shape": "x".join(str(d) for d in inputs[0].shape),
                "flops": wl.flops(inputs) if wl.flops else None,
                "cell": asdict(run_cell(fw, wl, inputs, ref, args)),
            }
        )
        del inputs, ref
    return 0


def worker_argv(args: argparse.Namespace, fw: str, todo: list[int]) -> list[str]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", fw]
    argv += ["--indices", ",".join(map(str, todo)), "--size-scale", str(args.size_scale)]
    argv += ["--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    argv += ["--settle", str(args.settle)]
    return argv + ["--no-check"] * args.no_check + ["--verbose"] * args.verbose


def pump(stream: Any, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"crashed ({signal.Signals(-code).name})"
    return f"worker exited with code {code}"


def run_framework(args: argparse.Namespace, fw: str, indices: list[int]) -> dict:
    """Run the workloads `indices` for one framework; respawn the worker after a crash/hang."""
    out = {"info": None, "unavailable": None, "records": {}}
    todo = list(indices)
    while todo:
        proc = subprocess.Popen(worker_argv(args, fw, todo), stdout=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=pump, args=(proc.stdout, lines), daemon=True).start()
        failure = None
        while failure is None:
            try:
                line = lines.get(timeout=args.cell_timeout)
            except queue.Empty:
                proc.kill()
                failure = f"timed out after {args.cell_timeout:g} s"
                continue
            if line is None:
                failure = describe_exit(proc.wait())
            elif not line.startswith(MARK):
                print(line, end="")  # a library's own output
            else:
                msg = json.loads(line[len(MARK) :])
                if "unavailable" in msg:
                    out["unavailable"] = msg["unavailable"]
                    return out
                if "info" in msg:
                    out["info"] = msg["info"]
                    print(
                        f"  {fw:9s} {msg['info']['version']:14s} threads: {msg['info']['threads']}"
                    )
                    continue
                out["records"][msg["index"]] = msg
                todo.remove(msg["index"])
                cell = Cell(**msg["cell"])
                print(f"    {fw:9s} {list(WORKLOADS)[msg['index']]:30s} {fmt_val(cell)}")
        proc.wait()
        if not todo:
            break
        if out["info"] is None:  # died while importing
            out["unavailable"] = failure
            return out
        culprit = todo.pop(0)
        out["records"][culprit] = {"index": culprit, "cell": {"error": failure}}
        print(f"\n    {fw:9s} {list(WORKLOADS)[culprit]:30s} n/a ({failure})")
    return out


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def merge_rounds(rounds: list[dict]) -> dict:
    """One framework's records over several rounds: each cell's value is the median of the
    rounds' medians, its samples all of theirs."""
    out = dict(rounds[0])
    out["records"] = {}
    for index in rounds[0]["records"]:
        recs = [r["records"][index] for r in rounds if index in r["records"]]
        cells = [Cell(**rec["cell"]) for rec in recs]
        good = [c for c in cells if c.value is not None and not c.error]
        if len(good) < len(cells):
            out["records"][index] = next(r for r, c in zip(recs, cells) if c.error or c.value is None)
            continue
        merged = Cell(
            value=statistics.median(c.value for c in good),
            samples_ms=[t for c in good for t in c.samples_ms],
            mismatch=next((c.mismatch for c in good if c.mismatch), None),
            foreign_cpu_s=sum(c.foreign_cpu_s or 0.0 for c in good) or None,
        )
        out["records"][index] = {**recs[0], "cell": asdict(merged)}
    return out


def collect(args: argparse.Namespace, indices: list[int]) -> tuple[list[dict], dict]:
    # The frameworks run one after another, so the machine drifts between their cells; with
    # several rounds (the order reversed every other round) the drift evens out.
    runs: dict[str, list[dict]] = {fw: [] for fw in args.frameworks}
    for r in range(args.rounds):
        if args.rounds > 1:
            print(f"round {r + 1} of {args.rounds}")
        order = args.frameworks if r % 2 == 0 else args.frameworks[::-1]
        for fw in order:
            runs[fw].append(run_framework(args, fw, indices))
    per_fw = {fw: merge_rounds(v) for fw, v in runs.items()}
    names = list(WORKLOADS)
    results = []
    for i in indices:
        recs = {fw: per_fw[fw]["records"].get(i) for fw in args.frameworks}
        known = [r for r in recs.values() if r and "shape" in r]
        cells = {}
        for fw, rec in recs.items():
            reason = per_fw[fw]["unavailable"]
            cells[fw] = Cell(**rec["cell"]) if rec else Cell(error=f"unavailable: {reason}")
        wl = WORKLOADS[names[i]]
        results.append(
            {
                "name": names[i],
                "shape": known[0]["shape"] if known else "?",
                "cells": cells,
                "ratios": row_ratios(cells),
                "flops": known[0]["flops"] if known else None,
                "jax_jit": wl.jax_jit,
                "unit": "us/op" if wl.per_op else "ms",
            }
        )
    return results, per_fw


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    warn_env()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus")
    print(f"NumPy BLAS: {numpy_blas_summary()}")
    print(f"repeat={args.repeat} warmup={args.warmup} size-scale={args.size_scale}")
    print(f"load average at start: {load_avg()} (other processes on the machine skew results)")
    indices = [i for i, k in enumerate(WORKLOADS) if not args.only or args.only in k]
    if not indices:
        print(f"no workload name contains {args.only!r}; choose from: {', '.join(WORKLOADS)}")
        return 2
    results, per_fw = collect(args, indices)
    print_table(results, args.frameworks)
    print_gflops(results, args.frameworks)
    print_notes(results)
    print(f"\nload average at end: {load_avg()}")
    if args.json:
        write_json(args, per_fw, results)
    return 0


def write_json(args: argparse.Namespace, per_fw: dict, results: list) -> None:
    payload = {
        "meta": {
            "argv": sys.argv,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "size_scale": args.size_scale,
            "cpus": os.cpu_count(),
            "load_avg_end": load_avg(),
            "numpy_blas": numpy_blas_summary(),
            "frameworks": {fw: per_fw[fw]["info"] for fw in per_fw if per_fw[fw]["info"]},
            "unavailable": {fw: v["unavailable"] for fw, v in per_fw.items() if v["unavailable"]},
            "openblas_env": {
                v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
            },
        },
        "results": [
            {
                **{k: r[k] for k in ("name", "shape", "ratios", "flops", "jax_jit", "unit")},
                "median": {f: c.value for f, c in r["cells"].items()},
                "samples_ms": {f: c.samples_ms for f, c in r["cells"].items()},
                "errors": {f: c.error for f, c in r["cells"].items() if c.error},
                "mismatches": {f: c.mismatch for f, c in r["cells"].items() if c.mismatch},
                "foreign_cpu_s": {f: c.foreign_cpu_s for f, c in r["cells"].items()},
            }
            for r in results
        ],
    }
    Path(args.json).write_text(json.dumps(payload, indent=2))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    sys.exit(main())
