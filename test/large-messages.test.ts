/**
 * Messages of 2 GiB or more (issue 9 item 4, issue 10's large messages) on every engine that has two ranks: the
 * local engine (a record's length word says LARGE; the receiver reads the length from the handoff) and the mpi
 * engine on Open MPI and MPICH (one element of a type of 1 GiB blocks; counts in two status words; the
 * v-collectives' counts and displacements in a unit that brings them under 2^31).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts, runJob } from "./support/jobs.js";
import { mpichSkip } from "./native/support.js";

const PROGRAM = "test/fixtures/large-messages.ts";
const check = (r: Awaited<ReturnType<typeof runJob>>) => {
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stdout, /large messages ok/, explain(r));
};

describe("messages of 2 GiB or more arrive whole, with exact counts, in order with what follows", () => {
  // At 2 ranks every transfer; at 1 rank collectives whose single block is the whole buffer.
  for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
    for (const size of [2, 1]) it(`${engine} engine, ${size} rank${size === 1 ? "" : "s"}`, async () => check(await runJob(engine, size, PROGRAM, [], 150)));
  }
  for (const size of [2, 1]) {
    it(`mpi engine on MPICH, ${size} rank${size === 1 ? "" : "s"}`, { skip: mpichSkip() }, async () => {
      const env = { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" };
      check(await mpi4ts(["run", "--engine", "mpi", "--timeout", "150", "-n", String(size), PROGRAM], { timeoutMs: 170_000, env }));
    });
  }
});
