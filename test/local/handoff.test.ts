/**
 * Large messages of the local engine (src/local/handoff.ts) on both of its paths: the single copy from the
 * sender's offered buffer (with the thread helpers) and the two overlapping copies through shared memory
 * (MPI4TS_DIRECT=0), with as many ranks as cores and with more (where waits yield or sleep).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

describe("large messages of the local engine", () => {
  for (const [ranks, direct] of [[2, "1"], [2, "0"], [4, "1"], [4, "0"]] as const) {
    it(`arrive intact, ${ranks} ranks, single copies ${direct === "1" ? "on" : "off"}`, async () => {
      const r = await mpi4ts(["run", "-n", String(ranks), "--timeout", "120", "test/suites/p2p-large.suite.ts"], {
        env: { ...process.env, MPI4TS_DIRECT: direct },
        timeoutMs: 150_000,
      });
      assert.equal(r.code, 0, explain(r));
    });
  }
});
