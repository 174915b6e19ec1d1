/**
 * The `mpi4ts` command: arguments only; the work is in run.ts (local jobs), exec.ts (a rank under mpiexec) and
 * mpiexec.ts (jobs on the system MPI).
 */
import { availableParallelism } from "node:os";
import { DEFAULT_INSPECT_PORT } from "./debugging.js";
import { execProgram } from "./exec.js";
import { initProject } from "./init.js";
import { ownVersion } from "./package-info.js";
import { ProgramError } from "./program.js";
import { runCommand, type RunOptions } from "./run.js";
import { COMMANDS, COMMAND_HELP, RUN_OPTIONS, UsageError } from "./usage.js";

export { UsageError };
import { DEFAULT_TRACE_FILE } from "./trace-job.js";

export function parseRun(argv: readonly string[]): RunOptions {
  const options: RunOptions = {
    size: availableParallelism(), tagOutput: false, deadlockCheck: true, engine: "local",
    verbose: false, mpiArgs: [], oversubscribe: false, program: "", args: [], debug: {}, futures: false, clusterCheck: true,
    checkCollectives: false,
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
      case "--check-collectives": options.checkCollectives = true; break;
      case "--verbose": options.verbose = true; break;
      case "--futures": options.futures = true; break;
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
      case "--no-cluster-check": options.clusterCheck = false; break;
      case "--inspect": case "--inspect-brk": {
        const target = take();
        const m = /^(\d+)(?::(\d+))?$/.exec(target);
        if (!m || Number(m[2] ?? DEFAULT_INSPECT_PORT) > 65535) throw new UsageError(`${flag} ${target}: expected RANK or RANK:PORT (e.g. ${flag} 1 or ${flag} 1:9230)`);
        options.debug.inspect = { rank: Number(m[1]), port: Number(m[2] ?? DEFAULT_INSPECT_PORT), wait: flag === "--inspect-brk" };
        break;
      }
      case "--cpu-prof": options.debug.cpuProfDir ??= "."; break;
      case "--cpu-prof-dir": options.debug.cpuProfDir = take(); break;
      case "--trace":
        options.trace = inline ?? (argv[i + 1]?.endsWith(".json") ? argv[++i]! : DEFAULT_TRACE_FILE);
        break;
      case "--profile": options.profile = true; break;
      case "--mpi-args":
        for (i++; i < argv.length && argv[i] !== "--" && !/\.(m|c)?[jt]sx?$/.test(argv[i]!); i++) options.mpiArgs.push(argv[i]!);
        if (argv[i] !== "--") i--;
        break;
      case "-h": case "--help": throw new HelpRequest("run");
      default:
        throw new UsageError(`unknown option ${arg} (see mpi4ts help run)`);
    }
  }
  const program = argv[i];
  if (program === undefined) throw new UsageError("no program given (e.g. mpi4ts run -n 4 app.ts)");
  options.program = program;
  options.args = argv.slice(i + 1);
  const inspected = options.debug.inspect?.rank;
  if (inspected !== undefined && inspected >= options.size) {
    throw new UsageError(`--inspect ${inspected}: the job has ranks 0..${options.size - 1}`);
  }
  const misplaced = options.args.find((arg) => RUN_OPTIONS.has(arg.split("=", 1)[0]!));
  if (misplaced !== undefined) {
    process.stderr.write(`mpi4ts: note: ${misplaced} after the program is passed to the program; launcher options go before it (mpi4ts run -n 4 ${program})\n`);
  }
  return options;
}

/** `mpi4ts run --help` and the like: print that command's help. */
class HelpRequest extends Error {
  constructor(readonly command: string) { super(command); }
}

function help(command: string | undefined): number {
  if (command === undefined) {
    process.stdout.write(`${COMMANDS}\n`);
    return 0;
  }
  const text = COMMAND_HELP[command];
  if (text === undefined) throw new UsageError(`help: unknown command ${command} (expected run, exec, init, view, playground or cluster)`);
  process.stdout.write(`${text}\n`);
  return 0;
}

const wantsHelp = (args: readonly string[]) => args[0] === "--help" || args[0] === "-h";

/** Runs the command line; resolves to the process exit code (exec resolves once the program's module ran). */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        process.stdout.write(`${COMMANDS}\n`);
        return 2;
      case "-h":
      case "--help":
        return help(undefined);
      case "help":
        return help(rest[0]);
      case "-V":
      case "--version":
      case "version":
        process.stdout.write(`mpi4ts ${ownVersion()} (Node.js ${process.version})\n`);
        return 0;
      case "run":
        return await runCommand(parseRun(rest));
      case "init":
        if (wantsHelp(rest)) return help("init");
        if (rest.length > 1) throw new UsageError(`init takes one folder, got ${rest.join(" ")} (see mpi4ts help init)`);
        return initProject(rest[0], ownVersion());
      case "exec": {
        if (wantsHelp(rest)) return help("exec");
        // --spawned: started by Spawn (src/spawn.ts), whose MPI_Comm_spawn returns once this process joins MPI.
        const spawned = rest[0] === "--spawned";
        const flags = spawned ? rest.slice(1) : rest;
        const futures = flags[0] === "--futures";
        const [program, ...args] = futures ? flags.slice(1) : flags;
        if (!program) throw new UsageError("exec needs a program (e.g. mpiexec -n 4 npx mpi4ts exec app.ts)");
        await execProgram(program, args, futures, spawned);
        return undefined;
      }
      case "cluster": {
        const { clusterCommand } = await import("./cluster/command.js");
        return await clusterCommand(rest);
      }
      case "view": {
        if (wantsHelp(rest)) return help("view");
        const { viewCommand } = await import("./view.js");
        return await viewCommand(rest);
      }
      case "playground": {
        if (wantsHelp(rest)) return help("playground");
        const { playgroundCommand } = await import("./playground.js");
        return await playgroundCommand(rest);
      }
      default:
        throw new UsageError(`unknown command ${command} (expected run, exec, init, view, playground or cluster; see mpi4ts --help)`);
    }
  } catch (e) {
    if (e instanceof HelpRequest) return help(e.command);
    if (e instanceof UsageError || e instanceof ProgramError) {
      process.stderr.write(`mpi4ts: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
