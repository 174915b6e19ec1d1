/**
 * Waits over requests on the local engine count as blocked: Request.waitall/waitany/waitsome, and `await` of a
 * request once the rank's event loop has nothing else to do. A deadlock among them is reported by the launcher
 * with what each rank waits for; an await that can never end (its peer has finished) fails with ERR_DEADLOCK;
 * an await while the program still has a timer pending is not a deadlock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

const F = "test/local/fixtures/request-waits.ts";

function run(name: string) {
  return mpi4ts(["run", "-n", "2", "--timeout", "60", F, name], { timeoutMs: 90_000 });
}

describe("waits over requests (local engine)", () => {
  const deadlocks: [string, RegExp][] = [
    ["waitall", /rank 0: blocked in Request\.waitall, waiting for irecv\(source=1, tag=5\) on MPI_COMM_WORLD/],
    ["waitany", /rank 0: blocked in Request\.waitany, waiting for irecv\(source=1, tag=5\) on MPI_COMM_WORLD/],
    ["waitsome", /rank 1: blocked in Request\.waitsome, waiting for irecv\(source=0, tag=5\) on MPI_COMM_WORLD/],
    ["await", /rank 0: awaiting irecv\(source=1, tag=5\) on MPI_COMM_WORLD\n\s+rank 1: awaiting irecv\(source=0, tag=5\)/],
    ["ibarrier", /rank 0: awaiting irecv\(source=1, tag=\d+\) on MPI_COMM_WORLD \(inside a collective\)\n\s+rank 1: blocked in recv\(source=0, tag=7\)/],
    ["ssend-tag", /rank 0: blocked in ssend\(dest=rank 1 of the job, tag=1\) on MPI_COMM_WORLD/],
  ];
  for (const [name, report] of deadlocks) {
    it(`reports a deadlock in ${name}`, async () => {
      const r = await run(name);
      assert.notEqual(r.code, 0, explain(r));
      assert.match(r.stderr, /deadlock: every rank is blocked/, explain(r));
      assert.match(r.stderr, report, explain(r));
      assert.doesNotMatch(r.stderr, /exceeded --timeout/, explain(r));
    });
  }

  it("fails an await of an irecv from a rank that has finished with ERR_DEADLOCK", async () => {
    const r = await run("finished");
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /ERR_DEADLOCK/, explain(r));
    assert.match(r.stderr, /await on rank 0: irecv\(source=1, tag=5\) can never complete: .*from rank 1, which has finished/, explain(r));
  });

  it("does not take an await for a deadlock while the program has a timer pending", async () => {
    const r = await run("timer");
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /got late/, explain(r));
  });

  it("serves an await after an await that settled while the event loop was idle", async () => {
    const r = await run("chain");
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /chain ok/, explain(r));
  });
});
