/**
 * One-sided micro benchmarks for mpi4ts (the same cases as bench/c/rma.c), osu_put_latency style, 2 ranks:
 *
 *   put-lock / get-lock: rank 0 does Lock(1), one Put / Get of N bytes, Unlock(1): latency per epoch, 8 B .. 1 MiB.
 *   put-fence:           both ranks Fence; rank 0 Puts N bytes in between: latency per epoch.
 *   acc-lock:            Lock, Accumulate of 8 doubles (SUM), Unlock.
 *
 * Run: node bin/mpi4ts.js run -n 2 bench/ts/rma.ts [--quick] [--cases put-lock,get-lock,put-fence,acc-lock]
 * (`node bench/run.mjs --only rma` runs it beside bench/c/rma.c and bench/py/rma.py).
 */
import { MPI } from "mpi4ts";
import { emit, measure, timing, want } from "./harness.js";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const SIZES = [8, 64, 512, 4096, 32768, 262144, 1 << 20];
const ctrl = new Float64Array(1);
const win = MPI.Win.Allocate(1 << 20, 1, null, comm);

/** Rank 0's time, known to both. */
function agree(t: number): number {
  ctrl[0] = t;
  comm.Bcast(ctrl, 0);
  return ctrl[0]!;
}

function passive(kind: "put-lock" | "get-lock" | "acc-lock", nbytes: number): void {
  const buf = kind === "acc-lock" ? new Float64Array(nbytes / 8).fill(1) : new Uint8Array(nbytes).fill(1);
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    if (rank === 0) {
      for (let i = 0; i < iters; i++) {
        win.Lock(1);
        if (kind === "put-lock") win.Put(buf, 1, 0);
        else if (kind === "get-lock") win.Get(buf, 1, 0);
        else win.Accumulate(buf, 1, 0, MPI.SUM);
        win.Unlock(1);
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  if (rank === 0) emit({ case: kind, size: nbytes, ranks: 2, ...timing(m) });
}

function fence(nbytes: number): void {
  const buf = new Uint8Array(nbytes).fill(1);
  win.Fence();
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    for (let i = 0; i < iters; i++) {
      if (rank === 0) win.Put(buf, 1, 0);
      win.Fence();
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  win.Fence(MPI.MODE_NOSUCCEED);
  if (rank === 0) emit({ case: "put-fence", size: nbytes, ranks: 2, ...timing(m) });
}

if (comm.Get_size() !== 2) throw new Error("bench/ts/rma.ts runs on 2 ranks");
if (want("put-lock")) for (const n of SIZES) passive("put-lock", n);
if (want("get-lock")) for (const n of SIZES) passive("get-lock", n);
if (want("put-fence")) for (const n of SIZES) fence(n);
if (want("acc-lock")) passive("acc-lock", 64);
win.Free();
