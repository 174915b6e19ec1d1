/** What static-mode.test.ts and dynamic-mode.test.ts expect of worker-dies.ts, where a task ends its worker. */
import assert from "node:assert/strict";
import { explain, type JobResult } from "../support/jobs.js";

export function expectWorkerDeath(engine: string, r: JobResult, launcherSays: RegExp, code = 7): void {
  assert.match(r.stderr, launcherSays, explain(r));
  if (engine !== "local") {
    // A job on MPI cannot outlive a rank: it ends with the worker's exit code, not at --timeout.
    assert.equal(r.code, code, explain(r));
    assert.doesNotMatch(r.stdout, /the head went on/);
    return;
  }
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stdout, new RegExp(`^the lost task's future: BrokenExecutor: worker rank [012] died \\(exit code ${code}\\) with [12] tasks? in hand; the pool cannot run tasks any more$`, "m"), explain(r));
  assert.match(r.stdout, /^the other tasks: each done or broken$/m, explain(r));
  assert.match(r.stdout, /^new work: refused with BrokenExecutor$/m, explain(r));
  assert.match(r.stdout, /^the head went on after its worker died$/m, explain(r));
}
