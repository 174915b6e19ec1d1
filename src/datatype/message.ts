/**
 * Buffer specifications, as mpi4py reads them (its "message" arguments): a plain buffer, whose type follows the
 * typed array, or `[buf, datatype]`, `[buf, count, datatype]`, `[buf, [count, displ], datatype]`, and for the
 * v-collectives `[buf, counts, displs?, datatype?]`. Every Capitalized call parses its buffers here, once,
 * before anything is communicated, and moves them as a contiguous run of bytes: the user's own memory when the
 * datatype is dense, a packed copy otherwise (unpacked into the user's memory when a receive completes).
 */
import { MPIError } from "../errors.js";
import { type Buffer, bytesOf, checkBuffer, describe, elementSize, isBuffer } from "../datatype.js";
import { transfer } from "./plan.js";
import { Datatype, checkSpan, typeOfBuffer } from "./type.js";

/** `[buf, datatype]`, `[buf, count, datatype?]`, `[buf, [count, displ], datatype?]` or `[buf, count, displ, datatype]`. */
export type TypedSpec =
  | readonly [Buffer, Datatype]
  | readonly [Buffer, number | readonly [number, number], Datatype?]
  | readonly [Buffer, number, number, Datatype];
/** What a Capitalized call accepts for one buffer. */
export type BufSpec = Buffer | TypedSpec;
/** Per-rank counts (one number: the same for every rank) or displacements (one number: a stride), in items. */
type PerRank = readonly number[] | number;
/** `[buf, counts, displs?, datatype?]`, `[buf, [counts, displs], datatype?]`, `[buf, datatype]` or a buffer: per-rank blocks. */
export type BufSpecV =
  | Buffer
  | readonly [Buffer, Datatype]
  | readonly [Buffer, PerRank, (PerRank | null | undefined)?, Datatype?]
  | readonly [Buffer, PerRank, Datatype]
  | readonly [Buffer, readonly [readonly number[], readonly number[] | null], Datatype?];

/**
 * Packed copies given back by the calls that are done with them, by size, to be taken again: a program that sends
 * a column with a vector type every step packs into the same memory each time instead of making garbage at the
 * rate it communicates (which, on two ranks that wait for each other, costs both every collection's pause).
 */
const spares = new Map<number, Uint8Array[]>();
let spareCount = 0;
const MAX_SPARES = 16;
const MAX_SPARE_BYTES = 1 << 20;

/** `bytes` of memory to pack into (a spare's contents are stale: every byte is written before it is read). */
function packingMemory(bytes: number): Uint8Array {
  const spare = spares.get(bytes)?.pop();
  if (spare === undefined) return new Uint8Array(bytes);
  spareCount--;
  return spare;
}

/**
 * One buffer argument, parsed: `count` items of `type` in `memory` (from the displacement on). A plain buffer has
 * no datatype object (type null) and moves as its own bytes, so the common case costs one small object.
 */
export class Message {
  constructor(
    /** The user's memory, from the spec's displacement on. */
    readonly memory: Uint8Array,
    readonly type: Datatype | null,
    readonly count: number,
    /** Bytes per item on the wire: the type's size, or the typed array's element size. */
    readonly unit: number,
  ) {}

  /** Bytes the message carries. */
  get byteLength(): number { return this.count * this.unit; }

  /** Whether the data sits in `memory` as one contiguous run (sent and received in place). */
  get inPlace(): boolean { return this.type === null || this.type.dense; }

  /** The typed array whose elements are the basic elements (for reductions); null for mixed structs and complex types. */
  get element(): Datatype["element"] { return this.type === null ? null : this.type.scalar; }

  /** The data as contiguous bytes: the user's memory itself when dense, else a packed copy. */
  outgoing(): Uint8Array {
    if (this.type === null) return this.memory;
    if (this.type.dense) return this.memory.subarray(this.type.lb, this.type.lb + this.byteLength);
    return this.#pack(packingMemory(this.byteLength));
  }

  /**
   * The call that took `bytes` from `outgoing` or `incoming` is done with them (a send has completed, a receive
   * has landed) and keeps no reference: a packed copy may serve a later call. Nothing for a message in place.
   */
  recycle(bytes: Uint8Array): void {
    if (this.inPlace || bytes.length > MAX_SPARE_BYTES || spareCount >= MAX_SPARES) return;
    const same = spares.get(bytes.length);
    if (same) same.push(bytes);
    else spares.set(bytes.length, [bytes]);
    spareCount++;
  }

  /**
   * Where a receive lands: the user's memory when dense, else a temporary that `land` unpacks. A collective
   * whose blocks may not cover every item asks to `preserve` them: the temporary starts as their packed copy.
   */
  incoming(preserve = false): Uint8Array {
    if (this.inPlace) return this.outgoing();
    const memory = packingMemory(this.byteLength);
    return preserve ? this.#pack(memory) : memory;
  }

  /** Moves `received` bytes of `landed` (what incoming returned) into the user's memory; nothing when in place. */
  land(landed: Uint8Array, received: number = landed.length): void {
    if (this.inPlace) return;
    const type = this.type!;
    transfer(type.plan, type.extent, this.count, this.memory, landed, 0, received, "unpack");
  }

  /** Packs the current contents again into `into` (what outgoing or incoming returned); nothing when in place. */
  repack(into: Uint8Array): void {
    if (!this.inPlace) this.#pack(into);
  }

  #pack(into: Uint8Array): Uint8Array {
    const type = this.type!;
    transfer(type.plan, type.extent, this.count, this.memory, into, 0, into.length, "pack");
    return into;
  }
}

/**
 * Parses one buffer argument (`spec`, named `name` in errors; `where` says the call, rank and communicator):
 * `buf`, `[buf, datatype]`, `[buf, count]`, `[buf, [count, displ]]`, `[buf, count, datatype]`,
 * `[buf, [count, displ], datatype]` or `[buf, count, displ, datatype]`, as mpi4py reads them. `count` and `displ`
 * are in items of the datatype (displ in extents). A buffer that a collective splits into `blocks` equal blocks
 * (Scatter's sendbuf, Gather's recvbuf, ...) gives the count of one block, as in mpi4py; without a count, the
 * buffer holds as many items as fit, and must hold a whole number of them.
 */
export function bufferArg(where: string | (() => string), name: string, spec: unknown, blocks = 1): Message {
  if (isBuffer(spec)) {
    const bytes = bytesOf(checkBuffer(where, name, spec));
    const unit = elementSize(spec);
    return new Message(bytes, null, bytes.length / unit, unit);
  }
  const at = () => (typeof where === "function" ? where() : where);
  if (!Array.isArray(spec) || spec.length < 2 || spec.length > 4 || !isBuffer(spec[0])) {
    throw new MPIError("ERR_BUFFER", `${at()}: ${name} must be a typed array, [buf, datatype], [buf, count, datatype] or [buf, [count, displ], datatype], got ${describe(spec)}${valuesHint(spec)}`);
  }
  const buf = checkBuffer(where, `${name}[0]`, spec[0]);
  let parts = spec.slice(1) as unknown[];
  let type = typeOfBuffer(buf);
  if (parts[parts.length - 1] instanceof Datatype) type = parts.pop() as Datatype;
  else if (spec.length > 2) throw new MPIError("ERR_TYPE", `${at()}: ${name}[${spec.length - 1}] must be an MPI.Datatype, got ${describe(spec[spec.length - 1])}`);
  if (parts.length === 1 && Array.isArray(parts[0])) {
    if (parts[0].length !== 2) throw new MPIError("ERR_COUNT", `${at()}: ${name}[1] must be [count, displ], got an array of ${parts[0].length}`);
    parts = [...(parts[0] as unknown[])];
  }
  const count = parts[0] === undefined ? undefined : itemCount(at, `${name} count`, parts[0]) * blocks;
  const displ = parts[1] === undefined ? 0 : integer(at, `${name} displ`, parts[1]);
  return message(at, name, buf, type, count, displ);
}

/** A message of `count` items of `type` in `buf` from `displ` extents on, checked against the buffer. */
function message(at: () => string, name: string, buf: Buffer, type: Datatype, count: number | undefined, displ: number): Message {
  type.usable(`${at()}: ${name}`);
  const all = bytesOf(buf);
  const start = displ * type.extent;
  if (start < 0 || start > all.length) {
    throw new MPIError("ERR_BUFFER", `${at()}: ${name} displacement ${displ} (${start} bytes) is outside the buffer (${all.length} bytes)`);
  }
  const memory = all.subarray(start);
  if (count === undefined) {
    const extent = type.extent;
    if (extent === 0 || memory.length % extent !== 0) {
      throw new MPIError("ERR_COUNT", `${at()}: ${name} has ${memory.length} bytes, not a whole number of ${type.name} items (extent ${extent}); give the count: [buf, count, datatype]`);
    }
    count = memory.length / extent;
  }
  checkSpan(`${at()}`, name, type, count, memory.length);
  return new Message(memory, type, count, type.size);
}

/** A v-collective's buffer: the message over every block, and each rank's count and displacement in items. */
export interface MessageV {
  readonly message: Message;
  readonly counts: number[];
  readonly displs: number[];
}

/**
 * Parses a v-collective's buffer for a communicator of `size` ranks, as mpi4py reads it: `buf`,
 * `[buf, counts]`, `[buf, counts, displs]`, `[buf, counts, displs, datatype]`, `[buf, counts, datatype]`,
 * `[buf, [counts, displs], datatype]` or `[buf, datatype]`. Counts are an array or one count for every rank
 * (missing: the buffer's items spread as evenly as possible, the first ranks one more); displacements an array, one
 * stride (block i at i * stride) or missing (the blocks one after the other). Every block must lie inside the buffer.
 */
export function bufferArgV(where: string | (() => string), name: string, spec: unknown, size: number): MessageV {
  const at = () => (typeof where === "function" ? where() : where);
  const plain = isBuffer(spec);
  if (!plain && (!Array.isArray(spec) || spec.length < 2 || spec.length > 4 || !isBuffer(spec[0]))) {
    throw new MPIError("ERR_ARG", `${at()}: ${name} must be a buffer, [buffer, counts], [buffer, counts, displs] or [buffer, counts, displs, datatype], got ${describe(spec)}${valuesHint(spec)}`);
  }
  const buf = checkBuffer(where, plain ? name : `${name}[0]`, plain ? spec : (spec as unknown[])[0]);
  let parts = plain ? [] : ((spec as unknown[]).slice(1));
  let type = typeOfBuffer(buf);
  if (parts[parts.length - 1] instanceof Datatype) type = parts.pop() as Datatype;
  else if (parts.length === 3) throw new MPIError("ERR_TYPE", `${at()}: ${name}[3] must be an MPI.Datatype, got ${describe(parts[2])}`);
  // [counts, displs] as one pair: an array whose first entry is itself an array
  if (parts.length === 1 && Array.isArray(parts[0]) && (Array.isArray(parts[0][0]) || ArrayBuffer.isView(parts[0][0]))) parts = [...(parts[0] as unknown[])];
  const whole = bytesOf(buf);
  let counts: number[];
  if (parts[0] === undefined || parts[0] === null) {
    if (type.extent <= 0 || whole.length % type.extent !== 0) {
      throw new MPIError("ERR_COUNT", `${at()}: ${name} has ${whole.length} bytes, not a whole number of ${type.name} items; give the counts`);
    }
    const items = whole.length / type.extent;
    counts = Array.from({ length: size }, (_, i) => Math.floor(items / size) + (i < items % size ? 1 : 0));
  } else if (typeof parts[0] === "number") {
    counts = new Array<number>(size).fill(itemCount(at, `${name} counts`, parts[0]));
  } else {
    counts = ints(at, `${name} counts`, parts[0], size);
  }
  let displs: number[];
  if (parts[1] === undefined || parts[1] === null) {
    displs = [];
    let next = 0;
    for (const n of counts) { displs.push(next); next += n; }
  } else if (typeof parts[1] === "number") {
    const stride = itemCount(at, `${name} displs`, parts[1]);
    displs = counts.map((_, i) => i * stride);
  } else {
    displs = ints(at, `${name} displs`, parts[1], size);
  }
  const items = counts.reduce((end, n, i) => (n > 0 ? Math.max(end, displs[i]! + n) : end), 0);
  for (let i = 0; i < size; i++) {
    if (counts[i]! > 0 && (displs[i]! + counts[i]!) * type.extent > whole.length) {
      throw new MPIError("ERR_BUFFER", `${at()}: ${name} block ${i} (displacement ${displs[i]}, count ${counts[i]}) runs past the end of the buffer (${whole.length} bytes, items of ${type.extent})`);
    }
  }
  return { message: message(at, name, buf, type, items, 0), counts, displs };
}

/** An array of numbers where a buffer belongs is usually a JavaScript array meant as data. */
function valuesHint(spec: unknown): string {
  return Array.isArray(spec) && !isBuffer(spec[0]) ? " (use a typed array such as Float64Array.from(array), or the lowercase method for values)" : "";
}

function ints(at: () => string, what: string, x: unknown, size: number): number[] {
  if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && !(x instanceof DataView))) {
    throw new MPIError("ERR_ARG", `${at()}: ${what} must be an array of ${size} integers, got ${describe(x)}`);
  }
  const arr = Array.from(x as ArrayLike<number>, Number);
  if (arr.length !== size) throw new MPIError("ERR_COUNT", `${at()}: ${what} has ${arr.length} entries, the communicator has ${size} ranks`);
  arr.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) throw new MPIError("ERR_COUNT", `${at()}: ${what}[${i}] is ${v}, not a non-negative integer`);
  });
  return arr;
}

function itemCount(at: () => string, name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new MPIError("ERR_COUNT", `${at()}: ${name} (the count) must be a non-negative integer, got ${String(value)}`);
  return value as number;
}

function integer(at: () => string, name: string, value: unknown): number {
  if (!Number.isSafeInteger(value)) throw new MPIError("ERR_ARG", `${at()}: ${name} must be an integer, got ${String(value)}`);
  return value as number;
}

/**
 * `[buf, counts, displs, datatypes]` or `[buf, [counts, displs], datatypes]`: Alltoallw's buffer (MPI-4.0 §6.8),
 * one block per peer, each its own count of its own datatype (one Datatype: the same for every block), at a
 * displacement in **bytes** (null: the blocks one after another, each `count * extent` bytes).
 */
export type BufSpecW =
  | readonly [Buffer, readonly number[], readonly number[] | null | undefined, Datatype | readonly Datatype[]]
  | readonly [Buffer, readonly [readonly number[], readonly number[] | null], Datatype | readonly Datatype[]];

/**
 * Parses an Alltoallw buffer for `n` peers into one Message per block (each checked to lie inside the buffer),
 * before anything is communicated.
 */
export function bufferArgW(where: string | (() => string), name: string, spec: unknown, n: number, peer: "rank" | "neighbour" = "rank"): Message[] {
  const at = () => (typeof where === "function" ? where() : where);
  if (!Array.isArray(spec) || (spec.length !== 3 && spec.length !== 4) || !isBuffer(spec[0])) {
    throw new MPIError("ERR_ARG", `${at()}: ${name} must be [buffer, counts, displs, datatypes] or [buffer, [counts, displs], datatypes], got ${describe(spec)}${valuesHint(spec)}`);
  }
  const buf = checkBuffer(where, `${name}[0]`, spec[0]);
  const parts = spec.length === 4 ? [spec[1], spec[2]] : spec[1];
  if (!Array.isArray(parts) || parts.length !== 2) {
    throw new MPIError("ERR_ARG", `${at()}: ${name}[1] must be [counts, displs], got ${describe(parts)}`);
  }
  for (const [what, list] of [["counts", parts[0]], ["displs", parts[1]]] as const) {
    if (Array.isArray(list) && list.length !== n) throw new MPIError("ERR_COUNT", `${at()}: ${name} ${what} has ${list.length} entries, not one per ${peer} (${n})`);
  }
  const counts = ints(at, `${name} counts`, parts[0], n);
  const typesArg = spec[spec.length - 1] as unknown;
  const types: Datatype[] = typesArg instanceof Datatype ? new Array<Datatype>(n).fill(typesArg) : datatypes(at, name, typesArg, n);
  let displs: number[];
  if (parts[1] === null || parts[1] === undefined) {
    let next = 0;
    displs = counts.map((c, i) => (next += c * types[i]!.extent) - c * types[i]!.extent);
  } else {
    displs = ints(at, `${name} displs`, parts[1], n);
  }
  const all = bytesOf(buf);
  return counts.map((count, i) => {
    const type = types[i]!;
    type.usable(`${at()}: ${name} datatypes[${i}]`);
    if (displs[i]! > all.length) {
      throw new MPIError("ERR_BUFFER", `${at()}: ${name} block ${i} starts at byte ${displs[i]}, past the end of the buffer (${all.length} bytes)`);
    }
    const memory = all.subarray(displs[i]!);
    checkSpan(`${at()}`, `${name} block ${i}`, type, count, memory.length);
    return new Message(memory, type, count, type.size);
  });
}

function datatypes(at: () => string, name: string, x: unknown, n: number): Datatype[] {
  if (!Array.isArray(x) || x.length !== n || !x.every((t) => t instanceof Datatype)) {
    throw new MPIError("ERR_TYPE", `${at()}: ${name} datatypes must be an MPI.Datatype or an array of ${n} (one per block), got ${describe(x)}${Array.isArray(x) ? ` of ${x.length}` : ""}`);
  }
  return x as Datatype[];
}

/** A received block's bytes into its Message's place: copied when the type is dense, else unpacked. */
export function landBlock(block: Message, bytes: Uint8Array): void {
  if (block.inPlace) block.outgoing().set(bytes);
  else block.land(bytes);
}
