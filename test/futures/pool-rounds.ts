/**
 * Run with `mpi4ts run -n N pool-rounds.ts ROUNDS [WORKERS]` (dynamic-mode.test.ts): on every rank, one pool after
 * another, more workers in all than the job has room for at once. A local job keeps 16 slots for spawned ranks (or
 * MPI4TS_UNIVERSE_SIZE in all): the slots of workers that ended are reused, and a pool that finds none free
 * waits for another rank's workers to give theirs up.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { PoolExecutor } from "mpi4ts/futures";
import { add } from "./tasks.js";

const rounds = Number(process.argv[2]);
const maxWorkers = Number(process.argv[3] ?? 3);
const rank = MPI.COMM_WORLD.rank;
for (let round = 0; round < rounds; round++) {
  await using pool = new PoolExecutor({ maxWorkers });
  const base = rank * 1000 + round;
  assert.deepEqual(await Promise.all([0, 1, 2, 3].map((i) => pool.submit(add, base, i))), [base, base + 1, base + 2, base + 3]);
}
console.log(`rank ${rank}: ${rounds} pools, one after another`);
