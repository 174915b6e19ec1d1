/**
 * Traced jobs on every engine (issue 11): every send has exactly one matched receive end, the counts and bytes
 * are what the program did, each collective appears once per participant under one id, one track per rank,
 * and the profile's numbers are the trace's.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CLI, ROOT, enginesUnderTest, explain, mpi4ts, runProcess, type JobResult } from "../support/jobs.js";
import { readTrace, type JobEvent, type Trace } from "../../src/trace/merge.js";
import { profileOf } from "../../src/trace/profile.js";
import { expectedTraffic } from "./expected.js";
import { mpichSkip } from "../native/support.js";

const PROGRAM = "test/trace/fixtures/traffic.ts";
const dir = mkdtempSync(join(tmpdir(), "mpi4ts-trace-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function traced(engine: string, size: number, file: string, extra: readonly string[] = []): Promise<JobResult> {
  if (engine === "self") {
    return runProcess(process.execPath, ["--import", "tsx", PROGRAM], { env: { ...process.env, MPI4TS_TRACE: file } });
  }
  const engineArgs = engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : [];
  return mpi4ts(["run", ...engineArgs, "-n", String(size), "--timeout", "60", "--trace", file, ...extra, PROGRAM]);
}

/** The checks every traced run of traffic.ts must pass. */
function checkTrace(trace: Trace, size: number): void {
  const events = trace.traceEvents;
  assert.equal(trace.mpi4ts.size, size);
  const tracks = events.filter((e) => e.ph === "M" && e.name === "process_name");
  assert.deepEqual(tracks.map((e) => e.pid).sort((a, b) => a - b), Array.from({ length: size }, (_, r) => r));
  for (const t of tracks) assert.match(String(t.args?.name), new RegExp(`^rank ${t.pid} on \\S+`));
  const starts = events.filter((e) => e.ph === "s"), ends = events.filter((e) => e.ph === "f");
  const count = (list: JobEvent[]) => list.reduce((m, e) => m.set(e.id!, (m.get(e.id!) ?? 0) + 1), new Map<string, number>());
  const sendIds = count(starts), receiveIds = count(ends);
  for (const [id, n] of sendIds) assert.equal(n, 1, `message ${id} sent once`);
  for (const [id, n] of receiveIds) assert.equal(n, 1, `message ${id} received once`);
  assert.deepEqual([...sendIds.keys()].sort(), [...receiveIds.keys()].sort(), "every send has exactly one matched receive end");
  const sendAt = new Map(starts.map((e) => [e.id!, e]));
  for (const f of ends) {
    const s = sendAt.get(f.id!)!;
    assert.ok(f.ts >= s.ts, `message ${f.id} arrives after it was sent`);
    assert.equal(f.args?.bytes, s.args?.bytes);
    assert.equal(s.pid, s.args?.from);
    assert.equal(f.pid, f.args?.to);
  }
  const profile = profileOf(trace);
  for (let r = 0; r < size; r++) {
    const want = expectedTraffic(r, size);
    const mine = (list: JobEvent[]) => list.filter((e) => e.pid === r);
    const bytes = (list: JobEvent[]) => list.reduce((a, e) => a + Number(e.args?.bytes), 0);
    const got = { sent: mine(starts).length, bytesSent: bytes(mine(starts)), received: mine(ends).length, bytesReceived: bytes(mine(ends)) };
    assert.deepEqual(got, want, `rank ${r}'s messages`);
    const p = profile.ranks[r]!;
    assert.deepEqual({ sent: p.messagesSent, bytesSent: p.bytesSent, received: p.messagesReceived, bytesReceived: p.bytesReceived }, want);
    const spans = events.filter((e) => e.pid === r && e.ph === "X" && e.cat !== "user" && e.name !== "receive completed");
    assert.equal(p.calls, spans.length);
    assert.ok(Math.abs(p.mpiUs - spans.reduce((a, e) => a + e.dur!, 0)) < 1e-6);
  }
  for (const name of ["Bcast", "Allreduce", "Barrier"]) {
    const spans = events.filter((e) => e.ph === "X" && e.name === name);
    assert.deepEqual(spans.map((e) => e.pid).sort((a, b) => a - b), Array.from({ length: size }, (_, r) => r), `${name} once per rank`);
    assert.equal(new Set(spans.map((e) => e.args?.collective)).size, 1, `${name} shares one collective id`);
    assert.equal(typeof spans[0]!.args?.collective, "string");
    if (name !== "Barrier") assert.equal(spans[0]!.args?.datatype, "Float64Array");
  }
  const ids = new Set(events.filter((e) => e.cat === "collective").map((e) => e.args?.collective));
  assert.equal(ids.size, 3, "three collectives");
  assert.equal(events.filter((e) => e.cat === "user" && e.name === "fan-in").length, size);
  assert.equal(events.filter((e) => e.cat === "user" && e.name === "start of traffic").length, size);
  assert.deepEqual(trace.mpi4ts.endings, Array.from({ length: size }, () => "exit 0"));
}

for (const engine of enginesUnderTest()) {
  describe(`traced jobs, ${engine} engine`, () => {
    for (const size of engine === "self" ? [1] : [1, 2, 3, 4]) {
      it(`${size} rank${size === 1 ? "" : "s"}: every message matched, counts and bytes as sent, collectives once per rank`, async () => {
        const file = join(dir, `${engine}-${size}.json`);
        const result = await traced(engine, size, file);
        assert.equal(result.code, 0, explain(result));
        checkTrace(readTrace(file), size);
        assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".part-")), [], "parts are removed after the merge");
      });
    }
  });
}

describe("MPI.Pcontrol(0) pauses a rank's recording", () => {
  it("without unpairing the messages recorded after it", async () => {
    const file = join(dir, "pcontrol.json");
    const result = await mpi4ts(["run", "-n", "2", "--trace", file, "test/trace/fixtures/pcontrol.ts"]);
    assert.equal(result.code, 0, explain(result));
    const events = readTrace(file).traceEvents;
    const sends = events.filter((e) => e.ph === "s"), receives = events.filter((e) => e.ph === "f");
    assert.equal(sends.length, 1, "the paused sends are not recorded");
    assert.equal(events.filter((e) => e.pid === 0 && e.name === "send").length, 1);
    assert.equal(receives.length, 3, "rank 1 recorded all three");
    assert.deepEqual(receives.filter((f) => f.id === sends[0]!.id).map((f) => f.ts >= sends[0]!.ts), [true], "the third send pairs with the third receive");
    assert.match(sends[0]!.id!, /:2$/);
  });
});

describe("one-sided and file calls", () => {
  for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
    it(`are spans on every rank (${engine} engine)`, async () => {
      const file = join(dir, `win-file-${engine}.json`);
      const engineArgs = engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : [];
      const result = await mpi4ts(["run", ...engineArgs, "-n", "2", "--timeout", "60", "--trace", file, "test/trace/fixtures/win-file.ts"]);
      assert.equal(result.code, 0, explain(result));
      const trace = readTrace(file);
      for (const rank of [0, 1]) {
        const names = trace.traceEvents.filter((e) => e.pid === rank && e.ph === "X").map((e) => e.name);
        for (const name of ["Allocate", "Fence", "Put", "Free", "Open", "Write_at_all", "Close"]) {
          assert.ok(names.includes(name), `rank ${rank}'s ${name} is a span: ${names.join(", ")}`);
        }
        assert.equal(names.filter((n) => n === "Fence").length, 2, `rank ${rank}: two Fences`);
      }
    });
  }
});

describe("ranks spawned into a local job", () => {
  it("record under their job ranks, beside the ranks that spawned them, and no part is left over", async () => {
    const file = join(dir, "spawned.json");
    const result = await mpi4ts(["run", "-n", "2", "--timeout", "60", "--trace", file, "examples/patternlets/32-spawn-workers.ts", "3"]);
    assert.equal(result.code, 0, explain(result));
    const trace = readTrace(file);
    assert.deepEqual(trace.mpi4ts.endings, ["exit 0", "exit 0", "exit 0", "exit 0", "exit 0"], "two heads and three workers");
    for (const rank of [0, 1]) assert.ok(trace.traceEvents.some((e) => e.pid === rank && e.name === "Spawn"), `head ${rank} recorded Spawn`);
    for (const rank of [2, 3, 4]) assert.ok(trace.traceEvents.some((e) => e.pid === rank && e.name === "reduce"), `worker ${rank} recorded its reduce`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("spawned.json.part-")), []);
  });
});

describe("a rank that fails", () => {
  for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
    it(`still leaves its events in the merged file (${engine} engine)`, async () => {
      const file = join(dir, `crash-${engine}.json`);
      const engineArgs = engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : [];
      const result = await mpi4ts(["run", ...engineArgs, "-n", "2", "--timeout", "60", "--trace", file, "test/trace/fixtures/crash.ts"]);
      assert.notEqual(result.code, 0, explain(result));
      const trace = readTrace(file);
      assert.equal(trace.mpi4ts.endings[1], "uncaught exception: rank 1 fails on purpose");
      const mine = trace.traceEvents.filter((e) => e.pid === 1).map((e) => e.name);
      for (const name of ["send", "message", "about to fail"]) assert.ok(mine.includes(name), `rank 1's ${name} is in the trace`);
      // Rank 0 is ended from outside while blocked in Barrier: the local launcher ends its thread, which writes its
      // part; MPI_Abort kills the mpi engine's process, whose rows the merge recovers from its mapped rows file.
      const zero = trace.traceEvents.filter((e) => e.pid === 0);
      for (const name of ["recv", "message", "Barrier"]) assert.ok(zero.some((e) => e.name === name), `rank 0's ${name} is in the trace: ${explain(result)}`);
      const barrier = zero.find((e) => e.name === "Barrier")!;
      if (engine === "mpi") {
        assert.match(trace.mpi4ts.endings[0]!, /^killed from outside \(recovered from its rows file; last: inside Barrier\)$/);
        assert.equal(barrier.args?.unfinished, "the rank was killed inside this call");
        assert.match(result.stderr, /rank 0 ended from outside; the trace holds what it recorded until then/);
      } else assert.equal(barrier.args?.site, join(ROOT, "test/trace/fixtures/crash.ts:11"));
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`crash-${engine}.json.part-`)), [], "no part or rows file is left");
    });
  }
});

describe("a deadlock (local engine)", () => {
  it("is reported, and the trace keeps everything up to it, the blocked calls included", async () => {
    const file = join(dir, "deadlock.json");
    const result = await mpi4ts(["run", "-n", "4", "--timeout", "60", "--trace", file, "test/trace/fixtures/deadlock.ts"]);
    assert.notEqual(result.code, 0, explain(result));
    assert.match(result.stderr, /deadlock: every rank is blocked/);
    const events = readTrace(file).traceEvents;
    assert.equal(events.filter((e) => e.ph === "s").length, 4, "the messages before the deadlock");
    assert.equal(events.filter((e) => e.ph === "f").length, 4);
    for (let r = 0; r < 4; r++) {
      const blocked = events.filter((e) => e.pid === r && e.name === "recv" && e.args?.error !== undefined);
      assert.equal(blocked.length, 1, `rank ${r}'s blocked recv is in the trace`);
      assert.equal(blocked[0]!.args?.peer, r ^ 1);
      assert.equal(blocked[0]!.args?.tag, 7);
    }
  });
});

describe("--profile", () => {
  it("prints per rank the trace's numbers", async () => {
    const file = join(dir, "profiled.json");
    const result = await traced("local", 3, file, ["--profile"]);
    assert.equal(result.code, 0, explain(result));
    const profile = profileOf(readTrace(file));
    const rows = result.stderr.split("\n").filter((l) => /^\s+\d+\s/.test(l)).map((l) => l.trim().split(/\s+/));
    assert.equal(rows.length, 3, result.stderr);
    for (const row of rows) {
      const p = profile.ranks[Number(row[0])]!;
      assert.deepEqual(row.slice(2, 7).map(Number), [p.calls, p.messagesSent, p.bytesSent, p.messagesReceived, p.bytesReceived]);
    }
    assert.match(result.stderr, /longest waits:\n\s+rank \d: [\d.]+ (µs|ms|s) in \w+/);
    assert.match(result.stderr, /traffic\.ts:\d+/, "the longest waits name the program's line");
  });

  it("without --trace leaves no file behind", async () => {
    const result = await mpi4ts(["run", "-n", "2", "--profile", PROGRAM]);
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stderr, /mpi4ts profile: 2 ranks, local engine/);
    assert.deepEqual(readdirSync(ROOT).filter((f) => f.startsWith("mpi4ts-trace")), []);
  });
});

describe("--engine mpi on MPICH", { skip: enginesUnderTest().includes("mpi") ? mpichSkip() : "the mpi engine is not under test" }, () => {
  it("passes the tracing variables with -genv, and every message is matched", async () => {
    const file = join(dir, "mpich.json");
    const result = await mpi4ts(["run", "--engine", "mpi", "-n", "3", "--timeout", "60", "--trace", file, PROGRAM], {
      env: { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" },
    });
    assert.equal(result.code, 0, explain(result));
    checkTrace(readTrace(file), 3);
  });
});

if (enginesUnderTest().includes("mpi")) {
  describe("MPI4TS_TRACE=FILE mpiexec ... mpi4ts exec", () => {
    it("rank 0 merges the parts of every rank", async () => {
      const file = join(dir, "mpiexec.json");
      const result = await runProcess("mpirun.openmpi", ["--allow-run-as-root", "--oversubscribe", "-n", "3", process.execPath, CLI, "exec", PROGRAM], {
        env: { ...process.env, MPI4TS_TRACE: file },
      });
      assert.equal(result.code, 0, explain(result));
      checkTrace(readTrace(file), 3);
    });
  });
}
