/**
 * Run with `mpi4ts run -n 1 pool-rounds.ts ROUNDS` (dynamic-mode.test.ts): one pool after another, more workers in
 * all than the job has room for at once (a local job keeps 16 slots for spawned ranks: the slots of workers that
 * ended are reused).
 */
import assert from "node:assert/strict";
import { PoolExecutor } from "mpi4ts/futures";
import { add } from "./tasks.js";

const rounds = Number(process.argv[2]);
for (let round = 0; round < rounds; round++) {
  await using pool = new PoolExecutor({ maxWorkers: 3 });
  assert.deepEqual(await Promise.all([0, 1, 2].map((i) => pool.submit(add, round, i))), [round, round + 1, round + 2]);
}
console.log(`${rounds} pools, one after another`);
