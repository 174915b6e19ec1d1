/**
 * `MPI.progress(done, total, label?)`: a rank says how far its long work has come. On a terminal the launcher
 * draws one live line per rank (percent, rate, time left); with output redirected, in CI, or without a launcher of
 * ours, the call does nothing but check its arguments. A rank sends at most ten updates a second, and always the
 * last one (done = total).
 */
import { MPIError } from "./errors.js";

/** What a rank sends: done, total and label. */
export interface ProgressUpdate { readonly done: number; readonly total: number; readonly label?: string }

let sink: ((update: ProgressUpdate) => void) | undefined;
let lastSent = 0;
const MIN_INTERVAL_MS = 100;

/** Installed by the rank's start-up when its launcher draws progress (MPI4TS_PROGRESS=1). */
export function setProgressSink(deliver: (update: ProgressUpdate) => void): void {
  sink = deliver;
}

export function progress(done: number, total: number, label?: string): void {
  if (typeof total !== "number" || !Number.isFinite(total) || total <= 0) {
    throw new MPIError("ERR_ARG", `progress: total ${String(total)} must be a finite number greater than 0`);
  }
  if (typeof done !== "number" || !Number.isFinite(done) || done < 0) {
    throw new MPIError("ERR_ARG", `progress: done ${String(done)} must be a finite number of at least 0`);
  }
  if (label !== undefined && typeof label !== "string") {
    throw new MPIError("ERR_ARG", `progress: label must be a string, got ${typeof label}`);
  }
  if (!sink) return;
  const now = Date.now();
  if (done < total && now - lastSent < MIN_INTERVAL_MS) return;
  lastSent = now;
  sink({ done: Math.min(done, total), total, ...(label !== undefined ? { label: label.slice(0, 200) } : {}) });
}
