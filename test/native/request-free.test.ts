/**
 * A freed pending send completes before the job ends, on both MPIs (test/suites/request-free.suite.ts). Its
 * messages arrive either way; what tells a send dropped with its request is MPICH's exit report of requests that
 * never completed ("was not returned to mpool", from UCX), so the stderr of each job is checked too.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT, explain, mpichSkip, run } from "./support.js";

const built = existsSync(`${ROOT}dist/cli/main.js`) ? undefined : "the CLI is not compiled (npm run build)";
const MPIS = [
  { name: "Open MPI", skip: built, env: {} },
  { name: "MPICH", skip: mpichSkip() ?? built, env: { MPI4TS_MPIEXEC: "mpiexec.mpich" } },
];

for (const mpi of MPIS) {
  describe(`request-free.suite.ts on ${mpi.name}`, { skip: mpi.skip }, () => {
    for (const n of [2, 4]) {
      it(`${n} ranks: delivered, and no send left incomplete at exit`, async () => {
        const args = [`${ROOT}bin/mpi4ts.js`, "run", "--engine", "mpi", "--oversubscribe", "--timeout", "100", "-n", String(n), "test/suites/request-free.suite.ts"];
        const r = await run(process.execPath, args, { timeoutMs: 120_000, env: { ...process.env, ...mpi.env } });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, new RegExp(`request-free ok ${n}`), explain(r));
        assert.doesNotMatch(r.stderr, /not returned to mpool|pending request|still active/i, explain(r));
      });
    }
  });
}
