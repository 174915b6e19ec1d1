/**
 * Collective micro benchmarks for mpi4ts (the same cases as bench/c/coll.c and bench/py/coll.py); run at 2 and 4 ranks.
 *
 * Buffers: Barrier; Bcast 8 B / 1 KiB / 1 MiB / 4 MiB; Allreduce SUM of 8 / 1024 / 1M doubles;
 * persistent: Allreduce of 8 doubles by Allreduce_init + Start + Wait vs Iallreduce + Wait;
 * Gather 1 KiB per rank; Alltoall 1 KiB per rank. Values: allreduce(number); bcast of a 1 MiB string.
 * Time per call = average over ranks of each rank's loop time / iterations (as OSU reports).
 *
 * Run: node bin/mpi4ts.js run -n 4 bench/ts/coll.ts [--quick] [--cases barrier,bcast,allreduce,persistent,...]
 */
import { MPI } from "mpi4ts";
import { emit, measure, timing, want } from "./harness.js";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
const tin = new Float64Array(1);
const tout = new Float64Array(1);

/** The average of every rank's time: all ranks take the same decisions from it. */
function agree(t: number): number {
  tin[0] = t;
  comm.Allreduce(tin, tout, MPI.SUM);
  return tout[0]! / size;
}

function bench(name: string, body: (iters: number) => void, extra: Record<string, unknown>): void {
  const run = (iters: number): number => {
    comm.Barrier();
    const t0 = MPI.Wtime();
    body(iters);
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  if (rank === 0) emit({ case: name, ...extra, ranks: size, ...timing(m) });
}

if (want("barrier")) {
  bench("barrier", (iters) => { for (let i = 0; i < iters; i++) comm.Barrier(); }, { size: 0 });
}
if (want("bcast")) {
  for (const n of [8, 1024, 1 << 20, 4 << 20]) {
    const buf = new Uint8Array(n).fill(1);
    bench("bcast", (iters) => { for (let i = 0; i < iters; i++) comm.Bcast(buf, 0); }, { size: n });
  }
}
if (want("allreduce")) {
  for (const count of [8, 1024, 1 << 20]) {
    const sbuf = Float64Array.from({ length: count }, (_, i) => rank + i * 0.5);
    const rbuf = new Float64Array(count);
    bench("allreduce", (iters) => { for (let i = 0; i < iters; i++) comm.Allreduce(sbuf, rbuf, MPI.SUM); },
      { size: count * 8, count });
  }
}
/** A row must time a correct reduction: element i of the sum of (rank + i/2) over the ranks. */
function checkSums(call: string, sums: Float64Array): void {
  sums.forEach((x, i) => {
    if (x !== (size * (size - 1)) / 2 + size * i * 0.5) throw new Error(`${call}: rank ${rank}'s sum ${i} is ${x}`);
  });
}

if (want("persistent")) {
  const sbuf = Float64Array.from({ length: 8 }, (_, i) => rank + i * 0.5);
  const rbuf = new Float64Array(8);
  const request = comm.Allreduce_init(sbuf, rbuf, MPI.SUM);
  bench("persistent", (iters) => { for (let i = 0; i < iters; i++) { request.Start(); request.Wait(); } },
    { value: "persistent", api: "Allreduce_init", size: 64, count: 8 });
  request.Free();
  checkSums("Allreduce_init", rbuf);
  rbuf.fill(0);
  bench("persistent", (iters) => { for (let i = 0; i < iters; i++) comm.Iallreduce(sbuf, rbuf, MPI.SUM).Wait(); },
    { value: "nonblocking", api: "Iallreduce", size: 64, count: 8 });
  checkSums("Iallreduce", rbuf);
}
if (want("gather")) {
  const sbuf = new Uint8Array(1024).fill(1);
  const rbuf = new Uint8Array(1024 * size);
  bench("gather", (iters) => { for (let i = 0; i < iters; i++) comm.Gather(sbuf, rank === 0 ? rbuf : null, 0); },
    { size: 1024 });
}
if (want("alltoall")) {
  const sbuf = new Uint8Array(1024 * size).fill(1);
  const rbuf = new Uint8Array(1024 * size);
  bench("alltoall", (iters) => { for (let i = 0; i < iters; i++) comm.Alltoall(sbuf, rbuf); }, { size: 1024 });
}
if (want("allreduce-value")) {
  const x = rank + 1.5;
  bench("allreduce-value", (iters) => { for (let i = 0; i < iters; i++) comm.allreduce(x); }, { value: "number", size: 8 });
}
if (want("bcast-value")) {
  const obj = "x".repeat(1 << 20);
  bench("bcast-value", (iters) => { for (let i = 0; i < iters; i++) comm.bcast(rank === 0 ? obj : null, 0); },
    { value: "str 1MiB", size: 1 << 20 });
}
