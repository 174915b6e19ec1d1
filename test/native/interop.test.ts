/**
 * One MPMD job on Open MPI: a C rank, two mpi4ts (TypeScript) ranks started through `mpi4ts exec`, and an mpi4py
 * rank (Debian's python3-mpi4py, /usr/bin/python3) exchange typed buffers point-to-point and join Bcast,
 * Allreduce, Gather(v) and Allgather; every side checks every value (test/native/interop/).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, explain, onPath, openmpiArgs, openmpiSkip, run, skippedWithoutMpi4py } from "./support.js";

function skipReason(): string | undefined {
  const base = openmpiSkip();
  if (base) return base;
  if (!onPath("mpicc.openmpi")) return "mpicc.openmpi is missing (apt-get install libopenmpi-dev)";
  return undefined;
}

describe("MPMD job: C + TypeScript + mpi4py on Open MPI", { skip: skipReason() }, () => {
  it("exchanges typed buffers and joins the same collectives", async (t) => {
    if (await skippedWithoutMpi4py(t)) return;
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-interop-"));
    const cProg = join(dir, "c_prog");
    const cc = await run("mpicc.openmpi", ["-O2", "-o", cProg, `${ROOT}test/native/interop/c_prog.c`]);
    assert.equal(cc.code, 0, explain(cc));
    const r = await run("timeout", [
      "-k", "5", "100", "mpirun.openmpi", ...openmpiArgs(1, 90).filter((a, i, all) => !(a === "-n" || all[i - 1] === "-n")),
      "-n", "1", cProg, ":",
      "-n", "2", process.execPath, `${ROOT}bin/mpi4ts.js`, "exec", `${ROOT}test/native/interop/prog.ts`, ":",
      "-n", "1", "/usr/bin/python3", `${ROOT}test/native/interop/prog.py`,
    ], { timeoutMs: 110_000 });
    assert.equal(r.code, 0, explain(r));
    for (const line of ["interop c rank 0 ok", "interop ts rank 1 ok", "interop ts rank 2 ok", "interop py rank 3 ok"]) {
      assert.ok(r.stdout.includes(line), `missing "${line}"\n${explain(r)}`);
    }
  });
});
