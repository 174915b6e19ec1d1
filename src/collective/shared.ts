/**
 * Collectives that meet in shared memory (engine.ts's SharedArea), for engines whose ranks share it (the local
 * engine). Every blocking collective is one round of the area, so every call's signature is checked against every
 * other rank's (mismatches fail instead of hanging or mixing data). Small calls move their data through the area:
 * each rank publishes its contribution once and reads the others' directly, so a barrier or an allreduce of a few
 * numbers costs one publish and one look at each peer instead of log2(p) message exchanges. Calls too big for the
 * area, and every nonblocking call, use the generic algorithms over messages.
 *
 * Reductions fold the contributions right to left, v0 ⊕ (v1 ⊕ (… ⊕ vp-1)), from the copies in shared memory: the
 * same operands in the same order on every rank, so results are bit-identical everywhere and every run, and a
 * non-commutative op sees its operands in rank order.
 */
import {
  BUFFER, STANDARD,
  type BufferOp, type Collectives, type EngineComm, type EngineRequest, type PointToPoint, type RefusedRoot, type SharedArea,
  type Signature, type TypedArray,
} from "../engine/engine.js";
import { generic } from "./generic.js";
import { combineInto } from "./kernels.js";
import { copyElements } from "./reduction.js";
import { opCode, refusedSignature, signature, typeCode } from "./signature.js";
import { Kind, checkStaleAfter, readInt, writeInt } from "./transport.js";
import { MPIError } from "../errors.js";

const EMPTY = new Uint8Array(0);

/**
 * Up to this many ranks, a Bcast too big for the area goes by one message (a blocking send, whose receiver, when
 * it waits already, copies once from the root's buffer: src/local/handoff.ts); above, through the area in
 * rounds (one copy in, one out per rank, pipelined) instead of a tree in which inner ranks copy again.
 */
const MESSAGE_BCAST_MAX_RANKS = 2;

/** Tag on the internal channel for values too big for the area, sent straight to the rank that needs them. */
const TAG_OVERFLOW = 0x7fffffe0;
/** Tag on the internal channel of a Bcast's one message (MESSAGE_BCAST_MAX_RANKS). */
const TAG_BCAST = 0x7fffffe1;

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

/**
 * A round that moves no data here: the call's data goes by messages. It waits for every rank's signature before
 * any message is sent, so ranks that disagree all fail here, and none is left waiting for a message the others
 * will never send (or finds a stray one in a later call).
 */
export function mark(area: SharedArea, sig: Signature): void {
  area.begin(sig);
  area.publish(-1);
  area.await(0, area.size);
}

function publishBytes(area: SharedArea, data: Uint8Array): boolean {
  if (data.length > area.capacity) {
    area.publish(-1);
    return false;
  }
  area.outbox().set(data);
  area.publish(data.length);
  return true;
}

/**
 * Bcast of bytes: the root's `data` on every rank, or undefined on every rank when it is too big for the area
 * (then the caller broadcasts it by messages). The bytes returned are shared memory: copy before the next call.
 */
export function bcastBytes(area: SharedArea, sig: Signature, root: number, data: Uint8Array | null): Uint8Array | undefined {
  area.begin(sig);
  if (area.rank === root) return publishBytes(area, data!) ? data! : undefined;
  area.await(root, root + 1);
  const got = area.contribution(root) ?? undefined;
  area.publish(-1);
  return got;
}

/** Every rank's bytes on every rank, or undefined on every rank when some rank's were too big for the area. */
export function allgatherBytes(area: SharedArea, sig: Signature, data: Uint8Array): Uint8Array[] | undefined {
  area.begin(sig);
  publishBytes(area, data);
  return everyContribution(area);
}

/** Once every rank has published: all contributions of the round, or undefined when some rank's did not fit. */
function everyContribution(area: SharedArea): Uint8Array[] | undefined {
  area.await(0, area.size);
  const all: Uint8Array[] = [];
  for (let r = 0; r < area.size; r++) {
    const got = area.contribution(r);
    if (!got) return undefined;
    all.push(got);
  }
  return all;
}

/** Every rank's bytes at the root (null elsewhere); bytes too big for the area go to the root by message. */
export function gatherBytes(area: SharedArea, internal: PointToPoint, sig: Signature, data: Uint8Array, root: number): Uint8Array[] | null {
  area.begin(sig);
  if (!publishBytes(area, data) && area.rank !== root) internal.send(data, BUFFER, root, TAG_OVERFLOW, STANDARD);
  if (area.rank !== root) return null;
  area.await(0, area.size);
  const all: Uint8Array[] = [];
  for (let r = 0; r < area.size; r++) {
    let got = r === root ? data : area.contribution(r);
    if (!got) {
      let received = new Uint8Array(0);
      internal.recv((env) => (received = new Uint8Array(env.byteLength)), r, TAG_OVERFLOW);
      got = received;
    }
    all.push(got);
  }
  return all;
}

/**
 * Publishes `blocks` as one contribution: a table of (offset, length) pairs, one per block, then their bytes.
 * False (having published "none") when they do not fit the area.
 */
function publishBlocks(area: SharedArea, blocks: readonly Uint8Array[]): boolean {
  let total = 8 * blocks.length;
  for (const b of blocks) total += b.length;
  if (total > area.capacity) {
    area.publish(-1);
    return false;
  }
  const out = area.outbox();
  let at = 8 * blocks.length;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    writeInt(out, 8 * i, at);
    writeInt(out, 8 * i + 4, b.length);
    out.set(b, at);
    at += b.length;
  }
  area.publish(total);
  return true;
}

/** Block i of what `publishBlocks` published. */
function blockOf(packed: Uint8Array, i: number): Uint8Array {
  const at = readInt(packed, 8 * i);
  return packed.subarray(at, at + readInt(packed, 8 * i + 4));
}

/**
 * Scatter of bytes: block `rank` of the root's `blocks` on every rank (the root gets its own), or undefined on
 * every rank when the blocks are too big for the area (then the caller scatters them by messages).
 */
export function scatterBytes(area: SharedArea, sig: Signature, root: number, blocks: readonly Uint8Array[] | null): Uint8Array | undefined {
  area.begin(sig);
  if (area.rank === root) return publishBlocks(area, blocks!) ? blocks![root] : undefined;
  area.await(root, root + 1);
  const packed = area.contribution(root);
  area.publish(-1);
  return packed ? blockOf(packed, area.rank) : undefined;
}

/**
 * All-to-all of bytes: what every rank sends this one (block `rank` of each rank's `blocks`), by source; or
 * undefined on every rank when some rank's blocks are too big for the area.
 */
export function alltoallBytes(area: SharedArea, sig: Signature, blocks: readonly Uint8Array[]): Uint8Array[] | undefined {
  area.begin(sig);
  publishBlocks(area, blocks);
  return everyContribution(area)?.map((packed) => blockOf(packed, area.rank));
}

function blocksOf(buf: Uint8Array, counts: readonly number[], displs: readonly number[]): Uint8Array[] {
  return counts.map((c, i) => buf.subarray(displs[i]!, displs[i]! + c));
}

function lengthMismatch(call: string, from: number, got: number, expected: number): MPIError {
  return new MPIError("ERR_COUNT",
    `collective mismatch in ${call}: rank ${from} sent ${got} bytes where this rank expects ${expected}; ` +
    "the counts (or buffer sizes) given on the ranks do not agree");
}

class SharedCollectives implements Collectives {
  readonly #area: SharedArea;
  readonly #internal: PointToPoint;
  readonly #generic: Collectives;
  readonly #views = new Map<Uint8Array, TypedArray>();
  #viewType: TypedCtor | undefined;
  #viewLength = 0;
  /** The latest signature of each kind of call, with what it was built from. */
  readonly #lastByKind: ({ root: number; bytes: number; type: unknown; op: BufferOp | undefined; sig: Signature } | undefined)[] = [];

  constructor(comm: EngineComm) {
    this.#area = comm.shared!;
    this.#internal = comm.internal;
    this.#generic = generic(comm.internal);
  }

  refuse(refusal: RefusedRoot): void {
    const { kind, root, error, mode, operand } = refusal;
    // A request's turn is a schedule over messages, as the others' requests are.
    if (mode !== "blocking") return this.#generic.refuse?.(refusal);
    const area = this.#area;
    try {
      // The senders of a Gather or Reduce need nothing from the root and may be done already (those too big for
      // the area sent by message): it takes their contributions as usual and drops them, so none is left for a
      // later call. A Reduce root without a valid operand (IN_PLACE, or an op its sendbuf refuses) publishes its
      // refusal instead, as a root whose data the others need does: the ranks that meet it raise it, the others
      // are done, and those too big for the area wait for it before they send (reduce()).
      if (kind === Kind.Gather) {
        gatherBytes(area, this.#internal, this.#signature(Kind.Gather, root, -1), EMPTY, root);
        return;
      }
      if (kind === Kind.Reduce && operand) {
        this.reduce(operand.send, operand.send.slice(), operand.op, root);
        return;
      }
      area.begin(refusedSignature(kind, root, error.errorClass));
      // Publishing checks the ranks already there, whose calls disagree with a refusal.
      area.publish(-1);
    } catch { /* this rank raises its own error */ }
  }

  barrier(): void {
    const area = this.#area;
    area.begin(BARRIER);
    area.publish(-1);
    area.await(0, area.size);
    checkStaleAfter(this.#internal, "Barrier");
  }

  bcast(buf: Uint8Array, root: number): void {
    const area = this.#area;
    const sig = this.#signature(Kind.Bcast, root, buf.length);
    if (buf.length > area.capacity && area.size <= MESSAGE_BCAST_MAX_RANKS) {
      mark(area, sig); // (every rank agreed on the length: the message fits)
      if (area.size === 1) return;
      if (area.rank === root) this.#internal.send(buf, BUFFER, 1 - root, TAG_BCAST, STANDARD);
      else this.#internal.recv(() => buf, root, TAG_BCAST);
      return;
    }
    if (buf.length <= area.capacity) {
      const got = bcastBytes(area, sig, root, buf);
      if (area.rank !== root) buf.set(got!);
      return;
    }
    // In rounds of at most `capacity` bytes: a non-root joins round k as soon as it sees the data and copies it
    // while the root fills round k + 1's slot, so copying in and copying out overlap.
    for (let at = 0; at < buf.length; at += area.capacity) {
      const chunk = buf.subarray(at, Math.min(at + area.capacity, buf.length));
      const got = bcastBytes(area, sig, root, chunk);
      if (area.rank !== root) chunk.set(got!);
    }
  }

  gatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): void {
    const area = this.#area;
    if (area.rank !== root) {
      gatherBytes(area, this.#internal, this.#signature(Kind.Gather, root, -1), send!, root);
      return;
    }
    // The root's own block is in place already (IN_PLACE), or copied from send.
    const all = gatherBytes(area, this.#internal, this.#signature(Kind.Gather, root, -1), send ?? EMPTY, root)!;
    let refused: MPIError | undefined;
    for (let r = 0; r < area.size; r++) {
      const b = all[r]!;
      if (r === root && send === null) continue;
      if (b.length > counts![r]!) {
        refused ??= new MPIError("ERR_TRUNCATE", `rank ${r} sent ${b.length} bytes but the root receives ${counts![r]!} from it`);
        continue;
      }
      recv!.set(b, displs![r]!);
    }
    if (refused) throw refused;
  }

  scatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): void {
    const area = this.#area;
    const blocks = area.rank === root ? blocksOf(send!, counts!, displs!) : null;
    const mine = scatterBytes(area, this.#signature(Kind.Scatter, root, -1), root, blocks);
    if (mine === undefined) {
      this.#generic.scatterv(send, counts, displs, recv, root);
      return;
    }
    if (recv === null) return; // IN_PLACE at the root
    if (mine.length > recv.length) {
      throw new MPIError("ERR_TRUNCATE", `the root sends this rank ${mine.length} bytes but the receive buffer holds ${recv.length}`);
    }
    recv.set(mine);
  }

  allgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): void {
    const area = this.#area;
    const rank = area.rank;
    const all = allgatherBytes(area, this.#signature(Kind.Allgather, -1, -1), send ?? recv.subarray(displs[rank]!, displs[rank]! + counts[rank]!));
    if (!all) {
      this.#generic.allgatherv(send, recv, counts, displs);
      return;
    }
    for (let r = 0; r < area.size; r++) {
      if (r === rank && send === null) continue;
      if (all[r]!.length !== counts[r]) throw lengthMismatch("Allgather", r, all[r]!.length, counts[r]!);
    }
    for (let r = 0; r < area.size; r++) if (r !== rank || send !== null) recv.set(all[r]!, displs[r]!);
  }

  alltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): void {
    const got = alltoallBytes(this.#area, this.#signature(Kind.Alltoall, -1, -1), blocksOf(send, sendCounts, sendDispls));
    if (!got) {
      this.#generic.alltoallv(send, sendCounts, sendDispls, recv, recvCounts, recvDispls);
      return;
    }
    for (let r = 0; r < got.length; r++) {
      if (got[r]!.length !== recvCounts[r]) {
        if (r === this.#area.rank && got[r]!.length > recvCounts[r]!) {
          throw new MPIError("ERR_TRUNCATE", `this rank sends itself ${got[r]!.length} bytes but receives ${recvCounts[r]}`);
        }
        throw lengthMismatch("Alltoall", r, got[r]!.length, recvCounts[r]!);
      }
    }
    for (let r = 0; r < got.length; r++) recv.set(got[r]!, recvDispls[r]!);
  }

  reduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): void {
    const mine = send ?? recv!;
    if (!this.#contribute(Kind.Reduce, root, mine, op)) {
      // The root's word first: it may be a refusal (refuse()), and then no rank may send it anything.
      if (this.#area.rank !== root) this.#area.await(root, root + 1);
      this.#generic.reduce(send, recv, op, root);
      return;
    }
    if (this.#area.rank !== root) return;
    this.#area.await(0, this.#area.size);
    this.#fold(op, 0, this.#area.size, recv!);
  }

  allreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    if (!this.#contribute(Kind.Allreduce, -1, send ?? recv, op)) {
      this.#generic.allreduce(send, recv, op);
      return;
    }
    this.#area.await(0, this.#area.size);
    this.#fold(op, 0, this.#area.size, recv);
  }

  reduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): void {
    const mine = send ?? recv;
    mark(this.#area, this.#signature(Kind.ReduceScatter, -1, -1, mine, op));
    this.#generic.reduceScatter(send, recv, counts, op);
  }

  scan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    this.#scan(send, recv, op, false);
  }

  exscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    this.#scan(send, recv, op, true);
  }

  #scan(send: TypedArray | null, recv: TypedArray, op: BufferOp, exclusive: boolean): void {
    const kind = exclusive ? Kind.Exscan : Kind.Scan;
    if (!this.#contribute(kind, -1, send ?? recv, op)) {
      if (exclusive) this.#generic.exscan(send, recv, op);
      else this.#generic.scan(send, recv, op);
      return;
    }
    const upTo = exclusive ? this.#area.rank : this.#area.rank + 1;
    if (upTo === 0) return; // rank 0 of an exscan: recv is left as it is
    this.#area.await(0, upTo);
    this.#fold(op, 0, upTo, recv);
  }

  /** Begins a reduction's round and publishes this rank's operand; false when it is too big for the area. */
  #contribute(kind: number, root: number, mine: TypedArray, op: BufferOp): boolean {
    const area = this.#area;
    area.begin(this.#signature(kind, root, mine.byteLength, mine, op));
    if (mine.byteLength > area.capacity) {
      area.publish(-1);
      return false;
    }
    copyElements(mine, this.#operand(area.rank, mine));
    area.publish(mine.byteLength);
    return true;
  }

  /**
   * The signature of a call, the same object while calls of a kind keep their root, size, element type and op:
   * a loop of Allreduces then builds none (building one, with its type and op lookups, cost a quarter of a small
   * Allreduce's own work). `like` and `op` only for reductions.
   */
  #signature(kind: number, root: number, bytes: number, like?: TypedArray, op?: BufferOp): Signature {
    const last = this.#lastByKind[kind];
    const type = like?.constructor;
    if (last && last.root === root && last.bytes === bytes && last.type === type && last.op === op) return last.sig;
    const sig = signature(kind, root, bytes, like ? typeCode(like) : 0, op ? opCode(op) : 0);
    this.#lastByKind[kind] = { root, bytes, type, op, sig };
    return sig;
  }

  /** out = v[from] ⊕ (… ⊕ v[to-1]), from the operands published in this round. */
  #fold(op: BufferOp, from: number, to: number, out: TypedArray): void {
    copyElements(this.#operand(to - 1, out), out);
    for (let r = to - 2; r >= from; r--) combineInto(op, this.#operand(r, out), out, out);
  }

  /**
   * Rank r's operand of this round as an array like `like`. Views are kept per slot (two per rank), for the
   * element type and length of the latest call: a loop of the same reduction creates none.
   */
  #operand(r: number, like: TypedArray): TypedArray {
    const ctor = like.constructor as unknown as TypedCtor;
    if (ctor !== this.#viewType || like.length !== this.#viewLength) {
      this.#views.clear();
      this.#viewType = ctor;
      this.#viewLength = like.length;
    }
    const slot = this.#area.slot(r);
    let view = this.#views.get(slot);
    if (!view) this.#views.set(slot, (view = new ctor(slot.buffer, slot.byteOffset, like.length)));
    return view;
  }

  // Nonblocking collectives run over messages: a round of the area would have to wait inside the call.
  ibarrier(): EngineRequest { return this.#generic.ibarrier(); }
  ibcast(buf: Uint8Array, root: number): EngineRequest { return this.#generic.ibcast(buf, root); }
  ireduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): EngineRequest {
    return this.#generic.ireduce(send, recv, op, root);
  }
  iallreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest { return this.#generic.iallreduce(send, recv, op); }
  igatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): EngineRequest {
    return this.#generic.igatherv(send, recv, counts, displs, root);
  }
  iscatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): EngineRequest {
    return this.#generic.iscatterv(send, counts, displs, recv, root);
  }
  iallgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): EngineRequest {
    return this.#generic.iallgatherv(send, recv, counts, displs);
  }
  ialltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): EngineRequest {
    return this.#generic.ialltoallv(send, sendCounts, sendDispls, recv, recvCounts, recvDispls);
  }
  ireduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): EngineRequest {
    return this.#generic.ireduceScatter(send, recv, counts, op);
  }
  iscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest { return this.#generic.iscan(send, recv, op); }
  iexscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest { return this.#generic.iexscan(send, recv, op); }
}

const BARRIER = signature(Kind.Barrier);
const cache = new WeakMap<SharedArea, Collectives>();

/** The collectives of a communicator with a shared area; one instance per communicator. */
export function sharedCollectives(comm: EngineComm): Collectives {
  let c = cache.get(comm.shared!);
  if (!c) cache.set(comm.shared!, (c = new SharedCollectives(comm)));
  return c;
}
