/**
 * Messages of 2 GiB or more on the local engine: carried whole (their record's length word cannot hold the
 * length, so the receiver reads it from the handoff), with exact counts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

describe("messages of 2 GiB or more (local engine)", () => {
  it("arrive whole through Send/Recv and Ssend/Irecv, with exact counts, and in order with what follows", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "100", "test/local/fixtures/large-messages.ts"], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /large messages ok/, explain(r));
  });
});
