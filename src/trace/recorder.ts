/**
 * One rank's trace recorder: a capped in-memory list of Chrome Trace Events, written to this rank's part file
 * on every exit path the rank can reach (normal exit, process.exit, uncaught exception, Abort). The merge
 * (merge.ts) turns the parts of a job into one file. See docs/trace.md.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/** One Chrome Trace Event as a rank records it: `ts` in µs of this thread's clock (see `now`). pid/tid come at merge. */
export interface TraceEvent {
  name: string;
  cat: string;
  ph: "X" | "i" | "s" | "f" | "M";
  ts: number;
  dur?: number;
  id?: string;
  bp?: "e";
  s?: "t";
  args?: Record<string, unknown>;
}

/** What a rank writes at exit: its events and what the merge needs to place them on the job's time axis. */
export interface TracePart {
  readonly format: "mpi4ts-trace-part";
  readonly jobId: string;
  readonly rank: number;
  readonly size: number;
  readonly host: string;
  readonly engine: string;
  readonly version: string;
  readonly argv: readonly string[];
  /** This thread's clock origin in µs since the epoch: event ts + originUs is the rank's wall clock. */
  readonly originUs: number;
  /** This rank's wall clock minus rank 0's, measured at start-up (0 where ranks share one clock). */
  readonly offsetUs: number;
  readonly dropped: number;
  /** How the rank ended: "exit 0", "uncaught exception", "Abort(3)"... */
  readonly ending: string;
  readonly events: readonly TraceEvent[];
}

export const DEFAULT_CAP = 1_000_000;

export interface RecorderIdentity {
  jobId: string; rank: number; size: number; host: string; engine: string; version: string; offsetUs: number;
}

export class Recorder {
  readonly events: TraceEvent[] = [];
  dropped = 0;
  /** MPI.Pcontrol / MPI.trace.off(): while false nothing is recorded (the wrappers stay, each call checks this). */
  on = true;
  #written = false;

  constructor(readonly file: string, readonly identity: RecorderIdentity, readonly cap = DEFAULT_CAP) {
    // The rank's run on the time axis starts here and ends at `flush` (the profile's % of time in MPI).
    this.events.push({ name: "trace start", cat: "rank", ph: "i", s: "t", ts: now() });
  }

  push(event: TraceEvent): void {
    if (this.events.length < this.cap) this.events.push(event);
    else this.dropped++;
  }

  /** Writes this rank's part (once: the first exit path that gets here wins). Never throws. */
  flush(ending: string): void {
    if (this.#written) return;
    this.#written = true;
    this.events.push({ name: ending, cat: "rank", ph: "i", s: "t", ts: now() });
    const part: TracePart = {
      format: "mpi4ts-trace-part", ...this.identity, argv: process.argv, originUs: performance.timeOrigin * 1000,
      dropped: this.dropped, ending, events: this.events,
    };
    try {
      writeFileSync(partFile(this.file, this.identity.rank), JSON.stringify(part));
    } catch (e) {
      process.stderr.write(`mpi4ts: rank ${this.identity.rank} could not write its trace part: ${(e as Error).message}\n`);
    }
    if (this.dropped > 0) {
      process.stderr.write(`mpi4ts: rank ${this.identity.rank} dropped ${this.dropped} trace events past the cap of ${this.cap} (MPI4TS_TRACE_CAP)\n`);
    }
  }
}

/** µs on this thread's high-resolution clock. */
export function now(): number {
  return performance.now() * 1000;
}

/** Where rank `rank` of a job traced to `file` leaves its part. */
export function partFile(file: string, rank: number): string {
  return `${file}.part-${rank}.json`;
}
