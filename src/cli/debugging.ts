/**
 * Debugging and profiling one rank or every rank, the same way on both engines: the launcher passes what was
 * asked for in the environment of the ranks (MPI4TS_INSPECT, MPI4TS_CPU_PROF), and each rank, before the program
 * starts, opens an inspector on loopback (the chosen rank only) or starts V8's CPU profiler through an inspector
 * session of its own thread. The profile is written when the rank exits; a rank ended by the launcher (another
 * rank failed, a signal) writes none.
 */
import { Session, open as openInspector, url as inspectorUrl, waitForDebugger } from "node:inspector";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface DebugOptions {
  /** `--inspect RANK[:PORT]` / `--inspect-brk`: that rank listens for a debugger; `wait` pauses it until one attaches. */
  inspect?: { rank: number; port: number; wait: boolean };
  /** `--cpu-prof [DIR]`: every rank writes DIR/rank-R.cpuprofile. */
  cpuProfDir?: string;
}

export const DEFAULT_INSPECT_PORT = 9229;

/** The environment that carries `options` to the ranks. */
export function debugEnvironment(options: DebugOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.inspect) env.MPI4TS_INSPECT = `${options.inspect.rank}:${options.inspect.port}${options.inspect.wait ? ":wait" : ""}`;
  if (options.cpuProfDir !== undefined) env.MPI4TS_CPU_PROF = resolve(options.cpuProfDir);
  return env;
}

function fromEnvironment(env: NodeJS.ProcessEnv): DebugOptions {
  const options: DebugOptions = {};
  const inspect = /^(\d+):(\d+)(:wait)?$/.exec(env.MPI4TS_INSPECT ?? "");
  if (inspect) options.inspect = { rank: Number(inspect[1]), port: Number(inspect[2]), wait: inspect[3] !== undefined };
  if (env.MPI4TS_CPU_PROF) options.cpuProfDir = env.MPI4TS_CPU_PROF;
  return options;
}

/**
 * Called by a rank (thread or process) before its program starts. With `wait`, returns once a debugger has
 * attached; the program's first line then runs under it (set breakpoints in the program's source, or add
 * `debugger;` statements).
 */
export function startDebugging(rank: number, env: NodeJS.ProcessEnv = process.env): void {
  const options = fromEnvironment(env);
  if (options.inspect?.rank === rank) {
    const { port, wait } = options.inspect;
    openInspector(port, "127.0.0.1", false);
    process.stderr.write(
      `mpi4ts: rank ${rank}: debugger listening on ${inspectorUrl() ?? `127.0.0.1:${port}`} ` +
        `(chrome://inspect → Configure → 127.0.0.1:${port}, or attach VS Code to port ${port})${wait ? "; waiting for it to attach" : ""}\n`,
    );
    if (wait) waitForDebugger();
  }
  if (options.cpuProfDir !== undefined) profileUntilExit(join(options.cpuProfDir, `rank-${rank}.cpuprofile`));
}

function profileUntilExit(file: string): void {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  // A session of this thread answers synchronously, so the profile is written before the thread ends.
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      mkdirSync(resolve(file, ".."), { recursive: true });
      writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
