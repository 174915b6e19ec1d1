/**
 * A rank's refusal of its own arguments to a value (lowercase) collective, carried in its data's place.
 *
 * A rank that refuses what it was given (a bcast root's value that cannot be sent, a scatter root's list of the
 * wrong length, a value an allreduce cannot encode) must not simply raise: the other ranks are already in the
 * collective and would wait for its contribution forever (on the mpi engine, inside MPI). So it takes part with
 * a refusal instead of its data, then raises its own error. The refusal moves as bytes like any contribution
 * (forwarded unchanged by a tree's inner ranks) and raises, on every rank that needed it, an MPIError of the same
 * class that names the refusing rank. In a reduction a refusal absorbs whatever it is combined with, so it reaches
 * every rank whose result depended on it. Costs nothing when no rank refuses.
 */
import { T_REFUSAL } from "../codec.js";
import type { Comm } from "../comm.js";
import { type ErrorClass, ERROR_CLASSES, MPIError, isMPIError } from "../errors.js";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A refusal as a value, as it travels through a value reduction's combining steps. */
export class Refusal {
  constructor(readonly rank: number, readonly errorClass: ErrorClass, readonly message: string) {}

  /**
   * The refusing rank's own error, from what it raised while preparing its contribution; `where` (its call and
   * rank, which the receivers name themselves) is cut from the message.
   */
  static of(rank: number, e: unknown, where = ""): Refusal {
    const errorClass = isMPIError(e) ? e.errorClass : "ERR_OTHER";
    const message = e instanceof Error ? e.message : String(e);
    return new Refusal(rank, errorClass, where && message.startsWith(`${where}: `) ? message.slice(where.length + 2) : message);
  }

  /** What a rank that needed the refused contribution raises, `where` naming its call and rank. */
  error(where: string): MPIError {
    return new MPIError(this.errorClass, `${where}: rank ${this.rank} refused its part of the collective: ${this.message}`);
  }

  /** The wire form: the codec's refusal tag, the rank (4 bytes LE), the class's index, the message in UTF-8. */
  encode(): Uint8Array {
    const text = utf8.encode(this.message);
    const out = new Uint8Array(6 + text.length);
    out[0] = T_REFUSAL;
    new DataView(out.buffer).setUint32(1, this.rank, true);
    out[5] = ERROR_CLASSES.indexOf(this.errorClass);
    out.set(text, 6);
    return out;
  }
}

/** A refusal in place of one contribution's bytes. */
export const refusalBytes = (r: Refusal): Uint8Array => r.encode();

/** A refusal in place of one block for each of `size` ranks. */
export const refusalBlocks = (size: number) => (r: Refusal): Uint8Array[] => new Array<Uint8Array>(size).fill(r.encode());

export function isRefusal(bytes: Uint8Array | undefined): boolean {
  return bytes !== undefined && bytes.length >= 6 && bytes[0] === T_REFUSAL;
}

export function decodeRefusal(bytes: Uint8Array): Refusal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A copy: the bytes may be shared memory (the local engine's area), which a browser's TextDecoder refuses.
  return new Refusal(view.getUint32(1, true), ERROR_CLASSES[bytes[5]!] ?? "ERR_OTHER", fromUtf8.decode(bytes.slice(6)));
}

/**
 * This rank's contribution to `call` made by `make` (which validates and encodes), or, when `make` throws an
 * MPIError, `refused(its refusal)` and the error to raise once the collective is done. Other errors are bugs
 * and propagate at once.
 */
export function contribution<B>(comm: Comm, call: string, make: () => B, refused: (r: Refusal) => B): { data: B; error?: MPIError } {
  try {
    return { data: make() };
  } catch (e) {
    if (!isMPIError(e)) throw e;
    return { data: refused(Refusal.of(comm.rank, e, comm.where(call))), error: e };
  }
}
