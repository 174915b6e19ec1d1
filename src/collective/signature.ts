/**
 * Call signatures (engine.ts's Signature): how a collective call is identified in shared memory, packed into
 * three Int32 words, and the errors that say how two ranks disagree.
 */
import type { BufferOp, Signature, TypedArray } from "../engine/engine.js";
import { type ErrorClass, ERROR_CLASSES, MPIError } from "../errors.js";
import { describeKind, refusedArguments } from "./transport.js";

const TYPES = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
  Float64Array, BigInt64Array, BigUint64Array,
] as const;
const OPS = ["SUM", "PROD", "MAX", "MIN", "LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR", "MAXLOC", "MINLOC", "REPLACE"];
/** A user-defined op: functions cannot be compared across ranks, so any two user ops agree. */
const USER_OP = 0xff;
/** In the op byte: the rank refused its arguments (refusedSignature); the type byte holds its error class. */
const REFUSED = 0xfe;

const TYPE_CODES = new Map<unknown, number>(TYPES.map((t, i) => [t, i + 1]));
const OP_CODES = new Map<string, number>(OPS.map((o, i) => [o, i + 1]));

/** The code of an element type (1-based; 0 means none). */
export function typeCode(a: TypedArray): number {
  return TYPE_CODES.get(a.constructor) ?? 0;
}

export function opCode(op: BufferOp): number {
  return "builtin" in op ? OP_CODES.get(op.builtin)! : USER_OP;
}

export function signature(kind: number, root = -1, bytes = -1, type = 0, op = 0): Signature {
  return { kind, root, bytes, type, op };
}

/**
 * The signature of a turn taken without data by a rank that refused its own arguments to a blocking buffer
 * collective (Collectives.refuse): a rank that meets it fails with `errorClass` instead of waiting for data.
 */
export function refusedSignature(kind: number, root: number, errorClass: ErrorClass): Signature {
  return { kind, root, bytes: -1, type: ERROR_CLASSES.indexOf(errorClass) + 1, op: REFUSED };
}

/** Word 0 of a packed signature: kind, type and op, one byte each. */
export function packHead(sig: Signature): number {
  return (sig.kind & 0xff) | ((sig.type & 0xff) << 8) | ((sig.op & 0xff) << 16);
}

export function unpack(head: number, root: number, bytes: number): Signature {
  return { kind: head & 0xff, type: (head >> 8) & 0xff, op: (head >> 16) & 0xff, root, bytes };
}

function describe(sig: Signature): string {
  return describeKind(sig.kind, sig.root);
}

function typeName(code: number): string {
  return TYPES[code - 1]?.name ?? "no buffer";
}

function opName(code: number): string {
  return code === USER_OP ? "a user-defined op" : OPS[code - 1] ?? "no op";
}

/** Why `theirs` (rank `rank`'s call) cannot be the same collective as `mine`, or undefined when they agree. */
export function disagreement(mine: Signature, theirs: Signature, rank: number): MPIError | undefined {
  const tail = "; every rank must call the same collectives in the same order, with the same root";
  if (theirs.op === REFUSED && mine.op !== REFUSED && theirs.kind === mine.kind && theirs.root === mine.root) {
    const errorClass = ERROR_CLASSES[theirs.type - 1] ?? "ERR_OTHER";
    return refusedArguments(rank, describe(mine), errorClass);
  }
  if (mine.kind !== theirs.kind || mine.root !== theirs.root) {
    return new MPIError("ERR_OTHER",
      `collective mismatch: this rank called ${describe(mine)} but rank ${rank} called ${describe(theirs)} at the same point${tail}`);
  }
  if (mine.bytes >= 0 && theirs.bytes >= 0 && mine.bytes !== theirs.bytes) {
    return new MPIError("ERR_COUNT",
      `collective mismatch in ${describe(mine)}: rank ${rank} sent ${theirs.bytes} bytes where this rank expects ${mine.bytes}; ` +
      "the counts (or buffer sizes) given on the ranks do not agree");
  }
  if (mine.type !== theirs.type) {
    return new MPIError("ERR_TYPE",
      `collective mismatch in ${describe(mine)}: rank ${rank} passed a ${typeName(theirs.type)} where this rank passed a ${typeName(mine.type)}`);
  }
  if (mine.op !== theirs.op) {
    return new MPIError("ERR_OP",
      `collective mismatch in ${describe(mine)}: rank ${rank} reduces with ${opName(theirs.op)} where this rank reduces with ${opName(mine.op)}`);
  }
  return undefined;
}
