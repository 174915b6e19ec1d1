/**
 * Where a rank's trace goes when it cannot be a file: a browser rank (src/browser/rank.ts) posts its part to the
 * page, and its new events while it runs, so that the page draws the timeline live. Unset, parts are files.
 */
import type { TraceEvent, TracePart } from "./recorder.js";

export interface TraceSink {
  /** The rank's whole part, once, as it ends. */
  part(part: TracePart): void;
  /** Events recorded since the last call (`head` is the part without its events, for the first merge). */
  live(head: Omit<TracePart, "events">, events: TraceEvent[]): void;
}

let sink: TraceSink | undefined;

export function setTraceSink(to: TraceSink): void {
  sink = to;
}

export function traceSink(): TraceSink | undefined {
  return sink;
}
