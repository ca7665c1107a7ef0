#!/usr/bin/env python3
"""mx.compile benchmark: mlx_core compiled and uncompiled vs real MLX and jax.jit.

Run (the env -u prefix keeps NumPy's OpenBLAS at its defaults):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_compile.py

Workloads:
- gelu: ``x * 0.5 * (1 + erf(x / sqrt(2)))`` on 16M float32 (read 64 MB, write 64 MB);
- silu: ``x * sigmoid(1.702 * x)`` on 16M float32;
- chain: ``((x * 2 + 1) * 3 - 4)``, pure memory traffic, on 16M float32;
- stream: the reference for memory bandwidth, one read and one write of 16M float32 by the
  fastest single op at hand (NumPy's ``negative`` into a preallocated output, mlx_core's
  ``-x``); compiled lines are also given as a percentage of it;
- layernorm: written with raw ops (mean, var, rsqrt, scale, shift) on 4096 x 4096 float32;
- mlp step: one training step of a (784, 1024, 1024, 10) ReLU MLP on a batch of 256
  (value_and_grad of a softmax cross-entropy, then an SGD update of the weights), compiled
  with the weights as captured state (``inputs=`` / ``outputs=``); JAX jits the same step as
  a pure function of the weights;
- first call: trace + simplify + fuse + run of a small function (new shape each time);
- per call: a cached call of a small function on 16 elements (microseconds);
- in cache: compiled gelu and silu on 1/16 of the data (1M float32, held in cache), the
  best call's time scaled by 16: the arithmetic alone, the ceiling of the percentage above on this
  machine (on 2 cores gelu's erf is compute-bound: see benchmarks/README.md).

Every cell is the minimum over interleaved rounds (the machine is shared; the minimum is the
least disturbed run), each call after SETTLE idle seconds (default 0.05), in milliseconds
unless said. GB/s counts one read of each input and
one write of each output.
"""

import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

N = 1 << 24
ROUNDS = int(os.environ.get("ROUNDS", "7"))
# Idle seconds before each timed call: the libraries share the process, and a pool
# that is still spinning after its own call would take a core from the next one.
SETTLE = float(os.environ.get("SETTLE", "0.05"))


def libs():
    out = {}
    import mlx_core

    out["mlx_core"] = mlx_core
    try:
        import mlx.core

        out["mlx"] = mlx.core
    except ImportError:
        pass
    return out


def workloads(mx):
    def gelu(x):
        return x * 0.5 * (1 + mx.erf(x / math.sqrt(2)))

    def silu(x):
        return x * mx.sigmoid(1.702 * x)

    def chain(x):
        return (x * 2 + 1) * 3 - 4

    def layernorm(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdims=True)
        return (x - mu) * mx.rsqrt(var + 1e-5) * w + b

    return {"gelu": gelu, "silu": silu, "chain": chain, "layernorm": layernorm}


MLP_SIZES = (784, 1024, 1024, 10)
MLP_BATCH = 256


def mlp_data(rng):
    params = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        w = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        params.append((w, np.zeros(fan_out, np.float32)))
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    y = np.eye(MLP_SIZES[-1], dtype=np.float32)[rng.integers(0, MLP_SIZES[-1], MLP_BATCH)]
    return params, x, y


def mlp_loss(lib, logsumexp, params, x, y):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = lib.maximum(h, 0.0)
    logp = h - logsumexp(h)
    return -lib.mean(lib.sum(logp * y, axis=-1))


def mlx_mlp_steps(mx, data):
    """(eager, compiled) runners of one SGD step; the weights live in `state` and change."""
    params_np, x_np, y_np = data
    state = [[mx.array(w), mx.array(b)] for w, b in params_np]
    x, y = mx.array(x_np), mx.array(y_np)
    mx.eval(state, x, y)
    grad_fn = mx.value_and_grad(
        lambda params, x, y: mlp_loss(mx, lambda h: mx.logsumexp(h, axis=-1, keepdims=True), params, x, y)
    )

    def step(x, y):
        loss, grads = grad_fn(state, x, y)
        for layer, (gw, gb) in zip(state, grads):
            layer[0] = layer[0] - 0.01 * gw
            layer[1] = layer[1] - 0.01 * gb
        return loss

    compiled = mx.compile(step, inputs=state, outputs=state)
    return (lambda: mx.eval(step(x, y), state)), (lambda: mx.eval(compiled(x, y), state))


def jax_mlp_step(jax, jnp, data):
    params_np, x_np, y_np = data
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params_np]
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    lse = lambda h: jax.scipy.special.logsumexp(h, axis=-1, keepdims=True)  # noqa: E731

    @jax.jit
    def step(params, x, y):
        loss, grads = jax.value_and_grad(lambda p: mlp_loss(jnp, lse, p, x, y))(params)
        return loss, [(w - 0.01 * gw, b - 0.01 * gb) for (w, b), (gw, gb) in zip(params, grads)]

    def run():
        nonlocal params
        loss, params = step(params, x, y)
        jax.block_until_ready((loss, params))

    return run


def jax_workloads():
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import erf

    def gelu(x):
        return x * 0.5 * (1 + erf(x / math.sqrt(2)))

    def silu(x):
        return x * jax.nn.sigmoid(1.702 * x)

    def chain(x):
        return (x * 2 + 1) * 3 - 4

    def layernorm(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdims=True)
        return (x - mu) * jax.lax.rsqrt(var + 1e-5) * w + b

    return jax, jnp, {k: jax.jit(f) for k, f in
                      {"gelu": gelu, "silu": silu, "chain": chain, "layernorm": layernorm}.items()}


def main():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(N).astype(np.float32)
    ln_np = rng.standard_normal((4096, 4096)).astype(np.float32)
    w_np = rng.standard_normal(4096).astype(np.float32)
    b_np = rng.standard_normal(4096).astype(np.float32)
    nbytes = {"gelu": 2 * 4 * N, "silu": 2 * 4 * N, "chain": 2 * 4 * N, "layernorm": 2 * 4 * N,
              "stream": 2 * 4 * N, "mlp step": None}
    mlp = mlp_data(rng)

    runners = {}  # (library, variant, workload) -> zero-argument callable
    for name, mx in libs().items():
        x = mx.array(x_np)
        X, w, b = mx.array(ln_np), mx.array(w_np), mx.array(b_np)
        mx.eval(x, X, w, b)
        for wname, f in workloads(mx).items():
            args = (X, w, b) if wname == "layernorm" else (x,)
            cf = mx.compile(f)
            for variant, g in (("eager", f), ("compiled", cf)):
                runners[(name, variant, wname)] = (
                    lambda g=g, args=args, mx=mx: mx.eval(g(*args))
                )
    for name, mx in libs().items():
        eager, compiled = mlx_mlp_steps(mx, mlp)
        runners[(name, "eager", "mlp step")] = eager
        runners[(name, "compiled", "mlp step")] = compiled
    y_np = np.empty_like(x_np)
    runners[("numpy", "eager", "stream")] = lambda: np.negative(x_np, out=y_np)
    core = libs()["mlx_core"]
    xs = core.array(x_np)
    core.eval(xs)
    runners[("mlx_core", "eager", "stream")] = lambda: core.eval(-xs)
    try:
        jax, jnp, jitted = jax_workloads()
        jx = jnp.asarray(x_np)
        jX, jw, jb = jnp.asarray(ln_np), jnp.asarray(w_np), jnp.asarray(b_np)
        for wname, f in jitted.items():
            args = (jX, jw, jb) if wname == "layernorm" else (jx,)
            runners[("jax", "jit", wname)] = lambda f=f, args=args: f(*args).block_until_ready()
        runners[("jax", "jit", "mlp step")] = jax_mlp_step(jax, jnp, mlp)
    except ImportError:
        pass

    best = {k: float("inf") for k in runners}
    for k, run in runners.items():  # warm up: traces, jit, allocator caches
        run()
    for _ in range(ROUNDS):
        for k, run in runners.items():
            time.sleep(SETTLE)  # other libraries' pool threads stop spinning first
            t = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - t)

    print(f"{'workload':10} {'library':10} {'variant':9} {'ms':>9} {'GB/s':>7}")
    for (lib, variant, wname), t in sorted(best.items(), key=lambda kv: (kv[0][2], kv[0][0])):
        gbs = f"{nbytes[wname] / t / 1e9:7.1f}" if nbytes[wname] else f"{'-':>7}"
        print(f"{wname:10} {lib:10} {variant:9} {t * 1e3:9.2f} {gbs}")
    print()
    stream = min(t for (lib, variant, wname), t in best.items() if wname == "stream")
    for wname in nbytes:
        if wname == "stream":
            continue
        ours = best.get(("mlx_core", "compiled", wname))
        row = [f"{wname:10}"]
        for key, label in ((("mlx_core", "eager", wname), "eager/compiled"),
                           (("mlx", "compiled", wname), "mlx.compile/ours"),
                           (("jax", "jit", wname), "jax.jit/ours")):
            if key in best:
                row.append(f"{label} {best[key] / ours:6.2f}x")
        if nbytes[wname]:
            row.append(f"compiled at {100 * stream / ours:5.1f}% of the streaming op's bandwidth")
        print("  ".join(row))

    # The compute-bound ceiling: the same compiled chains on 1/16 of the data (1M float32,
    # held in the last-level cache), the best call's time scaled back to 16M elements. Where
    # that alone takes longer than the streaming op, no schedule of the memory traffic
    # reaches the streaming op's bandwidth.
    print()
    core_fns = workloads(core)
    part = core.array(x_np[: N // 16])
    core.eval(part)
    for wname in ("gelu", "silu"):
        cf = core.compile(core_fns[wname])
        core.eval(cf(part))
        in_cache = float("inf")
        for _ in range(ROUNDS):
            time.sleep(SETTLE)
            for _ in range(30):
                t = time.perf_counter()
                core.eval(cf(part))
                in_cache = min(in_cache, (time.perf_counter() - t) * 16)
        print(f"{wname:10} in cache, scaled to 16M: {in_cache * 1e3:6.2f} ms of compute alone: "
              f"at most {100 * stream / in_cache:5.1f}% of the streaming op's bandwidth here")

    # Compile time (first call on a new shape) and cached per-call overhead.
    print()
    for name, mx in libs().items():
        def small(x, y):
            return mx.exp(x) * y + mx.sin(x) - 1.0

        firsts = []
        for i in range(ROUNDS * 3):
            cf = mx.compile(small)
            a = mx.ones((i + 2,))
            mx.eval(a)
            t = time.perf_counter()
            mx.eval(cf(a, a))
            firsts.append(time.perf_counter() - t)
        cf = mx.compile(small)
        a = mx.ones((16,))
        mx.eval(cf(a, a))
        per_call = float("inf")
        for _ in range(ROUNDS):
            t = time.perf_counter()
            for _ in range(2000):
                mx.eval(cf(a, a))
            per_call = min(per_call, (time.perf_counter() - t) / 2000)
        print(f"{name:10} first call {min(firsts) * 1e6:8.1f} us   cached call + eval "
              f"{per_call * 1e6:6.1f} us")
    try:
        import jax.numpy as jnp2

        f = jax.jit(lambda x, y: jnp2.exp(x) * y + jnp2.sin(x) - 1.0)
        a = jnp2.ones((16,))
        f(a, a).block_until_ready()
        per_call = float("inf")
        for _ in range(ROUNDS):
            t = time.perf_counter()
            for _ in range(2000):
                f(a, a).block_until_ready()
            per_call = min(per_call, (time.perf_counter() - t) / 2000)
        firsts = []
        for i in range(5):
            g = jax.jit(lambda x, y: jnp2.exp(x) * y + jnp2.sin(x) - 1.0)
            b = jnp2.ones((i + 2,))
            t = time.perf_counter()
            g(b, b).block_until_ready()
            firsts.append(time.perf_counter() - t)
        print(f"{'jax':10} first call {min(firsts) * 1e6:8.1f} us   cached call        "
              f"{per_call * 1e6:6.1f} us")
    except NameError:
        pass


if __name__ == "__main__":
    main()
