/**
 * Ranks that disagree about a collective (root, kind, family, counts) end the job with a clear MPIError instead
 * of hanging or returning garbage. Runs test/collective/mismatch.ts under each engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, runJob } from "../support/jobs.js";

const CASES: [string, RegExp][] = [
  ["root", /collective mismatch/],
  ["Root", /collective mismatch/],
  ["kind", /collective mismatch/],
  ["Kind", /collective mismatch/],
  ["count", /collective mismatch in Bcast with root 0: rank 0 sent 16 bytes where this rank expects 20|collective mismatch|MPI_ERR_TRUNCATE|truncat/i],
  ["family", /collective mismatch/],
  ["type", /collective mismatch in Allreduce: rank \d passed a (Float64Array|Int32Array) where this rank passed a (Int32Array|Float64Array)/],
  ["op", /collective mismatch in Allreduce: rank \d reduces with (SUM|MAX) where this rank reduces with (MAX|SUM)/],
  ["value-op", /collective mismatch in allreduce: rank \d reduces with (SUM|MAX) where this rank reduces with (MAX|SUM)/],
];

for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
  describe(`collective mismatches (${engine} engine)`, () => {
    for (const [name, pattern] of CASES) {
      // On the mpi engine buffer collectives are MPI's own, which may hang or fail in their own way: only
      // the value (lowercase) cases run over mpi4ts's algorithms there.
      if (engine === "mpi" && name !== "root" && name !== "kind") continue;
      // Element types and ops are compared where calls meet in shared memory (the local engine).
      if (engine !== "local" && (name === "type" || name.endsWith("op"))) continue;
      for (const size of [2, 3]) {
        it(`${name}, ${size} ranks`, async () => {
          const result = await runJob(engine, size, "test/collective/mismatch.ts", [name], 30);
          assert.notEqual(result.code, 0, explain(result));
          assert.match(result.stderr + result.stdout, pattern, explain(result));
        });
      }
    }
  });
}
