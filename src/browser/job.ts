/**
 * What a web page calls to run a program on the local engine in the browser: one Web Worker per rank, the job's
 * shared memory in SharedArrayBuffers (the page must be cross-origin isolated), the launcher's supervision
 * (failures, deadlock report, timeout) on the page's own thread, which never blocks.
 */

import type { Trace } from "../trace/merge.js";

export interface BrowserJobOptions {
  /** Ranks, 1 to MAX_BROWSER_RANKS. */
  readonly size: number;
  /**
   * URL of the program as an ES module (compiled to JavaScript; a blob: URL is fine). Its imports of "mpi4ts"
   * (and "mpi4ts/futures", "mpi4ts/pool") must already point at the runtime's URL (`runtimeUrl` of the job's
   * module, i.e. the URL this module was loaded from), so that the program and the rank share one engine.
   */
  readonly programUrl: string;
  /** The program's name, as process.argv[1] in the ranks and the trace's command show it (default "program.ts"). */
  readonly programName?: string;
  /** The program's arguments (process.argv.slice(2) in the ranks). */
  readonly args?: readonly string[];
  /** Each whole line a rank writes (console.log / console.error, process.stdout/stderr), in order per rank, without its newline. */
  readonly onOutput: (rank: number, stream: "stdout" | "stderr", line: string) => void;
  /**
   * What the launcher itself says, as `mpi4ts run` prints it on stderr: a rank's failure and how the job ends,
   * the deadlock report (every rank blocked, what each waits for), the timeout.
   */
  readonly onReport?: (text: string) => void;
  /** Seconds; undefined for no limit. */
  readonly timeout?: number;
  /** Watch for deadlocks (every rank blocked, nothing in flight) and end the job with a report; default true. */
  readonly deadlockCheck?: boolean;
  /**
   * Record the job's trace (as `mpi4ts run --trace` does) and hand it over as it grows: the whole trace so far,
   * at most every quarter of a second while the ranks record, and once more, complete, before `done` resolves.
   * `timelinePage(trace)` draws it as `mpi4ts view` does.
   */
  readonly onTrace?: (trace: Trace) => void;
}

export interface BrowserJob {
  /** The job's exit code, as `mpi4ts run` would exit with (0 when every rank ended well). */
  readonly done: Promise<number>;
  /** Ends every rank at once (their workers are terminated), even one that loops forever; `done` then resolves with 130. */
  stop(): void;
}

export const MAX_BROWSER_RANKS = 16;
