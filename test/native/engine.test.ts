/**
 * The mpi engine (Engine seam, below the public API) under Open MPI at 1, 2, 3, 4 and 8 (oversubscribed) ranks,
 * and under MPICH with an addon built against MPICH (build/mpich). Each job runs test/native/programs/engine-check.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpichSkip, openmpiArgs, openmpiSkip, run } from "./support.js";

const PROGRAM = "test/native/programs/engine-check.ts";

describe("mpi engine on Open MPI", { skip: openmpiSkip() }, () => {
  for (const n of [1, 2, 3, 4, 8]) {
    it(`${n} rank${n === 1 ? "" : "s"}`, async () => {
      const r = await run("timeout", ["-k", "5", "100", "mpirun.openmpi", ...openmpiArgs(n, 90), process.execPath, "--import", "tsx", PROGRAM], { timeoutMs: 110_000 });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, new RegExp(`engine-check ok ${n}`));
    });
  }
});

describe("mpi engine on MPICH", { skip: mpichSkip() }, () => {
  for (const n of [1, 2, 3, 4]) {
    it(`${n} rank${n === 1 ? "" : "s"}`, async () => {
      const env = { ...process.env, MPIEXEC_TIMEOUT: "90" };
      const r = await run("timeout", ["-k", "5", "100", "mpiexec.mpich", "-n", String(n), process.execPath, "--import", "tsx", PROGRAM], { timeoutMs: 110_000, env });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, new RegExp(`engine-check ok ${n}`));
    });
  }
});
