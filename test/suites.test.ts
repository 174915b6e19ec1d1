/**
 * Runs every rank-aware suite (test/suites/*.suite.ts: SPMD programs that throw on any failure) under every
 * available engine at several sizes. A suite may name its sizes in its first line: `// sizes: 2 4 8`.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT, enginesUnderTest, explain, runJob } from "./support/jobs.js";

const DEFAULT_SIZES = [1, 2, 3, 4, 8, 16];
const suites = readdirSync(`${ROOT}test/suites`).filter((f) => f.endsWith(".suite.ts")).sort();

function sizesOf(file: string): number[] {
  const first = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
  const m = /^\/\/\s*sizes:\s*([\d\s]+)/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).map(Number) : DEFAULT_SIZES;
}

for (const suite of suites) {
  const file = `test/suites/${suite}`;
  describe(suite, () => {
    for (const engine of enginesUnderTest()) {
      // mpiexec jobs of more than 16 processes on 2 cores take minutes without testing anything new.
      const sizes = sizesOf(file).filter((n) => (engine === "self" ? n === 1 : engine === "mpi" ? n <= 16 : true));
      for (const size of sizes) {
        it(`${engine} engine, ${size} rank${size === 1 ? "" : "s"}`, async () => {
          const result = await runJob(engine, size, file);
          assert.equal(result.code, 0, explain(result));
        });
      }
    }
  });
}
