/**
 * The public collectives of `Comm` (MPI-4.0 chapter 6), both families: argument checks with messages naming the
 * call, the rank and the argument; values encoded with the codec and reduced with JavaScript ops over the
 * internal channel; buffers handed to the engine's native collectives when it has them, else to the generic
 * algorithms of this directory. Comm's methods delegate here in one line each.
 */
import { IN_PLACE, type InPlace } from "../constants.js";
import type {
  BufferOp, Collectives, EngineComm, EngineRequest, Envelope, NonblockingCollectives, PersistentEngineRequest, RefusedRoot,
  TypedArray,
} from "../engine/engine.js";
import { MPIError, isMPIError } from "../errors.js";
import { bytesOf, checkBuffer, describe, isBuffer, isTypedArray } from "../datatype.js";
import { type BufSpec, type BufSpecV, type BufSpecW, type Message, bufferArg, bufferArgV, bufferArgW, landBlock } from "../datatype/message.js";
import { EngineOperation, Request } from "../request.js";
import { CollectivePrequest, SoftwareRounds, type Rooted } from "./persistent.js";
import { Op, REPLACE } from "../op.js";
import { type Group, subgroupRefusal } from "../group.js";
import type { Comm } from "../comm.js";
import { agree } from "../agree.js";
import { generic } from "./generic.js";
import { allgatherBytes, alltoallBytes, bcastBytes, gatherBytes, mark, scatterBytes, sharedCollectives } from "./shared.js";
import { opCode, signature } from "./signature.js";
import { bufferOpRefusal } from "./kernels.js";
import * as move from "./movement.js";
import * as red from "./reduction.js";
import { Kind, VALUE_FAMILY, inPersistentOrder, runBlocking, startCall, withWhere, type Algorithm, type Call } from "./transport.js";
import { Refusal, contribution, decodeRefusal, isRefusal, refusalBlocks, refusalBytes } from "./refusal.js";

/**
 * `[buf, counts, displs?, datatype?]`: a buffer with per-rank counts (and displacements), in items of the datatype
 * (by default the buffer's element type).
 */
export type BufferSpec = BufSpecV;

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

/** Starts the engine request; its errors name the call and rank, and `deliver` makes its value once it is complete. */
export function operation<T = void>(comm: Comm, call: string, start: () => EngineRequest, deliver: () => T = () => undefined as T): EngineOperation<T> {
  const r = guard(comm, call, start);
  return new EngineOperation(new Named(r, () => comm.where(call)), deliver);
}

/** `land` moves what a receive buffer of a derived datatype received into the user's memory, once complete. */
export function request(comm: Comm, call: string, start: () => EngineRequest, land: () => void = nothing): Request<void> {
  return new Request<void>(operation(comm, call, start, land), () => `${call} on ${comm.Get_name()}`);
}

function nothing(): void {}

/**
 * What a round does around the engine's work for buffers of derived datatypes: `pack` their current contents
 * into the contiguous bytes the engine moves (a persistent request's every Start), `land` what was received.
 */
interface Staging { readonly pack: () => void; readonly land: () => void }
const DIRECT: Staging = { pack: nothing, land: nothing };

function staging(...parts: (Bytes | null | undefined)[]): Staging {
  const used = parts.filter((p): p is Bytes => p != null && (p.repack !== nothing || p.land !== nothing));
  if (used.length === 0) return DIRECT;
  return { pack: () => { for (const p of used) p.repack(); }, land: () => { for (const p of used) p.land(); } };
}

/** How a buffer collective runs: to completion in the call, as a Request, or as a persistent request (*_init). */
export const BLOCKING = 0, NONBLOCKING = 1, PERSISTENT = 2;
export type Mode = typeof BLOCKING | typeof NONBLOCKING | typeof PERSISTENT;

/** "Bcast", "Ibcast" or "Bcast_init": the name errors give the call. */
export function callName(base: string, mode: Mode): string {
  if (mode === NONBLOCKING) return `I${base.charAt(0).toLowerCase()}${base.slice(1)}`;
  return mode === PERSISTENT ? `${base}_init` : base;
}

/**
 * The request of a nonblocking or persistent call whose arguments are checked, on the same buffers each round,
 * so each reads their contents as they are then. Persistent: the MPI library's own persistent collective where
 * the engine has them (made here, begun by each Start); in software, rounds on a tag of their own after a rooted
 * call's verdict (SoftwareRounds); else `start` runs MPI's nonblocking one at each Start. `stage` packs and
 * unpacks buffers around each round (derived datatypes, IN_PLACE copies); `rooted` for the calls whose root alone
 * checks some arguments.
 */
function started(
  comm: Comm, call: string, mode: Mode, k: Collectives, start: (n: NonblockingCollectives) => EngineRequest,
  stage: Staging = DIRECT, rooted?: Rooted,
): Request<void> {
  if (mode !== PERSISTENT) return request(comm, call, () => start(k), stage.land);
  const library = k.persistent;
  if (!library) {
    const c = engine(comm, call);
    let begin = () => start(k);
    if (k !== c.native) {
      const rounds = new SoftwareRounds(c.internal, rooted), round = begin;
      begin = () => rounds.start(round);
    }
    return new CollectivePrequest(call, () => { stage.pack(); return operation(comm, call, begin, stage.land); });
  }
  const made = guard(comm, call, () => start(library) as PersistentEngineRequest);
  return new CollectivePrequest(call, () => {
    stage.pack();
    return operation(comm, call, () => { made.start(); return made; }, stage.land);
  }, () => made.free());
}

/**
 * A collective's `*_init` (`make`: the call in PERSISTENT mode). Where its rounds would run in software, a rank that
 * refuses its own arguments keeps the communicator's persistent collectives in step (inPersistentOrder).
 */
export function init(comm: Comm, call: string, op: Op | undefined, make: () => Request<void> | void): CollectivePrequest {
  const c = engine(comm, call);
  // (An MPI library pairs the inits its ranks made: one that made none is out of step, as in C.)
  if (c.native && !c.shared && op !== REPLACE) return make() as CollectivePrequest;
  return inPersistentOrder(c.internal, make) as CollectivePrequest;
}

export function checkRoot(comm: Comm, call: string, root: unknown): number {
  const size = engine(comm, call).size;
  if (!Number.isInteger(root) || (root as number) < 0 || (root as number) >= size) {
    throw new MPIError("ERR_ROOT", `${comm.where(call)}: root ${String(root)} is not in 0..${size - 1}`);
  }
  return root as number;
}

export function checkOp(comm: Comm, call: string, op: unknown): Op {
  if (!(op instanceof Op)) {
    throw new MPIError("ERR_OP", `${comm.where(call)}: op must be an MPI.Op (MPI.SUM, MPI.MAX, Op.Create(...)), got ${describe(op)}`);
  }
  if (!op.usable) op.check(comm.where(call));
  return op;
}

export function checkSeq(comm: Comm, call: string, seq: unknown, argName: string): unknown[] {
  const size = engine(comm, call).size;
  if (!Array.isArray(seq)) {
    throw new MPIError("ERR_ARG", `${comm.where(call)}: ${argName} must be an array of ${size} items (one per rank), got ${describe(seq)}`);
  }
  if (seq.length !== size) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: ${argName} has ${seq.length} items but the communicator has ${size} ranks; it needs exactly one per rank`);
  }
  return seq;
}

/**
 * A buffer argument parsed (a plain buffer or a buffer spec with a datatype). A buffer split into one block per
 * rank passes `blocks`: a spec's count is then the count of one block, as in mpi4py.
 */
function arg(comm: Comm, call: string, name: string, buf: unknown, blocks = 1): Message {
  return bufferArg(() => comm.where(call), name, buf, blocks);
}

/**
 * A buffer's bytes, contiguous (packed when its datatype is not), and bytes per item in `unit`; `repack` packs
 * the buffer's current contents into the same bytes again (a persistent request's next round), `land` unpacks
 * received bytes into the buffer. Both do nothing for a contiguous buffer, moved in place.
 */
interface Bytes { bytes: Uint8Array; unit: number; repack: () => void; land: () => void }

function sendBytes(comm: Comm, call: string, name: string, buf: unknown, blocks = 1): Bytes {
  return sending(arg(comm, call, name, buf, blocks));
}

function sending(m: Message): Bytes {
  const bytes = m.outgoing();
  return { bytes, unit: m.unit, repack: m.inPlace ? nothing : () => m.repack(bytes), land: nothing };
}

/**
 * Where a collective receives into a buffer: in place, or a packed copy (blocks may leave items untouched) that
 * `land` unpacks once the collective is complete.
 */
function recvBytes(comm: Comm, call: string, name: string, buf: unknown, blocks = 1): Bytes {
  return landing(arg(comm, call, name, buf, blocks));
}

function landing(m: Message): Bytes {
  const bytes = m.incoming(true);
  if (m.inPlace) return { bytes, unit: m.unit, repack: nothing, land: nothing };
  return { bytes, unit: m.unit, repack: () => m.repack(bytes), land: () => m.land(bytes) };
}

/**
 * A reduction's buffer as a typed array (DataView and ArrayBuffer count as bytes). A buffer spec must have a
 * contiguous datatype of one predefined type: reductions on other derived datatypes are not supported.
 */
function typed(comm: Comm, call: string, name: string, buf: unknown): TypedArray {
  if (isBuffer(buf)) {
    checkBuffer(() => comm.where(call), name, buf);
    return isTypedArray(buf) ? buf : bytesOf(buf);
  }
  const m = arg(comm, call, name, buf);
  const element = m.element;
  if (!m.inPlace || !element) {
    throw new MPIError("ERR_TYPE", `${comm.where(call)}: ${name} has datatype ${m.type!.name}; reductions need a contiguous datatype of one predefined real or integer type`);
  }
  const bytes = m.outgoing();
  if (bytes.byteOffset % element.BYTES_PER_ELEMENT !== 0) {
    throw new MPIError("ERR_BUFFER", `${comm.where(call)}: ${name} starts at byte ${bytes.byteOffset} of its memory, not aligned for ${element.name}`);
  }
  return new element(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / element.BYTES_PER_ELEMENT);
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

/** A v-collective's buffer spec: its bytes, byte counts and byte displacements into them. */
interface BytesV extends Bytes { counts: number[]; displs: number[] }

/** Parses `[buf, counts, displs?, datatype?]`; a receive buffer (`receive`) lands as recvBytes does. */
function spec(comm: Comm, call: string, name: string, value: unknown, receive: boolean): BytesV {
  const v = bufferArgV(() => comm.where(call), name, value, engine(comm, call).size);
  const b = receive ? landing(v.message) : sending(v.message);
  return { ...b, counts: v.counts.map((n) => n * b.unit), displs: v.displs.map((n) => n * b.unit) };
}

/**
 * Parses Alltoallw's `[buf, counts, displs, datatypes]`. Blocks of dense datatypes move straight from and into the
 * user's buffer, at their byte offsets; otherwise every block is staged in one packed buffer (a receive's staging
 * starts as a copy of the blocks, so bytes that do not arrive keep their values when it lands).
 */
function specW(comm: Comm, call: string, name: string, value: unknown, receive: boolean): BytesV {
  const blocks = bufferArgW(() => comm.where(call), name, value, engine(comm, call).size);
  const counts = blocks.map((b) => b.byteLength);
  const whole = bytesOf((value as BufSpecW)[0]);
  if (blocks.every((b) => b.inPlace)) {
    const displs = blocks.map((b) => b.memory.byteOffset - whole.byteOffset + (b.type?.lb ?? 0));
    return { bytes: whole, unit: 1, counts, displs, repack: nothing, land: nothing };
  }
  const displs: number[] = [];
  let total = 0;
  for (const c of counts) { displs.push(total); total += c; }
  const bytes = new Uint8Array(total);
  const part = (i: number) => bytes.subarray(displs[i]!, displs[i]! + counts[i]!);
  const fill = () => blocks.forEach((b, i) => { if (b.inPlace) part(i).set(b.outgoing()); else b.repack(part(i)); });
  fill();
  return { bytes, unit: 1, counts, displs, repack: fill, land: receive ? () => blocks.forEach((b, i) => landBlock(b, part(i))) : nothing };
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

// A rank that refuses its own arguments once the collective's kind and root are known takes part with a refusal
// in its data's place and raises after (refusal.ts): the others never wait for it, and raise too where they needed
// its data.

/** This rank's value encoded for `call`, or its refusal. */
export function valueContribution(comm: Comm, call: string, obj: unknown): { data: Uint8Array; error?: MPIError } {
  return contribution(comm, call, () => comm.encode(call, obj), refusalBytes);
}

/** The items of `seq`, one per rank, encoded for `call`, or this rank's refusal in each one's place. */
export function itemsContribution(comm: Comm, call: string, seq: unknown): { data: Uint8Array[]; error?: MPIError } {
  return contribution(comm, call, () => checkSeq(comm, call, seq, "seq").map((item) => comm.encode(call, item)), refusalBlocks(engine(comm, call).size));
}

/** Raises the lowest-ranked refusal among the contributions `blocks` (but `self`'s), if there is one. */
function raiseRefusals(comm: Comm, call: string, blocks: readonly (Uint8Array | undefined)[], self = -1): void {
  for (let r = 0; r < blocks.length; r++) {
    if (r !== self && isRefusal(blocks[r])) throw decodeRefusal(blocks[r]!).error(comm.where(call));
  }
}

/** Raises this rank's own refusal, once the collective is done. */
function raiseOwn(mine: { error?: MPIError } | undefined): void {
  if (mine?.error) throw mine.error;
}

export function bcast<T>(comm: Comm, obj: T, root: number): T {
  const call = "bcast";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const atRoot = c.rank === root;
  const mine = atRoot ? valueContribution(comm, call, obj) : undefined;
  const bytes = mine?.data ?? null;
  if (c.size === 1) return raiseOwn(mine), obj;
  let got: Uint8Array | undefined;
  if (c.shared) {
    const area = c.shared;
    try { got = bcastBytes(area, signature(Kind.Bcast | VALUE_FAMILY, root), root, bytes); } catch (e) { throw named(comm, call, e); }
  }
  if (!got) {
    const k = guard(comm, call, () => startCall(c.internal, Kind.Bcast | VALUE_FAMILY, root));
    got = guard(comm, call, () => runBlocking(move.bcast(k, bytes, false), k));
  }
  raiseOwn(mine);
  return atRoot ? obj : comm.decode<T>(call, got);
}

export function scatter<T>(comm: Comm, seq: readonly T[] | null, root: number): T {
  const call = "scatter";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const atRoot = c.rank === root;
  const mine = atRoot ? itemsContribution(comm, call, seq) : undefined;
  const blocks = mine?.data ?? null;
  if (c.size === 1) return raiseOwn(mine), seq![0]!;
  let got: Uint8Array | undefined;
  if (c.shared) {
    const area = c.shared;
    try { got = scatterBytes(area, signature(Kind.Scatter | VALUE_FAMILY, root), root, blocks); } catch (e) { throw named(comm, call, e); }
  }
  if (!got) {
    const k = guard(comm, call, () => startCall(c.internal, Kind.Scatter | VALUE_FAMILY, root));
    got = guard(comm, call, () => runBlocking(move.scatterBlocks(k, blocks), k));
  }
  raiseOwn(mine);
  return atRoot ? seq![root]! : comm.decode<T>(call, got);
}

export function gather<T>(comm: Comm, obj: T, root: number): T[] | null {
  const call = "gather";
  const c = engine(comm, call);
  root = checkRoot(comm, call, root);
  const mine = valueContribution(comm, call, obj);
  if (c.size === 1) return raiseOwn(mine), [obj];
  let blocks: Uint8Array[] | null;
  if (c.shared) {
    const area = c.shared;
    try { blocks = gatherBytes(area, c.internal, signature(Kind.Gather | VALUE_FAMILY, root), mine.data, root); } catch (e) { throw named(comm, call, e); }
  } else {
    const k = guard(comm, call, () => startCall(c.internal, Kind.Gather | VALUE_FAMILY, root));
    blocks = guard(comm, call, () => runBlocking(move.gatherBlocks(k, mine.data), k));
  }
  raiseOwn(mine);
  return blocks && decodeEach(comm, call, blocks, c.size, root, () => obj);
}

/**
 * Every rank's value from its bytes (`blocks[r]`, which may be missing for `self`, whose value is `own()`), raising
 * the lowest-ranked refusal among them.
 */
export function decodeEach<T>(comm: Comm, call: string, blocks: readonly (Uint8Array | undefined)[], size: number, self: number, own: (r: number) => T): T[] {
  raiseRefusals(comm, call, blocks, self);
  const values: T[] = [];
  for (let r = 0; r < size; r++) values.push(r === self ? own(r) : comm.decode<T>(call, blocks[r]));
  return values;
}

export function allgather<T>(comm: Comm, obj: T): T[] {
  const call = "allgather";
  const c = engine(comm, call);
  const mine = valueContribution(comm, call, obj);
  if (c.size === 1) return raiseOwn(mine), [obj];
  let all: Uint8Array[] | undefined;
  if (c.shared) {
    const area = c.shared;
    try { all = allgatherBytes(area, signature(Kind.Allgather | VALUE_FAMILY), mine.data); } catch (e) { throw named(comm, call, e); }
  }
  if (!all) {
    const k = guard(comm, call, () => startCall(c.internal, Kind.Allgather | VALUE_FAMILY, 0));
    all = guard(comm, call, () => runBlocking(allgatherEncoded(k, mine.data), k));
  }
  raiseOwn(mine);
  return decodeEach(comm, call, all, c.size, c.rank, () => obj);
}

/** Every rank's encoded value, in rank order, over the call's messages (allgather and iallgather). */
function* allgatherEncoded(k: Call, bytes: Uint8Array): Algorithm<Uint8Array[]> {
  const size = k.p2p.size;
  // Few ranks: everyone sends its value to everyone, one step.
  if (size <= DIRECT_ALLGATHER) return yield* move.exchange(k, new Array<Uint8Array>(size).fill(bytes), null);
  const blocks = yield* move.gatherBlocks(k, bytes);
  return unpack(yield* move.bcast(k, blocks ? pack(blocks) : null, false), size);
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
  const mine = itemsContribution(comm, call, seq);
  if (c.size === 1) return raiseOwn(mine), [seq[0]!];
  let got: Uint8Array[] | undefined;
  if (c.shared) {
    const area = c.shared;
    try { got = alltoallBytes(area, signature(Kind.Alltoall | VALUE_FAMILY), mine.data); } catch (e) { throw named(comm, call, e); }
  }
  if (!got) {
    const k = guard(comm, call, () => startCall(c.internal, Kind.Alltoall | VALUE_FAMILY));
    got = guard(comm, call, () => runBlocking(move.exchange(k, mine.data, null), k));
  }
  raiseOwn(mine);
  return decodeEach(comm, call, got, c.size, c.rank, (r) => seq[r]!);
}

/**
 * v0 ⊕ (v1 ⊕ (… ⊕ vp-1)) of every rank's encoded value, in the same order on every rank (so the same result
 * everywhere). Decodes each operand: ops may modify or keep what they are given.
 */
export function foldValues(comm: Comm, call: string, op: Op, all: readonly Uint8Array[]): unknown {
  raiseRefusals(comm, call, all);
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

/**
 * Runs a value reduction over messages, this rank's value encoded (and so checked) first: `result` on the ranks
 * it reaches, unless this rank failed (its value cannot be sent, the op threw: it took part with a refusal) or a
 * refusal reached it instead of a result.
 */
function reduceValues<R>(comm: Comm, call: string, op: Op, kind: number, root: number, obj: unknown,
  algorithm: (k: Call, alg: red.ValueAlgebra, mine: unknown) => Algorithm<R>): R {
  let bytes: Uint8Array | undefined;
  const own = contribution<unknown>(comm, call, () => (bytes = comm.encode(call, obj), obj), (r) => r);
  // Errors get "call on rank r of NAME" from guard(); no prefix here, so no string is built per call.
  const alg = new red.ValueAlgebra(comm.rank, (a, b) => op.combineValues(a, b, ""), (x) => op.single(x), own.data, bytes);
  const k = guard(comm, call, () => startCall(comm.engineComm(call).internal, kind, root));
  const result = guard(comm, call, () => runBlocking(algorithm(k, alg, own.data), k));
  raiseOwn(own);
  if (alg.ownError !== undefined) throw named(comm, call, alg.ownError);
  if (result instanceof Refusal) throw result.error(comm.where(call));
  return result;
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
    const mine = valueContribution(comm, call, obj);
    let all: Uint8Array[] | null;
    try { all = gatherBytes(area, c.internal, sig, mine.data, root); } catch (e) { throw named(comm, call, e); }
    raiseOwn(mine);
    return all && (foldValues(comm, call, op, all) as T);
  }
  const result = reduceValues(comm, call, op, Kind.Reduce | VALUE_FAMILY, root, obj, (k, alg, mine) => red.reduce(k, alg, mine));
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
    const mine = valueContribution(comm, call, obj);
    let all: Uint8Array[] | undefined;
    try { all = allgatherBytes(area, sig, mine.data); } catch (e) { throw named(comm, call, e); }
    if (all) {
      raiseOwn(mine);
      return foldValues(comm, call, op, all) as T;
    }
  }
  return reduceValues(comm, call, op, Kind.Allreduce | VALUE_FAMILY, -1, obj, (k, alg, mine) => red.allreduce(k, alg, mine)) as T;
}

export function scan<T>(comm: Comm, obj: T, op: Op, exclusive: boolean): T | undefined {
  const call = exclusive ? "exscan" : "scan";
  const c = engine(comm, call);
  op = checkOp(comm, call, op);
  if (c.size === 1) return exclusive ? undefined : (op.single(obj) as T);
  const kind = (exclusive ? Kind.Exscan : Kind.Scan) | VALUE_FAMILY;
  meet(comm, call, c, kind);
  return reduceValues(comm, call, op, kind, -1, obj, (k, alg, mine) => red.scan(k, alg, mine, exclusive)) as T | undefined;
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
export function Barrier_init(comm: Comm): CollectivePrequest {
  const c = engine(comm, "Barrier_init");
  return started(comm, "Barrier_init", PERSISTENT, collectivesOf(c), (n) => n.ibarrier()) as CollectivePrequest;
}

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

/**
 * `e` (what this rank raised checking its root-only arguments to a `kind` collective), once this rank has taken
 * its turn as far as it can (Collectives.refuse), so that no rank is left waiting for its part.
 */
function refusedAtRoot(c: EngineComm, call: string, mode: Mode, kind: number, root: number, e: unknown, has: Pick<RefusedRoot, "gather" | "operand"> = {}): unknown {
  if (c.size > 1 && isMPIError(e)) {
    // The others' calls run where the op sends them (REPLACE outside MPI's Reduce), so the turn is taken there too.
    const k = collectivesOf(c, has.operand?.op);
    // A persistent request in software: the root's turn is its verdict (SoftwareRounds), on the tag the others' took.
    if (mode === PERSISTENT && k !== c.native) new SoftwareRounds(c.internal, { kind, root }, e.errorClass);
    else k.refuse?.({ kind, root, error: e, call, mode: MODE_NAMES[mode], ...has });
  }
  return e;
}
const MODE_NAMES = ["blocking", "nonblocking", "persistent"] as const satisfies Record<Mode, RefusedRoot["mode"]>;

/** What a Reduce root that refused its recvbuf can still take part with: its sendbuf and op, when both are valid. */
function reduceOperand(comm: Comm, call: string, send: TypedArray | null, op: Op): { send: TypedArray; op: BufferOp } | undefined {
  if (!send) return undefined;
  try {
    return { send, op: bufferOp(comm, call, op, send) };
  } catch {
    return undefined;
  }
}

export function Bcast(comm: Comm, buf: BufSpec, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Bcast", mode);
  const b = recvBytes(comm, call, "buf", buf);
  root = checkRoot(comm, call, root);
  const k = collectivesFor(comm, call);
  const bytes = b.bytes;
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.ibcast(bytes, root), staging(b));
  try { k.bcast(bytes, root); } catch (e) { throw named(comm, call, e); }
  b.land();
}

export function Scatter(comm: Comm, sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Scatter", mode);
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, recvbuf, "recvbuf"));
  const r = recvbuf === IN_PLACE ? null : recvBytes(comm, call, "recvbuf", recvbuf);
  const recv = r?.bytes ?? null;
  let s: Bytes | null = null, counts: number[] | null = null, displs: number[] | null = null;
  if (atRoot) {
    try {
      s = sendBytes(comm, call, "sendbuf", sendbuf, c.size);
      const block = divide(comm, call, "sendbuf", s.bytes, s.unit, c.size);
      if (recv && recv.length < block) {
        throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} bytes but each rank's block of sendbuf has ${block}`);
      }
      ({ counts, displs } = uniform(c.size, block));
    } catch (e) { throw refusedAtRoot(c, call, mode, Kind.Scatter, root, e); }
  }
  const send = s?.bytes ?? null;
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.iscatterv(send, counts, displs, recv, root), staging(s, r), { kind: Kind.Scatter, root });
  try { k.scatterv(send, counts, displs, recv, root); } catch (e) { throw named(comm, call, e); }
  r?.land();
}

export function Scatterv(comm: Comm, sendspec: BufferSpec | null, recvbuf: BufSpec | InPlace, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Scatterv", mode);
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, recvbuf, "recvbuf"));
  const r = recvbuf === IN_PLACE ? null : recvBytes(comm, call, "recvbuf", recvbuf);
  const recv = r?.bytes ?? null;
  let s: BytesV | null = null;
  if (atRoot) {
    try {
      s = spec(comm, call, "sendbuf", sendspec, false);
      if (recv && recv.length < s.counts[root]!) {
        throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} bytes but the root's own block has ${s.counts[root]}`);
      }
    } catch (e) { throw refusedAtRoot(c, call, mode, Kind.Scatter, root, e); }
  }
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.iscatterv(s?.bytes ?? null, s?.counts ?? null, s?.displs ?? null, recv, root), staging(s, r), { kind: Kind.Scatter, root });
  try { k.scatterv(s?.bytes ?? null, s?.counts ?? null, s?.displs ?? null, recv, root); } catch (e) { throw named(comm, call, e); }
  r?.land();
}

export function Gather(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Gather", mode);
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const s = sendbuf === IN_PLACE ? null : sendBytes(comm, call, "sendbuf", sendbuf);
  const send = s?.bytes ?? null;
  let r: Bytes | null = null, counts: number[] | null = null, displs: number[] | null = null;
  if (atRoot) {
    try {
      r = recvBytes(comm, call, "recvbuf", recvbuf, c.size);
      const block = divide(comm, call, "recvbuf", r.bytes, r.unit, c.size);
      if (send && send.length > block) {
        throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: sendbuf has ${send.length} bytes but recvbuf has room for ${block} per rank`);
      }
      ({ counts, displs } = uniform(c.size, block));
    } catch (e) { throw refusedAtRoot(c, call, mode, Kind.Gather, root, e, { gather: send ? { send, ...uniform(c.size, send.length) } : undefined }); }
  }
  const recv = r?.bytes ?? null;
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.igatherv(send, recv, counts, displs, root), staging(s, r), { kind: Kind.Gather, root });
  try { k.gatherv(send, recv, counts, displs, root); } catch (e) { throw named(comm, call, e); }
  r?.land();
}

export function Gatherv(comm: Comm, sendbuf: BufSpec | InPlace, recvspec: BufferSpec | null, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Gatherv", mode);
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const s = sendbuf === IN_PLACE ? null : sendBytes(comm, call, "sendbuf", sendbuf);
  const send = s?.bytes ?? null;
  let r: BytesV | null = null;
  if (atRoot) {
    try {
      r = spec(comm, call, "recvbuf", recvspec, true);
      if (send && send.length > r.counts[root]!) {
        throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: sendbuf has ${send.length} bytes but the root's block of recvbuf has ${r.counts[root]}`);
      }
    } catch (e) { throw refusedAtRoot(c, call, mode, Kind.Gather, root, e); }
  }
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.igatherv(send, r?.bytes ?? null, r?.counts ?? null, r?.displs ?? null, root), staging(s, r), { kind: Kind.Gather, root });
  try { k.gatherv(send, r?.bytes ?? null, r?.counts ?? null, r?.displs ?? null, root); } catch (e) { throw named(comm, call, e); }
  r?.land();
}

export function Allgather(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Allgather", mode);
  const c = engine(comm, call);
  const r = recvBytes(comm, call, "recvbuf", recvbuf, c.size);
  const recv = r.bytes;
  const s = sendbuf === IN_PLACE ? null : sendBytes(comm, call, "sendbuf", sendbuf);
  const send = s?.bytes ?? null;
  const block = divide(comm, call, "recvbuf", recv, r.unit, c.size);
  if (send && send.length !== block) {
    throw new MPIError(send.length > block ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${send.length} bytes but recvbuf has ${block} per rank (${recv.length} for ${c.size} ranks)`);
  }
  const { counts, displs } = uniform(c.size, block);
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.iallgatherv(send, recv, counts, displs), staging(s, r));
  try { k.allgatherv(send, recv, counts, displs); } catch (e) { throw named(comm, call, e); }
  r.land();
}

export function Allgatherv(comm: Comm, sendbuf: BufSpec | InPlace, recvspec: BufferSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Allgatherv", mode);
  const c = engine(comm, call);
  const r = spec(comm, call, "recvbuf", recvspec, true);
  const s = sendbuf === IN_PLACE ? null : sendBytes(comm, call, "sendbuf", sendbuf);
  const send = s?.bytes ?? null;
  if (send && send.length !== r.counts[c.rank]) {
    throw new MPIError(send.length > r.counts[c.rank]! ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${send.length} bytes but counts[${c.rank}] gives this rank ${r.counts[c.rank]}`);
  }
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.iallgatherv(send, r.bytes, r.counts, r.displs), staging(s, r));
  try { k.allgatherv(send, r.bytes, r.counts, r.displs); } catch (e) { throw named(comm, call, e); }
  r.land();
}

export function Alltoall(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Alltoall", mode);
  const c = engine(comm, call);
  const r = recvBytes(comm, call, "recvbuf", recvbuf, c.size);
  const recv = r.bytes;
  // IN_PLACE: the data to send is in recvbuf; send from a copy (made when the round starts: `outgoing`).
  const s = sendbuf === IN_PLACE ? null : sendBytes(comm, call, "sendbuf", sendbuf, c.size);
  const send = s?.bytes ?? recv;
  const { outgoing, stage } = s ? { outgoing: () => send, stage: staging(s, r) } : inPlaceSource(mode, recv, staging(r));
  const sblock = divide(comm, call, "sendbuf", send, s?.unit ?? r.unit, c.size);
  const rblock = divide(comm, call, "recvbuf", recv, r.unit, c.size);
  if (sblock !== rblock) {
    throw new MPIError(sblock > rblock ? "ERR_TRUNCATE" : "ERR_COUNT",
      `${comm.where(call)}: sendbuf has ${sblock} bytes per rank but recvbuf has ${rblock}`);
  }
  const u = uniform(c.size, sblock);
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.ialltoallv(outgoing(), u.counts, u.displs, recv, u.counts, u.displs), stage);
  try { k.alltoallv(outgoing(), u.counts, u.displs, recv, u.counts, u.displs); } catch (e) { throw named(comm, call, e); }
  r.land();
}

export function Alltoallv(comm: Comm, sendspec: BufferSpec | InPlace, recvspec: BufferSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Alltoallv", mode);
  const r = spec(comm, call, "recvbuf", recvspec, true);
  const s = sendspec === IN_PLACE ? null : spec(comm, call, "sendbuf", sendspec, false);
  return alltoallBlocks(comm, call, mode, s, r);
}

/** Alltoallw: per-peer counts, byte displacements and datatypes on both sides (MPI-4.0 §6.8). */
export function Alltoallw(comm: Comm, sendspec: BufSpecW | InPlace, recvspec: BufSpecW, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Alltoallw", mode);
  const r = specW(comm, call, "recvbuf", recvspec, true);
  const s = sendspec === IN_PLACE ? null : specW(comm, call, "sendbuf", sendspec, false);
  return alltoallBlocks(comm, call, mode, s, r);
}

/**
 * An alltoall's IN_PLACE: the data to send is in recvbuf (`recv`), sent from a copy. A persistent request copies it
 * into one buffer, made at the init, as each round starts (`stage`), so the MPI library's own persistent request
 * sends from that; the other forms copy at the call.
 */
function inPlaceSource(mode: Mode, recv: Uint8Array, stage: Staging): { outgoing: () => Uint8Array; stage: Staging } {
  if (mode !== PERSISTENT) return { outgoing: () => recv.slice(), stage };
  const copy = new Uint8Array(recv.length);
  return { outgoing: () => copy, stage: { pack: () => { stage.pack(); copy.set(recv); }, land: stage.land } };
}

/** Alltoallv and Alltoallw once parsed: blocks of bytes to and from every rank (s null: IN_PLACE). */
function alltoallBlocks(comm: Comm, call: string, mode: Mode, s: BytesV | null, r: BytesV): Request<void> | void {
  const sent = s ?? r;
  const { outgoing, stage } = s ? { outgoing: () => s.bytes, stage: staging(s, r) } : inPlaceSource(mode, r.bytes, staging(r));
  const rank = engine(comm, call).rank;
  if (sent.counts[rank]! > r.counts[rank]!) {
    throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: this rank sends itself ${sent.counts[rank]} bytes but receives ${r.counts[rank]}`);
  }
  const k = collectivesFor(comm, call);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.ialltoallv(outgoing(), sent.counts, sent.displs, r.bytes, r.counts, r.displs), stage);
  try { k.alltoallv(outgoing(), sent.counts, sent.displs, r.bytes, r.counts, r.displs); } catch (e) { throw named(comm, call, e); }
  r.land();
}

export function Reduce(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op, root: number, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Reduce", mode);
  let c: EngineComm, atRoot: boolean;
  ({ c, root, atRoot } = rooted(comm, call, root, sendbuf, "sendbuf"));
  const send = sendbuf === IN_PLACE ? null : typed(comm, call, "sendbuf", sendbuf);
  let recv: TypedArray | null = null;
  if (atRoot) {
    try {
      recv = typed(comm, call, "recvbuf", recvbuf);
      if (send) {
        sameType(comm, call, send, recv);
        if (recv.length < send.length) {
          throw new MPIError("ERR_TRUNCATE", `${comm.where(call)}: recvbuf holds ${recv.length} elements but sendbuf has ${send.length}`);
        }
        recv = recv.subarray(0, send.length);
      }
    } catch (e) { throw refusedAtRoot(c, call, mode, Kind.Reduce, root, e, { operand: reduceOperand(comm, call, send, op) }); }
  }
  const o = bufferOp(comm, call, op, (send ?? recv)!);
  const k = collectivesFor(comm, call, o);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.ireduce(send, recv, o, root), DIRECT, { kind: Kind.Reduce, root });
  try { k.reduce(send, recv, o, root); } catch (e) { throw named(comm, call, e); }
}

/** sendbuf/recvbuf of the all-ranks reductions (recv required everywhere); `send` null means IN_PLACE. */
function reductionArgs(comm: Comm, call: string, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op): { send: TypedArray | null; recv: TypedArray; o: BufferOp } {
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

export function Allreduce(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Allreduce", mode);
  const { send, recv, o } = reductionArgs(comm, call, sendbuf, recvbuf, op);
  const k = collectivesFor(comm, call, o);
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.iallreduce(send, recv, o));
  try { k.allreduce(send, recv, o); } catch (e) { throw named(comm, call, e); }
}

export function Scan(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op, exclusive: boolean, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName(exclusive ? "Exscan" : "Scan", mode);
  const { send, recv, o } = reductionArgs(comm, call, sendbuf, recvbuf, op);
  const k = collectivesFor(comm, call, o);
  if (mode !== BLOCKING) return started(comm, call, mode, k, exclusive ? (n) => n.iexscan(send, recv, o) : (n) => n.iscan(send, recv, o));
  try {
    if (exclusive) k.exscan(send, recv, o);
    else k.scan(send, recv, o);
  } catch (e) {
    throw named(comm, call, e);
  }
}

export function Reduce_scatter(comm: Comm, sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[] | null, op: Op, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName(counts === null ? "Reduce_scatter_block" : "Reduce_scatter", mode);
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
  const block = counts === null;
  if (mode !== BLOCKING) return started(comm, call, mode, k, (n) => n.ireduceScatter(send, recv, cs, o, block));
  try { k.reduceScatter(send, recv, cs, o, block); } catch (e) { throw named(comm, call, e); }
}

/** MPI_Comm_create: validates the group against the communicator, then asks the engine (collective). */
export function createFromGroup(comm: Comm, group: Group): EngineComm | null {
  const call = "Create";
  const c = engine(comm, call);
  // Every rank's group is agreed first: a rank refusing its own, or members of one group passing different
  // groups (MPI_Comm_create wants the same members in the same order from each), fails the call on every rank
  // instead of leaving the others in the engine's create.
  const groups = agree(comm, call, () => {
    const refusal = subgroupRefusal(group, c.worldRanks, "this communicator");
    if (refusal !== undefined) throw new MPIError("ERR_GROUP", `${comm.where(call)}: ${refusal}`);
    return group.worldRanks;
  });
  const inconsistent = inconsistentGroup(c.worldRanks, groups);
  if (inconsistent) throw new MPIError("ERR_GROUP", `${comm.where(call)}: ${inconsistent}; every member of a group must pass the same group, and no rank created a communicator`);
  return guard(comm, call, () => c.create(groups[c.rank]!));
}

/** Why the groups each rank passed do not fit together (a member passed another group), or undefined. */
function inconsistentGroup(worldRanks: readonly number[], groups: readonly (readonly number[])[]): string | undefined {
  const text = groups.map((g) => g.join(","));
  const rankOf = new Map(worldRanks.map((w, r) => [w, r]));
  for (let r = 0; r < groups.length; r++) {
    for (const w of groups[r]!) {
      const s = rankOf.get(w)!;
      if (text[s] !== text[r]) return `rank ${r}'s group contains rank ${s}, which passed ${groups[s]!.length === 0 ? "an empty group" : `the group of world ranks [${text[s]}]`}`;
    }
  }
  return undefined;
}

export { IN_PLACE };
