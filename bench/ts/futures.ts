/**
 * Task throughput through mpi4ts/futures, run as `mpi4ts run -n 5 --futures bench/ts/futures.ts` (4 workers):
 * empty tasks per second by submit (one future each) and by map (chunksize 1 and 64), and the overhead of a 1 ms
 * task. Prints one JSON line per case, like bench/py/futures.py for mpi4py.futures.
 */
import { PoolExecutor, wait } from "mpi4ts/futures";
import { busy1ms, empty } from "./futures/tasks.js";

const quick = process.argv.includes("--quick");
const N = quick ? 2000 : 20000;
await using pool = new PoolExecutor();
const report = (name: string, tasks: number, seconds: number) =>
  console.log(JSON.stringify({ bench: "futures", case: name, workers: pool.numWorkers, tasks, seconds, tasksPerSecond: tasks / seconds }));

const time = async (body: () => Promise<void>) => { const t = performance.now(); await body(); return (performance.now() - t) / 1000; };
const drain = async (it: AsyncIterable<unknown>) => { for await (const _ of it); };
await drain(pool.map(empty as (x: never) => null, Array.from({ length: 500 }, () => undefined as never)));

report("submit-empty", N, await time(async () => { await wait(Array.from({ length: N }, () => pool.submit(empty))); }));
const none = (n: number) => ({ [Symbol.iterator]: function* () { for (let i = 0; i < n; i++) yield undefined as never; } });
report("map-empty-chunk1", N, await time(() => drain(pool.map(empty as (x: never) => null, none(N)))));
report("map-empty-chunk64", 10 * N, await time(() => drain(pool.map(empty as (x: never) => null, none(10 * N), { chunksize: 64 }))));
const M = quick ? 400 : 2000;
const t1 = await time(async () => { await wait(Array.from({ length: M }, () => pool.submit(busy1ms))); });
report("submit-1ms", M, t1);
console.log(JSON.stringify({ bench: "futures", case: "overhead-1ms-task-us", workers: pool.numWorkers, value: (t1 * pool.numWorkers / M - 0.001) * 1e6 }));
