/**
 * What a program can do with its trace (`MPI.trace`, `MPI.Pcontrol`): marks and spans of its own, and pausing
 * the recording. Without `--trace` these do nothing (and cost one check).
 */
import { MPIError } from "../errors.js";
import { userMark, userSpan } from "./instrument.js";
import { now, type Recorder } from "./recorder.js";

let recorder: Recorder | undefined;

/** @internal install.ts hands over the recorder once tracing starts. */
export function setRecorder(r: Recorder): void {
  recorder = r;
}

function checkName(call: string, name: unknown): string {
  if (typeof name !== "string") throw new MPIError("ERR_ARG", `trace.${call}: name must be a string, got ${typeof name}`);
  return name;
}

export const trace = {
  /** True while this rank records (the program runs with --trace or --profile, and tracing is not paused). */
  get enabled(): boolean { return recorder?.on ?? false; },
  /** A named instant on this rank's track. */
  mark(name: string): void {
    checkName("mark", name);
    userMark(name);
  },
  /** Runs `fn` and shows it as a span named `name` on this rank's track (MPI calls inside nest in it); returns fn's result. */
  span<T>(name: string, fn: () => T): T {
    checkName("span", name);
    if (typeof fn !== "function") throw new MPIError("ERR_ARG", `trace.span: fn must be a function, got ${typeof fn}`);
    if (!recorder) return fn();
    const start = now();
    const done = () => userSpan(name, start);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      done();
      throw e;
    }
    if (result instanceof Promise) return result.finally(done) as T;
    done();
    return result;
  },
  /** Resumes recording (after `off()` or MPI4TS_TRACE_START=off). */
  on(): void { if (recorder) recorder.on = true; },
  /** Pauses recording: calls and messages meanwhile are not in the trace (a message sent while paused has no arrow). */
  off(): void { if (recorder) recorder.on = false; },
};

/**
 * MPI_Pcontrol as profilers read it (MPI-4.0 §15.2.4): level 0 pauses the trace, any other level resumes it.
 * Returns nothing, like mpi4py's.
 */
export function Pcontrol(level: number): void {
  if (!Number.isInteger(level)) throw new MPIError("ERR_ARG", `Pcontrol: level must be an integer, got ${String(level)}`);
  if (level === 0) trace.off();
  else trace.on();
}
