/**
 * Large messages through pipes in the job's memory (src/local/pipes.ts), the path a browser job takes. Node's
 * jobs take it with MPI4TS_PIPES=1, so the point-to-point suites run over it here, at several sizes, and a
 * fixture crosses blocking sends far larger than a pipe between every pair of ranks at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

const env = { ...process.env, MPI4TS_PIPES: "1" };
const SUITES = ["p2p-large", "p2p-pending", "p2p-modes", "fuzz", "message"];

describe("large messages through pipes (MPI4TS_PIPES=1)", () => {
  for (const size of [2, 3, 5]) {
    it(`crossing blocking sends larger than a pipe, ${size} ranks; windows refused on every rank`, async () => {
      const r = await mpi4ts(["run", "-n", String(size), "--timeout", "90", "test/local/fixtures/pipes-crossing.ts"], { env, timeoutMs: 120_000 });
      assert.equal(r.code, 0, explain(r));
      const refusals = r.stdout.split("\n").filter((line) => /: ERR_UNSUPPORTED_OPERATION$/.test(line));
      assert.equal(refusals.length, size, explain(r));
    });
  }
  for (const suite of SUITES) {
    for (const size of [2, 4]) {
      it(`${suite}.suite at ${size} ranks`, async () => {
        const r = await mpi4ts(["run", "-n", String(size), "--timeout", "150", `test/suites/${suite}.suite.ts`], { env, timeoutMs: 180_000 });
        assert.equal(r.code, 0, explain(r));
      });
    }
  }
});
