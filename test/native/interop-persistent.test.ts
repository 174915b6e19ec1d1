/**
 * One MPMD job per MPI: a C rank and two mpi4ts ranks (started through `mpi4ts exec`) join the same collectives
 * (test/native/interop/persistent.*). mpi4ts calls Allreduce_init and Bcast_init (three Starts each, on new buffer
 * contents), Iscan and Ireduce_scatter_block; the C rank calls MPI_Allreduce_init and MPI_Bcast_init on MPICH (an
 * MPI-4 library: mpi4ts's requests are MPI's own), MPIX_Allreduce_init and MPIX_Bcast_init on Open MPI 4.1 (MPI
 * 3.1, with them as an extension, which mpi4ts uses too), MPI_Iscan and MPI_Ireduce_scatter_block on both.
 * Every side checks every value.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, explain, mpichSkip, onPath, openmpiArgs, openmpiSkip, run } from "./support.js";

const ts = (): string[] => [process.execPath, `${ROOT}bin/mpi4ts.js`, "exec", `${ROOT}test/native/interop/persistent.ts`];
const MPIS = [
  {
    name: "MPICH", mpicc: "mpicc.mpich", skip: () => mpichSkip(),
    launch: (c: string) => ["mpiexec.mpich", "-n", "1", c, ":", "-n", "2", ...ts()],
  },
  {
    name: "Open MPI", mpicc: "mpicc.openmpi", skip: () => openmpiSkip(),
    launch: (c: string) => ["mpirun.openmpi", ...openmpiArgs(1, 90).filter((a, i, all) => !(a === "-n" || all[i - 1] === "-n")), "-n", "1", c, ":", "-n", "2", ...ts()],
  },
];

for (const mpi of MPIS) {
  const skip = mpi.skip() ?? (onPath(mpi.mpicc) ? undefined : `${mpi.mpicc} is missing`);
  describe(`MPMD job: C + TypeScript persistent and nonblocking collectives on ${mpi.name}`, { skip }, () => {
    it("a C rank's collectives match mpi4ts's *_init, Iscan and Ireduce_scatter_block", async () => {
      const cProg = join(mkdtempSync(join(tmpdir(), "mpi4ts-persistent-")), "persistent");
      const cc = await run(mpi.mpicc, ["-O2", "-o", cProg, `${ROOT}test/native/interop/persistent.c`]);
      assert.equal(cc.code, 0, explain(cc));
      const r = await run("timeout", ["-k", "5", "100", ...mpi.launch(cProg)], { timeoutMs: 110_000 });
      assert.equal(r.code, 0, explain(r));
      for (const line of ["persistent c ok", "persistent ts rank 1 ok", "persistent ts rank 2 ok"]) {
        assert.ok(r.stdout.includes(line), `missing "${line}"\n${explain(r)}`);
      }
    });
  });
}
