/**
 * `mpi4ts run --engine mpi` / `mpi4ts run --hostfile FILE`: builds the system MPI's mpiexec command line that
 * starts `node <package>/bin/mpi4ts.js exec program args` on every rank, runs it, and returns its exit code.
 *
 * Which mpiexec: `$MPI4TS_MPIEXEC` if set; otherwise the launcher of the MPI the native addon was built against
 * (build/Release/mpi4ts_native.json): `mpirun.openmpi` or `mpiexec.mpich`/`mpiexec.hydra` on Debian, else
 * `mpiexec`/`mpirun` (its flavour read from `--version`).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { builtFlavour, packageRoot } from "../native/load.js";

export interface MpiexecOptions {
  np: number; program: string; args: string[]; hostfile?: string; mpiArgs: string[]; verbose: boolean;
  timeout?: number; tagOutput: boolean; oversubscribe: boolean;
}

export type LauncherFlavour = "openmpi" | "mpich";

export interface Launcher {
  readonly command: string;
  readonly flavour: LauncherFlavour;
}

function onPath(command: string): boolean {
  if (command.includes("/")) return existsSync(command);
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, command)));
}

/** Open MPI's or MPICH's, judged from `--version`. */
function flavourOf(command: string): LauncherFlavour | undefined {
  const r = spawnSync(command, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (/Open MPI|OpenRTE|open-mpi/i.test(text)) return "openmpi";
  if (/HYDRA|MPICH/i.test(text)) return "mpich";
  return undefined;
}

/** Finds the mpiexec to use, or undefined when there is none. */
export function findLauncher(env: NodeJS.ProcessEnv = process.env): Launcher | undefined {
  const chosen = env.MPI4TS_MPIEXEC;
  if (chosen) {
    const flavour = flavourOf(chosen);
    return flavour ? { command: chosen, flavour } : undefined;
  }
  const wanted = builtFlavour(join(packageRoot(), "build", "Release", "mpi4ts_native.node"));
  const named: Record<LauncherFlavour, string[]> = {
    openmpi: ["mpirun.openmpi", "mpiexec.openmpi"],
    mpich: ["mpiexec.mpich", "mpiexec.hydra", "mpirun.mpich"],
  };
  const order: LauncherFlavour[] = wanted === "mpich" ? ["mpich", "openmpi"] : ["openmpi", "mpich"];
  // The generic names are asked their flavour once each, whichever flavour is being looked for.
  const generic = new Map<string, LauncherFlavour | undefined>();
  const genericFlavour = (command: string) => {
    if (!generic.has(command)) generic.set(command, onPath(command) ? flavourOf(command) : undefined);
    return generic.get(command);
  };
  for (const flavour of order) {
    for (const command of named[flavour]) if (onPath(command)) return { command, flavour };
    for (const command of ["mpiexec", "mpirun"]) if (genericFlavour(command) === flavour) return { command, flavour };
  }
  return undefined;
}

/** The full command line: [command, ...args], plus environment additions. */
export function mpiexecCommand(options: MpiexecOptions, launcher: Launcher): { argv: string[]; env: Record<string, string> } {
  const argv = [launcher.command];
  const env: Record<string, string> = {};
  if (launcher.flavour === "openmpi") {
    if (process.getuid?.() === 0) argv.push("--allow-run-as-root");
    if (options.oversubscribe) argv.push("--oversubscribe");
    if (options.hostfile) argv.push("--hostfile", options.hostfile);
    if (options.timeout !== undefined) argv.push("--timeout", String(options.timeout));
    if (options.tagOutput) argv.push("--tag-output");
    argv.push("-n", String(options.np));
  } else {
    if (options.hostfile) argv.push("-f", options.hostfile);
    if (options.tagOutput) argv.push("-prepend-rank");
    if (options.timeout !== undefined) env.MPIEXEC_TIMEOUT = String(options.timeout);
    argv.push("-n", String(options.np));
  }
  argv.push(...options.mpiArgs);
  argv.push(process.execPath, join(packageRoot(), "bin", "mpi4ts.js"), "exec", options.program, ...options.args);
  return { argv, env };
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runWithMpiexec(options: MpiexecOptions): Promise<number> {
  const launcher = findLauncher();
  if (!launcher) {
    process.stderr.write(
      "mpi4ts: --engine mpi needs an MPI launcher (mpiexec), and none was found: install one (e.g. `apt-get install openmpi-bin libopenmpi-dev`, then `npm rebuild mpi4ts`) or set MPI4TS_MPIEXEC\n",
    );
    return 2;
  }
  const { argv, env } = mpiexecCommand(options, launcher);
  if (options.verbose) {
    const prefix = Object.entries(env).map(([k, v]) => `${k}=${quote(v)} `).join("");
    process.stderr.write(`mpi4ts: ${prefix}${argv.map(quote).join(" ")}\n`);
  }
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env: { ...process.env, ...env } });
  const relay = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = relay("SIGINT");
  const onTerm = relay("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    return await new Promise<number>((resolveCode) => {
      child.on("error", (e) => {
        process.stderr.write(`mpi4ts: could not start ${argv[0]}: ${e.message}\n`);
        resolveCode(2);
      });
      child.on("exit", (code, signal) => resolveCode(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11 };
  return numbers[signal];
}
