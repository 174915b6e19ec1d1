/**
 * Reduction operations (MPI-4.0 §6.9): the predefined ones and user operations made with `Op.Create`.
 *
 * On values (lowercase collectives) an op combines two JavaScript values, the lower ranks' first: numbers and
 * BigInts arithmetically, LAND/LOR/LXOR by truthiness (booleans), strings concatenated in rank order under SUM,
 * arrays and typed arrays element-wise and recursively, MAXLOC/MINLOC on [value, index] pairs (ties: smallest
 * index). On buffers (Capitalized collectives) it is an engine `BufferOp`, applied element-wise by
 * collective/kernels.ts or by the MPI library.
 */
import { type Inspect, inspectAs, inspectCustom } from "./inspect.js";
import type { BufferOp, BuiltinOpName, TypedArray } from "./engine/engine.js";
import { MPIError } from "./errors.js";
import { type Buffer, bytesOf, checkBuffer, describe, isTypedArray } from "./datatype.js";
import { bufferOpRefusal, combineInto, isBigIntArray } from "./collective/kernels.js";

/** A user operation on values: returns `a op b`, `a` from the lower ranks. */
export type ValueOpFunction = (a: any, b: any) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A user operation on buffers: `inoutvec[i] = invec[i] op inoutvec[i]`, `invec` from the lower ranks. */
export type BufferOpFunction = (invec: any, inoutvec: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The predefined handles that are no reduction: MPI_OP_NULL, and MPI_NO_OP (for one-sided accumulates only). */
type Special = "OP_NULL" | "NO_OP";

/**
 * The base that makes an Op callable, `op(x, y)` as in mpi4py: the function `call` itself becomes the instance
 * (of the derived class, with its private fields), so `op instanceof Op` holds and `typeof op` is "function".
 */
class Callable {
  constructor(call: (a: unknown, b: unknown) => unknown) {
    // Own `name` and `length` of the function would hide Op's getters.
    delete (call as { name?: string }).name;
    delete (call as { length?: number }).length;
    return Object.setPrototypeOf(call, new.target.prototype) as Callable;
  }
}

/** Calling an Op (mpi4py's `Op.__call__`): `op(x, y)` is `x op y`, x the lower rank's, as `op.apply(x, y)`. */
export interface Op {
  <T>(a: T, b: T): T;
  (a: unknown, b: unknown): unknown;
}

export class Op extends Callable {
  readonly #name: string;
  readonly #builtin: BuiltinOpName | undefined;
  readonly #fn: ((a: unknown, b: unknown) => unknown) | undefined;
  readonly #commute: boolean;
  readonly #special: Special | undefined;
  #freed = false;
  #bufferOp: BufferOp | undefined;

  /** @internal Ops are the predefined constants or made with `Op.Create`. */
  constructor(name: string, builtin: BuiltinOpName | undefined, fn: ((a: unknown, b: unknown) => unknown) | undefined, commute: boolean, special?: Special) {
    const call = (a: unknown, b: unknown): unknown => (call as unknown as Op).#call(a, b);
    super(call);
    this.#name = name;
    this.#builtin = builtin;
    this.#fn = fn;
    this.#commute = commute;
    this.#special = special;
  }

  #call(a: unknown, b: unknown): unknown {
    if (this.#special === "NO_OP" && !this.#freed) return a; // MPI_NO_OP keeps the target's value
    return this.combineValues(a, b, `${this.#name}(x, y)`);
  }

  /**
   * A user operation (MPI_Op_create). For values, `fn(a, b)` returns the combination; for buffers,
   * `fn(invec, inoutvec)` writes `invec op inoutvec` into `inoutvec`. A non-commutative op (`commute = false`)
   * is always applied in rank order; mpi4ts applies every op in rank order, so results never depend on timing.
   */
  static Create<T = any>(fn: (a: T, b: T) => T, commute?: boolean): ValueOp<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  static Create<A extends TypedArray>(fn: (invec: A, inoutvec: A) => void, commute?: boolean): Op;
  static Create(fn: ValueOpFunction | BufferOpFunction, commute?: boolean): Op;
  static Create(fn: ValueOpFunction | BufferOpFunction, commute = true): Op {
    if (typeof fn !== "function") throw new MPIError("ERR_OP", `Op.Create: fn must be a function, got ${describe(fn)}`);
    return new Op(fn.name ? `Op(${fn.name})` : "Op(user)", undefined, fn as (a: unknown, b: unknown) => unknown, Boolean(commute));
  }

  get name(): string { return this.#name; }

  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    return inspectAs("Op", { name: this.#name, predefined: this.isPredefined, commutative: this.#commute }, options, inspect);
  }
  /** True for the predefined ops, OP_NULL and NO_OP included (as in mpi4py). */
  get isPredefined(): boolean { return this.#builtin !== undefined || this.#special !== undefined; }
  get is_predefined(): boolean { return this.isPredefined; }
  Is_predefined(): boolean { return this.isPredefined; }
  /** Whether the op was declared commutative (predefined ops: all but REPLACE and NO_OP). ERR_OP for OP_NULL. */
  get commute(): boolean {
    if (this.#special === "OP_NULL") throw new MPIError("ERR_OP", "Op.Is_commutative: MPI.OP_NULL is not an operation");
    return this.#commute;
  }
  get is_commutative(): boolean { return this.commute; }
  Is_commutative(): boolean { return this.commute; }
  get freed(): boolean { return this.#freed; }
  /** @internal False for freed ops, OP_NULL and NO_OP: what a reduction must refuse (see `check`). */
  get usable(): boolean { return !this.#freed && this.#special === undefined; }

  /**
   * Combines `inbuf` into `inoutbuf` element-wise, `inoutbuf[i] = inbuf[i] op inoutbuf[i]` (MPI_Reduce_local),
   * with the same kernels, type rules and user functions as the buffer reductions. Both buffers must have one
   * element type and one length; DataViews and ArrayBuffers count as bytes.
   */
  Reduce_local(inbuf: Buffer, inoutbuf: Buffer): void { reduceLocal(this, inbuf, inoutbuf); }

  /** Frees a user operation (MPI_Op_free); using it afterwards is ERR_OP. Predefined ops cannot be freed. */
  Free(): void {
    if (this.isPredefined) throw new MPIError("ERR_OP", `Op.Free: ${this.#name} is predefined and cannot be freed`);
    if (this.#freed) throw new MPIError("ERR_OP", `Op.Free: ${this.#name} was already freed`);
    this.#freed = true;
  }

  /** Applies the op to two values as a reduction would (mpi4py's `op(x, y)`): `a` is the lower rank's. */
  apply<T>(a: T, b: T): T;
  /** Operands of different kinds (LAND on a string and a number...) give what the op makes of them. */
  apply(a: unknown, b: unknown): unknown;
  apply(a: unknown, b: unknown): unknown {
    return this.combineValues(a, b, "Op.apply");
  }

  /** @internal Throws ERR_OP for a freed op, OP_NULL and NO_OP; `prefix` names the call. */
  check(prefix: string): void {
    if (this.#freed) throw new MPIError("ERR_OP", `${prefix}: op ${this.#name} was freed`);
    if (this.#special === "OP_NULL") throw new MPIError("ERR_OP", `${prefix}: MPI.OP_NULL is not an operation`);
    if (this.#special === "NO_OP") throw new MPIError("ERR_OP", `${prefix}: MPI.NO_OP is for one-sided accumulate operations, not reductions (as in MPI)`);
  }

  /** @internal The value combination `a op b` (a from lower ranks). */
  combineValues(a: unknown, b: unknown, prefix: string): unknown {
    this.check(prefix);
    if (this.#fn) return this.#fn(a, b);
    return combineValue(this.#builtin!, a, b, prefix, "");
  }

  /**
   * @internal The result of reducing a single value: the value itself, except that LAND/LOR/LXOR always return
   * booleans (element-wise in arrays), whatever the number of ranks.
   */
  single(x: unknown): unknown {
    const b = this.#builtin;
    return b === "LAND" || b === "LOR" || b === "LXOR" ? toLogical(x) : x;
  }

  /** @internal The engine form, for buffer reductions. */
  bufferOp(): BufferOp {
    if (this.#bufferOp) return this.#bufferOp;
    if (this.#builtin !== undefined) return (this.#bufferOp = { builtin: this.#builtin });
    const fn = this.#fn!;
    return (this.#bufferOp = { fn: (invec: TypedArray, inoutvec: TypedArray) => void fn(invec, inoutvec), commute: this.#commute });
  }

  override toString(): string { return this.#name; }
}

declare const opKind: unique symbol;
/** LAND, LOR, LXOR (for types only): their results are booleans, whatever the operands (by truthiness). */
export type LogicalOp = Op & { readonly [opKind]: "logical" };
/** MAXLOC, MINLOC (for types only): on `[value, index]` pairs, giving the pair. */
export type LocOp = Op & { readonly [opKind]: "loc" };
declare const operand: unique symbol;
/**
 * An operation on values of type T made by `Op.Create` from a function typed `(a: T, b: T) => T` (for types
 * only): lowercase reductions with it give a T.
 */
export type ValueOp<T> = Op & { readonly [operand]: T };
/** A value's type with literal types widened: `1` is a number, `true` a boolean. */
export type Widened<T> = T extends boolean ? boolean : T extends number ? number : T extends bigint ? bigint : T extends string ? string : T;
/**
 * What a reduction of values of type T by an op of type O gives: for `comm.reduce(1, MPI.SUM)` a number,
 * for `allreduce(x, MPI.LAND)` a boolean (booleans element-wise for arrays), for MAXLOC/MINLOC a
 * `[value, index]` pair.
 */
export type Reduced<T, O extends Op = Op> = O extends ValueOp<infer R> ? (unknown extends R ? Widened<T> : R)
  : O extends LogicalOp ? (T extends readonly unknown[] ? boolean[] : boolean)
  : O extends LocOp ? (T extends readonly [infer V, unknown] ? [Widened<V>, number] : T extends readonly (infer V)[] ? [Widened<V>, number] : Widened<T>)
  : Widened<T>;

function builtin(name: BuiltinOpName, commute = true): Op {
  return new Op(name, name, undefined, commute);
}

export const SUM = builtin("SUM");
export const PROD = builtin("PROD");
export const MAX = builtin("MAX");
export const MIN = builtin("MIN");
export const LAND = builtin("LAND") as LogicalOp;
export const LOR = builtin("LOR") as LogicalOp;
export const LXOR = builtin("LXOR") as LogicalOp;
export const BAND = builtin("BAND");
export const BOR = builtin("BOR");
export const BXOR = builtin("BXOR");
export const MAXLOC = builtin("MAXLOC") as LocOp;
export const MINLOC = builtin("MINLOC") as LocOp;
export const REPLACE = builtin("REPLACE", false);
/** The null handle (MPI_OP_NULL): every use in a reduction is ERR_OP. */
export const OP_NULL = new Op("OP_NULL", undefined, undefined, true, "OP_NULL");
/** MPI_NO_OP: for one-sided accumulates; called directly, `NO_OP(x, y)` is x; reductions refuse it (ERR_OP). */
export const NO_OP = new Op("NO_OP", undefined, undefined, false, "NO_OP");

function reduceLocal(op: Op, inbuf: unknown, inoutbuf: unknown): void {
  const call = "Op.Reduce_local";
  if (!(op instanceof Op)) throw new MPIError("ERR_OP", `${call}: must be called on an MPI.Op, got ${describe(op)}`);
  op.check(call);
  const input = elementsOf(call, "inbuf", inbuf), inout = elementsOf(call, "inoutbuf", inoutbuf);
  if (input.constructor !== inout.constructor) {
    throw new MPIError("ERR_TYPE", `${call}: inbuf is a ${input.constructor.name} but inoutbuf is a ${inout.constructor.name}; a reduction needs one element type`);
  }
  if (input.length !== inout.length) {
    throw new MPIError("ERR_COUNT", `${call}: inbuf has ${input.length} elements but inoutbuf has ${inout.length}; they must have as many`);
  }
  const o = op.bufferOp();
  const refusal = bufferOpRefusal(o, inout);
  if (refusal) throw new MPIError("ERR_OP", `${call}: ${refusal}`);
  combineInto(o, input, inout, inout);
}

/** A buffer argument as a typed array (DataView and ArrayBuffer as bytes). */
function elementsOf(call: string, name: string, buf: unknown): TypedArray {
  checkBuffer(call, name, buf);
  return isTypedArray(buf) ? buf : bytesOf(buf as Buffer);
}

// ---- value semantics -------------------------------------------------------------------------------------

/**
 * Where an element sits: `path`, then `[index]` when index ≥ 0. Element loops pass the index instead of building
 * a string per element, so the location is only spelled out when it goes into an error message.
 */
function at(path: string, index: number): string {
  return index >= 0 ? `${path}[${index}]` : path;
}

function fail(errorClass: "ERR_OP" | "ERR_COUNT", prefix: string, path: string, message: string): never {
  throw new MPIError(errorClass, `${prefix ? `${prefix}: ` : ""}${path ? `at ${path}: ` : ""}${message}`);
}

function toLogical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(toLogical);
  if (isTypedArray(x)) {
    const big = isBigIntArray(x);
    return (x as unknown as { map(f: (v: unknown) => unknown): unknown }).map((v) => (big ? (v ? 1n : 0n) : v ? 1 : 0));
  }
  return Boolean(x);
}

function truthy(x: unknown): boolean {
  return Boolean(x);
}

/** `a op b` for a predefined op on values; `path` locates nested elements in error messages. */
function combineValue(op: BuiltinOpName, a: unknown, b: unknown, prefix: string, path: string, index = -1): unknown {
  switch (op) {
    case "REPLACE":
      return b;
    case "MAXLOC":
    case "MINLOC":
      return combineLoc(op, a, b, prefix, path, index);
    default:
      break;
  }
  const logical = op === "LAND" || op === "LOR" || op === "LXOR";
  // Logical ops take any values by truthiness; they go element-wise only when both sides are arrays.
  if (logical && !(Array.isArray(a) && Array.isArray(b)) && !(isTypedArray(a) && isTypedArray(b))) {
    return combineScalar(op, a, b, prefix, path, index);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) {
      fail("ERR_OP", prefix, at(path, index), `${op} cannot combine ${describe(a)} with ${describe(b)}`);
    }
    if (a.length !== b.length) {
      fail("ERR_COUNT", prefix, at(path, index), `${op} combines arrays element-wise, but their lengths differ (${a.length} and ${b.length})`);
    }
    const out = new Array<unknown>(a.length);
    const here = at(path, index);
    for (let i = 0; i < a.length; i++) out[i] = combineValue(op, a[i], b[i], prefix, here, i);
    return out;
  }
  if (isTypedArray(a) || isTypedArray(b)) return combineTyped(op, a, b, prefix, path, index);
  return combineScalar(op, a, b, prefix, path, index);
}

function combineTyped(op: BuiltinOpName, a: unknown, b: unknown, prefix: string, path: string, index: number): TypedArray {
  if (!isTypedArray(a) || !isTypedArray(b) || a.constructor !== b.constructor) {
    fail("ERR_OP", prefix, at(path, index), `${op} cannot combine ${describe(a)} with ${describe(b)}`);
  }
  if (a.length !== b.length) {
    fail("ERR_COUNT", prefix, at(path, index), `${op} combines typed arrays element-wise, but their lengths differ (${a.length} and ${b.length})`);
  }
  const Ctor = a.constructor as new (n: number) => TypedArray;
  const out = new Ctor(a.length) as unknown as { [i: number]: unknown; length: number };
  const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
  const big = isBigIntArray(a);
  const logical = op === "LAND" || op === "LOR" || op === "LXOR";
  const here = at(path, index);
  for (let i = 0; i < a.length; i++) {
    const v = combineScalar(op, x[i], y[i], prefix, here, i);
    out[i] = logical ? (big ? (v ? 1n : 0n) : v ? 1 : 0) : v;
  }
  return out as unknown as TypedArray;
}

function combineScalar(op: BuiltinOpName, a: unknown, b: unknown, prefix: string, path: string, index: number): unknown {
  switch (op) {
    case "LAND": return truthy(a) && truthy(b);
    case "LOR": return truthy(a) || truthy(b);
    case "LXOR": return truthy(a) !== truthy(b);
    default: break;
  }
  const ta = typeof a, tb = typeof b;
  if (ta === "number" && tb === "number") {
    const x = a as number, y = b as number;
    switch (op) {
      case "SUM": return x + y;
      case "PROD": return x * y;
      case "MAX": return x !== x ? x : y > x || y !== y ? y : x;
      case "MIN": return x !== x ? x : y < x || y !== y ? y : x;
      case "BAND": case "BOR": case "BXOR": return bitwiseNumbers(op, x, y, prefix, path, index);
      default: break;
    }
  } else if (ta === "bigint" && tb === "bigint") {
    const x = a as bigint, y = b as bigint;
    switch (op) {
      case "SUM": return x + y;
      case "PROD": return x * y;
      case "MAX": return y > x ? y : x;
      case "MIN": return y < x ? y : x;
      case "BAND": return x & y;
      case "BOR": return x | y;
      case "BXOR": return x ^ y;
      default: break;
    }
  } else if (ta === "string" && tb === "string") {
    const x = a as string, y = b as string;
    switch (op) {
      case "SUM": return x + y;
      case "MAX": return y > x ? y : x;
      case "MIN": return y < x ? y : x;
      default: break;
    }
  } else if (ta === "boolean" && tb === "boolean") {
    switch (op) {
      case "BAND": return (a as boolean) && (b as boolean);
      case "BOR": return (a as boolean) || (b as boolean);
      case "BXOR": return a !== b;
      default: break;
    }
  }
  const hint = (ta === "number" && tb === "bigint") || (ta === "bigint" && tb === "number")
    ? " (mixing number and BigInt: convert one of them)" : "";
  return fail("ERR_OP", prefix, at(path, index), `${op} is not defined on ${describe(a)} and ${describe(b)}${hint}`);
}

function bitwiseNumbers(op: "BAND" | "BOR" | "BXOR", x: number, y: number, prefix: string, path: string, index: number): number {
  if (!Number.isSafeInteger(x) || !Number.isSafeInteger(y)) {
    fail("ERR_OP", prefix, at(path, index), `${op} is defined on integers only, got ${x} and ${y}`);
  }
  if ((x | 0) === x && (y | 0) === y) return op === "BAND" ? x & y : op === "BOR" ? x | y : x ^ y;
  const X = BigInt(x), Y = BigInt(y);
  return Number(op === "BAND" ? X & Y : op === "BOR" ? X | Y : X ^ Y);
}

function isPair(x: unknown): x is [unknown, unknown] {
  return Array.isArray(x) && x.length === 2;
}

function combineLoc(op: "MAXLOC" | "MINLOC", a: unknown, b: unknown, prefix: string, path: string, index: number): unknown {
  if (!isPair(a) || !isPair(b)) {
    fail("ERR_OP", prefix, at(path, index), `${op} takes [value, index] pairs, got ${describe(a)} and ${describe(b)}`);
  }
  const [va, ia] = a, [vb, ib] = b;
  const comparable = (v: unknown) => typeof v === "number" || typeof v === "bigint" || typeof v === "string";
  if (!comparable(va) || typeof va !== typeof vb) {
    fail("ERR_OP", prefix, at(path, index), `${op} compares numbers, BigInts or strings, got ${describe(va)} and ${describe(vb)}`);
  }
  const x = va as number, y = vb as number;
  const better = op === "MAXLOC" ? y > x : y < x;
  const takeB = better || (x === y && (ib as number) < (ia as number));
  return takeB ? [vb, ib] : [va, ia];
}
