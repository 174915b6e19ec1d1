/**
 * Runs every rank-aware suite (test/suites/*.suite.ts: SPMD programs that throw on any failure) under every
 * available engine at several sizes. A suite may name its sizes in its first line: `// sizes: 2 4 8`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, runJob } from "./support/jobs.js";
import { suiteFiles, suiteSizes } from "./support/suites.js";

for (const file of suiteFiles()) {
  describe(file.slice("test/suites/".length), () => {
    for (const engine of enginesUnderTest()) {
      // mpiexec jobs of more than 16 processes on 2 cores take minutes without testing anything new.
      const sizes = suiteSizes(file).filter((n) => (engine === "self" ? n === 1 : engine === "mpi" ? n <= 16 : true));
      for (const size of sizes) {
        it(`${engine} engine, ${size} rank${size === 1 ? "" : "s"}`, async () => {
          const result = await runJob(engine, size, file);
          assert.equal(result.code, 0, explain(result));
        });
      }
    }
  });
}
