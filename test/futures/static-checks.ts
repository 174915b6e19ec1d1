/**
 * Run with `mpi4ts run -n 5 --futures` (static-mode.test.ts): rank 0 runs this, ranks 1-4 serve. Throws on
 * the first behaviour that differs from mpi4py.futures / mpi4py.util.pool.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import {
  BrokenExecutor, CancelledError, CommExecutor, exportTasks, type CompletedFuture, FIRST_COMPLETED, FIRST_EXCEPTION, Future, PoolExecutor, TaskError, TimeoutError, asCompleted, wait,
} from "mpi4ts/futures";
import { Pool } from "mpi4ts/pool";
import { add, fail, failInit, initValue, nested, setUp, sleepThen, spin, square, unsendable, whoAmI } from "./tasks.js";

const expectMPIError = async (errorClass: string, pattern: RegExp, body: () => unknown) => {
  await assert.rejects(async () => body(), (e: unknown) => {
    assert.ok(e instanceof MPI.MPIError, `expected an MPIError, got ${String(e)}`);
    assert.equal(e.errorClass, errorClass);
    assert.match(e.message, pattern);
    return true;
  });
};
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => { const out: T[] = []; for await (const v of it) out.push(v); return out; };
const workers = MPI.COMM_WORLD.size - 1;

{
  await using pool = new PoolExecutor();
  assert.equal(pool.numWorkers, workers);
  // submit, awaitable future, state
  const f = pool.submit(add, 2, 3);
  assert.ok(f instanceof Future);
  assert.equal(await f, 5);
  assert.equal(f.done(), true);
  assert.equal(await f.result(), 5);
  assert.equal(await f.exception(), undefined);
  // every worker takes part
  const ranks = new Set(await Promise.all(Array.from({ length: 8 * workers }, () => pool.submit(sleepThen, 20, 0).then(() => pool.submit(whoAmI)))));
  assert.ok(ranks.size >= 1 && [...ranks].every((r) => r >= 1 && r <= workers));

  // map: ordered and unordered equal a sequential map, chunks, several iterables, async iterables
  const input = Array.from({ length: 103 }, (_, i) => i);
  const sequential = input.map(square);
  for (const chunksize of [1, 4, 50]) {
    assert.deepEqual(await collect(pool.map(square, input, { chunksize })), sequential, `ordered, chunksize ${chunksize}`);
    const unordered = await collect(pool.map(square, input, { chunksize, unordered: true }));
    assert.deepEqual([...unordered].sort((a, b) => a - b), sequential, `unordered, chunksize ${chunksize}`);
  }
  assert.deepEqual(await collect(pool.map(add, [1, 2, 3], [10, 20, 30, 40])), [11, 22, 33]);
  assert.deepEqual(await collect(pool.starmap(add, [[1, 1], [2, 2]])), [2, 4]);
  async function* numbers() { for (let i = 0; i < 5; i++) yield i; }
  assert.deepEqual(await collect(pool.map(square, numbers())), [0, 1, 4, 9, 16]);
  assert.deepEqual(await collect(pool.map(add, [1, 2, 3], numbers())), [1, 3, 5], "a synchronous and an async source zipped");
  // next() called again before the last call settled: answered in order, then done
  const ahead = pool.map(square, [1, 2, 3, 4, 5], { chunksize: 2 });
  const answers = await Promise.all(Array.from({ length: 7 }, () => ahead.next()));
  assert.deepEqual(answers.map((r) => (r.done ? "done" : r.value)), [1, 4, 9, 16, 25, "done", "done"]);
  let closed = false;
  function* tracked() { try { for (let i = 0; ; i++) yield i; } finally { closed = true; } }
  for await (const v of pool.map(square, tracked())) if (v >= 4) break;
  assert.ok(closed, "breaking out of map closes its (synchronous) input");

  // streaming: an endless input is read only as far as the consumer goes
  let read = 0;
  function* endless() { for (let i = 0; ; i++) { read = i; yield i; } }
  let taken = 0;
  for await (const v of pool.map(square, endless(), { chunksize: 10 })) {
    assert.equal(v, taken * taken);
    if (++taken === 1000) break;
  }
  assert.ok(read < 1000 + 10 * workers * 2 * 2 + 10, `map read ${read} items ahead of 1000 consumed`);

  // timeouts
  await assert.rejects(pool.submit(sleepThen, 300, 1).result(0.05), TimeoutError);
  await assert.rejects(collect(pool.map(spin, [300, 300], { timeout: 0.05 })), TimeoutError);

  // exceptions: the worker's error, its stack in the .ts source, its rank
  const failed = pool.submit(fail, "bad input 42");
  const error = await failed.exception();
  assert.ok(error instanceof TaskError);
  assert.equal(error.name, "RangeError");
  assert.equal(error.message, "bad input 42");
  assert.ok(error.rank >= 1 && error.rank <= workers);
  assert.match(error.stack!, /tasks\.ts:\d+/, "the worker's stack names the task's .ts line");
  assert.match(error.stack!, new RegExp(`worker rank ${error.rank}`));
  await assert.rejects(failed.result(), /bad input 42/);
  await assert.rejects(collect(pool.map(fail, ["x"])), /x/);
  const bad = await pool.submit(unsendable).exception();
  assert.ok(bad instanceof TaskError && /ERR_TYPE/.test(bad.name), `an unsendable result fails its task: ${String(bad)}`);

  // cancellation before start: fill every worker, then the queued ones can be cancelled
  const busy = Array.from({ length: 2 * workers }, () => pool.submit(spin, 200));
  const queued = pool.submit(square, 3);
  assert.equal(queued.running(), false);
  assert.equal(queued.cancel(), true);
  assert.equal(queued.cancelled(), true);
  await assert.rejects(queued.result(), CancelledError);
  assert.equal(busy[0]!.running(), true);
  assert.equal(busy[0]!.cancel(), false);
  let called = 0;
  queued.addDoneCallback(() => called++);
  assert.equal(called, 1);

  // wait and asCompleted
  const fast = pool.submit(sleepThen, 1, "fast");
  const slow = pool.submit(sleepThen, 600, "slow");
  const first = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
  assert.ok(first.done.has(fast) && first.notDone.has(slow));
  const oops = pool.submit(fail, "first exception");
  const firstException = await wait([oops, slow], { returnWhen: FIRST_EXCEPTION });
  assert.ok(firstException.done.has(oops));
  const mixed: Future<unknown>[] = [slow, fast, oops];
  const order: CompletedFuture<unknown>[] = [];
  for await (const g of asCompleted(mixed)) {
    assert.ok(g.done());
    order.push(g);
  }
  assert.equal(new Set(order).size, 3);
  // yielded as they complete: a long task comes after a short one submitted later (when they run side by side)
  if (workers > 1) {
    const long = pool.submit(sleepThen, 400, "long"), short = pool.submit(sleepThen, 10, "short");
    const seenOrder: unknown[] = [];
    for await (const g of asCompleted([long, short])) seenOrder.push(await g.result());
    assert.deepEqual(seenOrder, ["short", "long"]);
  }
  await assert.rejects(async () => { for await (const g of asCompleted([pool.submit(sleepThen, 500, 0)], 0.05)) void g; }, TimeoutError);
  const all = await wait<unknown>([...busy, fast, slow]);
  assert.equal(all.notDone.size, 0);

  // refusals at submit: closures, unregistered functions, nested pools; no hang on a worker
  const base = 2;
  await expectMPIError("ERR_TYPE", /exportTasks\(import\.meta\.url/, () => pool.submit((x: number) => x + base, 1));
  function local(x: number) { return x; }
  await expectMPIError("ERR_TYPE", /function local cannot be sent/, () => pool.submit(local, 1));
  await expectMPIError("ERR_TYPE", /cannot be sent/, () => pool.map((x: number) => x, [1]));
  await expectMPIError("ERR_ARG", /chunksize/, () => pool.map(square, [1], { chunksize: 0 }));
  await expectMPIError("ERR_ARG", /not iterable/, () => pool.map(square, 5 as unknown as number[]));
  assert.match(await pool.submit(nested), /cannot start a pool of its own/);
  await expectMPIError("ERR_OTHER", /another PoolExecutor/, () => new PoolExecutor());
  await expectMPIError("ERR_OTHER", /only rank 0 runs the program/, () => CommExecutor(MPI.COMM_WORLD));
}

// shutdown with pending work: wait runs it all; cancelFutures drops what was not sent; no new work after
{
  const pool = new PoolExecutor({ maxWorkers: 1 });
  assert.equal(pool.numWorkers, 1);
  const pending = Array.from({ length: 6 }, (_, i) => pool.submit(sleepThen, 30, i));
  await pool.shutdown();
  assert.deepEqual(await Promise.all(pending), [0, 1, 2, 3, 4, 5]);
  await expectMPIError("ERR_OTHER", /after shutdown/, () => pool.submit(square, 1));
}
{
  const pool = new PoolExecutor();
  const pending = Array.from({ length: 4 * workers + 4 }, () => pool.submit(spin, 50));
  await pool.shutdown({ cancelFutures: true });
  const cancelled = pending.filter((f) => f.cancelled()).length;
  assert.ok(cancelled >= 4, `${cancelled} of the queued tasks cancelled`);
  assert.ok(pending.every((f) => f.done()));
}

// shutdown without waiting: the promise resolves at once, the tasks still run to the end
{
  const pool = new PoolExecutor();
  const late = pool.submit(sleepThen, 100, "still ran");
  const t = Date.now();
  await pool.shutdown({ wait: false });
  assert.ok(Date.now() - t < 90, "shutdown({ wait: false }) does not wait");
  assert.equal(await late, "still ran");
  await pool.shutdown();
}
// argument checks of the helpers
await expectMPIError("ERR_ARG", /returnWhen/, () => wait([], { returnWhen: "SOMETIMES" as "ALL_COMPLETED" }));
await expectMPIError("ERR_ARG", /timeout/, () => wait([], { timeout: -1 }));
await expectMPIError("ERR_ARG", /not a Future/, () => wait([1 as unknown as Future<number>]));
await expectMPIError("ERR_ARG", /moduleUrl/, () => exportTasks("tasks.ts", { square }));
await expectMPIError("ERR_ARG", /tasks\.x is not a function/, () => exportTasks(import.meta.url, { x: 1 as unknown as () => void }));

// the initializer: runs on every worker first; one that fails breaks the pool
{
  const pool = new PoolExecutor({ initializer: setUp, initargs: [{ db: "ready" }] });
  const seen = await collect(pool.map(initValue, Array.from({ length: 4 * workers }, (_, i) => i)));
  assert.ok(seen.every((v) => JSON.stringify(v) === JSON.stringify({ db: "ready" })), JSON.stringify(seen));
  await pool.shutdown();
}
{
  const pool = new PoolExecutor({ initializer: failInit });
  const f = pool.submit(square, 2);
  const e = await f.exception();
  assert.ok(e instanceof BrokenExecutor, `expected BrokenExecutor, got ${String(e)}`);
  assert.match(e.message, /initializer failed on worker rank \d: Error: no database here/);
  assert.throws(() => pool.submit(square, 2), BrokenExecutor);
  await pool.shutdown();
}
await expectMPIError("ERR_TYPE", /initializer/, () => new PoolExecutor({ initializer: () => undefined }));
await expectMPIError("ERR_ARG", /maxWorkers/, () => new PoolExecutor({ maxWorkers: 0 }));

// mpi4ts/pool on the same executor
{
  const pool = new Pool(2);
  assert.equal(await pool.apply(add, [1, 2]), 3);
  assert.deepEqual(await pool.map(square, [1, 2, 3], 2), [1, 4, 9]);
  assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
  assert.deepEqual(await collect(pool.imap(square, [4, 5])), [16, 25]);
  assert.deepEqual((await collect(pool.imapUnordered(square, [1, 2, 3]))).sort(), [1, 4, 9]);
  let callbackValue: unknown;
  const r = pool.applyAsync(add, [5, 5], { callback: (v) => { callbackValue = v; } });
  assert.equal(await r.get(), 10);
  await r.wait();
  assert.equal(r.ready(), true);
  assert.equal(await r.successful(), true);
  assert.equal(callbackValue, 10);
  let caught: unknown;
  const m = pool.mapAsync(fail, ["pool failure"], undefined, { errorCallback: (e) => { caught = e; } });
  await assert.rejects(m.get(), /pool failure/);
  await m.wait();
  assert.ok(caught instanceof TaskError);
  await expectMPIError("ERR_OTHER", /still running/, () => pool.join());
  pool.close();
  await expectMPIError("ERR_OTHER", /not running/, () => pool.apply(add, [1, 1]));
  await pool.join();
}
{
  // terminate: what was not sent is cancelled, join resolves once the workers are released
  const pool = new Pool();
  const many = pool.mapAsync(spin, Array.from({ length: 40 * workers }, () => 20));
  await new Promise((resolve) => setTimeout(resolve, 30));
  pool.terminate();
  await pool.join();
  await assert.rejects(many.get(), /CancelledError|cancelled/);
}
{
  // left open on purpose: the end of the program shuts it down after its tasks
  const open = new PoolExecutor();
  void open.submit(sleepThen, 50, "late");
}
console.log(`futures static checks passed on ${workers} workers`);
