/**
 * Shared memory made after a job starts, where it cannot be posted to a blocked rank (a browser's workers; see
 * pipes.ts): one growable SharedArrayBuffer that every rank maps from the start, from which any rank carves
 * regions (a window's memory, a communicator's shared area, an attached region). Each region is named by its
 * offset and length, which travel in a pipe; the buffer grows as regions are carved, and every rank sees its new
 * length at once (a growable SharedArrayBuffer's length is shared). Regions are never reused: a job that makes
 * windows without end runs out at HEAP_MAX_BYTES.
 */
import { MPIError } from "../errors.js";

/** A region of shared memory: `length` bytes of `sab` from `offset` (64-byte aligned). */
export interface SharedBytes {
  readonly sab: SharedArrayBuffer;
  readonly offset: number;
  readonly length: number;
}

export const HEAP_BLOCK = 64;
/** Word 0: the next free block. The first block holds the header. */
const NEXT = 0;
const INITIAL_BYTES = 1 << 20;
/** Address space reserved for the heap; pages are committed only as regions are used. */
export const HEAP_MAX_BYTES = 2 ** 31;

/** A new heap, for a job's launcher to give every rank. */
export function createHeap(): SharedArrayBuffer {
  const Growable = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => SharedArrayBuffer;
  const sab = new Growable(INITIAL_BYTES, { maxByteLength: HEAP_MAX_BYTES });
  new Int32Array(sab, 0, 1)[NEXT] = 1;
  return sab;
}

/** Carves `bytes` (zeroed) out of `heap`, growing it if need be. */
export function allocate(heap: SharedArrayBuffer, bytes: number): SharedBytes {
  const blocks = Math.max(1, Math.ceil(bytes / HEAP_BLOCK));
  const first = Atomics.add(new Int32Array(heap, 0, 1), NEXT, blocks);
  const offset = first * HEAP_BLOCK, end = offset + blocks * HEAP_BLOCK;
  if (first < 0 || end > HEAP_MAX_BYTES) {
    throw new MPIError("ERR_OTHER", `shared memory made after the job's start is used up (${HEAP_MAX_BYTES / 2 ** 20} MiB in all); ${bytes} more bytes were asked for`);
  }
  const growable = heap as unknown as { byteLength: number; grow(bytes: number): void };
  while (growable.byteLength < end) {
    try {
      growable.grow(Math.min(HEAP_MAX_BYTES, Math.max(end, 2 * growable.byteLength)));
    } catch (e) {
      // Another rank grew it meanwhile (a grow may only lengthen): look again.
      if (growable.byteLength < end && !(e instanceof RangeError)) throw e;
    }
  }
  return { sab: heap, offset, length: bytes };
}

/** A region of its own (where SharedArrayBuffers can be posted to any rank: Node's ports). */
export function ownBytes(bytes: number): SharedBytes {
  return { sab: new SharedArrayBuffer(bytes), offset: 0, length: bytes };
}
