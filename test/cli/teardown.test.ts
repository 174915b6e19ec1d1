/**
 * Ending a job leaves nothing running, on both engines: a signal to the launcher (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT), a rank's failure, or the reader of its output going away, ends the job while a rank waits inside execSync for a child that would run for
 * 29 s, and afterwards no process of the job (launcher, mpirun, ranks, the rank's children) remains, nor a
 * compiled program in the temporary directory.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openmpiSkip } from "../native/support.js";
import { F, appeared, leftRunning, startJob, uniqueMarker } from "./support.js";

/** Well under the child's 29 s: the job must not have waited for it. */
const ENDS_WITHIN_MS = 10_000;

const engines = [["local", []], ["mpi", ["--engine", "mpi", "--oversubscribe"]]] as const;
const scratch: string[] = [];
after(() => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }); });

/** A private TMPDIR for one job, to see what it leaves there. */
function privateTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "mpi4ts-teardown-test-"));
  scratch.push(dir);
  return dir;
}

for (const [engine, flags] of engines) {
  describe(`ending a job on the ${engine} engine`, { skip: engine === "mpi" ? openmpiSkip() : undefined }, () => {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129], ["SIGQUIT", 131]] as const) {
      it(`${signal} while a rank waits in execSync ends everything at once (exit ${code})`, async () => {
        const marker = uniqueMarker();
        const tmp = privateTmp();
        const job = await startJob(["run", ...flags, "-n", "2", `${F}/child.ts`, marker], 2, { ...process.env, TMPDIR: tmp });
        assert.ok(await appeared(`sleep 29.${marker}`), "rank 0's child started");
        job.child.kill(signal);
        const exit = await job.exited(ENDS_WITHIN_MS);
        const left = await leftRunning(marker);
        if (exit === null) job.child.kill("SIGKILL");
        assert.equal(exit, code, `exit code\n${job.stderr()}`);
        assert.deepEqual(left, [], "no process of the job is left");
        assert.match(job.stderr(), new RegExp(`mpi4ts: received ${signal}; ending every rank`));
        // the built-in engine also says where each rank was (rank 1 waits in the barrier for rank 0)
        if (engine === "local") assert.match(job.stderr(), /rank 0: running\n {2}rank 1: blocked in a collective on MPI_COMM_WORLD/);
        assert.doesNotMatch(job.stdout(), /finished/, "the child was ended, not waited for");
        assert.deepEqual(readdirSync(tmp), [], "nothing left in TMPDIR");
      });
    }

    it("a rank's failure while another waits in execSync ends everything at once", async () => {
      const marker = uniqueMarker();
      const job = await startJob(["run", ...flags, "-n", "2", `${F}/child.ts`, marker, "fail"], 2);
      const exit = await job.exited(ENDS_WITHIN_MS);
      const left = await leftRunning(marker);
      if (exit === null) job.child.kill("SIGKILL");
      assert.ok(exit !== null && exit !== 0, `ended with a failure, not ${exit}\n${job.stderr()}`);
      assert.match(job.stderr(), /rank one fails while rank zero waits/);
      assert.deepEqual(left, [], "no process of the job is left");
    });

    it("closing the launcher's output ends everything (exit 141, as on SIGPIPE)", async () => {
      const marker = uniqueMarker();
      const job = await startJob(["run", ...flags, "-n", "2", `${F}/child.ts`, marker, "chatty"], 2);
      assert.ok(await appeared(`sleep 29.${marker}`), "rank 0's child started");
      job.child.stdout!.destroy();
      const exit = await job.exited(ENDS_WITHIN_MS);
      const left = await leftRunning(marker);
      if (exit === null) job.child.kill("SIGKILL");
      assert.equal(exit, 141, job.stderr());
      assert.deepEqual(left, [], "no process of the job is left");
    });
  });
}
