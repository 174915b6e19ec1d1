/**
 * The launcher's reports of what each rank is blocked in (src/local/supervise.ts) name the communicators the ranks
 * made, as Get_name gives them, beside the context number.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

describe("the deadlock report of a local job", () => {
  it("names each rank's communicator", async () => {
    const r = await mpi4ts(["run", "-n", "3", "--timeout", "60", "test/fixtures/named-deadlock.ts"], { timeoutMs: 90_000 });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /deadlock: every rank is blocked/, explain(r));
    assert.match(r.stderr, /rank 0: blocked in recv\(source=1, tag=5\) on MPI_COMM_WORLD_split \(communicator #\d+\)/, explain(r));
    for (const rank of [1, 2]) assert.match(r.stderr, new RegExp(`rank ${rank}: blocked in recv\\(source=0, tag=7\\) on ring \\(communicator #\\d+\\)`), explain(r));
  });
});
