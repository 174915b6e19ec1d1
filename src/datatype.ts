/**
 * Buffers and their MPI datatypes (MPI-4.0 §3.2.2): the datatype of a Capitalized call follows the typed array,
 * so a buffer is sent as its raw bytes with no per-element work, and counts are in elements of its type.
 */
import type { TypedArray } from "./engine/engine.js";
import { MPIError } from "./errors.js";

/** What Capitalized methods accept: a typed array (or a subarray view), a DataView, or a whole ArrayBuffer. */
export type Buffer = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

export function isBuffer(value: unknown): value is Buffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer;
}

/** The bytes a buffer covers (a view onto the same memory, never a copy). */
export function bytesOf(buf: Buffer): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  try {
    if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    return new Uint8Array(buf);
  } catch (e) {
    // Node 20's Uint8Arrays hold at most 2^32 bytes; larger Float64Arrays exist but have no byte view.
    if (!(e instanceof RangeError)) throw e;
    throw new MPIError("ERR_BUFFER", `a buffer of ${buf.byteLength} bytes is more than this Node.js can view as bytes (${e.message}); mpi4ts moves at most that much per buffer: split it`);
  }
}

/** Bytes per element: the typed array's, 1 for DataView and ArrayBuffer (they count as bytes). */
export function elementSize(buf: Buffer): number {
  return ArrayBuffer.isView(buf) && "BYTES_PER_ELEMENT" in buf ? (buf as TypedArray).BYTES_PER_ELEMENT : 1;
}

export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** A short description of a value's type, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a plain Array (length ${value.length})`;
  if (typeof value === "object") return `a ${(value as object).constructor?.name ?? "object"}`;
  return `a ${typeof value}`;
}

/** ES2024 member present in Node 20 but not in this project's `lib` setting. */
interface Resizable { resizable?: boolean }

/**
 * Why a buffer cannot be used, or undefined when it can. A detached buffer (transferred away) reads as empty, so
 * it would silently travel as an empty message; a resizable ArrayBuffer can shrink while MPI reads or writes it
 * (a user Op or a pending request), leaving a view out of bounds. Only an empty buffer can be detached, so the
 * common case costs two property reads.
 */
export function bufferRefusal(buf: Buffer): string | undefined {
  const memory = ArrayBuffer.isView(buf) ? buf.buffer : buf;
  if ((memory as Resizable).resizable) return "is backed by a resizable ArrayBuffer, which can shrink under MPI; use a fixed-length buffer";
  let byteLength: number;
  try {
    byteLength = buf.byteLength; // a detached DataView throws here
  } catch {
    return "is detached (its memory was transferred away)";
  }
  if (byteLength === 0 && memory instanceof ArrayBuffer) {
    try {
      new Uint8Array(memory); // throws for a detached ArrayBuffer
    } catch {
      return "is detached (its memory was transferred away)";
    }
  }
  return undefined;
}

/**
 * Checks a buffer argument: its type, then that its memory is usable (not detached, not resizable); throws
 * ERR_BUFFER naming the argument (`where` says the call, rank and communicator).
 */
export function checkBuffer(where: string | (() => string), name: string, value: unknown): Buffer {
  const at = () => (typeof where === "function" ? where() : where);
  if (!isBuffer(value)) {
    throw new MPIError(
      "ERR_BUFFER",
      `${at()}: ${name} must be a typed array, DataView or ArrayBuffer, got ${describe(value)}` +
        (Array.isArray(value) ? " (use a typed array such as Float64Array.from(array), or the lowercase method for values)" : ""),
    );
  }
  const refusal = bufferRefusal(value);
  if (refusal) throw new MPIError("ERR_BUFFER", `${at()}: ${name} ${refusal}`);
  return value;
}
