/**
 * Timing harness shared by the mpi4ts benchmarks: the same algorithm as bench/c/harness.h and bench/py/harness.py.
 *
 * `measure(run, agree)` calibrates an iteration count so one batch lasts ~BATCH_TARGET seconds, warms up, times
 * BATCHES batches and returns the median seconds per iteration. `run(iters)` returns this rank's elapsed seconds;
 * `agree(t)` returns the time every participating rank agrees on, so every rank runs the same iteration counts.
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
  /** Median seconds per iteration. */
  perIter: number;
  /** Iterations per timed batch. */
  iters: number;
}

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
  samples.sort((a, b) => a - b);
  return { perIter: samples[Math.floor(BATCHES / 2)]!, iters };
}

/** Prints one result line (call on rank 0 only). */
export function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ impl: IMPL, ...record }));
}

export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
