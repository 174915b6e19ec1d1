/**
 * The `mpi4ts` command: arguments only; the work is in run.ts (local jobs), exec.ts (a rank under mpiexec) and
 * mpiexec.ts (jobs on the system MPI).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { execProgram } from "./exec.js";
import { ProgramError } from "./program.js";
import { runCommand, type RunOptions } from "./run.js";
import { DEFAULT_TRACE_FILE } from "./trace-job.js";

const USAGE = `usage:
  mpi4ts run [options] program [args...]   run program on N ranks (built-in engine, or --engine mpi)
  mpi4ts exec program [args...]            run one rank of a job started by mpiexec/srun (native engine)
  mpi4ts view trace.json [-o out.html] [--open]   draw a trace as one self-contained HTML page
  mpi4ts --help | --version

run options:
  -n, -np N            number of ranks (default: the number of cores, ${availableParallelism()})
  --tag-output         prefix every output line with [rank]
  --timeout SEC        end the job with an error after SEC seconds
  --oversubscribe      accepted for mpirun compatibility; the built-in engine always allows more ranks
                       than cores (waiting ranks then sleep instead of spinning)
  --no-deadlock-check  do not end a job whose ranks are all blocked with no message in flight
  --engine local|mpi   built-in engine (default) or the system MPI library through mpiexec
  --hostfile FILE      run on the hosts in FILE through mpiexec (implies --engine mpi)
  --verbose            print the mpiexec command line (engine mpi)
  --mpi-args ARGS...   pass ARGS to mpiexec, up to "--" or the program
  --trace [FILE.json]  record every MPI call and message into FILE.json (default mpi4ts-trace.json),
                       Chrome Trace Event format (mpi4ts view, Perfetto UI, chrome://tracing)
  --profile            print per rank calls, messages, bytes, % time in MPI and the longest waits at exit
programs: .ts .mts .js .mjs files run directly, no build step.`;

export class UsageError extends Error {}

export function parseRun(argv: readonly string[]): RunOptions {
  const options: RunOptions = {
    size: availableParallelism(), tagOutput: false, deadlockCheck: true, engine: "local",
    verbose: false, mpiArgs: [], oversubscribe: false, program: "", args: [],
  };
  let i = 0;
  const value = (flag: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") { i++; break; }
    if (!arg.startsWith("-")) break;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const take = () => inline ?? value(flag);
    switch (flag) {
      case "-n": case "-np": case "--np": case "-c": {
        const n = take();
        if (!/^\d+$/.test(n) || Number(n) < 1) throw new UsageError(`${flag} ${n}: the number of ranks must be a whole number of at least 1`);
        options.size = Number(n);
        break;
      }
      case "--tag-output": options.tagOutput = true; break;
      case "--oversubscribe": options.oversubscribe = true; break;
      case "--no-deadlock-check": options.deadlockCheck = false; break;
      case "--verbose": options.verbose = true; break;
      case "--timeout": {
        const t = take();
        if (!/^\d+(\.\d+)?$/.test(t) || Number(t) <= 0) throw new UsageError(`--timeout ${t}: expected a number of seconds greater than 0`);
        options.timeout = Number(t);
        break;
      }
      case "--engine": {
        const e = take();
        if (e !== "local" && e !== "mpi") throw new UsageError(`--engine ${e}: expected local or mpi`);
        options.engine = e;
        break;
      }
      case "--hostfile": options.hostfile = take(); options.engine = "mpi"; break;
      case "--trace":
        options.trace = inline ?? (argv[i + 1]?.endsWith(".json") ? argv[++i]! : DEFAULT_TRACE_FILE);
        break;
      case "--profile": options.profile = true; break;
      case "--mpi-args":
        for (i++; i < argv.length && argv[i] !== "--" && !/\.(m|c)?[jt]sx?$/.test(argv[i]!); i++) options.mpiArgs.push(argv[i]!);
        if (argv[i] !== "--") i--;
        break;
      default:
        throw new UsageError(`unknown option ${arg} (see mpi4ts --help)`);
    }
  }
  const program = argv[i];
  if (program === undefined) throw new UsageError("no program given (e.g. mpi4ts run -n 4 app.ts)");
  options.program = program;
  options.args = argv.slice(i + 1);
  return options;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return `mpi4ts ${pkg.version} (Node.js ${process.version})`;
}

/** Runs the command line; resolves to the process exit code (exec resolves once the program's module ran). */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
      case "help":
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      case "-V":
      case "--version":
      case "version":
        process.stdout.write(`${version()}\n`);
        return 0;
      case "run":
        return await runCommand(parseRun(rest));
      case "exec": {
        const [program, ...args] = rest;
        if (!program) throw new UsageError("exec needs a program (e.g. mpiexec -n 4 npx mpi4ts exec app.ts)");
        await execProgram(program, args);
        return undefined;
      }
      case "view": {
        const { viewCommand } = await import("./view.js");
        return await viewCommand(rest);
      }
      default:
        throw new UsageError(`unknown command ${command} (expected run, exec or view; see mpi4ts --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ProgramError) {
      process.stderr.write(`mpi4ts: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
