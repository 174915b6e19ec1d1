/**
 * The mpi4ts programs behind the bench rows of issues 10, 13 and 15 run on the local and mpi engines and print their
 * rows: the halo exchange (vector datatype and packed by hand), persistent vs nonblocking Allreduce, task
 * throughput through PoolExecutor, one-sided epochs. The programs check their own results (the ghost column, the sums) and throw
 * when they are wrong, so exit code 0 means the timed exchanges were correct. Nothing here looks at the timings.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts } from "../support/jobs.js";

const engines = enginesUnderTest().filter((e) => e !== "self");
const engineArgs = (engine: string) => (engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : []);

type Row = Record<string, unknown>;
const rows = (stdout: string): Row[] =>
  stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Row);

async function bench(engine: string, ranks: number, program: string, args: readonly string[], flags: readonly string[] = []): Promise<Row[]> {
  const r = await mpi4ts(["run", ...engineArgs(engine), ...flags, "--timeout", "90", "-n", String(ranks), program, "--quick", ...args],
    { timeoutMs: 120_000 });
  assert.equal(r.code, 0, explain(r));
  return rows(r.stdout);
}

const positive = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0;

describe("bench rows of issues 10 and 13", () => {
  for (const engine of engines) {
    it(`halo: a column exchanged with a vector datatype and packed by hand (${engine})`, async () => {
      const got = await bench(engine, 2, "bench/ts/p2p.ts", ["--cases", "halo"]);
      assert.deepEqual(got.map((r) => [r.case, r.value, r.rows, r.cols, r.ranks]), [["halo", "vector", 1000, 1000, 2], ["halo", "packed", 1000, 1000, 2]]);
      assert.ok(got.every((r) => positive(r.usec)), JSON.stringify(got));
    });
    it(`persistent: Allreduce_init + Start + Wait and Iallreduce + Wait, correct sums at 3 ranks (${engine})`, async () => {
      const got = await bench(engine, 3, "bench/ts/coll.ts", ["--cases", "persistent"]);
      assert.deepEqual(got.map((r) => [r.case, r.value, r.api, r.count, r.ranks]),
        [["persistent", "persistent", "Allreduce_init", 8, 3], ["persistent", "nonblocking", "Iallreduce", 8, 3]]);
      assert.ok(got.every((r) => positive(r.usec)), JSON.stringify(got));
    });
    it(`rma: Put between Fences and Accumulate under Lock, every size (${engine})`, async () => {
      const got = await bench(engine, 2, "bench/ts/rma.ts", ["--cases", "put-fence,acc-lock"]);
      assert.deepEqual(got.map((r) => [r.case, r.size]), [...[8, 64, 512, 4096, 32768, 262144, 1 << 20].map((n) => ["put-fence", n]), ["acc-lock", 64]]);
      assert.ok(got.every((r) => positive(r.usec)), JSON.stringify(got));
    });
    it(`futures: task throughput with 4 workers (${engine})`, async () => {
      const got = await bench(engine, 5, "bench/ts/futures.ts", [], ["--futures"]);
      assert.deepEqual(got.map((r) => r.case), ["submit-empty", "map-empty-chunk1", "map-empty-chunk64", "submit-1ms", "overhead-1ms-task-us"]);
      assert.ok(got.every((r) => r.workers === 4), JSON.stringify(got));
      assert.ok(got.slice(0, 4).every((r) => positive(r.tasksPerSecond)), JSON.stringify(got));
    });
  }
});
