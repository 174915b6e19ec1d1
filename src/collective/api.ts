/**
 * The public collectives of `Comm` (MPI-4.0 chapter 6), both families: argument checks with messages naming the
 * call, the rank and the argument; values encoded with the codec and reduced with JavaScript ops over the
 * internal channel; buffers handed to the engine's native collectives when it has them, else to the generic
 * algorithms of this directory. Comm's methods delegate here in one line each.
 */
import { IN_PLACE, type InPlace } from "../constants.js";
import type { BufferOp, Collectives, EngineComm, EngineRequest, Envelope, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";
import { type Buffer, bytesOf, checkBuffer, describe, elementSize, isBuffer, isTypedArray } from "../datatype.js";
import { EngineOperation, Request } from "../request.js";
import { Op } from "../op.js";
import { Group } from "../group.js";
import type { Comm } from "../comm.js";
import { generic } from "./generic.js";
import { allgatherBytes, alltoallBytes, bcastBytes, gatherBytes, mark, scatterBytes, sharedCollectives } from "./shared.js";
import { opCode, signature } from "./signature.js";
import { bufferOpRefusal } from "./kernels.js";
import * as move from "./movement.js";
import * as red from "./reduction.js";
import { Kind, VALUE_FAMILY, runBlocking, startCall, withWhere } from "./transport.js";

/** `[buf, counts, displs?]`: a buffer with per-rank counts (and displacements), in elements of the buffer's type. */
export type BufferSpec = readonly [Buffer, readonly number[], (readonly number[] | null | undefined)?];

// ---- plumbing --------------------------------------------------------------------------------------------

function engine(comm: Comm, call: string): EngineComm {
  return comm.engineComm(call);
}

function collectivesOf(c: EngineComm, op?: BufferOp): Collectives {
  if (c.shared) return sharedCollectives(c);
  // MPI's collectives refuse MPI_REPLACE (it is for one-sided accumulates); mpi4ts defines it for reductions.
  if (op && "builtin" in op && op.builtin === "REPLACE") return generic(c.internal);
  return c.native ?? generic(c.internal);
}

/** Adds "call on rank r of NAME (size p)" to an error of a collective, unless it has it already. */
function named(comm: Comm, call: string, e: unknown): unknown {
  return withWhere(comm.where(call), e);
}

/** Runs `body`, adding "call on rank r of NAME (size p)" to any MPIError that lacks it. */
function guard<R>(comm: Comm, call: string, body: () => R): R {
  try {
    return body();
  } catch (e) {
    throw named(comm, call, e);
  }
}

/** An engine request whose error names the call and rank. */
class Named implements EngineRequest {
  #error: unknown;
  constructor(private readonly inner: EngineRequest, private readonly where: () => string) {}
  test(): boolean { return this.inner.test(); }
  wait(): void { this.inner.wait(); }
  cancel(): void { this.inner.cancel(); }
  blockedOn(): object | undefined { return this.inner.blockedOn?.(); }
  get cancelled(): boolean { return this.inner.cancelled; }
  get envelope(): Envelope | undefined { return this.inner.envelope; }
  get error(): unknown {
    if (this.inner.error === undefined) return undefined;
    return (this.#error ??= withWhere(this.where(), this.inner.error));
  }
}

export function request(comm: Comm, call: string, start: () => EngineRequest): Request<void> {
  const r = guard(comm, call, start);
  return new Request<void>(new EngineOperation(new Named(r, () => comm.where(call)), () => undefined));
}

function checkRoot(comm: Comm, call: string, root: unknown): number {
  const size = engine(comm, call).size;
  if (!Number.isInteger(root) || (root as number) < 0 || (root as number) >= size) {
    throw new MPIError("ERR_ROOT", `${comm.where(call)}: root ${String(root)} is not in 0..${size - 1}`);
  }
  return root as number;
}

function checkOp(comm: Comm, call: string, op: unknown): Op {
  if (!(op instanceof Op)) {
    throw new MPIError("ERR_OP", `${comm.where(call)}: op must be an MPI.Op (MPI.SUM, MPI.MAX, Op.Create(...)), got ${describe(op)}`);
  }
  if (op.freed) op.check(comm.where(call));
  return op;
}

function checkSeq(comm: Comm, call: string, seq: unknown, argName: string): unknown[] {
  const size = engine(comm, call).size;
  if (!Array.isArray(seq)) {
    throw new MPIError("ERR_ARG", `${comm.where(call)}: ${argName} must be an array of ${size} items (one per rank), got ${describe(seq)}`);
  }
  if (seq.length !== size) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: ${argName} has ${seq.length} items but the communicator has ${size} ranks; it needs exactly one per rank`);
  }
  return seq;
}

/** A buffer argument as bytes. */
function bufBytes(comm: Comm, call: string, name: string, buf: unknown): Uint8Array {
  return bytesOf(checkBuffer(() => comm.where(call), name, buf));
}

/** A buffer argument as a typed array (DataView and ArrayBuffer count as bytes). */
function typed(comm: Comm, call: string, name: string, buf: unknown): TypedArray {
  checkBuffer(() => comm.where(call), name, buf);
  return isTypedArray(buf) ? buf : bytesOf(buf as Buffer);
}

/** The ops check for buffer reductions: returns the engine form or throws ERR_OP. */
function bufferOp(comm: Comm, call: string, op: unknown, like: TypedArray): BufferOp {
  const o = checkOp(comm, call, op).bufferOp();
  const refusal = bufferOpRefusal(o, like);
  if (refusal) throw new MPIError("ERR_OP", `${comm.where(call)}: ${refusal}`);
  return o;
}

function sameType(comm: Comm, call: string, a: TypedArray, b: TypedArray): void {
  if (a.constructor !== b.constructor) {
    throw new MPIError("ERR_TYPE", `${comm.where(call)}: sendbuf is a ${a.constructor.name} but recvbuf is a ${b.constructor.name}; reductions need one element type`);
  }
}

/** Parses `[buf, counts, displs?]` into bytes, byte counts and byte displacements. */
function spec(comm: Comm, call: string, name: string, value: unknown): { buf: Uint8Array; counts: number[]; displs: number[] } {
  const where = comm.where(call);
  const size = engine(comm, call).size;
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !isBuffer(value[0])) {
    throw new MPIError("ERR_ARG", `${where}: ${name} must be [buffer, counts] or [buffer, counts, displs], got ${describe(value)}`);
  }
  const buf = checkBuffer(where, `${name}[0]`, value[0]);
  const esize = elementSize(buf);
  const length = bytesOf(buf).length / esize;
  const counts = value[1] as unknown;
  const displs = value[2] as unknown;
  const ints = (x: unknown, what: string): number[] => {
    if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && !(x instanceof DataView))) {
      throw new MPIError("ERR_ARG", `${where}: ${name} ${what} must be an array of ${size} integers, got ${describe(x)}`);
    }
    const arr = Array.from(x as ArrayLike<number>, Number);
    if (arr.length !== size) throw new MPIError("ERR_COUNT", `${where}: ${name} ${what} has ${arr.length} entries, the communicator has ${size} ranks`);
    arr.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0) throw new MPIError("ERR_COUNT", `${where}: ${name} ${what}[${i}] is ${v}, not a non-negative integer`);
    });
    return arr;
  };
  const c = ints(counts, "counts");
  let d: number[];
  if (displs === undefined || displs === null) {
    d = [];
    let at = 0;
    for (const n of c) { d.push(at); at += n; }
  } else {
    d = ints(displs, "displs");
  }
  for (let i = 0; i < size; i++) {
    if (d[i]! + c[i]! > length) {
      throw new MPIError("ERR_BUFFER", `${where}: ${name} block ${i} (displacement ${d[i]}, count ${c[i]}) runs past the end of the buffer (${length} elements)`);
    }
  }
  return { buf: bytesOf(buf), counts: c.map((n) => n * esize), displs: d.map((n) => n * esize) };
}

function uniform(size: number, block: number): { counts: number[]; displs: number[] } {
  return { counts: new Array<number>(size).fill(block), displs: Array.from({ length: size }, (_, i) => i * block) };
}

/**
 * The bytes of one rank's block when `buf` splits into `size` equal blocks of whole elements (counts are in
 * elements of the buffer's type, as in MPI: three doubles do not split into two blocks of 12 bytes).
 */
function divide(comm: Comm, call: string, name: string, buf: Uint8Array, esize: number, size: number): number {
  const elements = buf.length / esize;
  if (elements % size !== 0) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: ${name} has ${elements} elements, which do not split into ${size} equal blocks (one per rank)`);
  }
  return (elements / size) * esize;
}

// ---- values (lowercase) ----------------------------------------------------------------------------------

export function barrier(comm: Comm, call = "barrier"): void {
  const k = collectivesFor(comm, call);
  try { k.barrier(); } catch (e) { throw named(comm, call, e); }
}

export function ibarrier(comm: Comm, call = "ibarrier"): Request<void> {
  const c = engine(comm, call);
  return request(comm, call, () => collectivesOf(c).ibarrier());
}

export function bcast<T>(comm: Comm, obj: T, root: number): T {
  const call = "bcast";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const bytes = c.rank === root ? comm.encode(call, obj) : null;
  if (c.size === 1) return obj;
  if (c.shared) {
    const area = c.shared;
    let got: Uint8Array | undefined;
    try { got = bcastBytes(area, signature(Kind.Bcast | VALUE_FAMILY, root), root, bytes); } catch (e) { throw named(comm, call, e); }
    if (got) return c.rank === root ? obj : comm.decode<T>(call, got);
  }
  const k = guard(comm, call, () => startCall(c.internal, Kind.Bcast | VALUE_FAMILY, root));
  const got = guard(comm, call, () => runBlocking(move.bcast(k, bytes, false), k));
  return c.rank === root ? obj : comm.decode<T>(call, got);
}

export function scatter<T>(comm: Comm, seq: readonly T[] | null, root: number): T {
  const call = "scatter";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  let blocks: Uint8Array[] | null = null;
  if (c.rank === root) blocks = checkSeq(comm, call, seq, "seq").map((item) => comm.encode(call, item));
  if (c.size === 1) return seq![0]!;
  if (c.shared) {
    const area = c.shared;
    let got: Uint8Array | undefined;
    try { got = scatterBytes(area, signature(Kind.Scatter | VALUE_FAMILY, root), root, blocks); } catch (e) { throw named(comm, call, e); }
    if (got) return c.rank === root ? seq![root]! : comm.decode<T>(call, got);
  }
  const k = guard(comm, call, () => startCall(c.internal, Kind.Scatter | VALUE_FAMILY, root));
  const mine = guard(comm, call, () => runBlocking(move.scatterBlocks(k, blocks), k));
  return c.rank === root ? seq![root]! : comm.decode<T>(call, mine);
}

export function gather<T>(comm: Comm, obj: T, root: number): T[] | null {
  const call = "gather";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const bytes = comm.encode(call, obj);
  if (c.size === 1) return [obj];
  if (c.shared) {
    const area = c.shared;
    let all: Uint8Array[] | null;
    try { all = gatherBytes(area, c.internal, signature(Kind.Gather | VALUE_FAMILY, root), bytes, root); } catch (e) { throw named(comm, call, e); }
    return all && all.map((b, r) => (r === root ? obj : comm.decode<T>(call, b)));
  }
  const k = guard(comm, call, () => startCall(c.internal, Kind.Gather | VALUE_FAMILY, root));
  const blocks = guard(comm, call, () => runBlocking(move.gatherBlocks(k, bytes), k));
  if (!blocks) return null;
  return blocks.map((b, r) => (r === root ? obj : comm.decode<T>(call, b)));
}

export function allgather<T>(comm: Comm, obj: T): T[] {
  const call = "allgather";
  const c = engine(comm, call);
  const bytes = comm.encode(call, obj);
  if (c.size === 1) return [obj];
  if (c.shared) {
    const area = c.shared;
    let all: Uint8Array[] | undefined;
    try { all = allgatherBytes(area, signature(Kind.Allgather | VALUE_FAMILY), bytes); } catch (e) { throw named(comm, call, e); }
    if (all) return all.map((b, r) => (r === c.rank ? obj : comm.decode<T>(call, b)));
  }
  const k = guard(comm, call, () => startCall(c.internal, Kind.Allgather | VALUE_FAMILY, 0));
  if (c.size <= DIRECT_ALLGATHER) {
    // Few ranks: everyone sends its value to everyone, one step.
    const got = guard(comm, call, () => runBlocking(move.exchange(k, new Array<Uint8Array>(c.size).fill(bytes), null), k));
    return got.map((b, r) => (r === c.rank ? obj : comm.decode<T>(call, b)));
  }
  const packed = guard(comm, call, () => runBlocking((function* () {
    const blocks = yield* move.gatherBlocks(k, bytes);
    return yield* move.bcast(k, blocks ? pack(blocks) : null, false);
  })(), k));
  return unpack(packed, c.size).map((b, r) => (r === c.rank ? obj : comm.decode<T>(call, b)));
}

/** Up to this many ranks, value allgather sends directly to every rank instead of gather + bcast. */
const DIRECT_ALLGATHER = 4;

function pack(blocks: readonly Uint8Array[]): Uint8Array {
  const total = blocks.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(4 * blocks.length + total);
  const view = new DataView(out.buffer);
  let at = 4 * blocks.length;
  blocks.forEach((b, i) => {
    view.setUint32(4 * i, b.length, true);
    out.set(b, at);
    at += b.length;
  });
  return out;
}

function unpack(packed: Uint8Array, n: number): Uint8Array[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: Uint8Array[] = [];
  let at = 4 * n;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(4 * i, true);
    out.push(packed.subarray(at, at + len));
    at += len;
  }
  return out;
}

export function alltoall<T>(comm: Comm, seq: readonly T[]): T[] {
  const call = "alltoall";
  const c = engine(comm, call);
  const items = checkSeq(comm, call, seq, "seq") as T[];
  const out = items.map((item) => comm.encode(call, item));
  if (c.size === 1) return [items[0]!];
  if (c.shared) {
    const area = c.shared;
    let got: Uint8Array[] | undefined;
    try { got = alltoallBytes(area, signature(Kind.Alltoall | VALUE_FAMILY), out); } catch (e) { throw named(comm, call, e); }
    if (got) return got.map((b, r) => (r === c.rank ? items[r]! : comm.decode<T>(call, b)));
  }
  const k = guard(comm, call, () => startCall(c.internal, Kind.Alltoall | VALUE_FAMILY));
  const got = guard(comm, call, () => runBlocking(move.exchange(k, out, null), k));
  return got.map((b, r) => (r === c.rank ? items[r]! : comm.decode<T>(call, b)));
}

/**
 * v0 ⊕ (v1 ⊕ (… ⊕ vp-1)) of every rank's encoded value, in the same order on every rank (so the same result
 * everywhere). Decodes each operand: ops may modify or keep what they are given.
 */
function foldValues(comm: Comm, call: string, op: Op, all: readonly Uint8Array[]): unknown {
  let acc = comm.decode<unknown>(call, all[all.length - 1]!);
  try {
    for (let r = all.length - 2; r >= 0; r--) acc = op.combineValues(comm.decode<unknown>(call, all[r]!), acc, "");
  } catch (e) {
    throw named(comm, call, e);
  }
  return acc;
}

/** A round of the shared area for a value collective whose data goes by messages (its signature is checked). */
function meet(comm: Comm, call: string, c: EngineComm, kind: number, root = -1): void {
  const area = c.shared;
  if (area) guard(comm, call, () => mark(area, signature(kind, root)));
}

function valueAlgebra(op: Op): red.ValueAlgebra {
  // Errors get "call on rank r of NAME" from guard(); no prefix here, so no string is built per call.
  return new red.ValueAlgebra((a, b) => op.combineValues(a, b, ""), (x) => op.single(x));
}

export function reduce<T>(comm: Comm, obj: T, op: Op, root: number): T | null {
  const call = "reduce";
  const c = engine(comm, call);
  op = checkOp(comm, call, op);
  root = checkRoot(comm, call, root);
  if (c.size === 1) return op.single(obj) as T;
  if (c.shared) {
    const area = c.shared;
    const sig = signature(Kind.Reduce | VALUE_FAMILY, root, -1, 0, opCode(op.bufferOp()));
    const mine = comm.encode(call, obj);
    let all: Uint8Array[] | null;
    try { all = gatherBytes(area, c.internal, sig, mine, root); } catch (e) { throw named(comm, call, e); }
    return all && (foldValues(comm, call, op, all) as T);
  }
  const alg = valueAlgebra(op);
  const k = guard(comm, call, () => startCall(c.internal, Kind.Reduce | VALUE_FAMILY, root));
  const result = guard(comm, call, () => runBlocking(red.reduce(k, alg, obj as unknown), k));
  return c.rank === root ? (result as T) : null;
}

export function allreduce<T>(comm: Comm, obj: T, op: Op): T {
  const call = "allreduce";
  const c = engine(comm, call);
  op = checkOp(comm, call, op);
  if (c.size === 1) return op.single(obj) as T;
  if (c.shared) {
    const area = c.shared;
    const sig = signature(Kind.Allreduce | VALUE_FAMILY, -1, -1, 0, opCode(op.bufferOp()));
    const mine = comm.encode(call, obj);
    let all: Uint8Array[] | undefined;
    try { all = allgatherBytes(area, sig, mine); } catch (e) { throw named(comm, call, e); }
    if (all) return foldValues(comm, call, op, all) as T;
  }
  const alg = valueAlgebra(op);
  const k = guard(comm, call, () => startCall(c.internal, Kind.Allreduce | VALUE_FAMILY));
  return guard(comm, call, () => runBlocking(red.allreduce(k, alg, obj as unknown), k)) as T;
}

export function scan<T>(comm: Comm, obj: T, op: Op, exclusive: boolean): T | undefined {
  const call = exclusive ? "exscan" : "scan";
  const c = engine(comm, call);
  op = checkOp(comm, call, op);
  if (c.size === 1) return exclusive ? undefined : (op.single(obj) as T);
  const alg = valueAlgebra(op);
  const kind = (exclusive ? Kind.Exscan : Kind.Scan) | VALUE_FAMILY;
  meet(comm, call, c, kind);
  const k = guard(comm, call, () => startCall(c.internal, kind));
  return guard(comm, call, () => runBlocking(red.scan(k, alg, obj as unknown, exclusive), k)) as T | undefined;
}

// ---- buffers (Capitalized) -------------------------------------------------------------------------------

/** The collectives a buffer call runs on: the engine's own, the shared area's, or the generic ones. */
function collectivesFor(comm: Comm, call: string, op?: BufferOp): Collectives {
  return collectivesOf(engine(comm, call), op);
}

// Blocking buffer collectives call their Collectives directly inside try/catch (with `named` on the way out)
// rather than through a shared runner of closures: a call site shared by every collective goes megamorphic, and
// that indirection cost a small Allreduce a tenth of its time.

export function Barrier(comm: Comm): void { barrier(comm, "Barrier"); }
export function Ibarrier(comm: Comm): Request<void> { return ibarrier(comm, "Ibarrier"); }

/**
 * What every rooted collective checks first: the root, whether this rank is it, and that IN_PLACE (in `name`) is
 * used only at the root.
 */
function rooted(comm: Comm, call: string, root: number, own: unknown, name: "sendbuf" | "recvbuf"): { c: EngineComm; root: number; atRoot: boolean } {
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const atRoot = c.rank === root;
  if (own === IN_PLACE && !atRoot) throw new MPIError("ERR_ARG", `${comm.where(call)}: IN_PLACE is only valid as ${name} at the root`);
  return { c, root, atRoot };
}

export function Bcast(comm: Comm, buf: Buffer, root: number, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Ibcast" : "Bcast";
  const bytes = bufBytes(comm, call, "buf", buf);
  root = checkRoot(comm, call, root);
  const k = collectivesFor(comm, call);
  if (nonblocking) return request(comm, call, () => k.ibcast(bytes, root));
  try { k.bcast(bytes, root); } catch (e) { throw named(comm, call, e); }
}

export function Scatter(comm: Comm, sendbuf: Buffer | null, recvbuf: Buffer | InPlace, root: number, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Iscatter" : "Scatter";
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, recvbuf, "recvbuf"));
  const recv = recvbuf === IN_PLACE ? null : bufBytes(comm, call, "recvbuf", recvbuf);
  let send: Uint8Array | null = null, counts: number[] | null = null, displs: number[] | null = null;
  if (atRoot) {
    send = bufBytes(comm, call, "sendbuf", sendbuf);
    const block = divide(comm, call, "sendbuf", send, elementSize(sendbuf as Buffer), c.size);
    if (recv && recv.length < block) {
      throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} bytes but each rank's block of sendbuf has ${block}`);
    }
    ({ counts, displs } = uniform(c.size, block));
  }
  const k = collectivesFor(comm, call);
  if (nonblocking) return request(comm, call, () => k.iscatterv(send, counts, displs, recv, root));
  try { k.scatterv(send, counts, displs, recv, root); } catch (e) { throw named(comm, call, e); }
}

export function Scatterv(comm: Comm, sendspec: BufferSpec | null, recvbuf: Buffer | InPlace, root: number): void {
  const call = "Scatterv";
  let atRoot: boolean;
  ({ root, atRoot } = rooted(comm, call, root, recvbuf, "recvbuf"));
  const recv = recvbuf === IN_PLACE ? null : bufBytes(comm, call, "recvbuf", recvbuf);
  let s: ReturnType<typeof spec> | null = null;
  if (atRoot) {
    s = spec(comm, call, "sendbuf", sendspec);
    if (recv && recv.length < s.counts[root]!) {
      throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} bytes but the root's own block has ${s.counts[root]}`);
    }
  }
  const k = collectivesFor(comm, call);
  try { k.scatterv(s?.buf ?? null, s?.counts ?? null, s?.displs ?? null, recv, root); } catch (e) { throw named(comm, call, e); }
}

export function Gather(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer | null, root: number, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Igather" : "Gather";
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const send = sendbuf === IN_PLACE ? null : bufBytes(comm, call, "sendbuf", sendbuf);
  let recv: Uint8Array | null = null, counts: number[] | null = null, displs: number[] | null = null;
  if (atRoot) {
    recv = bufBytes(comm, call, "recvbuf", recvbuf);
    const block = divide(comm, call, "recvbuf", recv, elementSize(recvbuf as Buffer), c.size);
    if (send && send.length > block) {
      throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: sendbuf has ${send.length} bytes but recvbuf has room for ${block} per rank`);
    }
    ({ counts, displs } = uniform(c.size, block));
  }
  const k = collectivesFor(comm, call);
  if (nonblocking) return request(comm, call, () => k.igatherv(send, recv, counts, displs, root));
  try { k.gatherv(send, recv, counts, displs, root); } catch (e) { throw named(comm, call, e); }
}

export function Gatherv(comm: Comm, sendbuf: Buffer | InPlace, recvspec: BufferSpec | null, root: number): void {
  const call = "Gatherv";
  let atRoot: boolean;
  ({ root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const send = sendbuf === IN_PLACE ? null : bufBytes(comm, call, "sendbuf", sendbuf);
  const s = atRoot ? spec(comm, call, "recvbuf", recvspec) : null;
  if (s && send && send.length > s.counts[root]!) {
    throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: sendbuf has ${send.length} bytes but the root's block of recvbuf has ${s.counts[root]}`);
  }
  const k = collectivesFor(comm, call);
  try { k.gatherv(send, s?.buf ?? null, s?.counts ?? null, s?.displs ?? null, root); } catch (e) { throw named(comm, call, e); }
}

export function Allgather(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Iallgather" : "Allgather";
  const c = engine(comm, call);
  const recv = bufBytes(comm, call, "recvbuf", recvbuf);
  const send = sendbuf === IN_PLACE ? null : bufBytes(comm, call, "sendbuf", sendbuf);
  const block = divide(comm, call, "recvbuf", recv, elementSize(recvbuf as Buffer), c.size);
  if (send && send.length !== block) {
    throw new MPIError(send.length > block ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${send.length} bytes but recvbuf has ${block} per rank (${recv.length} for ${c.size} ranks)`);
  }
  const { counts, displs } = uniform(c.size, block);
  const k = collectivesFor(comm, call);
  if (nonblocking) return request(comm, call, () => k.iallgatherv(send, recv, counts, displs));
  try { k.allgatherv(send, recv, counts, displs); } catch (e) { throw named(comm, call, e); }
}

export function Allgatherv(comm: Comm, sendbuf: Buffer | InPlace, recvspec: BufferSpec): void {
  const call = "Allgatherv";
  const c = engine(comm, call);
  const s = spec(comm, call, "recvbuf", recvspec);
  const send = sendbuf === IN_PLACE ? null : bufBytes(comm, call, "sendbuf", sendbuf);
  if (send && send.length !== s.counts[c.rank]) {
    throw new MPIError(send.length > s.counts[c.rank]! ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${send.length} bytes but counts[${c.rank}] gives this rank ${s.counts[c.rank]}`);
  }
  const k = collectivesFor(comm, call);
  try { k.allgatherv(send, s.buf, s.counts, s.displs); } catch (e) { throw named(comm, call, e); }
}

export function Alltoall(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Ialltoall" : "Alltoall";
  const c = engine(comm, call);
  const recv = bufBytes(comm, call, "recvbuf", recvbuf);
  // IN_PLACE: the data to send is in recvbuf; send from a copy.
  const send = sendbuf === IN_PLACE ? recv.slice() : bufBytes(comm, call, "sendbuf", sendbuf);
  const sblock = divide(comm, call, "sendbuf", send, elementSize(sendbuf === IN_PLACE ? recvbuf : sendbuf), c.size);
  const rblock = divide(comm, call, "recvbuf", recv, elementSize(recvbuf), c.size);
  if (sblock !== rblock) {
    throw new MPIError(sblock > rblock ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${sblock} bytes per rank but recvbuf has ${rblock}`);
  }
  const u = uniform(c.size, sblock);
  const k = collectivesFor(comm, call);
  if (nonblocking) return request(comm, call, () => k.ialltoallv(send, u.counts, u.displs, recv, u.counts, u.displs));
  try { k.alltoallv(send, u.counts, u.displs, recv, u.counts, u.displs); } catch (e) { throw named(comm, call, e); }
}

export function Alltoallv(comm: Comm, sendspec: BufferSpec | InPlace, recvspec: BufferSpec): void {
  const call = "Alltoallv";
  const r = spec(comm, call, "recvbuf", recvspec);
  const s = sendspec === IN_PLACE ? { ...r, buf: r.buf.slice() } : spec(comm, call, "sendbuf", sendspec);
  const rank = engine(comm, call).rank;
  if (s.counts[rank]! > r.counts[rank]!) {
    throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: this rank sends itself ${s.counts[rank]} bytes but receives ${r.counts[rank]}`);
  }
  const k = collectivesFor(comm, call);
  try { k.alltoallv(s.buf, s.counts, s.displs, r.buf, r.counts, r.displs); } catch (e) { throw named(comm, call, e); }
}

export function Reduce(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer | null, op: Op, root: number, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Ireduce" : "Reduce";
  let atRoot: boolean;
  ({ root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const send = sendbuf === IN_PLACE ? null : typed(comm, call, "sendbuf", sendbuf);
  let recv: TypedArray | null = null;
  if (atRoot) {
    recv = typed(comm, call, "recvbuf", recvbuf);
    if (send) {
      sameType(comm, call, send, recv);
      if (recv.length < send.length) {
        throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} elements but sendbuf has ${send.length}`);
      }
      recv = recv.subarray(0, send.length);
    }
  }
  const o = bufferOp(comm, call, op, (send ?? recv)!);
  const k = collectivesFor(comm, call, o);
  if (nonblocking) return request(comm, call, () => k.ireduce(send, recv, o, root));
  try { k.reduce(send, recv, o, root); } catch (e) { throw named(comm, call, e); }
}

/** sendbuf/recvbuf of the all-ranks reductions (recv required everywhere); `send` null means IN_PLACE. */
function reductionArgs(comm: Comm, call: string, sendbuf: Buffer | InPlace, recvbuf: Buffer, op: Op): { send: TypedArray | null; recv: TypedArray; o: BufferOp } {
  const send = sendbuf === IN_PLACE ? null : typed(comm, call, "sendbuf", sendbuf);
  let recv = typed(comm, call, "recvbuf", recvbuf);
  if (send) {
    sameType(comm, call, send, recv);
    if (recv.length < send.length) {
      throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} elements but sendbuf has ${send.length}`);
    }
    if (recv.length !== send.length) recv = recv.subarray(0, send.length);
  }
  return { send, recv, o: bufferOp(comm, call, op, send ?? recv) };
}

export function Allreduce(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer, op: Op, nonblocking = false): Request<void> | void {
  const call = nonblocking ? "Iallreduce" : "Allreduce";
  const { send, recv, o } = reductionArgs(comm, call, sendbuf, recvbuf, op);
  const k = collectivesFor(comm, call, o);
  if (nonblocking) return request(comm, call, () => k.iallreduce(send, recv, o));
  try { k.allreduce(send, recv, o); } catch (e) { throw named(comm, call, e); }
}

export function Scan(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer, op: Op, exclusive: boolean): void {
  const call = exclusive ? "Exscan" : "Scan";
  const { send, recv, o } = reductionArgs(comm, call, sendbuf, recvbuf, op);
  const k = collectivesFor(comm, call, o);
  try {
    if (exclusive) k.exscan(send, recv, o);
    else k.scan(send, recv, o);
  } catch (e) {
    throw named(comm, call, e);
  }
}

export function Reduce_scatter(comm: Comm, sendbuf: Buffer | InPlace, recvbuf: Buffer, counts: readonly number[] | null, op: Op): void {
  const call = counts === null ? "Reduce_scatter_block" : "Reduce_scatter";
  const c = engine(comm, call);
  const where = comm.where(call);
  const recv = typed(comm, call, "recvbuf", recvbuf);
  const send = sendbuf === IN_PLACE ? null : typed(comm, call, "sendbuf", sendbuf);
  if (send) sameType(comm, call, send, recv);
  let cs: number[];
  if (counts === null) {
    const block = send ? recv.length : recv.length / c.size;
    if (!Number.isInteger(block)) throw new MPIError("ERR_COUNT", `${where}: with IN_PLACE, recvbuf (${recv.length} elements) must hold ${c.size} equal blocks`);
    cs = new Array<number>(c.size).fill(block);
  } else {
    if (!Array.isArray(counts) || counts.length !== c.size || !counts.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new MPIError("ERR_COUNT", `${where}: counts must be ${c.size} non-negative integers (one per rank), got ${describe(counts)}`);
    }
    cs = [...counts];
  }
  const total = cs.reduce((a, b) => a + b, 0);
  const input = send ?? recv;
  if (input.length !== total) {
    throw new MPIError("ERR_COUNT", `${where}: ${send ? "sendbuf" : "recvbuf (IN_PLACE)"} has ${input.length} elements but the counts add up to ${total}`);
  }
  if (recv.length < cs[c.rank]!) {
    throw new MPIError("ERR_TRUNCATE", `${where}: recvbuf holds ${recv.length} elements but this rank's block has ${cs[c.rank]}`);
  }
  const o = bufferOp(comm, call, op, input);
  const k = collectivesFor(comm, call, o);
  try { k.reduceScatter(send, recv, cs, o); } catch (e) { throw named(comm, call, e); }
}

/** MPI_Comm_create: validates the group against the communicator, then asks the engine (collective). */
export function createFromGroup(comm: Comm, group: Group): EngineComm | null {
  const call = "Create";
  const c = engine(comm, call);
  if (!(group instanceof Group)) throw new MPIError("ERR_GROUP", `${comm.where(call)}: group must be an MPI.Group, got ${describe(group)}`);
  const members = new Set(c.worldRanks);
  const ranks = group.worldRanks;
  const outsider = ranks.find((w) => !members.has(w));
  if (outsider !== undefined) {
    throw new MPIError("ERR_GROUP", `${comm.where(call)}: the group contains process ${outsider} (a world rank), which is not in this communicator`);
  }
  return guard(comm, call, () => c.create(ranks));
}

export { IN_PLACE };
