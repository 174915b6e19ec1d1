/**
 * What the MPI launcher prints on its stderr that only repeats what mpi4ts already said in one line: Open MPI's
 * MPI_ABORT banner (the rank printed "mpi4ts: rank R of COMM called Abort(k)") and MPICH's "application called
 * MPI_Abort" line. Everything else passes through, a whole line at a time. Open MPI frames its help messages in
 * lines of dashes, so a framed block is held until its closing line and dropped only if it is the abort banner.
 */
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { TextSink } from "../local/relay.js";

const FRAME = /^-{20,}\s*$/;
const ABORT_BANNER = /MPI_ABORT was invoked on rank/;
const DROPPED_LINES = [
  /^Abort\(\d+\) on node \d+ \(rank \d+ in comm \d+\): application called MPI_Abort/, // MPICH
  /ORTE_ERROR_LOG: .*show_help\.c/, // Open MPI failing to print the banner above as the job ends
];
/** A frame that never closes is let through once this many lines are held. */
const MAX_HELD_LINES = 200;

export function relayLauncherStderr(from: Readable, to: TextSink): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  let held: string[] | null = null;
  const emit = (line: string) => {
    if (!DROPPED_LINES.some((pattern) => pattern.test(line))) to.write(`${line}\n`);
  };
  const onLine = (line: string) => {
    if (held === null) {
      if (FRAME.test(line)) held = [line];
      else emit(line);
      return;
    }
    held.push(line);
    const closed = held.length > 1 && FRAME.test(line);
    if (closed || held.length >= MAX_HELD_LINES) {
      const block = held;
      held = null;
      if (!(closed && block.some((l) => ABORT_BANNER.test(l)))) for (const l of block) emit(l);
    }
  };
  return new Promise((resolve) => {
    from.on("data", (chunk: Buffer) => {
      const lines = (partial + decoder.write(chunk)).split("\n");
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    from.on("end", () => {
      const rest = partial + decoder.end();
      if (rest) onLine(rest);
      if (held) for (const l of held) emit(l);
      resolve();
    });
  });
}
