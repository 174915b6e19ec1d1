/**
 * mpi4ts/futures dynamic mode (src/futures/dynamic.ts): a program run without --futures spawns its pools'
 * workers, on the local and mpi engines and under plain node (the self engine, whose job grows a launcher thread
 * at the first Spawn); a pool left open is shut down at the end, with no warning; a worker that dies breaks its
 * pool (local and self engines) or ends the job (mpi engine), naming it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts, runJob, type JobResult } from "../support/jobs.js";
import { expectWorkerDeath } from "./worker-death.js";

const engines = enginesUnderTest();

/** One rank of `program`: under `mpi4ts run` on the local or mpi engine, or plain node for the self engine. */
function runOne(engine: string, program: string, args: string[], timeoutSec: number): Promise<JobResult> {
  if (engine === "self") return runJob("self", 1, program, args, timeoutSec);
  return mpi4ts(["run", ...(engine === "mpi" ? ["--engine", "mpi"] : []), "--timeout", String(timeoutSec), "-n", "1", program, ...args], { timeoutMs: (timeoutSec + 30) * 1000 });
}

describe("mpi4ts/futures dynamic mode (spawned workers)", () => {
  for (const engine of engines) {
    it(`passes the checks on the ${engine} engine`, async () => {
      const r = await runOne(engine, "test/futures/dynamic-checks.ts", [], 120);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /futures dynamic checks passed/, explain(r));
      assert.match(r.stdout, /the open pool's last task gave 42/, explain(r));
      assert.doesNotMatch(r.stderr, /warning/, explain(r));
    });
    it(`a spawned worker that dies mid-task breaks the pool on the local and self engines, ends the job on the mpi engine (${engine})`, async () => {
      const r = await runOne(engine, "test/futures/worker-dies.ts", [], 60);
      expectWorkerDeath(engine === "self" ? "local" : engine, r, engine === "mpi" ? /spawned rank [01] of 2 exited with code 7/ : /rank [12] exited with code 7 while serving a pool/);
    });
    it(`starts pool after pool, more workers in all than the job has room for at once (${engine})`, async () => {
      const r = await runOne(engine, "test/futures/pool-rounds.ts", ["8"], 120);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /rank 0: 8 pools, one after another/, explain(r));
      assert.doesNotMatch(r.stderr, /warning/, explain(r));
    });
    if (engine === "self") continue; // (a world of one)
    if (engine === "local") {
      it("lets the ranks' pools take turns at two free slots (local)", async () => {
        const env = { ...process.env, MPI4TS_UNIVERSE_SIZE: "6" };
        const r = await mpi4ts(["run", "--timeout", "120", "-n", "4", "test/futures/pool-rounds.ts", "6", "2"], { timeoutMs: 150_000, env });
        assert.equal(r.code, 0, explain(r));
        for (const rank of [0, 1, 2, 3]) assert.match(r.stdout, new RegExp(`rank ${rank}: 6 pools, one after another`), explain(r));
      });
    }
    it(`gives every rank of an SPMD program a pool of its own (${engine})`, async () => {
      const r = await mpi4ts(["run", ...(engine === "mpi" ? ["--engine", "mpi"] : []), "--timeout", "120", "-n", "2", "test/futures/max-workers.ts"], { timeoutMs: 150_000, env: { ...process.env, MPI4TS_MAX_WORKERS: "1" } });
      assert.equal(r.code, 0, explain(r));
      assert.equal(r.stdout.match(/^workers 1 ranks 0$/gm)?.length, 2, explain(r));
    });
  }
});
