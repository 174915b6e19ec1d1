/**
 * `mpi4ts run --engine mpi`, black-box, as the local engine behaves: rank output relayed in whole lines (through
 * mpirun, 10-15% of these lines came out split or mixed), exit code 124 at --timeout, what each rank is blocked
 * in when the job is ended from outside, and nothing left in the temporary directory by a job that ends in MPI_Abort.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";
import { openmpiSkip } from "../native/support.js";
import { F, checkRelayedLines, startJob } from "./support.js";

const MPI = ["run", "--engine", "mpi", "--oversubscribe"];
const tmp = mkdtempSync(join(tmpdir(), "mpi4ts-mpi-launcher-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("mpi4ts run --engine mpi, like the local engine", { skip: openmpiSkip() }, () => {
  it("relays every rank's output in whole lines, never split or mixed, with [rank] tags on request", async () => {
    for (const tagged of [false, true]) {
      const r = await mpi4ts([...MPI, "-n", "4", ...(tagged ? ["--tag-output"] : []), `${F}/lines.ts`, "a b", "--x"], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, explain(r));
      checkRelayedLines(r, 4, tagged);
    }
  });

  it("ends an overlong job at --timeout with exit code 124 and a clear message", async () => {
    const r = await mpi4ts([...MPI, "-n", "2", "--timeout", "1.5", `${F}/forever.ts`], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.match(r.stderr, /mpi4ts: the job exceeded --timeout 1\.5 s/);
  });

  it("says what each rank is blocked in when the job ends at --timeout or on Ctrl-C", async () => {
    const expected = [
      "  rank 0: blocked in Barrier on MPI_COMM_WORLD",
      "  rank 1: blocked in Request.waitall",
      "  rank 2: blocked in ssend(dest=0, tag=8) on MPI_COMM_WORLD",
      "  rank 3: running",
    ];
    const timedOut = await mpi4ts([...MPI, "-n", "4", "--timeout", "4", `${F}/blocked.ts`], { timeoutMs: 60_000 });
    assert.equal(timedOut.code, 124, explain(timedOut));
    assert.ok(timedOut.stderr.includes(`mpi4ts: the job exceeded --timeout 4 s\n${expected.join("\n")}\n`), explain(timedOut));
    const job = await startJob([...MPI, "-n", "4", `${F}/blocked.ts`], 4);
    await new Promise((r) => setTimeout(r, 1000)); // into their calls
    job.child.kill("SIGINT");
    assert.equal(await job.exited(20_000), 130, job.stderr());
    assert.ok(job.stderr().includes(`mpi4ts: received SIGINT; ending every rank\n${expected.join("\n")}\n`), job.stderr());
  });

  it("reports, without ending it, a job whose ranks all sit in one MPI call each for 5 s", async () => {
    const stalled = "mpi4ts: every rank has been waiting in the same MPI call for 5 s: a deadlock, unless a very long transfer is under way (Ctrl-C or --timeout ends the job)\n" +
      "  rank 0: blocked in recv(source=1, tag=4) on MPI_COMM_WORLD\n  rank 1: blocked in recv(source=0, tag=4) on MPI_COMM_WORLD\n";
    const r = await mpi4ts([...MPI, "-n", "2", "--timeout", "9", `${F}/deadlock.ts`], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.ok(r.stderr.indexOf(stalled) >= 0 && r.stderr.indexOf(stalled) < r.stderr.indexOf("--timeout 9 s"), explain(r));
    const unwatched = await mpi4ts([...MPI, "-n", "2", "--timeout", "7", "--no-deadlock-check", `${F}/deadlock.ts`], { timeoutMs: 60_000 });
    assert.equal(unwatched.code, 124, explain(unwatched));
    assert.doesNotMatch(unwatched.stderr, /waiting in the same MPI call/, explain(unwatched));
  });

  it("names the communicators the ranks made in what it reports", async () => {
    const r = await mpi4ts([...MPI, "-n", "3", "--timeout", "4", "test/fixtures/named-deadlock.ts"], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.match(r.stderr, new RegExp("mpi4ts: the job exceeded --timeout 4 s\n" +
      "  rank 0: blocked in recv\\(source=1, tag=5\\) on MPI_COMM_WORLD_split \\(communicator #\\d+\\)\n" +
      "  rank 1: blocked in recv\\(source=0, tag=7\\) on ring \\(communicator #\\d+\\)\n" +
      "  rank 2: blocked in recv\\(source=0, tag=7\\) on ring \\(communicator #\\d+\\)\n"), explain(r));
  });

  it("never reports ranks that keep entering new calls, one that computes, or a spawned process that does", async () => {
    for (const mode of ["exchange", "compute", "spawn"]) {
      const r = await mpi4ts([...MPI, "-n", "3", "--timeout", "60", `${F}/keeps-calling.ts`, mode], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, explain(r));
      assert.doesNotMatch(r.stderr, /waiting in the same MPI call/, explain(r));
      assert.equal(r.stdout.match(/done/g)?.length, 3, explain(r));
    }
  });

  it("says where a collective only the root called leaves each rank at the end", async () => {
    const r = await mpi4ts([...MPI, "-n", "2", "--timeout", "4", "test/fixtures/unreceived-messages.ts", "bcast-at-root"], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.ok(r.stderr.includes("mpi4ts: the job exceeded --timeout 4 s\n" +
      "  rank 0: blocked in a collective (the first that makes the internal channel, MPI_Comm_idup) on MPI_COMM_WORLD\n" +
      "  rank 1: blocked in MPI_Finalize, waiting for the other ranks to end\n"), explain(r));
  });

  it("names the outermost call when calls nest: finalize waiting for a send nobody receives", async () => {
    const r = await mpi4ts([...MPI, "-n", "2", "--timeout", "4", `${F}/unreceived-large.ts`], { timeoutMs: 60_000 });
    assert.equal(r.code, 124, explain(r));
    assert.ok(r.stderr.includes("mpi4ts: the job exceeded --timeout 4 s\n" +
      "  rank 0: blocked in the end of the program, waiting for its sends to be received\n" +
      "  rank 1: blocked in recv(source=0, tag=6) on MPI_COMM_WORLD\n"), explain(r));
  });

  it("gives the launcher's stdin to rank 0 and an empty stdin to the others", async () => {
    const r = await mpi4ts([...MPI, "-n", "3", `${F}/stdin.ts`], { input: "10\n20\n", timeoutMs: 60_000 });
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.trim(), "rank 0 read 10+20; lines per rank 2,0,0");
  });

  it("writes one CPU profile per rank with --cpu-prof-dir", async () => {
    const dir = join(tmp, "profiles");
    const r = await mpi4ts([...MPI, "-n", "2", "--cpu-prof-dir", dir, `${F}/ring.ts`], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(readdirSync(dir).sort(), ["rank-0.cpuprofile", "rank-1.cpuprofile"]);
    rmSync(dir, { recursive: true });
  });

  it("maps the program's frames to its .ts lines, and the runtime's only with MPI4TS_DEBUG=1", async () => {
    for (const debug of ["0", "1"]) {
      const r = await mpi4ts([...MPI, "-n", "2", `${F}/source-maps.ts`], { env: { ...process.env, MPI4TS_DEBUG: debug }, timeoutMs: 60_000 });
      assert.equal(r.code, 0, explain(r));
      const runtime = debug === "1" ? "mapped" : "unmapped";
      assert.deepEqual(r.stdout.trim().split("\n").sort(), [0, 1].map((n) => `rank ${n}: own source-maps.ts:6, runtime ${runtime}`));
    }
  });

  it("names the rank whose non-zero exit ended the job, as the local engine does", async () => {
    const r = await mpi4ts([...MPI, "-n", "3", `${F}/fails.ts`, "exit"], { timeoutMs: 60_000 });
    assert.equal(r.code, 3, explain(r));
    assert.match(r.stderr, /^mpi4ts: rank 1 of 3 exited with code 3; ending the job/m);
  });

  it("leaves no compiled program behind when a rank calls Abort", async () => {
    const r = await mpi4ts([...MPI, "-n", "3", `${F}/fails.ts`, "abort"], { timeoutMs: 60_000, env: { ...process.env, TMPDIR: tmp } });
    assert.equal(r.code, 7, explain(r));
    assert.deepEqual(readdirSync(tmp), []);
    // one line, as on the local engine: not Open MPI's MPI_ABORT banner as well
    assert.equal(r.stderr, "mpi4ts: rank 1 of MPI_COMM_WORLD called Abort(7)\n");
  });
});
