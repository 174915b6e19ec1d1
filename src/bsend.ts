/**
 * Buffered sends (MPI-4.0 §3.6): `MPI.Attach_buffer(buf)` gives this rank room for messages sent with
 * bsend/Bsend/ibsend/Ibsend/Bsend_init. A buffered send copies its message and returns at once; the copy goes out as
 * a standard send. Each message in flight holds its length plus BSEND_OVERHEAD bytes of the attached size until it
 * has left this rank (on the local engine at once; on the mpi engine once MPI's send of it completes). A send that
 * finds too little room is ERR_BUFFER and sends nothing. `MPI.Detach_buffer()` waits until every buffered message
 * has left, then gives the buffer back.
 *
 * The attached buffer is the accounting, as in MPI, not the memory the copies live in (a JavaScript program never
 * reads it while attached); one buffer per rank, as MPI's is per process.
 */
import { type Buffer, checkBuffer } from "./datatype.js";
import type { EngineRequest } from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
import { MPIError } from "./errors.js";
import { onRank } from "./request.js";

/** Bytes a buffered message needs beyond its own (MPI_BSEND_OVERHEAD): size buffers as n * (bytes + BSEND_OVERHEAD). */
export const BSEND_OVERHEAD = 96;

interface InFlight {
  readonly request: EngineRequest;
  readonly bytes: number;
}

let attached: { readonly buffer: Buffer; readonly size: number } | undefined;
let used = 0;
const inFlight: InFlight[] = [];

/** MPI_Buffer_attach: room for buffered sends (its byteLength counts). ERR_BUFFER while another is attached. */
export function Attach_buffer(buf: Buffer): void {
  const buffer = checkBuffer(() => onRank("Attach_buffer"), "buf", buf);
  if (attached) {
    throw new MPIError("ERR_BUFFER", `${onRank("Attach_buffer")}: a buffer of ${attached.size} bytes is attached already; Detach_buffer() it first`);
  }
  attached = { buffer, size: buffer.byteLength };
}

/** MPI_Buffer_detach: waits until every buffered message has left this rank, then returns the buffer. */
export function Detach_buffer(): Buffer {
  if (!attached) throw new MPIError("ERR_BUFFER", `${onRank("Detach_buffer")}: no buffer is attached (MPI.Attach_buffer)`);
  for (const message of inFlight.splice(0)) message.request.wait();
  used = 0;
  const { buffer } = attached;
  attached = undefined;
  return buffer;
}

/** Frees the room of the messages that have left. */
function reap(): void {
  for (let i = inFlight.length - 1; i >= 0; i--) {
    const message = inFlight[i]!;
    if (!message.request.test()) continue;
    used -= message.bytes;
    inFlight.splice(i, 1);
  }
}

/**
 * @internal A buffered send of `data` (arguments already checked): ERR_BUFFER, with nothing sent, when the attached
 * buffer lacks room; else `send` starts a standard send of a copy, which this module sees through.
 */
export function bufferedSend(where: () => string, data: Uint8Array, send: (copy: Uint8Array) => EngineRequest): void {
  reap();
  const need = data.length + BSEND_OVERHEAD;
  if (!attached) {
    throw new MPIError("ERR_BUFFER", `${where()}: no buffer is attached for buffered sends; call MPI.Attach_buffer(new Uint8Array(bytes + MPI.BSEND_OVERHEAD)) first`);
  }
  if (used + need > attached.size) {
    throw new MPIError("ERR_BUFFER", `${where()}: the message needs ${need} bytes of the attached buffer (${data.length} + BSEND_OVERHEAD ${BSEND_OVERHEAD}) but ${attached.size - used} of its ${attached.size} are free; nothing was sent`);
  }
  const request = send(data.slice());
  if (request.test()) {
    if (request.error !== undefined) throw request.error;
    return;
  }
  used += need;
  inFlight.push({ request, bytes: need });
  currentEngine().detach?.(request);
}
