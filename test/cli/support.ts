/** Helpers of the launcher tests: relayed-output checks, jobs started to be signalled, and the processes left. */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { CLI, ROOT, type JobResult } from "../support/jobs.js";

export const F = "test/cli/fixtures";

/**
 * Checks the output of fixtures/lines.ts on `ranks` ranks: every line whole and its rank's own, each rank's lines
 * complete and in order, tagged "[rank] " exactly when asked.
 */
export function checkRelayedLines(r: JobResult, ranks: number, tagged: boolean): void {
  const lines = r.stdout.split("\n").filter((l) => l.length > 0);
  const perRank = new Map<number, number[]>();
  const malformed = lines.filter((line) => !/^(\[\d+\] )?(line rank=\d+ i=\d+ \d+ end|partial from \d+|argv .* true)$/.test(line));
  assert.deepEqual(malformed.map((l) => l.slice(0, 120)), [], `${malformed.length} of ${lines.length} lines split or mixed`);
  for (const line of lines) {
    const m = /^(\[(\d+)\] )?(line rank=(\d+) i=(\d+) (\d+) end|partial from (\d+)|argv (.*) true)$/.exec(line)!;
    if (tagged) assert.ok(m[2] !== undefined, `untagged line: ${line.slice(0, 60)}`);
    else assert.equal(m[1], undefined);
    if (m[4] !== undefined) {
      assert.ok(/^(\d)\1*$/.test(m[6]!) && m[6]![0] === m[4], "the body of a line belongs to its rank");
      if (tagged) assert.equal(m[2], m[4]);
      const seen = perRank.get(Number(m[4])) ?? [];
      seen.push(Number(m[5]));
      perRank.set(Number(m[4]), seen);
    }
    if (m[8] !== undefined) assert.equal(m[8], JSON.stringify(["a b", "--x"]));
  }
  for (let rank = 0; rank < ranks; rank++) {
    assert.deepEqual(perRank.get(rank), Array.from({ length: 200 }, (_, i) => i), `rank ${rank}'s lines in order`);
  }
  assert.equal(r.stderr.split("\n").filter((l) => /stderr from \d/.test(l)).length, ranks);
}

export interface RunningJob {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or null if the job has not ended within `ms`. */
  exited(ms: number): Promise<number | null>;
}

/** Starts `mpi4ts args` and resolves once `started` lines have appeared on its stdout (bounded by 60 s). */
export async function startJob(args: readonly string[], started: number, env: NodeJS.ProcessEnv = process.env): Promise<RunningJob> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const job: RunningJob = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: (ms) => Promise.race([exit, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]),
  };
  const deadline = Date.now() + 60_000;
  while (out.split("started").length <= started) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      assert.fail(`the job did not start its ${started} ranks:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return job;
}

/** The processes (pid and command line) whose command line contains `marker`. */
export function processesMarked(marker: string): string[] {
  const table = execFileSync("ps", ["-e", "-o", "pid=,args="], { encoding: "utf8" });
  return table.split("\n").filter((line) => line.includes(marker) && !line.includes(`ps -e`));
}

/** Waits (bounded) until no process carries `marker`; returns those still there. */
export async function leftRunning(marker: string, ms = 5000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesMarked(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (bounded) until some process carries `marker`. */
export async function appeared(marker: string, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processesMarked(marker).length === 0) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export function uniqueMarker(): string {
  return String(Date.now() % 1e9) + String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
}

/**
 * The environment of a user's own colour terminal: whatever the test runner inherited (CI=true in CI, which makes
 * Node itself judge a terminal colourless; NO_COLOR, FORCE_COLOR, TERM=dumb) would otherwise decide what a test of
 * terminal behaviour sees.
 */
export function userTerminalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { CI: _ci, NO_COLOR: _no, FORCE_COLOR: _force, NODE_DISABLE_COLORS: _disable, ...rest } = process.env;
  return { ...rest, TERM: "xterm-256color", ...extra };
}

/** `mpi4ts ARGS` with its stdout a terminal (a pty made by util-linux `script`); resolves to what it printed. */
export function runOnTerminal(args: readonly string[], env: NodeJS.ProcessEnv = userTerminalEnv()): Promise<JobResult> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(" ");
  return new Promise((resolve) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end();
  });
}
