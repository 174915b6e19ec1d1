/** Messages of 2 GiB or more on the local engine: refused with ERR_COUNT before anything is sent, never lost. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

describe("messages beyond the local engine's limit", () => {
  it("refuses a 2 GiB Send, Isend and Ssend with ERR_COUNT naming the limit; the next message arrives", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "60", "test/local/fixtures/too-large.ts"], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    for (const call of ["Send", "Isend", "Ssend"]) {
      assert.match(r.stdout, new RegExp(`${call}: ERR_COUNT .*2147483648 bytes .*at most 2147483647 bytes`), explain(r));
    }
    assert.match(r.stdout, /received after/, explain(r));
  });
});
