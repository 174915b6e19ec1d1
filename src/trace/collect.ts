/**
 * On the mpi engine the ranks hand their trace parts to rank 0 as they finalize MPI (a normal end), and rank 0
 * writes them beside its own: the hosts of a cluster need not share a file system for the merge to find every
 * part. A rank that ends otherwise (killed, MPI_Abort) leaves its part or rows file on its own host
 * (docs/trace.md).
 */
import { writeFileSync } from "node:fs";
import { ANY_SOURCE } from "../constants.js";
import { STANDARD, VALUE, type Envelope, type PayloadKind, type PointToPoint, type Sink } from "../engine/engine.js";
import { type Recorder, partFile } from "./recorder.js";

const TAG_PARTS = 1;

/** Every rank of `channel` (a duplicate of the world kept for this) calls this as it finalizes; `ending` says how it ended. */
export function gatherParts(channel: PointToPoint, recorder: Recorder, file: string, ending: string): void {
  if (channel.rank !== 0) {
    const part = recorder.take(ending);
    // (A part written already still sends its empty place: rank 0 counts on one message from every rank.)
    const bytes = part ? new TextEncoder().encode(JSON.stringify(part)) : new Uint8Array(0);
    // (as a value message: its receiver learns its length before it takes it)
    channel.send(bytes, VALUE, 0, TAG_PARTS, STANDARD);
    if (part) recorder.delivered();
    return;
  }
  for (let n = 1; n < channel.size; n++) {
    let bytes: Uint8Array = new Uint8Array(0);
    const sink: Sink = Object.assign((envelope: Envelope, received?: Uint8Array) => (bytes = received ?? new Uint8Array(envelope.byteLength)), { expects: VALUE as PayloadKind });
    const { source } = channel.recv(sink, ANY_SOURCE, TAG_PARTS);
    if (bytes.length > 0) writeFileSync(partFile(file, source), bytes);
  }
}
