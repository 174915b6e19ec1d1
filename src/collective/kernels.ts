/**
 * Element-wise reduction kernels on typed arrays (MPI-4.0 §6.9.2): the only per-element work a buffer reduction
 * does. Every kernel combines `lower` (the contribution of lower ranks) with `higher` (of higher ranks), in that
 * order, into `out`, which is one of the two; so a non-commutative operation sees its operands in rank order.
 */
import type { BufferOp, BuiltinOpName, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";

// Kernels index typed arrays of any element type; `Arr` keeps that readable without a cast at every line.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Arr = any;

export function isBigIntArray(a: TypedArray): a is BigInt64Array | BigUint64Array {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}

export function isIntegerArray(a: TypedArray): boolean {
  return !(a instanceof Float32Array || a instanceof Float64Array);
}

/** Builtin operations that only make sense on integer elements (MPI's logical and bitwise ops). */
export const INTEGER_ONLY: ReadonlySet<BuiltinOpName> = new Set(["LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR"]);
/** Builtin operations on [value, index] pairs of consecutive elements. */
export const PAIR_OPS: ReadonlySet<BuiltinOpName> = new Set(["MAXLOC", "MINLOC"]);

/** Why `op` cannot reduce arrays like `a`, or undefined when it can. */
export function bufferOpRefusal(op: BufferOp, a: TypedArray): string | undefined {
  if (!("builtin" in op)) return undefined;
  if (INTEGER_ONLY.has(op.builtin) && !isIntegerArray(a)) {
    return `${op.builtin} is defined on integer types only, not on ${a.constructor.name}`;
  }
  if (PAIR_OPS.has(op.builtin) && a.length % 2 !== 0) {
    return `${op.builtin} reduces [value, index] pairs of consecutive elements, but the buffer has an odd length ${a.length}`;
  }
  return undefined;
}

/** Combines `lower` and `higher` element-wise into `out` (=== lower or === higher); all three have one length. */
export function combineInto(op: BufferOp, lower: TypedArray, higher: TypedArray, out: TypedArray): void {
  if ("fn" in op) {
    // MPI's user function contract: inoutvec = invec op inoutvec, invec from the lower ranks.
    op.fn(lower, higher);
    if (out !== higher) out.set(higher as Arr);
    return;
  }
  const big = isBigIntArray(out);
  switch (op.builtin) {
    case "SUM": return sum(lower, higher, out);
    case "PROD": return prod(lower, higher, out);
    case "MAX": return max(lower, higher, out);
    case "MIN": return min(lower, higher, out);
    case "LAND": return big ? landBig(lower, higher, out) : land(lower, higher, out);
    case "LOR": return big ? lorBig(lower, higher, out) : lor(lower, higher, out);
    case "LXOR": return big ? lxorBig(lower, higher, out) : lxor(lower, higher, out);
    case "BAND": return band(lower, higher, out);
    case "BOR": return bor(lower, higher, out);
    case "BXOR": return bxor(lower, higher, out);
    case "MAXLOC": return maxloc(lower, higher, out);
    case "MINLOC": return minloc(lower, higher, out);
    case "REPLACE": if (out !== higher) out.set(higher as Arr); return;
    default: throw new MPIError("ERR_OP", `unknown operation ${String((op as { builtin: unknown }).builtin)}`);
  }
}

function sum(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] + b[i]; }
function prod(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] * b[i]; }
// NaN propagates from either side, as with Math.max; written out so it also works on BigInts.
function max(a: Arr, b: Arr, o: Arr): void {
  for (let i = 0, n = o.length; i < n; i++) { const x = a[i], y = b[i]; o[i] = x !== x ? x : y > x || y !== y ? y : x; }
}
function min(a: Arr, b: Arr, o: Arr): void {
  for (let i = 0, n = o.length; i < n; i++) { const x = a[i], y = b[i]; o[i] = x !== x ? x : y < x || y !== y ? y : x; }
}
function land(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] !== 0 && b[i] !== 0 ? 1 : 0; }
function lor(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0; }
function lxor(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = (a[i] !== 0) !== (b[i] !== 0) ? 1 : 0; }
function landBig(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] !== 0n && b[i] !== 0n ? 1n : 0n; }
function lorBig(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] !== 0n || b[i] !== 0n ? 1n : 0n; }
function lxorBig(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = (a[i] !== 0n) !== (b[i] !== 0n) ? 1n : 0n; }
function band(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] & b[i]; }
function bor(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] | b[i]; }
function bxor(a: Arr, b: Arr, o: Arr): void { for (let i = 0, n = o.length; i < n; i++) o[i] = a[i] ^ b[i]; }
/** Pairs [value, index]: the larger value wins; equal values keep the smaller index (MPI-4.0 §6.9.4). */
function maxloc(a: Arr, b: Arr, o: Arr): void {
  for (let i = 0, n = o.length; i < n; i += 2) {
    const va = a[i], vb = b[i], ia = a[i + 1], ib = b[i + 1];
    const takeB = vb > va || (vb === va && ib < ia);
    o[i] = takeB ? vb : va;
    o[i + 1] = takeB ? ib : ia;
  }
}
function minloc(a: Arr, b: Arr, o: Arr): void {
  for (let i = 0, n = o.length; i < n; i += 2) {
    const va = a[i], vb = b[i], ia = a[i + 1], ib = b[i + 1];
    const takeB = vb < va || (vb === va && ib < ia);
    o[i] = takeB ? vb : va;
    o[i + 1] = takeB ? ib : ia;
  }
}
