/**
 * `mpi4ts run --engine mpi` / `mpi4ts run --hostfile FILE`: builds the system MPI's mpiexec command line that
 * starts `node <package>/bin/mpi4ts.js exec program args` on every rank, runs it, and returns its exit code.
 * The launcher keeps --timeout and signals to itself (mpiexec's own timeouts exit with codes of their own and leave
 * the ranks' children running) and relays the output of the ranks on its host (output-channel.ts).
 *
 * Which mpiexec: `$MPI4TS_MPIEXEC` if set; otherwise the launcher of the MPI the native addon was built against
 * (build/Release/mpi4ts_native.json): `mpirun.openmpi` or `mpiexec.mpich`/`mpiexec.hydra` on Debian, else
 * `mpiexec`/`mpirun` (its flavour read from `--version`).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { constants } from "node:os";
import { builtFlavour, packageRoot } from "../native/load.js";
import { relayLauncherStderr } from "./launcher-noise.js";
import { OutputFifo } from "./output-channel.js";
import { ProgressBoard } from "./progress-board.js";
import { OUTPUT_CLOSED, endDescendants, onJobSignals, onOutputClosed } from "./teardown.js";
import { BlockedStates } from "../native/blocked-state.js";

export interface MpiexecOptions {
  np: number; program: string; args: string[]; hostfile?: string; mpiArgs: string[]; verbose: boolean;
  timeout?: number; tagOutput: boolean; oversubscribe: boolean;
  /** Report a job whose ranks all sit in one MPI call each for STALL_MS (`--no-deadlock-check` turns it off). */
  deadlockCheck?: boolean;
  /** Variables for the ranks' environment (exported to every host). */
  env?: Record<string, string>;
  /** Draw the MPI.progress lines of the ranks on this host (the launcher's stdout is a terminal). */
  progress?: boolean;
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
  const env: Record<string, string> = { ...options.env };
  if (launcher.flavour === "openmpi") {
    // Open MPI passes the environment to ranks on other hosts only when told (MPICH: -genv below, to be sure).
    for (const name of Object.keys(env)) argv.push("-x", name);
    if (process.getuid?.() === 0) argv.push("--allow-run-as-root");
    if (options.oversubscribe) argv.push("--oversubscribe");
    if (options.hostfile) argv.push("--hostfile", options.hostfile);
    if (options.tagOutput) argv.push("--tag-output");
    argv.push("-n", String(options.np));
  } else {
    if (options.hostfile) argv.push("-f", options.hostfile);
    for (const [name, value] of Object.entries(env)) argv.push("-genv", name, value);
    if (options.tagOutput) argv.push("-prepend-rank");
    argv.push("-n", String(options.np));
  }
  argv.push(...options.mpiArgs);
  argv.push(process.execPath, join(packageRoot(), "bin", "mpi4ts.js"), "exec", options.program, ...options.args);
  return { argv, env };
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How long every rank must sit in the same blocking MPI call before the launcher reports the job as stalled. */
const STALL_MS = 5000;

/** How long the ranks and their children get after SIGTERM before SIGKILL, when the job is ended. */
const END_GRACE_MS = 400;
/**
 * How long mpiexec gets: it exits by itself once its ranks are gone, after removing its session directory, so the
 * wait is usually short; on a loaded machine that took over 900 ms (a SIGKILL then left ompi.HOST.UID behind).
 */
const MPIEXEC_GRACE_MS = 3000;

/**
 * Runs the job and returns its exit code: mpiexec's, or, as on the local engine, 124 at --timeout and 128 + n on
 * signal n. The launcher itself ends the job then (teardown.ts), so that nothing keeps running: not mpiexec, not
 * the ranks, not the processes the ranks started.
 */
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
  const board = options.progress ? new ProgressBoard(process.stdout) : undefined;
  const output = OutputFifo.create(options.tagOutput, board);
  const blocked = new BlockedStates();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["inherit", "inherit", "pipe"], env: { ...process.env, ...output?.env, ...blocked.env, ...env } });
  const stderrRelayed = relayLauncherStderr(child.stderr!, process.stderr);
  let endedWith: number | undefined;
  // A job ended from outside (time limit, signal) says what each rank was doing, as on the local engine.
  const endJob = (code: number, message: string, report = code !== OUTPUT_CLOSED) => {
    if (endedWith !== undefined) return;
    endedWith = code;
    process.stderr.write(`${message}${report ? blocked.report(options.np) : ""}\n`);
    void endDescendants(END_GRACE_MS, MPIEXEC_GRACE_MS);
  };
  const stopSignals = onJobSignals((signal, code) => endJob(code, `mpi4ts: received ${signal}; ending every rank`));
  const stopOutputWatch = onOutputClosed(() => endJob(OUTPUT_CLOSED, "mpi4ts: the output was closed; ending every rank"));
  // MPI cannot say whether a message is in flight, so a job whose ranks all sit in one MPI call each is reported,
  // not ended (the local engine knows, and ends it): the report names every rank's call.
  const stopStallWatch = options.deadlockCheck === false ? undefined : blocked.watchForStall(options.np, STALL_MS, (report) => {
    if (endedWith === undefined) {
      process.stderr.write(`mpi4ts: every rank has been waiting in the same MPI call for ${STALL_MS / 1000} s: a deadlock, unless a very long transfer is under way (Ctrl-C or --timeout ends the job)${report}\n`);
    }
  });
  const timer = options.timeout === undefined ? undefined
    : setTimeout(() => endJob(124, `mpi4ts: the job exceeded --timeout ${options.timeout} s`), options.timeout * 1000);
  try {
    const code = await new Promise<number>((resolveCode) => {
      child.on("error", (e) => {
        process.stderr.write(`mpi4ts: could not start ${argv[0]}: ${e.message}\n`);
        resolveCode(2);
      });
      child.on("exit", (code, signal) => resolveCode(code ?? (signal ? 128 + constants.signals[signal] : 1)));
    });
    await stderrRelayed;
    // mpiexec may end before the ranks' own children do; whatever this job started ends with it.
    await endDescendants(END_GRACE_MS, MPIEXEC_GRACE_MS);
    return endedWith ?? code;
  } finally {
    clearTimeout(timer);
    stopStallWatch?.();
    stopSignals();
    output?.close();
    blocked.close();
    board?.close();
    stopOutputWatch(); // after the last relayed lines
  }
}
