/**
 * Run with `mpi4ts run -n 1` (dynamic-mode.test.ts): no worker ranks, so every PoolExecutor spawns its own
 * workers, as mpi4py.futures' MPIPoolExecutor does under plain `python app.py`. Throws on the first difference.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { BrokenExecutor, PoolExecutor, TaskError } from "mpi4ts/futures";
import { Pool } from "mpi4ts/pool";
import { add, fail, failInit, initValue, setUp, square, whoAmI } from "./tasks.js";

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => { const out: T[] = []; for await (const v of it) out.push(v); return out; };

{
  await using pool = new PoolExecutor({ maxWorkers: 3 });
  assert.equal(pool.numWorkers, 3);
  assert.equal(await pool.submit(add, 2, 3), 5);
  // The workers are the spawned world's ranks 0..2; the head's world is untouched.
  const ranks = new Set(await Promise.all(Array.from({ length: 12 }, () => pool.submit(whoAmI))));
  assert.ok([...ranks].every((r) => r >= 0 && r < 3), [...ranks].join(","));
  assert.equal(MPI.COMM_WORLD.size, 1);
  const input = Array.from({ length: 57 }, (_, i) => i);
  assert.deepEqual(await collect(pool.map(square, input)), input.map(square));
  assert.deepEqual(await collect(pool.map(square, input, { chunksize: 5 })), input.map(square));
  assert.deepEqual((await collect(pool.map(square, input, { unordered: true }))).sort((a, b) => a - b), input.map(square));
  const error = await pool.submit(fail, "bad input 7").exception();
  assert.ok(error instanceof TaskError);
  assert.equal(error.message, "bad input 7");
  assert.ok(error.rank >= 0 && error.rank < 3);
  assert.match(error.stack!, /tasks\.ts:\d+/, "the worker's stack names the task's .ts line");
}

// The initializer runs on every spawned worker first; one that fails breaks the pool.
{
  const pool = new PoolExecutor({ maxWorkers: 2, initializer: setUp, initargs: [{ db: "ready" }] });
  const seen = await collect(pool.map(initValue, [1, 2, 3, 4, 5, 6]));
  assert.ok(seen.every((v) => JSON.stringify(v) === JSON.stringify({ db: "ready" })), JSON.stringify(seen));
  await pool.shutdown();
}
{
  const pool = new PoolExecutor({ maxWorkers: 1, initializer: failInit });
  const e = await pool.submit(square, 2).exception();
  assert.ok(e instanceof BrokenExecutor, `expected BrokenExecutor, got ${String(e)}`);
  await pool.shutdown();
}

// mpi4ts/pool spawns the same way.
{
  const pool = new Pool(2);
  assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  pool.close();
  await pool.join();
}

// A pool the program leaves open is shut down when the program ends (its tasks finish first).
const open = new PoolExecutor({ maxWorkers: 2 });
const last = open.submit(add, 20, 22);
last.then((v) => console.log(`the open pool's last task gave ${v}`));
console.log("futures dynamic checks passed");
