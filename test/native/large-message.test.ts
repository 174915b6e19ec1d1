/** Messages of 2 GiB or more on the mpi engine: refused with ERR_COUNT before anything is sent, never lost. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";
import { openmpiSkip } from "./support.js";

describe("messages beyond the mpi engine's limit", { skip: openmpiSkip() }, () => {
  it("refuses a 2 GiB Send, Isend and Ssend with ERR_COUNT; the next message arrives", async () => {
    const r = await mpi4ts(["run", "--engine", "mpi", "--oversubscribe", "-n", "2", "--timeout", "60", "test/native/fixtures/too-large.ts"], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    for (const call of ["Send", "Isend", "Ssend"]) assert.match(r.stdout, new RegExp(`${call}: ERR_COUNT .*2 GiB`), explain(r));
    assert.match(r.stdout, /received after/, explain(r));
  });
});
