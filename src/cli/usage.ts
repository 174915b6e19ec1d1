/** The launcher's help texts, and the error for a command line it cannot run (one line, exit code 2). */
import { availableParallelism } from "node:os";

export class UsageError extends Error {}

export const COMMANDS = `usage:
  mpi4ts run [options] program [args...]   run program on N ranks (built-in engine, or --engine mpi)
  mpi4ts exec program [args...]            run one rank of a job started by mpiexec/srun (native engine)
  mpi4ts init [dir]                        write a ready project (package.json, tsconfig.json, hello.ts)
  mpi4ts view trace.json [-o out.html] [--open]   draw a trace as one self-contained HTML page
  mpi4ts playground [--port N] [--build DIR]   serve the browser playground on 127.0.0.1 (or write it as files)
  mpi4ts cluster discover|check|sync|doctor ...  set up and check the hosts of a multi-host job (docs/cluster.md)
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
  --no-deadlock-check  do not end a job whose ranks are all blocked with no message in flight (on the
                       mpi engine: do not report one whose ranks all wait in one MPI call for 5 s)
  --check-collectives  on the mpi engine, make every blocking collective first check that all ranks
                       called the same one (root, count, type, op), as the built-in engine always does
  --engine local|mpi   built-in engine (default) or the system MPI library through mpiexec
  --hostfile FILE      run on the hosts in FILE through mpiexec (implies --engine mpi); first runs
                       mpi4ts cluster check on them (a pass is remembered for a minute) and refuses to
                       start a job that would fail
  --no-cluster-check   skip that check
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

const PLAYGROUND = `usage: mpi4ts playground [--port N] [--build DIR]
Serves the browser playground on 127.0.0.1 only (a free port unless --port N) and prints its URL: an editor,
every patternlet and exemplar, Run and Stop, the output of each rank. Programs run in the page, ranks as Web
Workers; the TypeScript is compiled in the page. Nothing is fetched from anywhere but this server.
  --port N      listen on port N
  --build DIR   write the same files as a static site into DIR, with a README.md naming the headers
                (Cross-Origin-Opener-Policy, Cross-Origin-Embedder-Policy) its web server must send
Embedding one example in a course page: <mpi4ts-playground src="ring.ts" ranks="4"> (docs/playground.md).
example: mpi4ts playground --port 8080`;

const CLUSTER_CHECK = `usage: mpi4ts cluster check --hostfile FILE [DIR] [--json]
One row per host of what a job across them needs: ssh without a password (BatchMode), Node.js (the head's
major, 20 or newer, at the path ranks start with), mpi4ts at the same path and version, its native addon built
for that host's architecture and the head's MPI, the same MPI version, DIR (default: the current directory) at
the same path, slots vs cores, free memory, clock offset. Every ✗ comes with the command that fixes it; exit
code 1 when a job would fail. One ssh per host, all in parallel, each bounded (ssh: $MPI4TS_SSH, default ssh).
example: mpi4ts cluster check --hostfile hosts`;

const CLUSTER_DISCOVER = `usage: mpi4ts cluster discover CIDR [--port 22] [--timeout MS] [--write FILE] [--format openmpi|mpich] [--json]
Finds the hosts of the IPv4 range CIDR (at most 4096 addresses) that answer ssh: one bounded TCP connect per
address (default 1000 ms, 128 at a time), then one ssh for the host's name and cores. --write FILE writes
the hosts that ran a command over ssh as a hostfile: "ADDRESS slots=CORES" (Open MPI, default) or
"ADDRESS:CORES" (--format mpich). Only the range named is touched.
example: mpi4ts cluster discover 192.168.1.0/24 --write hosts`;

const CLUSTER_SYNC = `usage: mpi4ts cluster sync --hostfile FILE [DIR]
Copies DIR (default: the current directory) to the same path on every other host of FILE (rsync over ssh, or
scp), then runs npm ci on hosts of another architecture (node_modules is not copied to them) and
npm rebuild mpi4ts on hosts with another MPI, so native parts are built per host.
example: mpi4ts cluster sync --hostfile hosts && mpi4ts cluster check --hostfile hosts`;

const CLUSTER_DOCTOR = `usage: mpi4ts cluster doctor --hostfile FILE [--svg FILE.svg] [--timeout SEC] [--bytes N] [--json] [--mpi-args ARGS... --]
Runs one job on the system MPI with a rank per host of FILE; every pair of ranks in turn ping-pongs 1 byte
(latency) and N bytes (bandwidth, default 1 MiB). Prints both matrices, writes the bandwidth heat map to
FILE.svg (default mpi4ts-doctor.svg), names links under half the median bandwidth (or over 3x the median
latency and 0.5 ms more) and a host whose every link is slow, and, when hosts have other interfaces than the
hostfile's network, the mpirun options that pin it (btl_tcp_if_include / -iface). Exit 3 when a link is slow.
example: mpi4ts cluster doctor --hostfile hosts --svg links.svg`;

/** `mpi4ts help cluster` and `mpi4ts cluster SUB --help`. */
export const CLUSTER_HELP: Readonly<Record<string, string>> = {
  cluster: `usage: mpi4ts cluster discover|check|sync|doctor ...   (mpi4ts cluster SUB --help for one)\n\n${CLUSTER_DISCOVER}\n\n${CLUSTER_CHECK}\n\n${CLUSTER_SYNC}\n\n${CLUSTER_DOCTOR}`,
  check: CLUSTER_CHECK, discover: CLUSTER_DISCOVER, sync: CLUSTER_SYNC, doctor: CLUSTER_DOCTOR,
};

export const COMMAND_HELP: Readonly<Record<string, string>> = { run: RUN, exec: EXEC, init: INIT, view: VIEW, playground: PLAYGROUND, cluster: CLUSTER_HELP.cluster! };

/** The launcher's own options, for the hint when one comes after the program (where it is the program's). */
export const RUN_OPTIONS = new Set([
  "-n", "-np", "--np", "-c", "--tag-output", "--timeout", "--oversubscribe", "--no-deadlock-check", "--check-collectives", "--engine",
  "--hostfile", "--futures", "--verbose", "--mpi-args", "--inspect", "--inspect-brk", "--cpu-prof", "--cpu-prof-dir",
  "--trace", "--profile", "--no-cluster-check",
]);
