/**
 * mpi4ts/futures static mode, `mpi4ts run -n 5 --futures`: static-checks.ts on the local and mpi engines, and
 * the refusal without worker ranks (--futures on one rank; under plain node, where no worker can be spawned).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLI, enginesUnderTest, explain, mpi4ts, runProcess } from "../support/jobs.js";
import { openmpiArgs, openmpiSkip } from "../native/support.js";

const CHECKS = "test/futures/static-checks.ts";
const NO_WORKERS = "test/futures/no-workers.ts";
const MAX_WORKERS = "test/futures/max-workers.ts";
const engines = enginesUnderTest().filter((e) => e !== "self");
const engineArgs = (engine: string) => (engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : []);

describe("mpi4ts/futures static mode (--futures)", () => {
  for (const engine of engines) {
    for (const size of [2, 5]) {
      it(`passes the checks on the ${engine} engine with ${size - 1} worker(s)`, async () => {
        const r = await mpi4ts(["run", ...engineArgs(engine), "--timeout", "120", "-n", String(size), "--futures", CHECKS], { timeoutMs: 150_000 });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, new RegExp(`futures static checks passed on ${size - 1} workers`));
      });
    }
    it(`ends the job when a worker dies mid-task, naming it, never hanging (${engine})`, async () => {
      const r = await mpi4ts(["run", ...engineArgs(engine), "--timeout", "60", "-n", "3", "--futures", "test/futures/worker-dies.ts"], { timeoutMs: 90_000 });
      assert.equal(r.code, 7, `the job ends with the dead worker's exit code, not at --timeout\n${explain(r)}`);
      assert.doesNotMatch(r.stdout, /the head went on/);
      // Through mpirun only the exit code says it: the mpi launcher does not name a rank that exits yet.
      if (engine === "local") assert.match(r.stderr, /rank [12] exited with code 7/);
    });
    it(`refuses a PoolExecutor in a --futures job of one rank, saying how to run it (${engine})`, async () => {
      const r = await mpi4ts(["run", ...engineArgs(engine), "--timeout", "60", "-n", "1", "--futures", NO_WORKERS], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /refused: MPIError\[ERR_OTHER\].*no worker ranks.*mpi4ts run -n 5 --futures app\.ts/);
    });
  }
  it("uses MPI4TS_MAX_WORKERS workers by default (local engine)", async () => {
    const r = await mpi4ts(["run", "--timeout", "60", "-n", "5", "--futures", MAX_WORKERS], { timeoutMs: 90_000, env: { ...process.env, MPI4TS_MAX_WORKERS: "2" } });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^workers 2 ranks 1,2$/m);
  });
  it("serves under mpirun with mpi4ts exec --futures", { skip: openmpiSkip() }, async () => {
    const r = await runProcess("mpirun.openmpi", [...openmpiArgs(4, 60), process.execPath, CLI, "exec", "--futures", MAX_WORKERS], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^workers 3 ranks 1,2,3$/m);
  });
  it("refuses a PoolExecutor under plain node (self engine), saying how to run it", async () => {
    const r = await runProcess(process.execPath, ["--import", "tsx", NO_WORKERS], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /refused: .*no worker ranks to run tasks \(spawning 1 worker failed: .*plain node.*npx mpi4ts run -n 1/);
  });
});
