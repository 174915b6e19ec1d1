/**
 * Spawn across languages on Open MPI: an mpi4ts parent spawns mpi4py children, and an mpi4py parent spawns
 * mpi4ts children (through `mpi4ts exec`); buffers travel both ways and both sides' Disconnect match
 * (MPI_Comm_disconnect). Fixtures in test/native/interop/spawn*.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT, explain, openmpiArgs, openmpiSkip, run, skippedWithoutMpi4py } from "./support.js";

describe("Spawn between mpi4ts and mpi4py on Open MPI", { skip: openmpiSkip() }, () => {
  it("an mpi4ts parent spawns mpi4py children, and an mpi4py parent mpi4ts children", async (t) => {
    if (await skippedWithoutMpi4py(t)) return;
    const env = { ...process.env, MPI4TS_MPIEXEC: "mpirun.openmpi" };
    const parentTs = await run(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--engine", "mpi", "--timeout", "80", "-n", "1", `${ROOT}test/native/interop/spawn-parent.ts`], { timeoutMs: 100_000, env });
    assert.equal(parentTs.code, 0, explain(parentTs));
    for (const line of ["spawn py child 0 of 2 ok", "spawn py child 1 of 2 ok", "spawn ts parent ok"]) assert.ok(parentTs.stdout.includes(line), `${line}\n${explain(parentTs)}`);

    const parentPy = await run("timeout", [
      "-k", "5", "90", "mpirun.openmpi", ...openmpiArgs(1, 80), "/usr/bin/python3", `${ROOT}test/native/interop/spawn_parent.py`,
      process.execPath, `${ROOT}bin/mpi4ts.js`, `${ROOT}test/native/interop/spawn-child.ts`,
    ], { timeoutMs: 100_000 });
    assert.equal(parentPy.code, 0, explain(parentPy));
    for (const line of ["spawn ts child 0 of 2 ok", "spawn ts child 1 of 2 ok", "spawn py parent ok"]) assert.ok(parentPy.stdout.includes(line), `${line}\n${explain(parentPy)}`);
  });
});
