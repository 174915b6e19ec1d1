/**
 * Processes spawned on the mpi engine belong to a world of their own, whose rank numbers are also the job's:
 * they must not write into the launcher's per-rank records (output FIFO, blocked-state records, trace parts).
 * Here a parent and its child both block; the --timeout report names the parent's call for rank 0.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts } from "../support/jobs.js";

describe("spawned processes on the mpi engine", { skip: enginesUnderTest().includes("mpi") ? false : "no mpi engine here" }, () => {
  it("leave the job's rank 0 record to rank 0 (the --timeout report)", async () => {
    const r = await mpi4ts(["run", "--engine", "mpi", "--timeout", "5", "-n", "1", "test/local/fixtures/spawn-job.ts", "deadlock"], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.match(r.stderr, /rank 0: blocked in recv\(source=0, tag=2\)/, explain(r));
    assert.doesNotMatch(r.stderr, /tag=3/, explain(r));
  });
});
