"""Timing harness shared by the mpi4py benchmarks; the same algorithm as bench/c/harness.h and bench/ts/harness.ts.

measure(run, agree): calibrate an iteration count so one batch lasts ~batch_target seconds, warm up, time `batches`
batches, return the median seconds per iteration and the iteration count. `run(iters)` returns this rank's elapsed
seconds; `agree(t)` returns the time every participating rank agrees on, so all ranks run the same counts.
"""
import math
import sys

BATCHES = 9
BATCH_TARGET = 0.04
CAL_MIN = 0.01
CASES = None

_argv = sys.argv[1:]
if "--quick" in _argv:
    BATCHES, BATCH_TARGET, CAL_MIN = 3, 0.01, 0.002
if "--cases" in _argv:
    _i = _argv.index("--cases")
    if _i + 1 < len(_argv) and _argv[_i + 1]:
        CASES = set(_argv[_i + 1].split(","))


def want(name):
    return CASES is None or name in CASES


def measure(run, agree):
    k = 1
    agree(run(1))
    while True:
        t = agree(run(k))
        if t >= CAL_MIN or k >= (1 << 26):
            break
        grow = min(16.0, max(2.0, CAL_MIN * 1.5 / t)) if t > 0 else 16.0
        k = int(math.ceil(k * grow))
    t = min(t, agree(run(k)))  # a second look: one preemption must not shrink every batch
    per = t / k
    iters = max(1, int(math.ceil(BATCH_TARGET / per))) if per > 0 else k
    agree(run(max(1, iters // 5)))
    samples = sorted(agree(run(iters)) / iters for _ in range(BATCHES))
    return samples[BATCHES // 2], iters
