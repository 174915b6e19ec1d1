/**
 * The warning at exit for messages a rank never received (src/exit-warnings.ts), on every engine: each rank names
 * what arrived for it and was never received, by sender, tag, size and communicator; the local engine names a
 * collective whose messages only some ranks took, and its launcher (src/local/supervise.ts) blocking collectives
 * on COMM_WORLD that only some ranks called. (Requests never completed: test/request.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, runJob } from "./support/jobs.js";

const PROGRAM = "test/fixtures/unreceived-messages.ts";

for (const engine of enginesUnderTest()) {
  describe(`messages never received, ${engine} engine`, () => {
    for (const size of engine === "self" ? [1] : [2, 3]) {
      it(`are named at exit by the rank they were sent to (${size} rank${size === 1 ? "" : "s"})`, async () => {
        const r = await runJob(engine, size, PROGRAM, ["messages"]);
        assert.equal(r.code, 0, explain(r));
        const warnings = r.stderr.split("\n").filter((l) => l.includes("never received"));
        assert.equal(warnings.length, size, explain(r));
        for (let rank = 0; rank < size; rank++) {
          const from = (rank - 1 + size) % size;
          assert.ok(warnings.includes(`mpi4ts: warning: rank ${rank} ends with 1 message never received (MPI requires a matching receive for each): from rank ${from} tag 6 (16 bytes) on MPI_COMM_WORLD`), explain(r));
        }
      });
    }
    if (engine === "local") {
      it("name a collective that only some ranks called", async () => {
        const r = await runJob(engine, 2, PROGRAM, ["collective"]);
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stderr, /warning: rank 1 ends with 1 message of collectives never received, from rank 0 on MPI_COMM_WORLD: a collective that only some ranks called/, explain(r));
        assert.doesNotMatch(r.stderr, /warning: rank 0/, explain(r));
      });
      for (const size of [2, 4]) {
        const others = size === 2 ? "rank 1" : `ranks 1-${size - 1}`;
        it(`name blocking collectives on COMM_WORLD that only some ranks called (${size} ranks)`, async () => {
          const bcast = await runJob(engine, size, PROGRAM, ["bcast-at-root"]);
          assert.equal(bcast.code, 0, explain(bcast));
          assert.ok(bcast.stderr.includes("mpi4ts: warning: the ranks did not all call the same collectives on MPI_COMM_WORLD: " +
            `rank 0 called 2 (the last: bcast with root 0); ${others} called 1 (the last: Barrier). Every rank must call every collective`), explain(bcast));
          const gather = await runJob(engine, size, PROGRAM, ["gather-without-root"]);
          assert.equal(gather.code, 0, explain(gather));
          assert.match(gather.stderr, new RegExp(`did not all call the same collectives on MPI_COMM_WORLD: ${others} called 1 \\(the last: Gather with root 0\\); rank 0 called none\\.`), explain(gather));
          // Programs whose ranks called the same collectives say nothing of it.
          const matched = await runJob(engine, size, PROGRAM, ["messages"]);
          assert.equal(matched.code, 0, explain(matched));
          assert.doesNotMatch(matched.stderr, /did not all call/, explain(matched));
        });
      }
    }
  });
}
