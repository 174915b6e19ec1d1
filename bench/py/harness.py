"""Timing harness shared by the mpi4py benchmarks; the same algorithm as bench/c/harness.h and bench/ts/harness.ts.

measure(run, agree): calibrate an iteration count so one batch lasts ~batch_target seconds, warm up, time `batches`
batches, then time iterations one by one (`run(1)`, about two batches' worth); return a Measurement: the median and
the mean seconds per iteration over the batches, the p50 and p99 of the iterations timed alone, and the counts.
`run(iters)` returns this rank's elapsed seconds; `agree(t)` returns the time every participating rank agrees on,
so all ranks run the same counts. timing(m, divisor) gives the µs fields of a result line.
"""
import math
import sys
from collections import namedtuple

BATCHES = 9
BATCH_TARGET = 0.04
CAL_MIN = 0.01
CASES = None
SAMPLES_MIN, SAMPLES_MAX = 20, 100_000  # iterations timed alone

_argv = sys.argv[1:]
if "--quick" in _argv:
    BATCHES, BATCH_TARGET, CAL_MIN = 3, 0.01, 0.002
    SAMPLES_MIN, SAMPLES_MAX = 10, 5000
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
    per = samples[BATCHES // 2]
    n = min(SAMPLES_MAX, max(SAMPLES_MIN, int(math.ceil(2 * BATCH_TARGET / per))))
    alone = sorted(run(1) for _ in range(n))
    return Measurement(per, sum(samples) / BATCHES, agree(alone[n // 2]), agree(alone[int(math.ceil(0.99 * n)) - 1]), iters, n)


Measurement = namedtuple("Measurement", "per mean p50 p99 iters samples")


def timing(m, divisor=1):
    """The timing fields of a result line, in µs per `divisor` (2 for a round trip's one-way time)."""
    def usec(seconds):
        return round(seconds / divisor * 1e6, 4)
    return {"usec": usec(m.per), "mean": usec(m.mean), "p50": usec(m.p50), "p99": usec(m.p99),
            "iters": m.iters, "samples": m.samples}
