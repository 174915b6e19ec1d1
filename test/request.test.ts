/**
 * The warning at exit for requests never completed (src/request.ts, UnreportedRequests), on every engine: it names
 * each rank's forgotten calls, and a program that completes every request in one of MPI's ways prints nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, runJob } from "./support/jobs.js";

const PROGRAM = "test/fixtures/forgotten-requests.ts";

for (const engine of enginesUnderTest()) {
  const sizes = engine === "self" ? [1] : [2, 3];
  describe(`requests never completed, ${engine} engine`, () => {
    for (const size of sizes) {
      it(`are named at exit on each rank (${size} rank${size === 1 ? "" : "s"})`, async () => {
        const r = await runJob(engine, size, PROGRAM, ["forgetful"]);
        assert.equal(r.code, 0, explain(r));
        const warnings = r.stderr.split("\n").filter((l) => l.includes("never completed"));
        assert.equal(warnings.length, size, explain(r));
        for (let rank = 0; rank < size; rank++) {
          const line = warnings.find((l) => l.includes(`warning: rank ${rank} ends with 3 requests`));
          assert.ok(line, explain(r));
          const peer = (rank + 1) % size, from = (rank - 1 + size) % size;
          assert.ok(line.includes(`isend(dest=${peer}, tag=7) on MPI_COMM_WORLD; irecv(source=${from}, tag=7) on MPI_COMM_WORLD; Ibarrier on MPI_COMM_WORLD`), line);
        }
      });
      it(`are not reported when completed by wait, test, the list helpers, await, Free or persistent rounds (${size})`, async () => {
        const r = await runJob(engine, size, PROGRAM, ["clean"]);
        assert.equal(r.code, 0, explain(r));
        assert.doesNotMatch(r.stderr, /warning/, explain(r));
        assert.equal(r.stdout.split("\n").filter((l) => l === "clean done").length, size, explain(r));
      });
    }
  });
}
