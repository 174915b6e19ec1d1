/**
 * Spawned ranks of a local job are supervised like the others (src/local/spawn.ts, world.ts): their output is
 * relayed and tagged with their job rank, a failing one ends the job, the deadlock report sees them, and what the
 * launcher cannot start is an ERR_SPAWN with its reason. The same under plain node, where the self engine starts
 * its launcher on a thread at the first Spawn (src/local/in-process.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { explain, mpi4ts, runJob } from "../support/jobs.js";

const job = "test/local/fixtures/spawn-job.ts";

describe("spawned ranks on the local engine", () => {
  it("tag their output with their job rank", async () => {
    const r = await mpi4ts(["run", "-n", "1", "--tag-output", "--timeout", "60", job, "talk"], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^\[0\] parent spoke$/m, explain(r));
    assert.match(r.stdout, /^\[1\] child 0 of 2 spoke$/m, explain(r));
    assert.match(r.stdout, /^\[2\] child 1 of 2 spoke$/m, explain(r));
  });

  it("end the job when one fails, naming it", async () => {
    const r = await mpi4ts(["run", "-n", "1", "--timeout", "60", job, "fails"], { timeoutMs: 90_000 });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /rank 2 failed:\nError: spawned child 1 fails on purpose/, explain(r));
    assert.match(r.stderr, /ending the job \(3 ranks\)/, explain(r));
  });

  it("are in the deadlock report", async () => {
    const r = await mpi4ts(["run", "-n", "1", "--timeout", "60", job, "deadlock"], { timeoutMs: 90_000 });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /deadlock: every rank is blocked/, explain(r));
    assert.match(r.stderr, /rank 0: blocked in recv\(source=0, tag=2\) on MPI_COMM_SELF_spawn \(communicator #\d+\)/, explain(r));
    assert.match(r.stderr, /rank 1: blocked in recv\(source=0, tag=3\) on MPI_COMM_PARENT \(communicator #\d+\)/, explain(r));
  });

  it("take the slots of ranks that ended, so a job can spawn again and again", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "90", job, "recycle", "30"], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, explain(r));
    for (const rank of [0, 1]) assert.match(r.stdout, new RegExp(`rank ${rank}: recycle done: 30 rounds, 58 receives from ended children refused`), explain(r));
    assert.doesNotMatch(r.stderr, /warning/, explain(r));
  });

  it("are refused with ERR_SPAWN when the launcher cannot start them", async () => {
    const env = { ...process.env, MPI4TS_UNIVERSE_SIZE: "3" };
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-spawn-"));
    const broken = join(dir, "spawn-broken.ts");
    writeFileSync(broken, "const x: number = ;\n");
    const r = await mpi4ts(["run", "-n", "1", "--timeout", "60", job, "refusals", broken], { timeoutMs: 90_000, env });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /too many: ERR_SPAWN: .*the job has room for 2 more ranks \(3 at once; set MPI4TS_UNIVERSE_SIZE for more\), and Spawn asked for 1000/, explain(r));
    assert.match(r.stdout, /full: ERR_SPAWN: .*the job has room for 0 more ranks \(3 at once; .*\), and Spawn asked for 1/, explain(r));
    assert.match(r.stdout, /not a program: ERR_SPAWN: .*starts mpi4ts programs .* not python3/, explain(r));
    assert.match(r.stdout, /does not compile: ERR_SPAWN: .*cannot compile .*spawn-broken\.ts/, explain(r));
    assert.match(r.stdout, /refusals done/, explain(r));
  });
});

describe("spawned ranks of a program run with plain node (self engine)", () => {
  it("print their output through the launcher thread", async () => {
    const r = await runJob("self", 1, job, ["talk"], 60);
    assert.equal(r.code, 0, explain(r));
    for (const line of ["parent spoke", "child 0 of 2 spoke", "child 1 of 2 spoke"]) assert.match(r.stdout, new RegExp(`^${line}$`, "m"), explain(r));
  });

  it("end the job when one fails, naming it; the program's next MPI call raises ERR_ABORTED", async () => {
    const r = await runJob("self", 1, job, ["fails"], 60);
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /rank 2 failed:\nError: spawned child 1 fails on purpose/, explain(r));
    assert.match(r.stderr, /ERR_ABORTED.*the job is being ended by the launcher/, explain(r));
  });

  it("end a program that computes without MPI calls when one fails, as mpirun would", async () => {
    const r = await runJob("self", 1, job, ["computes"], 60);
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /rank 2 failed:\nError: spawned child 1 fails on purpose/, explain(r));
    assert.match(r.stderr, /rank 0 did not end within 1 s of the job's end; ending it \(SIGTERM\)/, explain(r));
    assert.doesNotMatch(r.stdout, /computed to the end/, explain(r));
  });

  it("are in the deadlock report", async () => {
    const r = await runJob("self", 1, job, ["deadlock"], 60);
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /deadlock: every rank is blocked/, explain(r));
    assert.match(r.stderr, /rank 0: blocked in recv\(source=0, tag=2\) on MPI_COMM_SELF_spawn \(communicator #\d+\)/, explain(r));
    assert.match(r.stderr, /rank 1: blocked in recv\(source=0, tag=3\) on MPI_COMM_PARENT \(communicator #\d+\)/, explain(r));
  });

  it("take the slots of ranks that ended, round after round", async () => {
    const r = await runJob("self", 1, job, ["recycle", "30"], 90);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /rank 0: recycle done: 30 rounds, 58 receives from ended children refused/, explain(r));
    assert.doesNotMatch(r.stderr, /warning/, explain(r));
  });
});
