/**
 * bench/run.mjs end to end, at `--quick`: the latency rows of every implementation present carry their spread
 * (mean, p50, p99) and the tables show it; the memory rows (`--only memory`) measure an idle job of every
 * implementation through /proc while it runs. Checks that each row is there and plausible (the numbers themselves
 * are not asserted: tests never assert measurements).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, enginesUnderTest, explain, runProcess } from "../support/jobs.js";

type Row = { impl: string; case: string; ranks: number; usec: number; mean?: number; p50?: number; p99?: number; samples?: number };

const engines = enginesUnderTest().filter((e) => e !== "self").join(",");
const results = (): Row[] =>
  readFileSync(join(ROOT, "bench", "out", "results.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Row);

describe("bench latency rows: mean, p50 and p99 besides the median", () => {
  // CI installs MPI and mpi4py, so there the C and mpi4py rows must be there too (their harnesses report the spread alike).
  const impls = [...(process.env.MPI4TS_REQUIRE_NATIVE === "1" ? ["c", "mpi4py"] : []), ...engines.split(",").map((e) => `mpi4ts-${e}`)];
  for (const only of ["p2p", "coll", "rma"]) {
    it(`--only ${only}: every implementation's latency rows carry mean, p50 and p99`, async () => {
      const r = await runProcess(process.execPath, [join(ROOT, "bench", "run.mjs"), "--only", only, "--quick"],
        { env: { ...process.env, MPI4TS_BENCH_ENGINES: engines }, timeoutMs: 300_000 });
      assert.equal(r.code, 0, explain(r));
      const rows = results();
      for (const impl of impls) assert.ok(rows.some((row) => row.impl === impl), `${impl} has no rows\n${explain(r)}`);
      for (const row of rows) {
        const times = [row.usec, row.mean, row.p50, row.p99];
        assert.ok(times.every((t) => typeof t === "number" && Number.isFinite(t) && t >= 0), JSON.stringify(row));
        assert.ok(row.p50! <= row.p99!, JSON.stringify(row));
        assert.ok(Number.isInteger(row.samples) && row.samples! >= 10, JSON.stringify(row));
      }
      assert.match(r.stdout, /\| mean · p50 · p99 \|/);
      assert.match(r.stdout, /\| [\d.]+ (µs|ms|s) · [\d.]+ (µs|ms|s) · [\d.]+ (µs|ms|s) \|/);
    });
  }
});

describe("bench --only memory", { skip: process.platform === "linux" ? false : "reads /proc" }, () => {
  it("measures an idle 4-rank job of every implementation, the launcher included", async () => {
    const r = await runProcess(process.execPath, [join(ROOT, "bench", "run.mjs"), "--only", "memory", "--quick"],
      { env: { ...process.env, MPI4TS_BENCH_ENGINES: engines }, timeoutMs: 240_000 });
    assert.equal(r.code, 0, explain(r));
    const rows = results() as unknown as { impl: string; case: string; ranks: number; mib: number; rssMib: number; processes: number }[];
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
