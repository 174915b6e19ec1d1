/**
 * What the local engine needs from the runtime its ranks live in, so that one engine runs on Node's worker
 * threads (node-host.ts) and in a browser's Web Workers (src/browser/rank.ts). Everything else the engine does
 * (shared memory, atomics, blocking waits with Atomics.wait) is the same in both.
 */
import type { DirectCopy } from "./thread-helpers.js";

export interface RankHost {
  /** MPI.Get_processor_name(). */
  readonly hostName: string;
  /** How many ranks may spin on a core of their own while they wait. */
  readonly cores: number;
  /** The machine's memory in bytes, which bounds what one rank may hold of unreceived large messages. */
  readonly memoryBytes: number;
  /** For MPI.Get_library_version(): the runtime and its version, e.g. "Node.js v20.19.0". */
  readonly runtime: string;
  /** Milliseconds to add to this thread's performance.now() for a clock every rank of the job shares. */
  readonly clockOffsetMs: number;
  /** Runs `fn` as the rank ends without failing (its program done or exit called), to deliver what is still queued. */
  onExit(fn: () => void): void;
  /** Runs `fn` once the rank's program has nothing left to do but await MPI requests (Node's 'beforeExit'). */
  onIdle(fn: () => void): void;
  /** Writes a line of the rank's own diagnostics (Abort's reason) to its stderr. */
  writeError(text: string): void;
  /** Ends this rank with `code` (after Abort, or for the self engine, the process). */
  exit(code: number): never;
  /** Gives the core away while spinning, when ranks outnumber cores (Node's addon; none in a browser). */
  readonly yieldCore?: () => void;
  /** Binds this thread to the index-th core the process may use, returning it or -1 (Node's addon on Linux). */
  readonly bindToCore?: (index: number) => number;
  /** Single copies from a peer thread's memory (Node's addon; none in a browser). */
  readonly directCopy?: DirectCopy;
}
