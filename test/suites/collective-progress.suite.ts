// sizes: 1 2 3 4
/**
 * MPI's progress rule for nonblocking collectives (MPI-4.0 §3.5, §6.12): once every rank has started one, it
 * completes whatever else a rank does meanwhile. Rank 0 starts each nonblocking collective and then sits in a
 * blocking receive (or a probe loop, or a barrier) that only ends after the other ranks have waited for the
 * collective, so the collective must advance while rank 0 waits on something else. Before the engines stepped
 * schedules in the background (engine/background.ts), multi-step schedules on the local engine and every value
 * collective on the mpi engine hung here or ended in ERR_DEADLOCK.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const DONE = 9;

type Started = { requests: MPI.Request<unknown>[]; check: (values: unknown[]) => void };

/** Every buffer and value nonblocking collective of `n` elements, started; `check` verifies their results. */
function startAll(comm: MPI.Comm, n: number): Started {
  const { rank, size } = comm;
  const bcast = new Float64Array(n).fill(rank === 0 ? 7 : 0);
  const sum = new Float64Array(n), gathered = new Float64Array(rank === 0 ? n * size : 0);
  const all = new Int32Array(n * size), scattered = new Int32Array(n);
  const word = "w".repeat(n);
  const requests: MPI.Request<unknown>[] = [
    comm.Ibcast(bcast, 0),
    comm.Iallreduce(new Float64Array(n).fill(rank + 1), sum, MPI.SUM),
    comm.Igather(new Float64Array(n).fill(rank), rank === 0 ? gathered : null, 0),
    comm.Iallgather(new Int32Array(n).fill(rank), all),
    comm.Iscatter(rank === 0 ? new Int32Array(n * size).map((_, i) => Math.floor(i / n)) : null, scattered, 0),
    comm.Ibarrier(),
    comm.ibcast(rank === 0 ? word : null, 0),
    comm.iallreduce(rank + 1, MPI.SUM),
    comm.ireduce([rank], MPI.SUM, 0),
    comm.iallgather(word.slice(rank)),
    comm.igather(rank, 0),
    comm.iscatter(rank === 0 ? [...Array(size).keys()].map((r) => r * 10) : null, 0),
    comm.ialltoall([...Array(size).keys()].map((r) => `${rank}->${r}`)),
  ];
  const check = (values: unknown[]) => {
    const ctx = `rank ${rank}/${size}, ${n} elements`;
    assert.ok(bcast.every((x) => x === 7), `Ibcast ${ctx}`);
    assert.ok(sum.every((x) => x === (size * (size + 1)) / 2), `Iallreduce ${ctx}`);
    if (rank === 0) assert.ok(gathered.every((x, i) => x === Math.floor(i / n)), `Igather ${ctx}`);
    assert.ok(all.every((x, i) => x === Math.floor(i / n)), `Iallgather ${ctx}`);
    assert.ok(scattered.every((x) => x === rank), `Iscatter ${ctx}`);
    assert.equal(values[6], word, `ibcast ${ctx}`);
    assert.equal(values[7], (size * (size + 1)) / 2, `iallreduce ${ctx}`);
    assert.deepEqual(values[8], rank === 0 ? [(size * (size - 1)) / 2] : null, `ireduce ${ctx}`);
    assert.deepEqual(values[9], [...Array(size).keys()].map((r) => word.slice(r)), `iallgather ${ctx}`);
    assert.deepEqual(values[10], rank === 0 ? [...Array(size).keys()] : null, `igather ${ctx}`);
    assert.equal(values[11], rank * 10, `iscatter ${ctx}`);
    assert.deepEqual(values[12], [...Array(size).keys()].map((r) => `${r}->${rank}`), `ialltoall ${ctx}`);
  };
  return { requests, check };
}

/** Rank 0 waits in `meanwhile` for a message the last rank sends only once its collectives have completed. */
function round(comm: MPI.Comm, n: number, meanwhile: "recv" | "probe loop" | "barrier"): void {
  const { requests, check } = startAll(comm, n);
  const last = comm.size - 1;
  if (comm.rank === 0 && last > 0) {
    if (meanwhile === "recv") assert.equal(comm.recv(last, DONE), "done");
    else if (meanwhile === "probe loop") {
      while (!comm.iprobe(last, DONE)) { /* spins: every probe must make progress */ }
      comm.recv(last, DONE);
    } else comm.Barrier();
    check(MPI.Request.waitall(requests) as unknown[]);
  } else {
    check(MPI.Request.waitall(requests) as unknown[]);
    if (comm.rank === last && last > 0) {
      if (meanwhile === "barrier") comm.Barrier();
      else comm.send("done", 0, DONE);
    } else if (meanwhile === "barrier") comm.Barrier();
  }
}

const half = world.Split(world.rank % 2, world.rank);
for (const comm of [world, half]) {
  // Small (one message per peer), above the framing limit, and large enough for pipelined and multi-step algorithms.
  for (const n of [3, 5000, 200_000]) {
    for (const meanwhile of ["recv", "probe loop", "barrier"] as const) round(comm, n, meanwhile);
  }
}
half.Free();
world.Barrier();
