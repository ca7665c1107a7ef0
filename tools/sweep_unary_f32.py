#!/usr/bin/env python3
"""Compare a unary float32 op of mlx_core with real MLX over every float32 bit pattern.

    PYTHONPATH=. python tools/sweep_unary_f32.py erf exp        # all 2^32 inputs per op
    PYTHONPATH=. python tools/sweep_unary_f32.py --stride 97 sin  # every 97th pattern

For each op it prints how many results differ in value (bits differ and not both NaN), how many
differ only in the NaN bit pattern (sign or payload), the largest difference in ulps between two
finite results, and a few example inputs. One op over all patterns takes a few minutes (real MLX
is the slow side). tests/test_unary_bits.py runs a sampled version of the same comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in ulps between float32 arrays, through the monotone integer ordering."""

    def ordered(x):
        i = x.view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.abs(ordered(a) - ordered(b))


def compare(op: str, bits: np.ndarray, mc, mx) -> tuple[int, int, int, np.ndarray]:
    x = bits.view(np.float32)
    with mx.stream(mx.cpu):
        want = np.array(getattr(mx, op)(mx.array(x)))
    got = np.array(getattr(mc, op)(mc.array(x)))
    differ = got.view(np.uint32) != want.view(np.uint32)
    both_nan = np.isnan(got) & np.isnan(want)
    value = differ & ~both_nan
    finite = value & np.isfinite(got) & np.isfinite(want)
    worst = int(ulp_distance(got[finite], want[finite]).max()) if finite.any() else 0
    return int(value.sum()), int((differ & both_nan).sum()), worst, bits[value][:4]


def sweep(op: str, stride: int, chunk: int, mc, mx) -> dict:
    total = value = nan_only = worst = 0
    examples: list[int] = []
    start = time.time()
    step = chunk * stride
    for lo in range(0, 1 << 32, step):
        hi = min(lo + step, 1 << 32)
        bits = np.arange(lo, hi, stride, dtype=np.uint64).astype(np.uint32)
        v, n, w, ex = compare(op, bits, mc, mx)
        total += bits.size
        value += v
        nan_only += n
        worst = max(worst, w)
        examples += [int(b) for b in ex][: max(0, 6 - len(examples))]
    return dict(op=op, inputs=total, value_mismatches=value, nan_bits_only=nan_only,
                max_ulp=worst, examples=[hex(e) for e in examples],
                seconds=round(time.time() - start, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ops", nargs="+")
    parser.add_argument("--stride", type=int, default=1, help="test every n-th bit pattern")
    parser.add_argument("--chunk", type=int, default=1 << 23, help="inputs per batch")
    args = parser.parse_args()
    import mlx.core as mx

    import mlx_core as mc

    for op in args.ops:
        print(sweep(op, args.stride, args.chunk, mc, mx), flush=True)


if __name__ == "__main__":
    main()
