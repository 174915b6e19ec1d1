/**
 * The memory rows of bench/run.mjs (`--only memory`): an idle job of every implementation present, measured
 * through /proc while it runs. Checks that each row is there and plausible (the numbers themselves are not
 * asserted: tests never assert measurements).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, enginesUnderTest, explain, runProcess } from "../support/jobs.js";

describe("bench --only memory", { skip: process.platform === "linux" ? false : "reads /proc" }, () => {
  it("measures an idle 4-rank job of every implementation, the launcher included", async () => {
    const engines = enginesUnderTest().filter((e) => e !== "self").join(",");
    const r = await runProcess(process.execPath, [join(ROOT, "bench", "run.mjs"), "--only", "memory", "--quick"],
      { env: { ...process.env, MPI4TS_BENCH_ENGINES: engines }, timeoutMs: 240_000 });
    assert.equal(r.code, 0, explain(r));
    const rows = readFileSync(join(ROOT, "bench", "out", "results.jsonl"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l) as { impl: string; case: string; ranks: number; mib: number; rssMib: number; processes: number });
    const impls = rows.map((row) => row.impl);
    for (const engine of engines.split(",")) assert.ok(impls.includes(`mpi4ts-${engine}`), explain(r));
    for (const row of rows) {
      assert.equal(row.case, "memory");
      assert.equal(row.ranks, 4);
      assert.ok(row.mib > 1 && row.mib < 1024 && row.rssMib >= row.mib * 0.9, JSON.stringify(row));
      // mpirun and its 4 ranks; the built-in engine's ranks are threads of its one process.
      assert.ok(row.impl === "mpi4ts-local" ? row.processes >= 1 : row.processes >= 5, JSON.stringify(row));
    }
    assert.match(r.stdout, /### Memory of an idle job/);
    assert.match(r.stdout, /\| idle job of 4 ranks, per rank: PSS \(RSS\) \| [\d.]+ MiB \([\d.]+\)/);
  });
});
