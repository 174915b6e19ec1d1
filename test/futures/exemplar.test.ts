/** The drug-design exemplar's pool version (static and dynamic mode) finds what the sequential screen finds, on every engine. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts, runJob } from "../support/jobs.js";

const FILE = "examples/exemplars/drug-design/drug-design-pool.ts";

describe("drug-design-pool.ts", () => {
  for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
    it(`passes its self-check on the ${engine} engine (3 workers)`, async () => {
      const engineArgs = engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : [];
      const r = await mpi4ts(["run", ...engineArgs, "--timeout", "90", "-n", "4", "--futures", FILE, "16", "4"], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, explain(r));
      for (const line of ["on 3 pool worker(s)", "Pool    best score", "TIME pool", "TIME sequential", "Check passed"]) assert.ok(r.stdout.includes(line), `${line}\n${explain(r)}`);
    });
    it(`passes its self-check on the ${engine} engine with spawned workers (one rank, no --futures)`, async () => {
      const engineArgs = engine === "mpi" ? ["--engine", "mpi"] : [];
      const r = await mpi4ts(["run", ...engineArgs, "--timeout", "90", "-n", "1", FILE, "16", "4"], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, explain(r));
      for (const line of ["on 3 pool worker(s)", "Pool    best score", "Check passed"]) assert.ok(r.stdout.includes(line), `${line}\n${explain(r)}`);
    });
  }
  if (enginesUnderTest().includes("self")) {
    it("passes its self-check under plain node, its pool spawning its workers (self engine)", async () => {
      const r = await runJob("self", 1, FILE, ["16", "4"], 90);
      assert.equal(r.code, 0, explain(r));
      for (const line of ["on 3 pool worker(s)", "Pool    best score", "Check passed"]) assert.ok(r.stdout.includes(line), `${line}\n${explain(r)}`);
    });
  }
});
