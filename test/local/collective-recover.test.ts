/**
 * A caught collective mismatch does not poison the communicator on the local engine: ranks that caught it go on
 * with matching collectives and get the right results. And a mismatch is reported in the call itself, even when
 * no rank waits for another (a bcast whose two ranks each think they are the root) and nothing follows.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

const F = "test/local/fixtures/collective-recover.ts";

describe("collectives after a mismatch (local engine)", () => {
  for (const [mode, errorClass] of [["count", "ERR_COUNT"], ["type", "ERR_TYPE"]] as const) {
    for (const ranks of [2, 3]) {
      it(`works again after a caught ${mode} mismatch, ${ranks} ranks`, async () => {
        const r = await mpi4ts(["run", "-n", String(ranks), "--timeout", "60", F, mode], { timeoutMs: 90_000 });
        assert.equal(r.code, 0, explain(r));
        assert.equal(r.stdout.split(`caught ${errorClass}`).length - 1, 3 * ranks, explain(r));
        assert.equal(r.stdout.split("recovered").length - 1, ranks, explain(r));
      });
    }
  }

  it("reports a bcast whose 2 ranks disagree on the root, with no collective after it", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "60", F, "root-alone"], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /collective mismatch: this rank called bcast with root \d but rank \d called bcast with root \d/, explain(r));
  });
});
