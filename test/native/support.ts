/** Shared helpers of the native-engine tests: where the addon builds are, and running bounded MPI jobs. */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const OPENMPI_ADDON = `${ROOT}build/Release/mpi4ts_native.node`;
export const MPICH_ADDON = `${ROOT}build/mpich/Release/mpi4ts_native.node`;

export function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Why the Open MPI tests cannot run here, or undefined when they can. */
export function openmpiSkip(): string | undefined {
  if (!onPath("mpirun.openmpi")) return "Open MPI is not installed (apt-get install openmpi-bin libopenmpi-dev)";
  if (!existsSync(OPENMPI_ADDON)) return "the native addon is not built against Open MPI (node native/install.mjs)";
  return undefined;
}

/**
 * Why the MPICH tests cannot run here, or undefined when they can. When MPICH is installed but no addon is built
 * against it, builds one first (build/mpich, a few seconds), so CI covers MPICH without a separate step.
 */
export function mpichSkip(): string | undefined {
  if (!onPath("mpiexec.mpich")) return "MPICH is not installed (apt-get install mpich libmpich-dev)";
  if (!existsSync(MPICH_ADDON) && onPath("mpicc.mpich")) {
    spawnSync(process.execPath, [`${ROOT}native/install.mjs`], {
      cwd: ROOT, stdio: "ignore", env: { ...process.env, MPI4TS_MPICC: "mpicc.mpich", MPI4TS_BUILD_DIR: "build/mpich" },
    });
  }
  if (!existsSync(MPICH_ADDON)) return "no addon built against MPICH (MPI4TS_MPICC=mpicc.mpich MPI4TS_BUILD_DIR=build/mpich node native/install.mjs)";
  return undefined;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, killSignal: "SIGKILL", maxBuffer: 32 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }));
  });
}

/** `mpirun.openmpi` options for a bounded, oversubscribed job on this machine (as root too). */
export function openmpiArgs(np: number, timeoutSec: number): string[] {
  const args = ["--oversubscribe", "--timeout", String(timeoutSec), "-n", String(np)];
  if (process.getuid?.() === 0) args.unshift("--allow-run-as-root");
  return args;
}

export function explain(r: Result): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

/** Skips test `t` (and says how to install them) when /usr/bin/python3 lacks mpi4py or numpy; true when skipped. */
export async function skippedWithoutMpi4py(t: { skip(message: string): void }): Promise<boolean> {
  const probe = await run("/usr/bin/python3", ["-c", "import mpi4py, numpy"]);
  if (probe.code === 0) return false;
  t.skip("python3-mpi4py / python3-numpy are not installed (apt-get install python3-mpi4py python3-numpy)");
  return true;
}
