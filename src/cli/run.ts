/** `mpi4ts run`: a local job on worker threads, or a job on the system MPI through mpiexec. */
import { dirname, resolve } from "node:path";
import { runLocalJob } from "../local/world.js";
import { type DebugOptions, debugEnvironment } from "./debugging.js";
import { readHostfile } from "./hostfile.js";
import { progressWanted } from "./progress-board.js";
import { compileProgram, locateProgram } from "./program.js";

export interface RunOptions {
  size: number;
  tagOutput: boolean;
  timeout?: number;
  deadlockCheck: boolean;
  engine: "local" | "mpi";
  hostfile?: string;
  verbose: boolean;
  mpiArgs: string[];
  oversubscribe: boolean;
  program: string;
  args: string[];
  debug: DebugOptions;
  /** --trace: the merged trace's file. */
  trace?: string;
  profile?: boolean;
  /** Static mode of mpi4ts/futures: rank 0 runs the program, the others serve its PoolExecutor. */
  futures: boolean;
  /** MPI4TS_CHECK_COLLECTIVES for the mpi engine's ranks (the local engine always checks). */
  checkCollectives: boolean;
  /** With --hostfile: run `mpi4ts cluster check` first and refuse a job that would fail (--no-cluster-check: off). */
  clusterCheck: boolean;
}

/**
 * The launcher chooses its ranks' engine (--engine); MPI4TS_ENGINE is for programs started without it. One that
 * disagrees would have every rank quietly run a world of its own (self) or fail at start (mpi without mpiexec),
 * so it is refused, saying what to do instead.
 */
function engineConflict(options: RunOptions, forced = process.env.MPI4TS_ENGINE): string | undefined {
  if (!forced || forced === options.engine) return undefined;
  const hint = forced === "mpi" ? "; for the system MPI use mpi4ts run --engine mpi"
    : forced === "self" ? "; for a world of one run the program with node or tsx"
    : "; mpi4ts run chooses its ranks' engine with --engine local|mpi";
  return `MPI4TS_ENGINE=${forced} conflicts with mpi4ts run, whose ranks use the ${options.engine} engine: unset MPI4TS_ENGINE${hint}`;
}

/**
 * Colour in the ranks' output (console.log of objects, Node's warnings) follows the launcher's own stdout, as if
 * the ranks wrote to it: the ranks themselves write to a pipe (local engine) or to a FIFO or pty (mpi engine),
 * which says nothing about where the output ends up. FORCE_COLOR or NO_COLOR set by the user win.
 */
function colorEnvironment(): Record<string, string> {
  if (process.env.FORCE_COLOR !== undefined || process.env.NO_COLOR !== undefined) return {};
  const depth = process.stdout.isTTY ? process.stdout.getColorDepth() : 1;
  return { FORCE_COLOR: depth >= 24 ? "3" : depth >= 8 ? "2" : depth >= 4 ? "1" : "0" };
}

/** The variables by which ranks on other hosts learn that they trace (mpiexec passes them on). */
function tracingEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("MPI4TS_TRACE") && e[1] !== undefined));
}

/** Static mode of mpi4ts/futures: the ranks learn it from the environment. */
function futuresEnvironment(options: RunOptions): Record<string, string> {
  return options.futures ? { MPI4TS_FUTURES: "1" } : {};
}

function checkEnvironment(options: RunOptions): Record<string, string> {
  return options.checkCollectives ? { MPI4TS_CHECK_COLLECTIVES: "1" } : {};
}

export async function runCommand(options: RunOptions): Promise<number> {
  const conflict = engineConflict(options);
  if (conflict) {
    process.stderr.write(`mpi4ts: ${conflict}\n`);
    return 2;
  }
  if (options.engine === "mpi" && options.hostfile !== undefined) {
    readHostfile(options.hostfile);
    if (options.clusterCheck) {
      const { formatReport, preflight } = await import("./cluster/check.js");
      const { failed, remembered } = await preflight(options.hostfile, dirname(resolve(options.program)));
      if (options.verbose && !failed) process.stderr.write(`mpi4ts: cluster check of ${options.hostfile}: passed${remembered ? " (remembered from the last minute)" : ""}\n`);
      if (failed) {
        process.stderr.write(`${formatReport(failed)}\nmpi4ts: not starting the job: it would fail on the host(s) above (fix them, or run with --no-cluster-check)\n`);
        return 1;
      }
    }
  }
  if (options.trace !== undefined || options.profile) {
    const { tracedJob } = await import("./trace-job.js");
    return tracedJob(options, () => runJob(options));
  }
  return runJob(options);
}

async function runJob(options: RunOptions): Promise<number> {
  const progress = progressWanted();
  // The ranks send MPI.progress updates only when the launcher draws them.
  const env = { ...colorEnvironment(), MPI4TS_PROGRESS: progress ? "1" : "0", ...debugEnvironment(options.debug), ...tracingEnvironment(), ...futuresEnvironment(options), ...checkEnvironment(options) };
  if (options.engine === "mpi") {
    const { runWithMpiexec } = await import("./mpiexec.js");
    return runWithMpiexec({
      np: options.size, program: options.program, args: options.args, hostfile: options.hostfile,
      mpiArgs: options.mpiArgs, verbose: options.verbose, timeout: options.timeout, tagOutput: options.tagOutput,
      deadlockCheck: options.deadlockCheck, env, progress,
      // On this machine alone, like the local engine, more ranks than cores is allowed without asking, and so are
      // processes started by Spawn beyond them (Open MPI binds ranks to cores all the same while they fit).
      oversubscribe: options.oversubscribe || options.hostfile === undefined,
    });
  }
  const programPath = locateProgram(options.program);
  // The ranks' threads start while the program compiles; they receive its URL when it is ready.
  return runLocalJob({
    size: options.size, programUrl: compileProgram(programPath), programPath, args: options.args,
    tagOutput: options.tagOutput, timeout: options.timeout, deadlockCheck: options.deadlockCheck,
    env, progress,
  });
}
