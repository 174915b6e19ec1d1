/**
 * Timing harness shared by the mpi4ts benchmarks: the same algorithm as bench/c/harness.h and bench/py/harness.py.
 *
 * `measure(run, agree)` calibrates an iteration count so one batch lasts ~BATCH_TARGET seconds, warms up, times
 * BATCHES batches and returns the median and the mean seconds per iteration; then it times iterations one by one
 * (`run(1)`, about two batches' worth) for their p50 and p99. `run(iters)` returns this rank's elapsed seconds;
 * `agree(t)` returns the time every participating rank agrees on, so every rank runs the same iteration counts.
 * `timing(m, divisor)` turns a Measurement into the µs fields of a result line.
 *
 * Program arguments: `--quick` (short batches, for a smoke test), `--cases a,b` (run only these cases),
 * `--impl NAME` (the "impl" field of the JSON lines: mpi4ts-local or mpi4ts-mpi).
 */
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");

function argValue(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
}

export const BATCHES = quick ? 3 : 9;
export const BATCH_TARGET = quick ? 0.01 : 0.04;
export const CAL_MIN = quick ? 0.002 : 0.01;

const casesArg = argValue("--cases");
const cases = casesArg ? new Set(casesArg.split(",").filter((s) => s.length > 0)) : undefined;

export const IMPL: string =
  argValue("--impl") ?? process.env.MPI4TS_BENCH_IMPL ?? `mpi4ts-${process.env.MPI4TS_ENGINE ?? "local"}`;

export function want(name: string): boolean {
  return cases === undefined || cases.size === 0 || cases.has(name);
}

export interface Measurement {
  /** Median over the batches of seconds per iteration. */
  perIter: number;
  /** Mean seconds per iteration over all the batches: what a program running this loop feels. */
  mean: number;
  /** Seconds of the median and the 99th-percentile iteration timed alone (one `run(1)` each: a call, two clock reads). */
  p50: number;
  p99: number;
  /** Iterations per timed batch, and iterations timed alone. */
  iters: number;
  samples: number;
}

/** Iterations timed alone: about two batches' worth, at least SAMPLES_MIN, at most SAMPLES_MAX. */
export const SAMPLES_MIN = quick ? 10 : 20;
export const SAMPLES_MAX = quick ? 5000 : 100_000;

export function measure(run: (iters: number) => number, agree: (t: number) => number): Measurement {
  let k = 1;
  agree(run(1));
  let t: number;
  for (;;) {
    t = agree(run(k));
    if (t >= CAL_MIN || k >= 2 ** 26) break;
    const grow = t > 0 ? Math.min(16, Math.max(2, (CAL_MIN * 1.5) / t)) : 16;
    k = Math.ceil(k * grow);
  }
  t = Math.min(t, agree(run(k))); // a second look: one preemption must not shrink every batch
  const per = t / k;
  const iters = per > 0 ? Math.max(1, Math.ceil(BATCH_TARGET / per)) : k;
  agree(run(Math.max(1, Math.floor(iters / 5))));
  const samples: number[] = [];
  for (let b = 0; b < BATCHES; b++) samples.push(agree(run(iters)) / iters);
  const mean = samples.reduce((sum, x) => sum + x, 0) / BATCHES;
  samples.sort((a, b) => a - b);
  const perIter = samples[Math.floor(BATCHES / 2)]!;
  const n = Math.min(SAMPLES_MAX, Math.max(SAMPLES_MIN, Math.ceil((2 * BATCH_TARGET) / perIter)));
  const alone = new Float64Array(n);
  for (let i = 0; i < n; i++) alone[i] = run(1);
  alone.sort();
  return { perIter, mean, p50: agree(alone[Math.floor(n / 2)]!), p99: agree(alone[Math.ceil(0.99 * n) - 1]!), iters, samples: n };
}

/** The timing fields of a result line, in µs per `divisor` (2 for a round trip's one-way time). */
export function timing(m: Measurement, divisor = 1): { usec: number; mean: number; p50: number; p99: number; iters: number; samples: number } {
  const usec = (seconds: number): number => round4((seconds / divisor) * 1e6);
  return { usec: usec(m.perIter), mean: usec(m.mean), p50: usec(m.p50), p99: usec(m.p99), iters: m.iters, samples: m.samples };
}

/** Prints one result line (call on rank 0 only). */
export function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ impl: IMPL, ...record }));
}

export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
