/**
 * One MPMD job on MPICH (an MPI-4 library): a C rank calls MPI_Allreduce_init, MPI_Bcast_init, MPI_Iscan and
 * MPI_Ireduce_scatter_block; two mpi4ts ranks started through `mpi4ts exec` join them with Allreduce_init,
 * Bcast_init (three Starts each, on new buffer contents), Iscan and Ireduce_scatter_block; every side checks every
 * value (test/native/interop/persistent.*).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, explain, mpichSkip, onPath, run } from "./support.js";

const skip = mpichSkip() ?? (onPath("mpicc.mpich") ? undefined : "mpicc.mpich is missing (apt-get install libmpich-dev)");

describe("MPMD job: C + TypeScript persistent and nonblocking collectives on MPICH", { skip }, () => {
  it("a C rank's MPI_Allreduce_init and MPI_Bcast_init match mpi4ts's *_init", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-persistent-"));
    const cProg = join(dir, "persistent");
    const cc = await run("mpicc.mpich", ["-O2", "-o", cProg, `${ROOT}test/native/interop/persistent.c`]);
    assert.equal(cc.code, 0, explain(cc));
    const r = await run("timeout", [
      "-k", "5", "100", "mpiexec.mpich", "-n", "1", cProg, ":",
      "-n", "2", process.execPath, `${ROOT}bin/mpi4ts.js`, "exec", `${ROOT}test/native/interop/persistent.ts`,
    ], { timeoutMs: 110_000 });
    assert.equal(r.code, 0, explain(r));
    for (const line of ["persistent c ok", "persistent ts rank 1 ok", "persistent ts rank 2 ok"]) {
      assert.ok(r.stdout.includes(line), `missing "${line}"\n${explain(r)}`);
    }
  });
});
