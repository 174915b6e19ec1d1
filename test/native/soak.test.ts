/**
 * A short soak of the mpi engine in `npm test`: the pending-receive and collective suites, twice in a row at 2-4
 * ranks under Open MPI and MPICH, every job bounded (scripts/soak.mjs; `npm run soak` runs 20 rounds of more).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT, explain, openmpiSkip, run } from "./support.js";

describe("mpi engine soak", { skip: openmpiSkip() }, () => {
  it("no hang and no failure in repeated runs", async () => {
    const r = await run(process.execPath, [`${ROOT}scripts/soak.mjs`, "--rounds", "2", "--suites", "p2p-pending,collective"], { timeoutMs: 900_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, / 0 failed$/m);
  });
});
