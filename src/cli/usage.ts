/** The launcher's help texts, and the error for a command line it cannot run (one line, exit code 2). */
import { availableParallelism } from "node:os";

export class UsageError extends Error {}

export const COMMANDS = `usage:
  mpi4ts run [options] program [args...]   run program on N ranks (built-in engine, or --engine mpi)
  mpi4ts exec program [args...]            run one rank of a job started by mpiexec/srun (native engine)
  mpi4ts init [dir]                        write a ready project (package.json, tsconfig.json, hello.ts)
  mpi4ts view trace.json [-o out.html] [--open]   draw a trace as one self-contained HTML page
  mpi4ts help [command] | --help | --version
programs: .ts .mts .js .mjs files run directly, no build step.`;

const RUN = `usage: mpi4ts run [options] program [args...]
Runs program on N ranks. Options go before the program; everything after it is the program's.

options:
  -n, -np N            number of ranks (default: the number of cores, ${availableParallelism()})
  --tag-output         prefix every output line with [rank]
  --timeout SEC        end the job with an error after SEC seconds, saying where each rank is blocked
  --oversubscribe      accepted for mpirun compatibility; the built-in engine always allows more ranks
                       than cores (waiting ranks then sleep instead of spinning)
  --no-deadlock-check  do not end a job whose ranks are all blocked with no message in flight
  --engine local|mpi   built-in engine (default) or the system MPI library through mpiexec
  --hostfile FILE      run on the hosts in FILE through mpiexec (implies --engine mpi)
  --futures            mpi4ts/futures static mode: rank 0 runs the program, the other ranks serve its
                       PoolExecutor (as python -m mpi4py.futures)
  --verbose            print the mpiexec command line (engine mpi)
  --mpi-args ARGS...   pass ARGS to mpiexec, up to "--" or the program
  --inspect R[:PORT]   rank R listens for a debugger on 127.0.0.1:PORT (default 9229): Chrome DevTools, VS Code
  --inspect-brk R[:PORT]  the same, and rank R waits for the debugger before the program starts
  --cpu-prof           every rank writes a V8 CPU profile, rank-R.cpuprofile (--cpu-prof-dir DIR: into DIR)
  --trace [FILE.json]  record every MPI call and message into FILE.json (default mpi4ts-trace.json),
                       Chrome Trace Event format (mpi4ts view, Perfetto UI, chrome://tracing)
  --profile            print per rank calls, messages, bytes, % time in MPI and the longest waits at exit
Rank 0 reads the launcher's stdin; the other ranks read an empty stdin.
example: mpi4ts run -n 4 hello.ts`;

const EXEC = `usage: mpiexec -n N [mpiexec options] npx mpi4ts exec program [args...]
Runs one rank of a job that mpiexec (or srun) started, on the native engine (the system MPI).
mpi4ts exec --futures program: rank 0 runs the program, the other ranks serve its mpi4ts/futures PoolExecutor.
example: mpiexec -n 4 --hostfile hosts npx mpi4ts exec app.ts`;

const INIT = `usage: mpi4ts init [dir]
Writes a ready project into dir (default: the current folder): package.json ("type": "module", npm start
runs hello.ts on 4 ranks, npm run typecheck), a strict tsconfig.json that accepts top-level await, hello.ts
and a short README. Refuses to overwrite existing files.
example: mpi4ts init my-app && cd my-app && npm install && npm start`;

const VIEW = `usage: mpi4ts view trace.json [-o out.html] [--open]
Draws a trace written by mpi4ts run --trace as one self-contained HTML page (no network access): rank lanes,
message arrows, collectives, a rank x rank bytes heat map, compute vs MPI time per rank (docs/trace.md).
example: mpi4ts run -n 4 --trace ring.json ring.ts && mpi4ts view ring.json --open`;

export const COMMAND_HELP: Readonly<Record<string, string>> = { run: RUN, exec: EXEC, init: INIT, view: VIEW };

/** The launcher's own options, for the hint when one comes after the program (where it is the program's). */
export const RUN_OPTIONS = new Set([
  "-n", "-np", "--np", "-c", "--tag-output", "--timeout", "--oversubscribe", "--no-deadlock-check", "--engine",
  "--hostfile", "--futures", "--verbose", "--mpi-args", "--inspect", "--inspect-brk", "--cpu-prof", "--cpu-prof-dir",
  "--trace", "--profile",
]);
