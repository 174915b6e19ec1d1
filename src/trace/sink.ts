/**
 * Where a rank's trace goes when it cannot be a file: a browser rank (src/browser/rank.ts) posts its part to the
 * page, and its new events while it runs, so that the page draws the timeline live. Unset, parts are files.
 */
import type { OpenCall, TraceEvent, TracePart } from "./recorder.js";

export interface TraceSink {
  /** The rank's whole part, once, as it ends. */
  part(part: TracePart): void;
  /**
   * Events recorded since the last call (`head` is the part without its events, for the first merge), and the
   * call the rank is in now, if any (a rank blocked in it sends nothing more until it returns).
   */
  live(head: Omit<TracePart, "events">, events: TraceEvent[], open: OpenCall | undefined): void;
}

let sink: TraceSink | undefined;

export function setTraceSink(to: TraceSink): void {
  sink = to;
}

export function traceSink(): TraceSink | undefined {
  return sink;
}
