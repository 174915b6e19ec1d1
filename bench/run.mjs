#!/usr/bin/env node
/**
 * bench/run.mjs: OSU-style micro benchmarks of mpi4ts, C (Open MPI) and mpi4py, side by side in one run.
 *
 *   npm run bench                      # build mpi4ts, then everything (about 2-4 minutes on 2 cores)
 *   node bench/run.mjs --quick         # short batches: a smoke test in well under a minute
 *   node bench/run.mjs --only p2p      # or coll, rma, startup, futures, memory
 *
 * Every benchmark program prints one JSON line per case on rank 0's stdout; this script collects them into
 * bench/out/results.jsonl and prints markdown tables (also written to bench/out/results.md) with the ratios
 * mpi4ts/C and mpi4ts/mpi4py and the performance targets of shared/DESIGN.md §4.
 *
 * Environment: MPI4TS_BENCH_ENGINES=local,mpi picks the mpi4ts engines (default: local, plus mpi when the native
 * addon is built or `--engine mpi` runs a hello); MPICC / MPIRUN / BENCH_PYTHON override the tools.
 * An implementation that is missing or fails prints a one-line note (and its error) and the rest still run.
 * Plain Node ESM, no dependencies, no build step.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BENCH = join(ROOT, "bench");
const OUT = join(BENCH, "out");

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const REPORT_ONLY = argv.includes("--report");
let ONLY = null;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--only") ONLY = argv[++i];
  else if (argv[i].startsWith("--only=")) ONLY = argv[i].slice(7);
  else if (argv[i] === "--help" || argv[i] === "-h") {
    console.log("usage: node bench/run.mjs [--quick] [--only p2p|coll|rma|startup|futures|memory] | --report  (tables from bench/out/results.jsonl)");
    process.exit(0);
  }
}
if (ONLY !== null && !["p2p", "coll", "rma", "startup", "futures", "memory"].includes(ONLY)) {
  console.error(`bench: --only takes p2p, coll, rma, startup, futures or memory, not ${JSON.stringify(ONLY)}`);
  process.exit(2);
}
const wantKind = (kind) => ONLY === null || ONLY === kind;

const MPICC = process.env.MPICC ?? "mpicc.openmpi";
const MPIRUN = process.env.MPIRUN ?? "mpirun.openmpi";
const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const MPIRUN_FLAGS = ["--oversubscribe", ...(process.getuid?.() === 0 ? ["--allow-run-as-root"] : [])];
const progArgs = QUICK ? ["--quick"] : [];

mkdirSync(OUT, { recursive: true });
const notes = [];
const note = (msg) => {
  notes.push(msg);
  console.error(`bench: ${msg}`);
};
const log = (msg) => console.error(msg);

// ---------------------------------------------------------------- running things
function which(cmd) {
  return spawnSync("sh", ["-c", `command -v "$1"`, "sh", cmd], { encoding: "utf8" }).status === 0;
}

/** Runs a command with a time limit; kills its whole process group on timeout. Resolves, never rejects. */
function run(cmd, args, { timeoutMs = 60_000, env } = {}) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let child;
    try {
      child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resolve({ code: -1, signal: null, stdout, stderr: String(error), timedOut, seconds: 0 });
      return;
    }
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 3000).unref();
    }, timeoutMs);
    child.on("error", (error) => { stderr += String(error); });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      killGroup("SIGKILL"); // stray ranks of a crashed job
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ code: code ?? -1, signal, stdout, stderr, timedOut, seconds });
    });
  });
}

/** Why a run failed, with the end of its output; `brief` keeps only the first error line. */
function failureText(r, brief = false) {
  const why = r.timedOut ? `timed out after ${r.seconds.toFixed(0)} s` : r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
  let lines = (r.stderr + "\n" + r.stdout.split("\n").filter((l) => !l.startsWith("{")).join("\n"))
    .replace(/data:[a-z/]+;base64,[A-Za-z0-9+/=]+/g, "<bundle>") // stacks of bundled programs
    .split("\n").map((l) => l.trimEnd()).filter((l) => l.length > 0);
  if (brief) {
    const i = lines.findIndex((l) => /Error\b|MPIError/.test(l));
    lines = i >= 0 ? [lines[i]] : lines.slice(-2);
  } else {
    lines = lines.slice(-12);
  }
  lines = lines.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  return `${why}${lines.length ? "\n    " + lines.join("\n    ") : ""}`;
}

function parseResults(stdout) {
  const out = [];
  for (const line of stdout.split("\n")) {
    const s = line.trim();
    if (!s.startsWith("{")) continue;
    try {
      const rec = JSON.parse(s);
      if (rec && rec.bench === "futures") out.push(futuresRecord(rec));
      else if (rec && typeof rec.case === "string" && typeof rec.usec === "number") out.push(rec);
    } catch { /* a rank's stray output */ }
  }
  return out;
}

/**
 * bench/{ts,py}/futures.* print tasks per second (or the 1 ms task's overhead in µs); as a row they become a time
 * per task, so the ratios read like every other row's (lower is better).
 */
function futuresRecord(rec) {
  const common = { case: "futures", value: rec.case, size: 0, ranks: rec.workers + 1, workers: rec.workers };
  if (typeof rec.tasksPerSecond === "number") {
    return { ...common, tasks: rec.tasks, tps: Math.round(rec.tasksPerSecond), usec: Math.round(1e8 / rec.tasksPerSecond) / 100 };
  }
  return { ...common, usec: Math.round(rec.value * 100) / 100 };
}

// ---------------------------------------------------------------- what exists
const results = [];
// { name, cmd(kind, ranks, extraArgs) -> [cmd, args], hello(ranks) -> [cmd, args], futures() -> [cmd, args] (optional) }
const impls = [];

const P2P_GROUPS = { "pingpong-buffer": 6, bandwidth: 1, "pingpong-value": 4, requests: 4, halo: 2 };
const RMA_GROUPS = { "put-lock": 7, "get-lock": 7, "put-fence": 7, "acc-lock": 1 };
const COLL_GROUPS = { barrier: 1, bcast: 4, allreduce: 3, persistent: 2, gather: 1, alltoall: 1, "allreduce-value": 1, "bcast-value": 1 };
const C_ONLY_BUFFERS = new Set(["pingpong-value", "allreduce-value", "bcast-value"]);
/** mpi4py 3.1 has no persistent collectives: its `persistent` group is the Iallreduce row alone. */
const PY_GROUP_CASES = { persistent: 1 };
const FUTURES_CASES = 5;
const FUTURES_RANKS = 5; // the head and 4 workers

function groupsFor(impl, kind) {
  const all = kind === "p2p" ? P2P_GROUPS : kind === "rma" ? RMA_GROUPS : COLL_GROUPS;
  return Object.entries(all)
    .filter(([g]) => !(impl === "c" && C_ONLY_BUFFERS.has(g)))
    .map(([g, c]) => [g, impl === "mpi4py" ? (PY_GROUP_CASES[g] ?? c) : c]);
}

async function setupC() {
  if (!which(MPICC) || !which(MPIRUN)) {
    note(`C skipped: ${MPICC} or ${MPIRUN} not found (install libopenmpi-dev openmpi-bin)`);
    return;
  }
  for (const prog of ["p2p", "coll", "rma", "hello", "idle"]) {
    const r = await run(MPICC, ["-O2", "-Wall", "-o", join(OUT, prog), join(BENCH, "c", `${prog}.c`), "-lm"], { timeoutMs: 120_000 });
    if (r.code !== 0) {
      note(`C skipped: compiling bench/c/${prog}.c failed: ${failureText(r)}`);
      return;
    }
  }
  impls.push({
    name: "c",
    cmd: (kind, ranks, extra) => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(ranks), join(OUT, kind), ...progArgs, ...extra]],
    hello: (ranks) => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(ranks), join(OUT, "hello")]],
    helloLabel: showCommand(MPIRUN, ["-n", "4", join(OUT, "hello")]),
  });
}

async function setupPy() {
  if (!which(MPIRUN)) {
    note(`mpi4py skipped: ${MPIRUN} not found`);
    return;
  }
  const r = await run(PYTHON, ["-c", "import mpi4py, numpy; from mpi4py import MPI"], { timeoutMs: 60_000 });
  if (r.code !== 0) {
    note(`mpi4py skipped: \`${PYTHON} -c "import mpi4py"\` failed (apt-get install python3-mpi4py python3-numpy)`);
    return;
  }
  impls.push({
    name: "mpi4py",
    cmd: (kind, ranks, extra) => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(ranks), PYTHON, join(BENCH, "py", `${kind}.py`), ...progArgs, ...extra]],
    hello: (ranks) => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(ranks), PYTHON, join(BENCH, "py", "hello.py")]],
    futures: () => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(FUTURES_RANKS), PYTHON, "-m", "mpi4py.futures", join(BENCH, "py", "futures.py"), ...progArgs]],
    helloLabel: showCommand(MPIRUN, ["-n", "4", PYTHON, join(BENCH, "py", "hello.py")]),
  });
}

const LAUNCHER = join(ROOT, "bin", "mpi4ts.js");
const tsFile = (name) => relative(ROOT, join(BENCH, "ts", `${name}.ts`));

/**
 * The ways to start an mpi4ts program on each engine; the first that runs hello.ts is used. `flags` are the
 * launcher's own (`--futures`), before the program.
 */
function tsLaunchers(engine) {
  if (engine === "local") {
    return [(ranks, file, args, flags = []) => [process.execPath, [LAUNCHER, "run", ...flags, "-n", String(ranks), file, ...args]]];
  }
  return [
    (ranks, file, args, flags = []) => [process.execPath, [LAUNCHER, "run", ...flags, "--engine", "mpi", "--oversubscribe", "-n", String(ranks), file, ...args]],
    (ranks, file, args, flags = []) => [MPIRUN, [...MPIRUN_FLAGS, "-n", String(ranks), process.execPath, LAUNCHER, "exec", ...flags, file, ...args]],
  ];
}

function showCommand(cmd, args) {
  const show = (a) => (a === process.execPath ? "node" : a.startsWith(ROOT) ? relative(ROOT, a) : a);
  return [show(cmd), ...args.map(show)].join(" ");
}

/** Returns the launcher that ran hello.ts on `engine`, or the list of errors. */
async function probeTs(engine) {
  const errors = [];
  for (const launch of tsLaunchers(engine)) {
    const [cmd, args] = launch(2, tsFile("hello"), []);
    const r = await run(cmd, args, { timeoutMs: 30_000 });
    if (r.code === 0 && /hello from rank 1 of 2/.test(r.stdout) && /hello from rank 0 of 2/.test(r.stdout)) return launch;
    errors.push(`\`${showCommand(cmd, args)}\`: ${failureText(r)}`);
  }
  return errors;
}

async function setupTs() {
  if (!existsSync(join(ROOT, "dist", "index.js")) || !existsSync(LAUNCHER)) {
    note("mpi4ts skipped: dist/index.js or bin/mpi4ts.js is missing (run `npm run build`)");
    return;
  }
  let engines;
  if (process.env.MPI4TS_BENCH_ENGINES) {
    engines = process.env.MPI4TS_BENCH_ENGINES.split(",").map((s) => s.trim()).filter(Boolean);
  } else {
    engines = ["local"];
    const addon = existsSync(join(ROOT, "build", "Release", "mpi4ts_native.node"));
    if (addon) engines.push("mpi");
    else engines.push("mpi?"); // try quietly: used if `--engine mpi` runs hello
  }
  for (const e of engines) {
    const quiet = e.endsWith("?");
    const engine = quiet ? e.slice(0, -1) : e;
    if (engine !== "local" && engine !== "mpi") {
      note(`unknown engine ${JSON.stringify(engine)} in MPI4TS_BENCH_ENGINES (use local,mpi)`);
      continue;
    }
    if (quiet && (!which(MPIRUN))) continue;
    const launch = await probeTs(engine);
    if (Array.isArray(launch)) {
      if (quiet) note("mpi4ts-mpi skipped: native addon not built (build/Release/mpi4ts_native.node) and `--engine mpi` did not run hello.ts");
      else note(`mpi4ts-${engine} skipped: hello.ts did not run:\n  ${launch.join("\n  ")}`);
      continue;
    }
    const name = `mpi4ts-${engine}`;
    // Start-up on the mpi engine is timed as users start jobs on a cluster: mpiexec running `mpi4ts exec`.
    const startWith = engine === "mpi" && which(MPIRUN) ? tsLaunchers("mpi")[1] : launch;
    impls.push({
      name,
      cmd: (kind, ranks, extra) => launch(ranks, tsFile(kind), [...progArgs, "--impl", name, ...extra]),
      hello: (ranks) => startWith(ranks, tsFile("hello"), []),
      futures: () => launch(FUTURES_RANKS, tsFile("futures"), progArgs, ["--futures"]),
      helloLabel: showCommand(...startWith(4, tsFile("hello"), [])),
      env: { MPI4TS_BENCH_IMPL: name },
    });
  }
}

// ---------------------------------------------------------------- benchmark jobs
const caseTimeout = QUICK ? 3_000 : 5_000;

async function runJob(impl, kind, ranks) {
  const groups = groupsFor(impl.name, kind);
  const expected = groups.reduce((n, [, c]) => n + c, 0);
  const label = `${impl.name} ${kind} -n ${ranks}`;
  const [cmd, args] = impl.cmd(kind, ranks, []);
  const r = await run(cmd, args, { timeoutMs: 20_000 + expected * caseTimeout, env: impl.env });
  const got = parseResults(r.stdout).map((rec) => ({ ...rec, impl: impl.name, ranks: rec.ranks ?? ranks }));
  results.push(...got);
  const ok = r.code === 0 && !r.timedOut;
  log(`  ${label}: ${got.length}/${expected} cases in ${r.seconds.toFixed(1)} s${ok ? "" : " -- FAILED"}`);
  if (ok && got.length >= expected) return;
  if (!ok) note(`${label} failed: ${failureText(r)}`);
  // Rerun each case group that is still missing, one at a time, so one broken case does not hide the others.
  // The first incomplete group is the one that crashed or hung: it is not retried.
  const count = (g) => got.filter((rec) => rec.case === g).length;
  const incomplete = groups.filter(([g, c]) => count(g) < c);
  for (const [g, c] of incomplete.slice(ok ? 0 : 1)) {
    if (count(g) > 0) continue;
    const [gcmd, gargs] = impl.cmd(kind, ranks, ["--cases", g]);
    const gr = await run(gcmd, gargs, { timeoutMs: 15_000 + c * caseTimeout, env: impl.env });
    const ggot = parseResults(gr.stdout).map((rec) => ({ ...rec, impl: impl.name, ranks: rec.ranks ?? ranks }));
    results.push(...ggot);
    const gok = gr.code === 0 && !gr.timedOut;
    log(`  ${label} --cases ${g}: ${ggot.length}/${c} cases in ${gr.seconds.toFixed(1)} s${gok ? "" : " -- FAILED"}`);
    if (!gok) note(`${label} --cases ${g} failed: ${failureText(gr, true)}`);
    if (gr.timedOut) {
      note(`${label}: a rerun hung too; not rerunning its other cases`);
      break;
    }
  }
}

async function runStartup(impl) {
  const runs = QUICK ? 3 : 5;
  const [cmd, args] = impl.hello(4);
  const times = [];
  const warm = await run(cmd, args, { timeoutMs: 60_000, env: impl.env }); // file cache, JIT caches
  if (warm.code !== 0) {
    note(`${impl.name} start-up failed: ${failureText(warm)}`);
    return;
  }
  for (let i = 0; i < runs; i++) {
    const r = await run(cmd, args, { timeoutMs: 60_000, env: impl.env });
    if (r.code !== 0) {
      note(`${impl.name} start-up failed: ${failureText(r)}`);
      return;
    }
    times.push(r.seconds);
  }
  times.sort((a, b) => a - b);
  const sec = times[Math.floor(runs / 2)];
  results.push({ impl: impl.name, case: "startup", size: 0, ranks: 4, usec: Math.round(sec * 1e6), sec: Math.round(sec * 1e4) / 1e4, runs, command: impl.helloLabel });
  log(`  ${impl.name} startup -n 4: median ${sec.toFixed(3)} s of ${runs}`);
}

/** Task throughput through a pool of 4 workers (issue 13); C has no executor, so it has no `futures`. */
async function runFutures(impl) {
  const [cmd, args] = impl.futures();
  const r = await run(cmd, args, { timeoutMs: QUICK ? 60_000 : 120_000, env: impl.env });
  const got = parseResults(r.stdout).map((rec) => ({ ...rec, impl: impl.name }));
  results.push(...got);
  const ok = r.code === 0 && !r.timedOut;
  log(`  ${impl.name} futures -n ${FUTURES_RANKS}: ${got.length}/${FUTURES_CASES} cases in ${r.seconds.toFixed(1)} s${ok ? "" : " -- FAILED"}`);
  if (!ok) note(`${impl.name} futures failed: ${failureText(r)}`);
}

/** Job sizes of the memory rows: an idle job of each, every implementation. */
const MEMORY_RANKS = QUICK ? [4] : [4, 16, 64];

/**
 * Memory of an idle `ranks`-rank job (bench/{c,py,ts}/idle.*): once rank 0 says "ready" (every rank has joined),
 * the resident memory of every process of the job, the launcher (mpirun, or mpi4ts's one process) included, per
 * rank. PSS divides pages shared between processes among them, so ranks that map the same libraries are not
 * counted as each owning them; RSS counts them in full in every process (the built-in engine's ranks are threads
 * of one process, whose RSS still counts the node binary and libraries that other processes share).
 */
async function runMemory(impl, ranks) {
  const [cmd, args] = impl.cmd("idle", ranks, []);
  const label = `${impl.name} memory -n ${ranks}`;
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...impl.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const sample = await new Promise((resolve) => {
    const limit = setTimeout(() => resolve(undefined), 120_000);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      if (!out.includes("ready")) return;
      out = "";
      clearTimeout(limit);
      setTimeout(() => resolve(treeMemory(child.pid)), 500); // let every rank settle after the barrier
    });
    child.on("exit", () => resolve(undefined));
  });
  const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on("exit", (c) => resolve(c))));
  if (!sample || code !== 0) {
    child.kill("SIGKILL");
    note(`${label} failed (exit ${code}): ${stderr.split("\n").filter(Boolean).slice(-3).join(" | ") || "no ready line"}`);
    return;
  }
  const mib = (kib) => Math.round((kib / 1024 / ranks) * 100) / 100;
  results.push({ impl: impl.name, case: "memory", size: 0, ranks, mib: mib(sample.pssKiB), rssMib: mib(sample.rssKiB), processes: sample.processes });
  log(`  ${label}: ${mib(sample.pssKiB)} MiB PSS, ${mib(sample.rssKiB)} MiB RSS per rank, ${sample.processes} processes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** PSS and RSS (KiB) of process `root` and all its descendants, from /proc. */
function treeMemory(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  let pssKiB = 0, rssKiB = 0, processes = 0;
  for (const pending = [root]; pending.length > 0;) {
    const pid = pending.pop();
    pending.push(...(children.get(pid) ?? []));
    try {
      const field = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
      rssKiB += field(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      pssKiB += field(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss");
      processes++;
    } catch { /* gone meanwhile */ }
  }
  return { pssKiB, rssKiB, processes };
}

// ---------------------------------------------------------------- tables
const TS_IMPLS = ["mpi4ts-local", "mpi4ts-mpi"];
const short = (impl) => (impl === "mpi4ts-local" ? "local" : impl === "mpi4ts-mpi" ? "mpi" : impl);

function fmtTime(us) {
  if (us === undefined) return "–";
  if (us >= 1e5) return `${(us / 1e6).toFixed(3)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 100) return `${us.toFixed(0)} µs`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(us >= 1 ? 2 : 3)} µs`;
}
function fmtSize(bytes) {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
function rowLabel(rec) {
  switch (rec.case) {
    case "pingpong-buffer": return `ping-pong buffer ${fmtSize(rec.size)}`;
    case "bandwidth": return `bandwidth ${fmtSize(rec.size)} × ${rec.window ?? 64} in flight`;
    case "pingpong-value": return `ping-pong value ${rec.value}`;
    case "requests": return `exchange, ${rec.value.replace(/ (\d+) B$/, (_, n) => ` requests ${fmtSize(Number(n))}`)} (per exchange)`;
    case "barrier": return "Barrier";
    case "bcast": return `Bcast ${fmtSize(rec.size)}`;
    case "allreduce": return `Allreduce ${rec.count >= 1 << 20 ? `${rec.count / (1 << 20)}M` : rec.count} doubles`;
    case "gather": return `Gather ${fmtSize(rec.size)}/rank`;
    case "alltoall": return `Alltoall ${fmtSize(rec.size)}/rank`;
    case "allreduce-value": return "allreduce(number)";
    case "bcast-value": return `bcast value ${rec.value}`;
    case "persistent": return rec.value === "persistent"
      ? "Allreduce 8 doubles, persistent: Allreduce_init once, then Start + Wait"
      : "Allreduce 8 doubles, nonblocking: Iallreduce + Wait";
    case "halo": return `halo: one column of a ${rec.rows}×${rec.cols} grid of doubles, ${rec.value === "vector" ? "vector datatype" : "packed by hand"} (per exchange)`;
    case "futures": return FUTURES_LABELS[rec.value] ?? `futures ${rec.value}`;
    case "startup": return "start-up, hello, start to exit (wall)";
    case "memory": return `idle job of ${rec.ranks} ranks, per rank: PSS (RSS)`;
    default: return `${rec.case} ${rec.value ?? fmtSize(rec.size ?? 0)}`;
  }
}
const rowKey = (rec) => `${rec.case}|${rec.value ?? rec.size}|${rec.ranks}`;

const FUTURES_LABELS = {
  "submit-empty": "empty tasks, submit (a future each)",
  "map-empty-chunk1": "empty tasks, map, chunksize 1",
  "map-empty-chunk64": "empty tasks, map, chunksize 64",
  "submit-1ms": "1 ms tasks, submit",
  "overhead-1ms-task-us": "overhead of a 1 ms task (worker time per task − 1 ms)",
};

/**
 * shared/DESIGN.md §4 targets. `check(ts, c, py)` gets records (or undefined) and returns true/false, or null when
 * the baseline it needs is missing.
 */
const ratio = (a, b) => (a && b ? (a.mib ?? a.usec) / (b.mib ?? b.usec) : undefined);
const TARGETS = [
  { key: "pingpong-buffer|8|2", text: "≤ 3× C, < mpi4py", check: (t, c, p) => both(ratio(t, c), (x) => x <= 3, ratio(t, p), (x) => x < 1) },
  { key: "pingpong-buffer|1024|2", text: "≤ 3× C, < mpi4py", check: (t, c, p) => both(ratio(t, c), (x) => x <= 3, ratio(t, p), (x) => x < 1) },
  { key: "pingpong-buffer|1048576|2", text: "≤ 1.1× C", check: (t, c) => one(ratio(t, c), (x) => x <= 1.1) },
  { key: "bandwidth|4194304|2", text: "≥ C (GB/s)", check: (t, c) => one(t && c ? t.gbps / c.gbps : undefined, (x) => x >= 1) },
  { key: "pingpong-value|int|2", text: "< mpi4py", check: (t, c, p) => one(ratio(t, p), (x) => x < 1) },
  { key: "pingpong-value|dict|2", text: "< mpi4py", check: (t, c, p) => one(ratio(t, p), (x) => x < 1) },
  { key: "pingpong-value|float[1000]|2", text: "≤ 0.25× mpi4py", check: (t, c, p) => one(ratio(t, p), (x) => x <= 0.25) },
  { key: "allreduce|64|2", text: "≤ 3× C", check: (t, c) => one(ratio(t, c), (x) => x <= 3) },
  { key: "allreduce-value|number|2", text: "≤ 0.5× mpi4py", check: (t, c, p) => one(ratio(t, p), (x) => x <= 0.5) },
  { key: "barrier|0|2", text: "≤ 3× C", check: (t, c) => one(ratio(t, c), (x) => x <= 3) },
  { key: "bcast|1048576|2", text: "≤ 1.1× C", check: (t, c) => one(ratio(t, c), (x) => x <= 1.1) },
  { key: "allreduce|64|4", text: "≤ C", check: (t, c) => one(ratio(t, c), (x) => x <= 1) },
  ...["submit-empty", "map-empty-chunk1", "map-empty-chunk64"].map((value) => ({
    key: `futures|${value}|${FUTURES_RANKS}`, text: "tasks/s: local ≥ 3× mpi4py, mpi ≥ 1× (issue 13)",
    check: (t, c, p, impl) => one(ratio(t, p), (x) => x <= (impl === "mpi4ts-mpi" ? 1 : 1 / 3)),
  })),
  { key: "startup|0|4", text: "local ≤ 0.3 s", check: (t, c, p, impl) => (!t ? null : impl === "mpi4ts-mpi" ? null : t.usec <= 0.3e6) },
];
/** Targets of the mpi engine as a ratio to mpi4py on the same MPI. */
const MPI_VS_PY = { "startup|0|4": 1.2 };
/** The mpi engine's own target: at most 0.3 µs per call over C on the same MPI (a one-way ping-pong is 2 calls). */
const MPI_OVERHEAD = {
  "pingpong-buffer|0|2": 0.6, "pingpong-buffer|8|2": 0.6, "pingpong-buffer|1024|2": 0.6,
  "barrier|0|2": 0.3, "bcast|8|2": 0.3, "allreduce|64|2": 0.3,
};
function one(x, ok) { return x === undefined || !Number.isFinite(x) ? null : ok(x); }
function both(x, okx, y, oky) {
  const a = one(x, okx);
  const b = one(y, oky);
  if (a === null && b === null) return null;
  return (a ?? true) && (b ?? true);
}
const mark = (v) => (v === null || v === undefined ? "?" : v ? "✓" : "✗");

/**
 * A section's latency rows again, as a program feels them (issue 16): mean over the batches · p50 · p99 of
 * iterations timed alone, per implementation, and the ratios of the means. Empty if no row has them (bandwidth and
 * the other throughput rows have no spread).
 */
function spreadTable(sectionRows, cols, tsCols) {
  const spread = (rec) => (rec && rec.mean !== undefined && rec.gbps === undefined ? rec : undefined);
  const withSpread = sectionRows.filter((row) => cols.some((i) => spread(row.byImpl[i])));
  if (withSpread.length === 0) return [];
  const header = ["mean · p50 · p99", ...cols];
  for (const t of tsCols) for (const base of ["c", "mpi4py"]) if (cols.includes(base)) header.push(`${short(t)}/${base === "c" ? "C" : "py"} (mean)`);
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of withSpread) {
    const cells = [row.label];
    for (const i of cols) {
      const rec = spread(row.byImpl[i]);
      cells.push(rec ? `${fmtTime(rec.mean)} · ${fmtTime(rec.p50)} · ${fmtTime(rec.p99)}` : "–");
    }
    for (const t of tsCols) {
      for (const base of ["c", "mpi4py"]) {
        if (!cols.includes(base)) continue;
        const a = spread(row.byImpl[t]), b = spread(row.byImpl[base]);
        cells.push(a && b ? `${(a.mean / b.mean).toFixed(2)}×` : "–");
      }
    }
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return [...lines, ""];
}

function buildTables() {
  const order = ["c", "mpi4py", ...TS_IMPLS];

  const rows = new Map();
  for (const rec of results) {
    const k = rowKey(rec);
    if (!rows.has(k)) rows.set(k, { key: k, label: rowLabel(rec), ranks: rec.ranks, case: rec.case, byImpl: {} });
    rows.get(k).byImpl[rec.impl] = rec;
  }
  const P2P_CASES = ["pingpong-buffer", "bandwidth", "pingpong-value", "requests", "halo"];
  const RMA_CASES = Object.keys(RMA_GROUPS);
  const notCollective = [...P2P_CASES, ...RMA_CASES, "startup", "futures", "memory"];
  const sections = [
    ["Point-to-point, 2 ranks (one-way latency)", (r) => P2P_CASES.includes(r.case)],
    ["One-sided, 2 ranks (time per epoch: Lock, one operation, Unlock; or one Put between Fences)", (r) => RMA_CASES.includes(r.case)],
    ["Collectives, 2 ranks (time per call)", (r) => r.ranks === 2 && !notCollective.includes(r.case)],
    ["Collectives, 4 ranks on 2 cores (time per call)", (r) => r.ranks === 4 && !notCollective.includes(r.case)],
    ["Start-up: `-n 4` hello, wall time from start to exit (median)", (r) => r.case === "startup"],
    [`Task throughput, ${FUTURES_RANKS - 1} workers: mpi4ts/futures PoolExecutor vs mpi4py.futures MPIPoolExecutor (-n ${FUTURES_RANKS})`, (r) => r.case === "futures"],
    ["Memory of an idle job: every process of it, the launcher included, per rank (PSS; RSS in brackets)", (r) => r.case === "memory"],
  ];
  const lines = [];
  for (const [title, pred] of sections) {
    const sectionRows = [...rows.values()].filter(pred);
    if (sectionRows.length === 0) continue;
    // Columns of the implementations with results in this section: C has no task-throughput rows.
    const inSection = new Set(sectionRows.flatMap((r) => Object.keys(r.byImpl)));
    const cols = order.filter((i) => inSection.has(i));
    const tsCols = cols.filter((i) => TS_IMPLS.includes(i));
    const header = ["case", ...cols];
    for (const t of tsCols) {
      if (cols.includes("c")) header.push(`${short(t)}/C`);
      if (cols.includes("mpi4py")) header.push(`${short(t)}/py`);
    }
    if (tsCols.length) header.push("DESIGN §4 target", ...tsCols.map((t) => short(t)));
    lines.push(`### ${title}`, "", `| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
    for (const row of sectionRows) {
      const cells = [row.label];
      for (const i of cols) {
        const rec = row.byImpl[i];
        cells.push(!rec ? "–" : rec.gbps !== undefined ? `${rec.gbps.toFixed(2)} GB/s` : rec.tps !== undefined ? `${rec.tps} tasks/s`
          : rec.mib !== undefined ? `${rec.mib.toFixed(1)} MiB (${rec.rssMib.toFixed(1)})` : fmtTime(rec.usec));
      }
      for (const t of tsCols) {
        const tr = row.byImpl[t];
        for (const base of ["c", "mpi4py"]) {
          if (!cols.includes(base)) continue;
          const r = ratio(tr, row.byImpl[base]);
          cells.push(r === undefined ? "–" : `${r.toFixed(2)}×`);
        }
      }
      if (tsCols.length) {
        const target = TARGETS.find((tg) => tg.key === row.key);
        const extra = MPI_OVERHEAD[row.key];
        const texts = [];
        if (target) texts.push(target.text);
        if (extra !== undefined && tsCols.includes("mpi4ts-mpi")) texts.push(`mpi: ≤ C + ${extra} µs`);
        const vsPy = MPI_VS_PY[row.key];
        if (vsPy !== undefined && tsCols.includes("mpi4ts-mpi")) texts.push(`mpi: ≤ ${vsPy}× mpi4py`);
        cells.push(texts.join("; ") || "");
        for (const t of tsCols) {
          const verdicts = [];
          if (target) {
            const verdict = target.check(row.byImpl[t], row.byImpl.c, row.byImpl.mpi4py, t);
            if (verdict !== null || vsPy === undefined || t !== "mpi4ts-mpi") verdicts.push(verdict);
          }
          if (t === "mpi4ts-mpi" && vsPy !== undefined) verdicts.push(one(ratio(row.byImpl[t], row.byImpl.mpi4py), (x) => x <= vsPy));
          if (t === "mpi4ts-mpi" && extra !== undefined) {
            const tr = row.byImpl[t];
            const c = row.byImpl.c;
            verdicts.push(tr && c ? tr.usec - c.usec <= extra : null);
          }
          if (verdicts.length === 0) cells.push("");
          else if (!row.byImpl[t]) cells.push("–");
          else cells.push(verdicts.map(mark).join(" "));
        }
      }
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("", ...spreadTable(sectionRows, cols, tsCols));
  }
  const startups = results.filter((r) => r.case === "startup" && r.command);
  if (startups.length) lines.push(`Start-up commands: ${startups.map((r) => `${r.impl} \`${r.command}\``).join(" · ")}`, "");
  const persistent = new Map(results.filter((r) => r.case === "persistent" && r.value === "persistent").map((r) => [r.impl, r.api]));
  if (results.some((r) => r.case === "persistent")) {
    lines.push(`Persistent Allreduce: ${[...persistent].map(([impl, api]) => `${impl} \`${api}\``).join(" · ") || "no implementation has it"}. ` +
      "MPI_Allreduce_init is MPI-4: Open MPI 4.1 (MPI-3.1) has it only as MPIX_Allreduce_init (its pcollreq extension), " +
      "which mpi4ts-mpi uses there too, and mpi4py 3.1 not at all (–).", "");
  }
  if (results.some((r) => r.case === "futures")) {
    lines.push("Task throughput rows: tasks per second; the ratios are time per task (mpi4ts / mpi4py), so the ≥ 3× target is a ratio ≤ 0.33×.", "");
  }
  if (lines.length === 0) lines.push("(no results)", "");
  lines.push(
    "Ratios are time ratios, mpi4ts / baseline: below 1.00× mpi4ts is faster (for bandwidth, the inverse of the GB/s ratio; for memory, the PSS ratio).",
    "Times are medians of batches; collectives are the average over ranks of the time per call (as OSU reports).",
    "Under each latency table, mean · p50 · p99: the mean over all the batches, and the median and 99th percentile of iterations timed one by one " +
      "(each includes one call and two clock reads; for collectives each is preceded by a Barrier and averaged over ranks).",
    "✓/✗ = DESIGN.md §4 target met / missed on this run, ? = baseline missing. Absolute numbers on shared machines drift 3-10×; read the ratios.",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------- main
async function main() {
  if (REPORT_ONLY) {
    const file = join(OUT, "results.jsonl");
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} does not exist: run the benchmarks first`);
    results.push(...parseResults(readFileSync(file, "utf8")));
    console.log(`## mpi4ts micro benchmarks (from ${relative(ROOT, file)})\n\n${buildTables()}`);
    return;
  }
  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  log(`bench: ${QUICK ? "quick " : ""}run${ONLY ? ` (only ${ONLY})` : ""}; setting up`);
  await setupC();
  await setupPy();
  await setupTs();
  log(`bench: implementations: ${impls.map((i) => i.name).join(", ") || "none"}`);

  if (wantKind("p2p")) {
    log("bench: point-to-point, 2 ranks");
    for (const impl of impls) await runJob(impl, "p2p", 2);
  }
  if (wantKind("coll")) {
    for (const ranks of [2, 4]) {
      log(`bench: collectives, ${ranks} ranks`);
      for (const impl of impls) await runJob(impl, "coll", ranks);
    }
  }
  if (wantKind("rma")) {
    log("bench: one-sided, 2 ranks");
    for (const impl of impls) await runJob(impl, "rma", 2);
  }
  if (wantKind("startup")) {
    log("bench: start-up, 4 ranks");
    for (const impl of impls) await runStartup(impl);
  }
  if (wantKind("futures")) {
    log(`bench: task throughput, ${FUTURES_RANKS - 1} workers`);
    for (const impl of impls) if (impl.futures) await runFutures(impl);
  }
  if (wantKind("memory")) {
    log(`bench: memory of idle jobs of ${MEMORY_RANKS.join(", ")} ranks`);
    for (const ranks of MEMORY_RANKS) for (const impl of impls) await runMemory(impl, ranks);
  }

  writeFileSync(join(OUT, "results.jsonl"), results.map((r) => JSON.stringify(r)).join("\n") + (results.length ? "\n" : ""));
  const mpiVersion = which(MPIRUN) ? (spawnSync(MPIRUN, ["--version"], { encoding: "utf8" }).stdout ?? "").split("\n")[0] : "no mpirun";
  const pyVersion = spawnSync(PYTHON, ["-c", "import mpi4py; print(mpi4py.__version__)"], { encoding: "utf8" });
  const loadAfter = os.loadavg()[0];
  const busy = loadBefore > os.cpus().length * 0.75; // the benchmark's own ranks raise the load after
  const header = [
    `## mpi4ts micro benchmarks${QUICK ? " (--quick: short batches, rough numbers)" : ""}`,
    "",
    `${new Date().toISOString()} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}) · Node ${process.version} · ${mpiVersion} · mpi4py ${pyVersion.status === 0 ? pyVersion.stdout.trim() : "–"} · load ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`,
    "",
    ...(busy ? [`**Warning: the machine was busy before the run started (1-minute load ${loadBefore.toFixed(1)} on ${os.cpus().length} CPUs); latencies are unreliable, rerun on a quiet machine.**`, ""] : []),
  ];
  const report = [...header, buildTables(), ...(notes.length ? ["", "Notes:", ...notes.map((n) => `- ${n.split("\n")[0]}`)] : [])].join("\n");
  writeFileSync(join(OUT, "results.md"), report + "\n");
  console.log(report);
  log(`bench: done in ${((Date.now() - t0) / 1000).toFixed(0)} s; raw results in ${relative(ROOT, join(OUT, "results.jsonl"))}, tables in ${relative(ROOT, join(OUT, "results.md"))}`);
}

main().catch((error) => {
  console.error("bench: internal error:", error);
  process.exitCode = 1;
});
