/**
 * The API suites (test/suites/) on MPICH: `mpi4ts run --engine mpi` with MPICH's mpiexec and the addon built
 * against MPICH (build/mpich). Open MPI runs every suite through test/suites.test.ts (engine "mpi"); here the
 * core ones run, to keep the second MPI's share of the test time small.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT, explain, mpichSkip, run } from "./support.js";

const SUITES = ["collective", "op", "p2p", "p2p-tags", "p2p-pending", "p2p-modes", "message", "prequest", "collective-nb", "collective-progress", "collective-persistent", "op-local", "datatype", "comm-more", "comm-idup", "alltoallw", "win-origin", "group", "topo-graph", "neighbor", "intercomm", "spawn", "file", "win", "win-dynamic"];
const SIZES = [1, 2, 3, 4];
const skip = mpichSkip() ?? (existsSync(`${ROOT}dist/cli/main.js`) ? undefined : "the CLI is not compiled (npm run build)");

for (const suite of SUITES) {
  describe(`${suite}.suite.ts on MPICH`, { skip }, () => {
    for (const n of SIZES) {
      it(`${n} rank${n === 1 ? "" : "s"}`, async () => {
        const env = { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" };
        const r = await run(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--engine", "mpi", "--timeout", "100", "-n", String(n), `test/suites/${suite}.suite.ts`], { timeoutMs: 120_000, env });
        assert.equal(r.code, 0, explain(r));
      });
    }
  });
}
