/** Starting jobs from tests: the launcher, the self engine (plain tsx), and the mpi engine when it is built. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = `${ROOT}bin/mpi4ts.js`;

export interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** What the command reads on stdin (default: nothing, stdin closed at once), or "open": a stdin that never ends. */
  input?: string | "open";
}

/** Runs a command to completion (bounded), never rejecting: the result says how it ended. */
export function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<JobResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      killSignal: "SIGKILL",
      maxBuffer: 64 << 20,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
    });
    if (options.input !== "open") child.stdin?.end(options.input);
  });
}

/** `mpi4ts run` with the given arguments. */
export function mpi4ts(args: readonly string[], options: ProcessOptions = {}): Promise<JobResult> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

export type EngineUnderTest = "local" | "self" | "mpi";

/** The engines available here: local and self always; mpi when the native addon is built. */
export function enginesUnderTest(): EngineUnderTest[] {
  const wanted = process.env.MPI4TS_TEST_ENGINES?.split(",").map((s) => s.trim());
  const mpiBuilt = existsSync(`${ROOT}build/Release/mpi4ts_native.node`);
  const all: EngineUnderTest[] = ["local", "self", ...(mpiBuilt ? (["mpi"] as const) : [])];
  return wanted ? all.filter((e) => wanted.includes(e)) : all;
}

/** Runs an SPMD program on `size` ranks of `engine`. */
export function runJob(engine: EngineUnderTest, size: number, program: string, args: readonly string[] = [], timeoutSec = 120): Promise<JobResult> {
  const timeoutMs = (timeoutSec + 15) * 1000;
  switch (engine) {
    case "local":
      return mpi4ts(["run", "-n", String(size), "--timeout", String(timeoutSec), program, ...args], { timeoutMs });
    case "self":
      return runProcess(process.execPath, ["--import", "tsx", program, ...args], { timeoutMs });
    case "mpi":
      return mpi4ts(["run", "--engine", "mpi", "--oversubscribe", "-n", String(size), "--timeout", String(timeoutSec), program, ...args], { timeoutMs });
  }
}

export function explain(result: JobResult): string {
  return `exit code ${result.code}${result.signal ? ` (signal ${result.signal})` : ""}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
}
