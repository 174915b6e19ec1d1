/**
 * The browser runtime (dist/browser: src/browser/launcher.ts and rank.ts, the local engine in Web Workers) in
 * a real headless browser: Debian's chromium driven by playwright-core, nothing downloaded. Programs run at
 * several sizes, 16 ranks included (oversubscribed on this machine's cores); their output must be what
 * `mpi4ts run` prints for the same program, and failures, exits, Abort, deadlocks and Stop must end the job as
 * they do there. Skipped, saying so, only where chromium is not installed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright-core";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ROOT, explain, mpi4ts } from "../support/jobs.js";
import type { Trace } from "../../src/trace/merge.js";
import { CHROMIUM, startHarness, type RunResult } from "./harness.js";

const PATTERNLETS = readdirSync(join(ROOT, "examples/patternlets")).filter((f) => f.endsWith(".ts")).sort();
/** Patternlets whose output differs from run to run (timings, who gets which task), and the one that Spawns. */
const NONDETERMINISTIC = new Set(["17-dynamic-load-balance.ts", "18-barrier-timing.ts", "19-reduce-times.ts", "30-shared-counter.ts"]);
const NEEDS_NODE = new Set(["32-spawn-workers.ts"]);

/** The exemplars the playground's menu offers as runnable, with the arguments their "Run:" lines use. */
const EXEMPLARS = (JSON.parse(readFileSync(join(ROOT, "dist/playground/catalog.json"), "utf8")) as {
  examples: { path: string; group: string; ranks: number; args: string[]; needsNode?: string }[];
}).examples.filter((e) => e.group === "Exemplars" && !e.needsNode);
/** Lines of the exemplars that differ from run to run: timings, and who did how much. */
const VARIES = /^TIME |busy time|tasks per worker/;

interface TracedRun { code: number; reports: string[]; trace: Trace; before: number[] }

const PROGRAMS: Record<string, string> = {
  hello: "examples/patternlets/00-spmd-hello.ts",
  ring: "examples/patternlets/07-ring.ts",
  deadlock: "examples/patternlets/04-deadlock.ts",
  values: "test/browser/fixtures/values.ts",
  fail: "test/browser/fixtures/fail.ts",
  abort: "test/browser/fixtures/abort.ts",
  exit: "test/browser/fixtures/exit.ts",
  spin: "test/browser/fixtures/spin.ts",
  args: "test/browser/fixtures/args.ts",
  unsupported: "test/browser/fixtures/unsupported.ts",
  slowRing: "test/browser/fixtures/slow-ring.ts",
  failAfterOutput: "test/browser/fixtures/fail-after-output.ts",
  unreceived: "test/fixtures/unreceived-messages.ts",
  pool: "test/browser/fixtures/pool.ts",
  commExecutor: "test/browser/fixtures/comm-executor.ts",
  ...Object.fromEntries(EXEMPLARS.map((e) => [e.path, `examples/${e.path}`])),
  ...Object.fromEntries(PATTERNLETS.filter((f) => !NEEDS_NODE.has(f)).map((f) => [f, `examples/patternlets/${f}`])),
};

describe("the browser runtime in chromium", { skip: CHROMIUM ? false : "chromium is not installed (apt-get install chromium)" }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const run = (name: string, size: number, stopAfterMs?: number, args?: string[]): Promise<RunResult> =>
    page.evaluate(([n, s, stop, a]) => (globalThis as unknown as { runProgram(...x: unknown[]): Promise<RunResult> }).runProgram(n, s, stop, a),
      [name, size, stopAfterMs, args] as const);
  const out = (r: RunResult, rank?: number) => r.lines.filter((l) => l.stream === "stdout" && (rank === undefined || l.rank === rank)).map((l) => l.line);

  before(async () => {
    const harness = await startHarness(PROGRAMS);
    server = harness.server;
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    page = await browser.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => { if (message.type() === "error" && !/favicon|404/.test(message.text())) pageErrors.push(message.text()); });
    await page.goto(harness.url);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  for (const size of [1, 4, 16]) {
    it(`hello at ${size} rank${size === 1 ? "" : "s"}: one greeting per rank`, async () => {
      const r = await run("hello", size);
      assert.equal(r.code, 0, JSON.stringify(r));
      assert.deepEqual(out(r).sort(), Array.from({ length: size }, (_, i) => `Hello from process ${i} of ${size} on browser`).sort());
    });
  }

  it("the ring passes its token through every rank", async () => {
    const r = await run("ring", 4);
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.deepEqual(out(r, 0), ["Conductor got the list back: [0, 1, 2, 3]"]);
  });

  /** Line for line, in each rank's order (ranks interleave differently from run to run). */
  const byRank = (lines: string[], size: number) => Array.from({ length: size }, (_, rank) => lines.filter((l) => l.startsWith(`[${rank}] `)));
  const inBrowser = (r: RunResult) => r.lines.map((l) => `[${l.rank}] ${l.line}`);

  for (const file of PATTERNLETS.filter((f) => !NEEDS_NODE.has(f))) {
    it(`patternlet ${file} at 4 ranks ${NONDETERMINISTIC.has(file) ? "runs to its end" : "prints what mpi4ts run prints"}`, async () => {
      const node = await mpi4ts(["run", "-n", "4", "--tag-output", "--timeout", "60", `examples/patternlets/${file}`]);
      const r = await run(file, 4);
      assert.equal(r.code, node.code, `${JSON.stringify(r)}\n${explain(node)}`);
      if (NONDETERMINISTIC.has(file)) return;
      const expected = node.stdout.trimEnd().split("\n").map((l) => l.replaceAll(hostname(), "browser"));
      assert.deepEqual(byRank(inBrowser(r), 4), byRank(expected, 4));
    });
  }

  it("offers the exemplars that need no Node module, drug design among them", () => {
    assert.ok(EXEMPLARS.some((e) => e.path === "exemplars/drug-design/drug-design.ts"), JSON.stringify(EXEMPLARS.map((e) => e.path)));
    assert.ok(EXEMPLARS.length >= 5);
  });

  for (const exemplar of EXEMPLARS) {
    it(`exemplar ${exemplar.path} prints what mpi4ts run prints, timings aside`, async () => {
      const node = await mpi4ts(["run", "-n", String(exemplar.ranks), "--tag-output", "--timeout", "120", `examples/${exemplar.path}`, ...exemplar.args], { timeoutMs: 150_000 });
      const r = await run(exemplar.path, exemplar.ranks, undefined, exemplar.args);
      assert.equal(r.code, node.code, `${JSON.stringify(r)}\n${explain(node)}`);
      const steady = (lines: string[]) => lines.filter((l) => !VARIES.test(l.replace(/^\[\d+\] /, "")));
      assert.deepEqual(byRank(steady(inBrowser(r)), exemplar.ranks), byRank(steady(node.stdout.trimEnd().split("\n")), exemplar.ranks));
    });
  }

  for (const size of [2, 3, 5]) {
    it(`prints what mpi4ts run prints for the same program (${size} ranks: values, large buffers, collectives)`, async () => {
      const node = await mpi4ts(["run", "-n", String(size), "--tag-output", "--timeout", "60", "test/browser/fixtures/values.ts"]);
      assert.equal(node.code, 0, explain(node));
      const r = await run("values", size);
      assert.equal(r.code, 0, JSON.stringify(r));
      assert.deepEqual(byRank(inBrowser(r), size), byRank(node.stdout.trimEnd().split("\n"), size));
    });
  }

  it("the deadlock patternlet ends with the deadlock report", async () => {
    const r = await run("deadlock", 2);
    assert.equal(r.code, 1);
    assert.match(r.reports.join("\n"), /deadlock: every rank is blocked.*\n  rank 0: blocked in recv\(source=1, tag=ANY_TAG\) on MPI_COMM_WORLD\n  rank 1: blocked in recv\(source=0/);
  });

  it("a rank that throws ends the job with its error", async () => {
    const r = await run("fail", 3);
    assert.equal(r.code, 1);
    assert.match(r.reports.join("\n"), /^mpi4ts: rank 1 failed:\nError: rank one gives up\n[^]*mpi4ts: ending the job \(3 ranks\)$/);
  });

  it("shows every line printed before a rank's failure, though the job ends at once", async () => {
    for (const size of [4, 8, 8, 8]) {
      const r = await run("failAfterOutput", size);
      assert.equal(r.code, 1);
      assert.match(r.reports.join("\n"), /rank 1 failed:\nError: rank one fails after hearing from everyone/);
      assert.deepEqual(out(r).sort(), Array.from({ length: size }, (_, i) => i).filter((i) => i !== 1).map((i) => `line from rank ${i}`).sort());
    }
  });

  it("warns when the ranks ended without calling the same collectives on COMM_WORLD", async () => {
    const r = await run("unreceived", 3, undefined, ["bcast-at-root"]);
    assert.equal(r.code, 0, r.reports.join("\n"));
    assert.match(r.reports.join("\n"), /^mpi4ts: warning: the ranks did not all call the same collectives on MPI_COMM_WORLD: rank 0 called 2 \(the last: bcast with root 0\); ranks 1, 2 called 1 \(the last: Barrier\)\./);
    const matched = await run("unreceived", 3, undefined, ["messages"]);
    assert.equal(matched.code, 0, matched.reports.join("\n"));
    assert.doesNotMatch(matched.reports.join("\n"), /did not all call/);
  });

  it("Abort(7) ends every rank with code 7", async () => {
    const r = await run("abort", 3);
    assert.equal(r.code, 7, JSON.stringify(r));
  });

  it("process.exit(3) on one rank ends the job with code 3, nothing printed after it", async () => {
    const r = await run("exit", 3);
    assert.equal(r.code, 3, JSON.stringify(r));
    assert.match(r.reports.join("\n"), /rank 2 exited with code 3; ending the job/);
    assert.deepEqual(out(r), []);
  });

  it("Stop ends ranks that compute forever within a second", async () => {
    const r = await run("spin", 4, 500);
    assert.equal(r.code, 130);
    assert.ok(r.ms < 1000, `stopped after ${r.ms} ms`);
    assert.match(r.reports.join("\n"), /stopped; ending every rank\n  rank 0: running/);
  });

  it("the program's arguments reach process.argv", async () => {
    const r = await run("args", 2, undefined, ["a b", "c"]);
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.deepEqual(out(r), ["args: a b,c true"]);
  });

  it("refuses files and Spawn alike on every rank, and the job goes on", async () => {
    const r = await run("unsupported", 3);
    assert.equal(r.code, 0, JSON.stringify(r));
    for (let rank = 0; rank < 3; rank++) {
      assert.deepEqual(out(r, rank), [
        `rank ${rank}: File.Open refused: ERR_UNSUPPORTED_OPERATION`, `rank ${rank}: Spawn refused: ERR_SPAWN`, `rank ${rank}: still here`,
      ]);
    }
  });

  it("traces the job live: the timeline grows while it runs, and shows every message of the ring as an arrow", async () => {
    const size = 4;
    const r = await page.evaluate((n) => (globalThis as unknown as { runTraced(name: string, size: number): Promise<TracedRun> }).runTraced("slowRing", n), size);
    assert.equal(r.code, 0, r.reports.join("\n"));
    assert.ok(r.before.length >= 2 && r.before.some((n) => n > 0), `deliveries before the end: ${JSON.stringify(r.before)}`);
    const sends = r.trace.traceEvents.filter((e) => e.ph === "s");
    const receives = r.trace.traceEvents.filter((e) => e.ph === "f");
    assert.equal(sends.length, 3 * size, "three laps of one message per rank");
    assert.deepEqual(new Set(receives.map((e) => e.id)), new Set(sends.map((e) => e.id)));
    assert.deepEqual(r.trace.mpi4ts.endings, Array(size).fill("exit 0"));
    assert.equal(r.trace.mpi4ts.engine, "local");
    const frame = page.frameLocator("#timeline");
    await frame.locator("body[data-ready=true]").waitFor();
    assert.equal(await frame.locator("#timeline-svg .lane").count(), size);
    assert.equal(await frame.locator("#timeline-svg .arrow").count(), sends.length);
    mkdirSync(join(ROOT, "test/browser/out"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test/browser/out/runtime-timeline.png") });
  });

  it("refuses a pool (its workers would be spawned), saying why, without a hang", async () => {
    const r = await run("pool", 2);
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.deepEqual(out(r), ["refused: ERR_OTHER, true"]);
  });

  it("a deadlocked job's timeline shows each rank stuck in its receive to the end", async () => {
    const r = await page.evaluate((n) => (globalThis as unknown as { runTraced(name: string, size: number): Promise<TracedRun> }).runTraced("04-deadlock.ts", n), 2);
    assert.equal(r.code, 1);
    const end = Math.max(...r.trace.traceEvents.map((e) => e.ts + (e.dur ?? 0)));
    for (const rank of [0, 1]) {
      const stuck = r.trace.traceEvents.filter((e) => e.pid === rank && e.args?.unfinished !== undefined);
      assert.equal(stuck.length, 1, JSON.stringify(r.trace.traceEvents.filter((e) => e.pid === rank)));
      assert.equal(stuck[0]!.name, "recv");
      assert.match(String(stuck[0]!.args!.unfinished), /still in this call \(ended with the job \(exit code 1\)\)/);
      assert.equal(stuck[0]!.ts + stuck[0]!.dur!, end, "stretched to the trace's end");
    }
    assert.deepEqual(r.trace.mpi4ts.endings, Array(2).fill("ended with the job (exit code 1)"));
  });

  it("runs a CommExecutor's tasks on the job's other ranks", async () => {
    const r = await run("commExecutor", 4);
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.deepEqual(out(r), ["squares 1 4 9 16 25 36; no task on the head: true"]);
  });

  it("logs no error in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
