/**
 * mpi4ts/futures static mode, `mpi4ts run -n 5 --futures`: static-checks.ts on the local and mpi engines, and
 * the refusal without worker ranks (--futures on one rank; under plain node, where no worker can be spawned).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLI, enginesUnderTest, explain, mpi4ts, runProcess } from "../support/jobs.js";
import { openmpiArgs, openmpiSkip } from "../native/support.js";
import { expectWorkerDeath } from "./worker-death.js";

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
    it(`a worker that dies mid-task breaks the pool on the local engine, ends the job on the mpi engine (${engine})`, async () => {
      const r = await mpi4ts(["run", ...engineArgs(engine), "--timeout", "60", "-n", "3", "--futures", "test/futures/worker-dies.ts"], { timeoutMs: 90_000 });
      expectWorkerDeath(engine, r, engine === "local" ? /rank [12] exited with code 7 while serving a pool: its pool is broken, the job goes on/ : /rank [12] of 3 exited with code 7/);
    });
    it(`a worker that ends with an uncaught exception breaks the pool on the local engine, ends the job on the mpi engine (${engine})`, async () => {
      const r = await mpi4ts(["run", ...engineArgs(engine), "--timeout", "60", "-n", "3", "--futures", "test/futures/worker-dies.ts", "throw"], { timeoutMs: 90_000 });
      expectWorkerDeath(engine, r, engine === "local" ? /thrown outside any task[^]*rank [12] was a pool worker: its pool is broken, the job goes on/ : /thrown outside any task/, 1);
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
  it("gives a PoolExecutor under plain node workers it spawns (self engine)", async () => {
    const r = await runProcess(process.execPath, ["--import", "tsx", NO_WORKERS], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^accepted$/m, explain(r));
  });
});
