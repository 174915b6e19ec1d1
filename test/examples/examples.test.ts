/**
 * Runs every example (hello, patternlets, exemplars) through the launcher at
 * 1, 2 and 4 ranks (where the example allows that size), with small problem
 * sizes, and checks the exit code and the key lines of output. Every example
 * also checks its own result and exits non-zero when it is wrong, so exit
 * code 0 already means "the computation was right".
 *
 *   npm run build && npx tsx --test test/examples/examples.test.ts
 *
 * Engines: the built-in (local) engine, and the native mpi engine when its addon is built (as for every
 * suite: test/support/jobs.ts; MPI4TS_TEST_ENGINES=local,mpi chooses explicitly).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { enginesUnderTest } from "../support/jobs.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const launcher = join(root, "bin", "mpi4ts.js");
const scratch = mkdtempSync(join(tmpdir(), "mpi4ts-examples-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

const ALL_SIZES = [1, 2, 4];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sumOfSquares = (n: number) => (n * (n + 1) * (2 * n + 1)) / 6;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Case {
  /** Path from the repository root. */
  file: string;
  args?: string[];
  /** Sizes to run at (default 1, 2, 4). */
  sizes?: number[];
  /** Strings that must appear in stdout at size n. */
  expect: (n: number) => string[];
  /** Launcher options before the file (default `--timeout 60`). */
  launch?: string[];
  /** Launcher options on the mpi engine, if they differ (mpiexec starts processes more slowly). */
  mpiLaunch?: string[];
  /** The job must fail (patternlet 04). */
  mustFail?: boolean;
  /** Extra checks after a run. */
  after?: (n: number, out: Outcome) => void;
}

const svgFile = (n: number, engine: string) => join(scratch, `forest-fire-${engine}-${n}.svg`);

const cases: Case[] = [
  { file: "examples/hello.ts", expect: (n) => range(n).map((r) => `Greetings from process ${r} of ${n} on `) },
  { file: "examples/patternlets/00-spmd-hello.ts", expect: (n) => range(n).map((r) => `Hello from process ${r} of ${n} on `) },
  {
    file: "examples/patternlets/01-conductor-worker.ts",
    expect: (n) => [`Greetings from the conductor, rank 0 of ${n}`, ...range(n).slice(1).map((r) => `Greetings from a worker, rank ${r} of ${n}`)],
  },
  { file: "examples/patternlets/02-parallel-loop-equal-chunks.ts", expect: (n) => range(n).map((r) => `Process ${r} performed iterations ${r * (8 / n)}`) },
  { file: "examples/patternlets/03-parallel-loop-chunks-of-one.ts", expect: (n) => range(n).map((r) => `Process ${r} performed iterations ${r}`) },
  {
    // The hang itself: with the deadlock check off (as on a cluster), only the
    // launcher's --timeout can end the job, and it must end it with an error.
    file: "examples/patternlets/04-deadlock.ts",
    sizes: [2, 4],
    launch: ["--no-deadlock-check", "--timeout", "3"],
    mpiLaunch: ["--no-deadlock-check", "--timeout", "10"],
    mustFail: true,
    expect: (n) => range(n).map((r) => `Process ${r}: waiting for a message`),
    after: (_n, out) => assert.match(out.stderr, /timeout/i, "the job must end through its timeout"),
  },
  {
    // The command in the header: ended by the deadlock check or by the timeout, but always an error.
    file: "examples/patternlets/04-deadlock.ts",
    sizes: [2],
    launch: ["--timeout", "5"],
    mustFail: true,
    expect: () => ["Process 0: waiting for a message"],
  },
  {
    file: "examples/patternlets/05-message-passing.ts",
    expect: (n) => (n === 1 ? ["Process 0 has no partner"] : range(n).map((r) => `Process ${r} sent "${r * 10} from process ${r}" and received "${(r ^ 1) * 10} from process ${r ^ 1}"`)),
  },
  {
    file: "examples/patternlets/06-message-arrays.ts",
    expect: (n) => (n === 1 ? ["Conductor: no workers"] : range(n).slice(1).map((r) => `Conductor received from ${r}: [`)),
  },
  {
    file: "examples/patternlets/07-ring.ts",
    expect: (n) => [n === 1 ? "A ring of one rank" : `Conductor got the list back: [${range(n).join(", ")}]`],
  },
  { file: "examples/patternlets/08-broadcast-object.ts", expect: (n) => range(n).map((r) => `After broadcast, process ${r} has {"name":"heat"`) },
  {
    file: "examples/patternlets/09-broadcast-user-input.ts",
    args: ["42", "hello"],
    expect: (n) => [...range(n).map((r) => `Process ${r} has count=42, word="hello"`), `All ${n} processes have the conductor's input`],
  },
  { file: "examples/patternlets/10-broadcast-send-recv.ts", expect: (n) => range(n).map((r) => `Process ${r}: loop {"message":"from the root"`) },
  { file: "examples/patternlets/11-broadcast-array.ts", expect: (n) => range(n).map((r) => `Process ${r}: list [0, 1, 4, 9, 16, 25, 36, 49]`) },
  {
    file: "examples/patternlets/12-reduction.ts",
    expect: (n) => [`The sum of the squares is ${sumOfSquares(n)}`, `The max of the squares is ${n * n}`],
  },
  {
    file: "examples/patternlets/13-reduction-arrays.ts",
    expect: (n) => {
      const s = (n * (n - 1)) / 2;
      return [`Element-wise sums (values):  [${[1, 10, 100, 1000, 10000].map((p) => s * p).join(", ")}]`];
    },
  },
  { file: "examples/patternlets/14-scatter.ts", expect: (n) => range(n).map((r) => `Process ${r} got {"worker":${r},"from":${r * 100}`) },
  { file: "examples/patternlets/15-gather.ts", expect: (n) => [`Conductor gathered ${JSON.stringify(range(n).map((r) => [r, 2 * r, 3 * r]))}`] },
  { file: "examples/patternlets/16-scatter-gather-buffers.ts", expect: (n) => [`All ${3 * n} elements were multiplied by 10`] },
  {
    file: "examples/patternlets/17-dynamic-load-balance.ts",
    sizes: [2, 4],
    args: ["8"],
    expect: (n) => ["Conductor: 8 tasks done", ...range(n).slice(1).map((w) => `Worker ${w} did `)],
  },
  {
    file: "examples/patternlets/18-barrier-timing.ts",
    args: ["20"],
    expect: (n) => [...range(n).map((r) => `Process ${r}: arrived at the barrier after`), "All ranks passed the barrier"],
  },
  { file: "examples/patternlets/19-reduce-times.ts", args: ["10"], expect: () => ["Max time:", "Min time:", "Average:"] },
  {
    file: "examples/patternlets/20-tags-sequence.ts",
    expect: (n) => (n === 1 ? ["No workers"] : range(n).slice(1).map((w) => `From ${w}: "worker ${w} says these words in order"`)),
  },
  { file: "examples/patternlets/21-parallel-loop-uneven-chunks.ts", expect: (n) => [`10 iterations split over ${n} ranks`] },
  { file: "examples/patternlets/22-scatterv-gatherv.ts", expect: () => ["Root gathered [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]"] },
  {
    file: "examples/patternlets/23-nonblocking.ts",
    expect: (n) => range(n).map((r) => `Process ${r} computed 1.644933 while receiving {"from":${(r - 1 + n) % n}`),
  },
  { file: "examples/patternlets/24-split-communicators.ts", expect: (n) => range(n).map((r) => `World rank ${r}: row ${Math.floor(r / 2)}`) },
  {
    file: "examples/patternlets/25-cartesian-shift.ts",
    expect: (n) => [`in a ${n === 1 ? "1x1" : n === 2 ? "2x1" : "2x2"} torus`, "On the open"],
  },
  {
    file: "examples/patternlets/26-persistent-requests.ts",
    expect: (n) => range(n).map((r) => `Process ${r} after 5 steps: total ${r + [1, 2, 3, 4, 5].reduce((t, k) => t + ((r - k + 5 * n) % n), 0)}`),
  },
  { file: "examples/patternlets/27-persistent-collectives.ts", expect: (n) => range(n).map((r) => `Process ${r}: sqrt(${r + 1}) = `) },
  {
    file: "examples/patternlets/28-datatype-columns.ts",
    expect: (n) => [...range(n).map((r) => `Process ${r}: ghost columns filled by the halo exchange`), `Root assembled the 6x${4 * n} grid column by column`],
  },
  {
    file: "examples/patternlets/29-neighbor-halo.ts",
    expect: (n) => range(n).map((r) => `Process ${r} at (`).concat([`of a ${n === 1 ? "1x1" : n === 2 ? "2x1" : "2x2"} cylinder got up=`, "Three steps of the persistent halo exchange checked"]),
  },
  {
    file: "examples/patternlets/30-shared-counter.ts",
    expect: (n) => range(n).map((r) => `Process ${r} did `).concat(["Head: 24 tasks done", "Check passed: every task was claimed exactly once"]),
  },
  {
    file: "examples/patternlets/31-intercomm-workers.ts",
    expect: (n) => (n === 1 ? ["needs at least 2 processes"] : range(n - 1).map((w) => `Head got ${w * 100 + 45} from worker ${w}`).concat(["Check passed"])),
  },
  {
    file: "examples/patternlets/32-spawn-workers.ts",
    args: ["3"],
    expect: () => ["Head started 3 workers", ...range(3).map((w) => `Worker ${w} of 3 (spawned by a head of `), "Check passed"],
  },
  {
    file: "examples/patternlets/33-dynamic-window.ts",
    args: ["3000"],
    expect: (n) => [1, 2, 3].map((k) => `Round ${k}: head read `).concat([`from ${n} process(es)`, "Check passed: the head read all 1117 primes below 9000, in order"]),
  },
  { file: "examples/exemplars/monte-carlo-pi/pi.ts", args: ["200000"], expect: () => ["Estimate of pi", "TIME parallel", "TIME sequential", "Check passed"] },
  { file: "examples/exemplars/trapezoid/trapezoid.ts", args: ["200000"], expect: () => ["TIME parallel", "TIME sequential", "Check passed"] },
  {
    file: "examples/exemplars/drug-design/drug-design.ts",
    args: ["16", "4"],
    expect: () => ["Static  best score", "Dynamic best score", "TIME static", "TIME dynamic", "TIME sequential", "Check passed"],
  },
  {
    file: "examples/exemplars/forest-fire/forest-fire.ts",
    args: ["20", "10", "5", "SVG"],
    expect: () => ["probability  percent burned", "TIME parallel", "Check passed"],
    after: (n, out) => {
      const path = /Wrote the plot to (\S+)/.exec(out.stdout)?.[1];
      assert.ok(path && existsSync(path), "the SVG file was written");
      assert.match(readFileSync(path, "utf8"), /^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\s*$/);
    },
  },
  { file: "examples/exemplars/heat-diffusion/heat.ts", args: ["40", "30", "20"], expect: () => ["TIME parallel", "Check passed", "File check passed"] },
  { file: "examples/exemplars/odd-even-sort/odd-even-sort.ts", args: ["10001"], expect: () => ["TIME parallel", "Check passed"] },
  { file: "examples/exemplars/matrix-vector/matvec.ts", args: ["64", "64", "5"], expect: () => ["dominant eigenvalue", "TIME parallel", "Check passed"] },
];

function runJob(argv: string[], limitMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A safety net above the launcher's own --timeout, so a broken launcher cannot hang the suite.
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const engines: string[] = enginesUnderTest();
const mpiReason = "the native mpi engine is not built here (npm rebuild mpi4ts after installing libopenmpi-dev), or MPI4TS_TEST_ENGINES leaves it out";

for (const engine of ["local", "mpi"]) {
  const skip = engine === "mpi" && !engines.includes("mpi") ? mpiReason : false;
  describe(`examples on the ${engine} engine`, { concurrency: 2 }, () => {
    for (const c of cases) {
      for (const n of c.sizes ?? ALL_SIZES) {
        const args = (c.args ?? []).map((a) => (a === "SVG" ? svgFile(n, engine) : a));
        // Open MPI refuses more ranks than cores unless told to oversubscribe (the built-in engine always allows it).
        const mpiOptions = engine === "mpi" ? ["--engine", "mpi", ...(n > availableParallelism() ? ["--oversubscribe"] : [])] : [];
        const options = (engine === "mpi" ? c.mpiLaunch : undefined) ?? c.launch ?? ["--timeout", "60"];
        const launch = [...mpiOptions, "-n", String(n), ...options];
        const argv = [launcher, "run", ...launch, c.file, ...args];
        const shown = `node bin/mpi4ts.js run ${launch.join(" ")} ${c.file} ${args.join(" ")}`.trim();
        const name = `${c.file.replace("examples/", "")} at ${n} rank(s)${c.launch ? ` (${options.join(" ")})` : ""}`;
        test(name, { skip, timeout: 120_000 }, async () => {
          const out = await runJob(argv, 100_000);
          const context = `\n$ ${shown}\nexit ${out.code} ${out.signal ?? ""}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`;
          if (c.mustFail) {
            assert.ok(out.code !== 0 && out.code !== null, `the job must end through its timeout with a non-zero exit code${context}`);
          } else {
            assert.equal(out.code, 0, `the job must succeed${context}`);
          }
          for (const needle of c.expect(n)) {
            assert.ok(out.stdout.includes(needle), `stdout must contain ${JSON.stringify(needle)}${context}`);
          }
          c.after?.(n, out);
        });
      }
    }
  });
}

// The playground's menu and the curriculum take a patternlet's title from its doc comment.
test("every patternlet's doc comment names its own number", () => {
  const dir = join(root, "examples", "patternlets");
  const files = readdirSync(dir).filter((f) => /^\d+-.*\.ts$/.test(f));
  assert.ok(files.length >= 30);
  for (const file of files) {
    const title = /^ \* Patternlet (\d+):/m.exec(readFileSync(join(dir, file), "utf8"))?.[1];
    assert.equal(title, file.slice(0, file.indexOf("-")), file);
  }
});
