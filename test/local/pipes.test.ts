/**
 * Large messages through pipes in the job's memory (src/local/pipes.ts) and memory shared after the start carved
 * from the job's heap (heap.ts): the paths a browser job takes. Node's jobs take them with MPI4TS_PIPES=1, so
 * the point-to-point, window and collective suites run over them here, and a fixture crosses blocking sends far
 * larger than a pipe between every pair of ranks at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

const env = { ...process.env, MPI4TS_PIPES: "1" };
const SUITES = ["p2p-large", "p2p-pending", "p2p-modes", "fuzz", "message", "win", "win-dynamic", "collective"];

describe("large messages through pipes (MPI4TS_PIPES=1)", () => {
  for (const size of [2, 3, 5]) {
    it(`crossing blocking sends larger than a pipe, ${size} ranks; a window in the job's heap`, async () => {
      const r = await mpi4ts(["run", "-n", String(size), "--timeout", "90", "test/local/fixtures/pipes-crossing.ts"], { env, timeoutMs: 120_000 });
      assert.equal(r.code, 0, explain(r));
      assert.equal(r.stdout.split("\n").filter((line) => /: window ok$/.test(line)).length, size, explain(r));
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
