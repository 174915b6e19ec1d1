/** The launcher, black-box: exit codes, failure and abort propagation, timeouts, output relaying (signals: teardown.test.ts). */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, explain, mpi4ts, runProcess } from "../support/jobs.js";
import { openmpiSkip } from "../native/support.js";
import { F, checkRelayedLines, runOnTerminal, userTerminalEnv } from "./support.js";

describe("mpi4ts command line", () => {
  it("prints help and version", async () => {
    const help = await mpi4ts(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /mpi4ts run \[options\] program/);
    const version = await mpi4ts(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^mpi4ts \d+\.\d+\.\d+/);
    for (const args of [["run", "--help"], ["help", "run"], ["run", "-h"]]) {
      const r = await mpi4ts(args);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /^usage: mpi4ts run \[options\] program/);
      assert.match(r.stdout, /--hostfile FILE/);
    }
    for (const [command, usage] of [["exec", /^usage: mpiexec -n N .* mpi4ts exec program/], ["init", /^usage: mpi4ts init \[dir\]/]] as const) {
      for (const args of [[command, "--help"], ["help", command]]) {
        const r = await mpi4ts(args);
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, usage);
      }
    }
  });

  it("hints once when a launcher option comes after the program, and still runs it", async () => {
    const r = await mpi4ts(["run", `${F}/ring.ts`, "-n", "4"]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stderr.trim(), `mpi4ts: note: -n after the program is passed to the program; launcher options go before it (mpi4ts run -n 4 ${F}/ring.ts)`);
  });

  it("writes a project with mpi4ts init, and never overwrites one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-init-test-"));
    try {
      const first = await mpi4ts(["init", join(dir, "app")]);
      assert.equal(first.code, 0, explain(first));
      assert.deepEqual(readdirSync(join(dir, "app")).sort(), ["README.md", "hello.ts", "package.json", "tsconfig.json"]);
      const manifest = JSON.parse(readFileSync(join(dir, "app", "package.json"), "utf8")) as { name: string; type: string; scripts: Record<string, string> };
      assert.equal(manifest.name, "app");
      assert.equal(manifest.type, "module");
      assert.equal(manifest.scripts.start, "mpi4ts run -n 4 hello.ts");
      // package.test.ts type-checks and runs the template against the packed package
      const again = await mpi4ts(["init", join(dir, "app")]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already has package\.json, tsconfig\.json, hello\.ts, README\.md; nothing written/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad invocations with one clear line and exit code 2", async () => {
    const cases: [string[], RegExp][] = [
      [["run", "-n", "2", "no/such/file.ts"], /program not found: no\/such\/file\.ts/],
      [["run", "-n", "0", `${F}/ring.ts`], /-n 0: the number of ranks must be a whole number of at least 1/],
      [["run", "-n", "x", `${F}/ring.ts`], /-n x/],
      [["run", "--bogus", `${F}/ring.ts`], /unknown option --bogus/],
      [["run", "-n", "2"], /no program given/],
      [["run", "--timeout", "-1", `${F}/ring.ts`], /--timeout/],
      [["frobnicate"], /unknown command frobnicate/],
      [["run", "package.json"], /expected a \.ts, \.mts, \.js or \.mjs file/],
      [["run", "--hostfile", "no/such/hosts", "-n", "2", `${F}/ring.ts`], /--hostfile no\/such\/hosts: no such file/],
      [["run", "--hostfile", `${F}/bad-hosts`, "-n", "2", `${F}/ring.ts`], /--hostfile .*bad-hosts: line 3: "node2 4 cores" is not a host line/],
      [["help", "frobnicate"], /help: unknown command frobnicate/],
      [["run", "-n", "2", "--inspect", "2", `${F}/ring.ts`], /--inspect 2: the job has ranks 0\.\.1/],
      [["run", "--inspect", "x", `${F}/ring.ts`], /--inspect x: expected RANK or RANK:PORT/],
    ];
    for (const [args, message] of cases) {
      const r = await mpi4ts(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${explain(r)}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    }
  });

  it("reports a program that does not compile", async () => {
    const r = await mpi4ts(["run", "-n", "2", `${F}/broken.ts`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot compile .*broken\.ts:\n.*broken\.ts:1:\d+/);
  });

  it("runs TypeScript and JavaScript programs with their arguments", async () => {
    const ring = await mpi4ts(["run", "-n", "5", `${F}/ring.ts`]);
    assert.equal(ring.code, 0, explain(ring));
    assert.equal(ring.stdout.trim(), "ring ok 5");
    const js = await mpi4ts(["run", "-n", "3", `${F}/plain.mjs`]);
    assert.equal(js.code, 0, explain(js));
    assert.deepEqual(js.stdout.trim().split("\n").sort(), ["js 0/3 local", "js 1/3 local", "js 2/3 local"]);
  });

  it("relays output line by line, never splitting or mixing lines, with [rank] tags on request", async () => {
    for (const tagged of [false, true]) {
      const r = await mpi4ts(["run", "-n", "4", ...(tagged ? ["--tag-output"] : []), `${F}/lines.ts`, "a b", "--x"]);
      assert.equal(r.code, 0, explain(r));
      checkRelayedLines(r, 4, tagged);
    }
  });

  for (const [how, code, message] of [
    ["throw", 1, /rank 1 failed:\n(.|\n)*Error: rank one gives up\n\s+at .*fails\.ts:\d+/],
    ["reject", 1, /rank 1 failed:\n(.|\n)*rejected on purpose/],
    ["exit", 3, /rank 1 exited with code 3/],
    ["abort", 7, /^mpi4ts: rank 1 of MPI_COMM_WORLD called Abort\(7\)\n$/],
  ] as const) {
    it(`ends the whole job when a rank fails (${how}) while the others block in receives`, async () => {
      const started = Date.now();
      const r = await mpi4ts(["run", "-n", "4", `${F}/fails.ts`, how], { timeoutMs: 20_000 });
      assert.equal(r.code, code, explain(r));
      assert.match(r.stderr, message);
      assert.ok(Date.now() - started < 10_000, "ended promptly");
    });
  }

  for (const [engine, flags] of [["local", []], ["mpi", ["--engine", "mpi", "--oversubscribe"]]] as const) {
    it(`keeps every line printed before the failures when every rank fails (${engine})`, { skip: engine === "mpi" ? openmpiSkip() : undefined }, async () => {
      const r = await mpi4ts(["run", ...flags, "-n", "4", `${F}/fails.ts`, "all"], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, explain(r));
      const lines = r.stdout.split("\n").filter((l) => / line \d+$/.test(l));
      assert.equal(lines.length, 4 * 500, explain(r));
      assert.equal(new Set(lines).size, 4 * 500);
    });
  }

  it("lets a rank leave early with process.exit(0)", async () => {
    const r = await mpi4ts(["run", "-n", "3", `${F}/fails.ts`, "exit0"]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.split("\n").filter((l) => /done/.test(l)).length, 2);
  });

  it("reports a deadlock with what each rank waits for", async () => {
    const r = await mpi4ts(["run", "-n", "2", `${F}/deadlock.ts`], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deadlock/);
    assert.match(r.stderr, /rank 0: blocked in recv\(source=1, tag=4\) on MPI_COMM_WORLD/);
    assert.match(r.stderr, /rank 1: blocked in recv\(source=0, tag=4\) on MPI_COMM_WORLD/);
  });

  it("ends an overlong job at --timeout with a clear message", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "1.5", `${F}/forever.ts`], { timeoutMs: 20_000 });
    assert.equal(r.code, 124, explain(r));
    assert.match(r.stderr, /exceeded --timeout 1\.5 s/);
  });

  it("leaves import.meta inside strings, templates and comments alone", async () => {
    const r = await mpi4ts(["run", "-n", "1", `${F}/meta.ts`]);
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "import.meta.url is where this file is", "import.meta.dirname and import.meta.filename", "meta.ts meta.ts fixtures",
    ]);
  });

  it("refuses an MPI4TS_ENGINE that disagrees with the engine it runs its ranks on, saying what to do", async () => {
    for (const [engine, hint] of [["self", /run the program with node or tsx/], ["mpi", /mpi4ts run --engine mpi/]] as const) {
      const r = await mpi4ts(["run", "-n", "2", `${F}/ring.ts`], { env: { ...process.env, MPI4TS_ENGINE: engine } });
      assert.equal(r.code, 2, explain(r));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`^mpi4ts: MPI4TS_ENGINE=${engine} conflicts with mpi4ts run.*unset MPI4TS_ENGINE`));
      assert.match(r.stderr, hint);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    const agreeing = await mpi4ts(["run", "-n", "2", `${F}/ring.ts`], { env: { ...process.env, MPI4TS_ENGINE: "local" } });
    assert.equal(agreeing.code, 0, explain(agreeing));
  });

  it("gives the launcher's stdin to rank 0 and an empty stdin to the others, as mpiexec does", async () => {
    const r = await mpi4ts(["run", "-n", "3", `${F}/stdin.ts`], { input: "10\n20\n" });
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.trim(), "rank 0 read 10+20; lines per rank 2,0,0");
    // a stdin that stays open does not keep a finished job's launcher alive
    const open = await mpi4ts(["run", "-n", "2", `${F}/ring.ts`], { input: "open", timeoutMs: 30_000 });
    assert.equal(open.code, 0, explain(open));
    assert.equal(open.stdout.trim(), "ring ok 2");
  });

  it("runs TypeScript programs that use require(), as tsx does", async () => {
    const r = await mpi4ts(["run", "-n", "2", `${F}/require.ts`]);
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(r.stdout.trim().split("\n").sort(), ["require 0/2 require.ts", "require 1/2 require.ts"]);
  });

  it("shows the user's frames first in an MPIError's stack, every frame with MPI4TS_DEBUG=1", async () => {
    const firstFrame = (stderr: string) => stderr.split("\n").find((line) => /^\s+at /.test(line)) ?? "";
    for (const args of [["run", "-n", "2", `${F}/refused.ts`], ["--import", "tsx", `${F}/refused.ts`]]) {
      const r = args[0] === "run" ? await mpi4ts(args) : await runProcess(process.execPath, args);
      assert.notEqual(r.code, 0, explain(r));
      assert.match(r.stderr, /MPIError\[ERR_RANK\]: send on rank \d of MPI_COMM_WORLD/);
      assert.match(firstFrame(r.stderr), /at sendToNobody \(.*refused\.ts:4:\d+\)/, r.stderr);
      assert.doesNotMatch(r.stderr, /at .*[/\\](src|dist)[/\\].*\.[jt]s:\d+/, "no mpi4ts frame");
    }
    const debug = await mpi4ts(["run", "-n", "1", `${F}/refused.ts`], { env: { ...process.env, MPI4TS_DEBUG: "1" } });
    assert.match(firstFrame(debug.stderr), /comm\.ts:\d+/, debug.stderr);
  });

  it("maps the program's frames to its .ts lines, and the runtime's only with MPI4TS_DEBUG=1", async () => {
    const r = await mpi4ts(["run", "-n", "2", `${F}/source-maps.ts`]);
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(r.stdout.trim().split("\n").sort(), [0, 1].map((n) => `rank ${n}: own source-maps.ts:6, runtime unmapped`));
    const debug = await mpi4ts(["run", "-n", "1", `${F}/source-maps.ts`], { env: { ...process.env, MPI4TS_DEBUG: "1" } });
    assert.equal(debug.stdout.trim(), "rank 0: own source-maps.ts:6, runtime mapped", explain(debug));
  });

  it("opens an inspector for the chosen rank only, on loopback (--inspect RANK:PORT)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-inspect-test-"));
    const port = 9400 + (process.pid % 500);
    try {
      const signal = join(dir, "go");
      const job = mpi4ts(["run", "-n", "3", "--inspect", `1:${port}`, `${F}/linger.ts`, signal], { timeoutMs: 90_000 });
      let targets: { url: string }[] | undefined;
      for (let tries = 0; tries < 300 && !targets; tries++) {
        targets = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json() as Promise<{ url: string }[]>, () => undefined);
        if (!targets) await new Promise((r) => setTimeout(r, 100));
      }
      const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === "IPv4" && !a.internal)?.address;
      const outside = external ? await fetch(`http://${external}:${port}/json/list`).then(() => "answered", () => "refused") : "refused";
      writeFileSync(signal, "");
      const r = await job;
      assert.equal(r.code, 0, explain(r));
      assert.ok(targets && targets.length === 1, "one inspector target on 127.0.0.1");
      assert.equal(outside, "refused", "not reachable from other hosts");
      const announced = r.stderr.split("\n").filter((line) => line.includes("debugger listening"));
      assert.equal(announced.length, 1, r.stderr);
      assert.match(announced[0]!, new RegExp(`^mpi4ts: rank 1: debugger listening on ws://127\\.0\\.0\\.1:${port}/`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes one CPU profile per rank with --cpu-prof-dir, on both engines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-cpu-prof-test-"));
    try {
      const r = await mpi4ts(["run", "-n", "3", "--cpu-prof-dir", dir, `${F}/ring.ts`]);
      assert.equal(r.code, 0, explain(r));
      assert.deepEqual(readdirSync(dir).sort(), ["rank-0.cpuprofile", "rank-1.cpuprofile", "rank-2.cpuprofile"]);
      const profile = JSON.parse(readFileSync(join(dir, "rank-1.cpuprofile"), "utf8")) as { nodes: unknown[]; startTime: number };
      assert.ok(profile.nodes.length > 0 && profile.startTime > 0, "a V8 CPU profile");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows mpi4ts objects readably in console.log: class names and the fields a user reasons about", async () => {
    const r = await mpi4ts(["run", "-n", "2", `${F}/inspect.ts`]);
    assert.equal(r.code, 0, explain(r));
    const line = r.stdout.replace(/\s+/g, " ");
    for (const shown of [
      "Comm { name: 'MPI_COMM_WORLD', rank: 0, size: 2 }", "Group { size: 2, rank: 0, worldRanks: [ 0, 1 ] }",
      "Status { source: -2, tag: -1,", "Request { active: false, done: true, source: -2, tag: -1, count: 0 }",
      "Op { name: 'SUM', predefined: true, commutative: true }", "Datatype { name: 'MPI_DOUBLE', size: 8, extent: 8, committed: true }",
      "Comm { name: 'MPI_COMM_NULL' }",
    ]) assert.ok(line.includes(shown), `${shown} in ${line}`);
  });

  it("runs 64 ranks on this machine's few cores", async () => {
    const r = await mpi4ts(["run", "-n", "64", `${F}/ring.ts`], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.trim(), "ring ok 64");
  });

  it("runs a program started with plain node/tsx as a world of one (self engine)", async () => {
    const r = await runProcess(process.execPath, ["--import", "tsx", `${F}/ring.ts`]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.stdout.trim(), "ring ok 1");
    const js = await runProcess(process.execPath, [`${F}/plain.mjs`]);
    assert.equal(js.stdout.trim(), "js 0/1 self");
    const deadlocked = await runProcess(process.execPath, ["--import", "tsx", `${F}/deadlock.ts`]);
    assert.notEqual(deadlocked.code, 0);
  });
});

describe("colour in the ranks' output follows the launcher's own stdout", () => {
  for (const [engine, flags] of [["local", []], ["mpi", ["--engine", "mpi", "--oversubscribe"]]] as const) {
    it(`on the ${engine} engine`, { skip: engine === "mpi" ? openmpiSkip() : undefined }, async () => {
      const redirected = await mpi4ts(["run", ...flags, "-n", "2", `${F}/colors.ts`], { timeoutMs: 60_000 });
      assert.equal(redirected.code, 0, explain(redirected));
      assert.match(redirected.stdout, /\{ rank: 0 \}/);
      assert.doesNotMatch(redirected.stdout, /\x1b\[/, "no escape codes in a file or pipe");
      const terminal = await runOnTerminal(["run", ...flags, "-n", "2", `${F}/colors.ts`]);
      assert.equal(terminal.code, 0, explain(terminal));
      assert.match(terminal.stdout, /\{ rank: \x1b\[33m0\x1b\[39m \}/, "coloured on a terminal");
      const ci = await runOnTerminal(["run", ...flags, "-n", "2", `${F}/colors.ts`], userTerminalEnv({ CI: "true" }));
      assert.equal(ci.code, 0, explain(ci));
      assert.doesNotMatch(ci.stdout, /\x1b\[3/, "none where Node itself judges the terminal colourless (CI)");
      const forced = await mpi4ts(["run", ...flags, "-n", "2", `${F}/colors.ts`], { env: { ...process.env, FORCE_COLOR: "1" }, timeoutMs: 60_000 });
      assert.match(forced.stdout, /\{ rank: \x1b\[33m0\x1b\[39m \}/, "the user's FORCE_COLOR wins over a pipe");
    });
  }
});

describe("colour under a bare mpirun", () => {
  // Open MPI gives each rank a pty, which says nothing about where mpirun's own output goes: no colour, as a C or
  // mpi4py rank prints none, unless the user asks for it.
  const ranks = (env: NodeJS.ProcessEnv) => runProcess("mpirun.openmpi", ["--allow-run-as-root", "--oversubscribe", "-n", "2", process.execPath, CLI, "exec", `${F}/colors.ts`], { env, timeoutMs: 60_000 });
  it("is off unless FORCE_COLOR asks for it", { skip: openmpiSkip() }, async () => {
    const { FORCE_COLOR: _force, NO_COLOR: _none, ...plain } = process.env;
    const piped = await ranks(plain);
    assert.equal(piped.code, 0, explain(piped));
    assert.match(piped.stdout, /\{ rank: 0 \}/, explain(piped));
    assert.doesNotMatch(piped.stdout, /\x1b\[/, "no escape codes in mpirun's piped output");
    const forced = await ranks({ ...plain, FORCE_COLOR: "1" });
    assert.match(forced.stdout, /\{ rank: \x1b\[33m0\x1b\[39m \}/, explain(forced));
  });
});

describe("MPI.progress: live lines per rank on a terminal, nothing otherwise", () => {
  const bar = /rank [01] [█░]{20} +\d+%  \d+\/20  [\d.]+\/s  (ETA [\d:?]+|done)  steps/;
  for (const [engine, flags] of [["local", []], ["mpi", ["--engine", "mpi", "--oversubscribe"]]] as const) {
    it(`on the ${engine} engine`, { skip: engine === "mpi" ? openmpiSkip() : undefined }, async () => {
      const withoutCI = userTerminalEnv();
      const terminal = await runOnTerminal(["run", ...flags, "-n", "2", `${F}/progress.ts`], withoutCI);
      assert.equal(terminal.code, 0, explain(terminal));
      assert.match(terminal.stdout, bar, "progress drawn");
      assert.ok(terminal.stdout.lastIndexOf("\x1b[J") > terminal.stdout.lastIndexOf("█"), "and erased at the end");
      assert.deepEqual(terminal.stdout.split(/\r?\n/).filter((l) => / finished$/.test(l)).map((l) => l.replace(/^[^]*(rank \d finished)$/, "$1")).sort(), ["rank 0 finished", "rank 1 finished"]);
      const ci = await runOnTerminal(["run", ...flags, "-n", "2", `${F}/progress.ts`], { ...withoutCI, CI: "true" });
      assert.doesNotMatch(ci.stdout, /█|░/, "none in CI");
      const redirected = await mpi4ts(["run", ...flags, "-n", "2", `${F}/progress.ts`], { env: withoutCI, timeoutMs: 60_000 });
      assert.equal(redirected.code, 0, explain(redirected));
      assert.deepEqual(redirected.stdout.trim().split("\n").sort(), ["rank 0 finished", "rank 1 finished"], "none when redirected");
    });
  }

  it("refuses bad arguments with ERR_ARG", async () => {
    const { progress } = await import("../../src/progress.js");
    for (const [done, total] of [[1, 0], [-1, 5], [Number.NaN, 5], [1, Infinity]]) {
      assert.throws(() => progress(done!, total!), /ERR_ARG/);
    }
  });
});
