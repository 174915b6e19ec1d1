/**
 * A rank's Web Worker (the browser's counterpart of src/local/rank.ts): told its place in the job by the page's
 * launcher (launcher.ts), it joins the job's shared memory, installs the local engine where `import { MPI } from
 * "mpi4ts"` finds it, sends everything the program prints to the page, and runs the program. A browser never ends
 * a worker by itself, so the rank ends when its program's module has run (top-level awaits included): then the
 * awaits of MPI requests still pending are waited for, 'exit' listeners run, and the page is told the exit code.
 */
import { LOCAL_ENGINE_SLOT } from "../engine/select.js";
import { LocalEngine } from "../local/engine.js";
import type { RankHost } from "../local/host.js";
import type { JobLayout } from "../local/layout.js";
import { setTraceSink } from "../trace/sink.js";
import type { OpenCall, TraceEvent, TracePart } from "../trace/recorder.js";
import { RankExit, argv, env, process, rankProcess, setImmediate } from "./node/process.js";
import { Buffer } from "./node/buffer.js";
import { availableParallelism, hostname, totalmem } from "./node/os.js";
import { formatArgs } from "./format.js";
import { browserNavigator, workerScope } from "./web.js";

/** The launcher's one message to a rank. */
export interface BrowserRankStart {
  readonly sab: SharedArrayBuffer;
  /** Where memory shared after the start is carved (src/local/heap.ts). */
  readonly heap: SharedArrayBuffer;
  readonly layout: JobLayout;
  readonly rank: number;
  readonly programUrl: string;
  readonly args: readonly string[];
  readonly programName: string;
  /** When the page draws the timeline: the job's trace id (ranks then post their events, sink.ts). */
  readonly traceJob?: string;
}

/** What a rank tells the launcher: output ([1 | 2, text]), its end, its failure (the error as text), its trace. */
export type FromBrowserRank =
  | [fd: 1 | 2, text: string] | { readonly exit: number } | { readonly failed: string }
  | { readonly tracePart: TracePart }
  | { readonly traceLive: { readonly head: Omit<TracePart, "events">; readonly events: TraceEvent[]; readonly open: OpenCall | undefined } };

const scope = workerScope();
scope.onmessage = (event) => {
  scope.onmessage = null;
  void run(event.data as BrowserRankStart);
};

async function run(start: BrowserRankStart): Promise<void> {
  const post = (message: FromBrowserRank) => scope.postMessage(message);
  const exitHooks: (() => void)[] = [];
  const idleHooks: (() => void)[] = [];
  let ended = false;
  /** The rank's one end: 'exit' listeners first (they may still deliver messages), then the page is told. */
  const end = (code: number) => {
    if (ended) return;
    ended = true;
    try {
      for (const hook of exitHooks) hook();
      rankProcess.emit("exit", code);
    } catch (error) {
      if (!(error instanceof RankExit)) post({ failed: describe(error) });
    }
    post({ exit: code });
  };
  const fail = (error: unknown) => {
    if (error instanceof RankExit || ended) return;
    ended = true;
    post({ failed: describe(error) });
  };
  scope.addEventListener("error", (event) => {
    event.preventDefault();
    fail(event.error ?? new Error(event.message));
  });
  scope.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fail(event.reason);
  });

  // Programs written for Node find its globals (process.argv, process.exit, Buffer) as they would under mpi4ts run.
  Object.assign(globalThis, { process, Buffer, setImmediate });
  rankProcess.setSink((fd, text) => post([fd, text]));
  rankProcess.setExitHandler(end);
  captureConsole((fd, text) => post([fd, text]));
  argv.splice(0, argv.length, "browser", start.programName, ...start.args);
  if (start.traceJob !== undefined) {
    // What mpi4ts run --trace sets; the program's import of mpi4ts then starts recording (src/trace/install.ts).
    Object.assign(env, { MPI4TS_TRACE: "browser", MPI4TS_TRACE_JOB: start.traceJob, MPI4TS_TRACE_MERGE: "launcher" });
    setTraceSink({ part: (tracePart) => post({ tracePart }), live: (head, events, open) => post({ traceLive: { head, events, open } }) });
  }

  const host: RankHost = {
    hostName: hostname(),
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    runtime: `a web browser (${browserNavigator().userAgent ?? "unknown"})`,
    // Every worker of the page counts from its own start; timeOrigin puts them on the page's one clock.
    clockOffsetMs: performance.timeOrigin,
    onExit: (fn) => { exitHooks.push(fn); },
    onIdle: (fn) => { idleHooks.push(fn); },
    writeError: (text) => post([2, text.endsWith("\n") ? text : `${text}\n`]),
    exit: (code) => process.exit(code),
  };
  (globalThis as Record<symbol, unknown>)[LOCAL_ENGINE_SLOT] = new LocalEngine({
    sab: start.sab, heap: start.heap, layout: start.layout, rank: start.rank, ports: [], host, name: "local",
  });
  try {
    await import(start.programUrl);
    // What Node does when the event loop runs dry: requests still awaited are waited for (engine.ts's settle).
    for (const hook of idleHooks) hook();
    await new Promise((resolve) => setTimeout(resolve, 0));
    end(process.exitCode ?? 0);
  } catch (error) {
    fail(error);
  }
}

function captureConsole(deliver: (fd: 1 | 2, text: string) => void): void {
  const console = globalThis.console as unknown as Record<string, unknown>;
  for (const [name, fd] of [["log", 1], ["info", 1], ["debug", 1], ["warn", 2], ["error", 2], ["trace", 2]] as const) {
    console[name] = (...args: unknown[]) => deliver(fd, `${formatArgs(args)}\n`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack?.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ""}`;
  return `uncaught value: ${String(error)}`;
}
