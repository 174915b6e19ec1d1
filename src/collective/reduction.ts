/**
 * Reductions (MPI-4.0 §6.9-6.11) written once over an `Algebra`: how to send, receive and combine partial
 * results, for typed arrays (buffers) and for JavaScript values alike.
 *
 * Reproducibility: every combination is `lower ⊕ higher`, where `lower` covers a contiguous range of ranks just
 * below `higher`'s, and the shape of every tree depends only on the communicator size. So results do not depend on
 * timing, a non-commutative operation sees its operands in rank order, and both partners of an exchange compute
 * bit for bit the same value.
 */
import type { BufferOp, EngineRequest, TypedArray } from "../engine/engine.js";
import { decodeValue, encodeValue } from "../codec.js";
import { combineInto, PAIR_OPS } from "./kernels.js";
import { floorPow2, scatterBlocks } from "./movement.js";
import { type Incoming, framedBuffer, receive, receiveOrRefusal, send, sendRefusal, type Algorithm, type Call } from "./transport.js";
import type { ErrorClass } from "../errors.js";
import { MPIError } from "../errors.js";
import { Refusal, decodeRefusal, isRefusal } from "./refusal.js";

export interface Pending<P> {
  readonly request: Incoming;
  value(): P;
}

export interface Algebra<P> {
  send(call: Call, dest: number, p: P): EngineRequest;
  /** `refusable`: the sender may send its refusal instead (the request's `refusal` then says so). */
  receive(call: Call, source: number, refusable?: boolean): Pending<P>;
  /** `lower ⊕ higher`. Buffers: written into `higher`'s memory, which is returned; `lower` is left unchanged. */
  combine(lower: P, higher: P): P;
  /** A copy the algorithm may overwrite. */
  copy(p: P): P;
}

// ---- algebras --------------------------------------------------------------------------------------------

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

/** Free scratch arrays by channel, then by element type and length: reductions reuse memory call after call. */
const pools = new WeakMap<object, Pool>();
/** The algebra each channel released last, ready for the next call of the same shape. */
const idle = new WeakMap<object, BufferAlgebra>();
const POOL_DEPTH = 4;
/** Largest array pooled, and the most memory a communicator keeps pooled. */
const POOL_MAX_BYTES = 16 << 20;
const POOL_BUDGET = 64 << 20;

interface Pool {
  readonly byType: Map<unknown, Map<number, Scratch[]>>;
  bytes: number;
}

interface Scratch {
  readonly array: TypedArray;
  readonly framed: Uint8Array;
}

/** Partial results as typed arrays of one type and length; scratch arrays carry header room for framing. */
export class BufferAlgebra implements Algebra<TypedArray> {
  readonly #ctor: TypedCtor;
  readonly #count: number;
  readonly #bytes: number;
  readonly #framed = new Map<TypedArray, Uint8Array>();
  readonly #pool: Scratch[] | undefined;
  readonly #owner: Pool | undefined;
  readonly #ownerKey: object | undefined;

  /** An algebra for `op` on arrays like `like`, reusing the one `owner` (a channel) released last when it fits. */
  static acquire(op: BufferOp, like: TypedArray, owner: object): BufferAlgebra {
    const a = idle.get(owner);
    if (a && a.op === op && a.#ctor === (like.constructor as unknown) && a.#count === like.length) {
      idle.delete(owner);
      return a;
    }
    return new BufferAlgebra(op, like, like.length, owner);
  }

  constructor(readonly op: BufferOp, like: TypedArray, count = like.length, owner?: object) {
    this.#ownerKey = owner;
    this.#ctor = like.constructor as unknown as TypedCtor;
    this.#count = count;
    this.#bytes = count * like.BYTES_PER_ELEMENT;
    if (owner && this.#bytes <= POOL_MAX_BYTES) {
      let p = pools.get(owner);
      if (!p) pools.set(owner, (p = { byType: new Map(), bytes: 0 }));
      let byCount = p.byType.get(this.#ctor);
      if (!byCount) p.byType.set(this.#ctor, (byCount = new Map()));
      let pool = byCount.get(count);
      if (!pool) byCount.set(count, (pool = []));
      this.#pool = pool;
      this.#owner = p;
    }
  }

  /** A scratch array with room for a header in front. */
  scratch(): TypedArray {
    const reused = this.#pool?.pop();
    if (reused) {
      this.#owner!.bytes -= this.#bytes;
      this.#framed.set(reused.array, reused.framed);
      return reused.array;
    }
    const { framed, payload } = framedBuffer(this.#bytes);
    const a = new this.#ctor(payload.buffer, payload.byteOffset, this.#count);
    this.#framed.set(a, framed);
    return a;
  }

  /** Gives every scratch array back to the pool: call once the call's results have been copied out. */
  release(): void {
    const pool = this.#pool;
    if (pool) {
      const owner = this.#owner!;
      for (const [array, framed] of this.#framed) {
        if (pool.length >= POOL_DEPTH || owner.bytes + this.#bytes > POOL_BUDGET) break;
        pool.push({ array, framed });
        owner.bytes += this.#bytes;
      }
    }
    this.#framed.clear();
    if (this.#ownerKey) idle.set(this.#ownerKey, this);
  }

  send(call: Call, dest: number, p: TypedArray): EngineRequest {
    const framed = this.#framed.get(p);
    return send(call, dest, framed ? framed.subarray(HEADER_BYTES) : bytes(p), framed);
  }

  receive(call: Call, source: number, refusable = false): Pending<TypedArray> {
    const a = this.scratch();
    const framed = this.#framed.get(a)!;
    const request = (refusable ? receiveOrRefusal : receive)(call, source, framed.subarray(HEADER_BYTES), framed);
    return { request, value: () => a };
  }

  combine(lower: TypedArray, higher: TypedArray): TypedArray {
    combineInto(this.op, lower, higher, higher);
    return higher;
  }

  copy(p: TypedArray): TypedArray {
    const a = this.scratch();
    copyElements(p, a);
    return a;
  }
}

/** Header bytes in front of a scratch array's payload (transport.ts's framing). */
const HEADER_BYTES = 8;

/** Copies `from` into `to` (same length): a loop for short arrays, where TypedArray#set's fixed cost dominates. */
export function copyElements(from: TypedArray, to: TypedArray): void {
  const n = from.length;
  if (n > 32 || from.constructor !== to.constructor) {
    to.set(from as never);
    return;
  }
  const f = from as unknown as number[], t = to as unknown as number[];
  for (let i = 0; i < n; i++) t[i] = f[i]!;
}

export function bytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Partial results as JavaScript values, encoded with the codec on the wire. */
export class ValueAlgebra implements Algebra<unknown> {
  /** What this rank raised while encoding or combining (it took part with a Refusal instead): raise it after. */
  ownError: unknown;

  /**
   * `own` is this rank's contribution and `ownBytes` its encoding, made (and so checked) before the call: a leaf
   * sends them without encoding again.
   */
  constructor(
    private readonly rank: number,
    private readonly combineValues: (a: unknown, b: unknown) => unknown,
    private readonly single: (x: unknown) => unknown = (x) => x,
    private readonly own?: unknown,
    private readonly ownBytes?: Uint8Array,
  ) {}
  send(call: Call, dest: number, p: unknown): EngineRequest {
    if (p instanceof Refusal) return send(call, dest, p.encode());
    if (this.ownBytes && p === this.own) return send(call, dest, this.ownBytes);
    let bytes: Uint8Array;
    try {
      bytes = encodeValue(p);
    } catch (e) {
      bytes = this.#refuse(e).encode();
    }
    return send(call, dest, bytes);
  }
  receive(call: Call, source: number): Pending<unknown> {
    const incoming = receive(call, source);
    return { request: incoming, value: () => (isRefusal(incoming.data) ? decodeRefusal(incoming.data) : decodeValue(incoming.data)) };
  }
  /** A refusal absorbs what it meets (the lower rank's first), so it reaches every result that depended on it. */
  combine(lower: unknown, higher: unknown): unknown {
    if (lower instanceof Refusal) return lower;
    if (higher instanceof Refusal) return higher;
    try {
      return this.combineValues(lower, higher);
    } catch (e) {
      return this.#refuse(e);
    }
  }
  /** Values are never modified in place; a lone contribution becomes a result as the op defines it. */
  copy(p: unknown): unknown {
    if (p instanceof Refusal) return p;
    try {
      return this.single(p);
    } catch (e) {
      return this.#refuse(e);
    }
  }
  #refuse(e: unknown): Refusal {
    this.ownError ??= e;
    return Refusal.of(this.rank, e);
  }
}

// ---- reduce ----------------------------------------------------------------------------------------------

/**
 * Binomial reduction to rank 0 in absolute ranks (rank r's subtree is the contiguous range [r, r + lowbit(r))),
 * then a hop to the root: the combination order is the same for every root. Returns the result at the root.
 */
export function* reduce<P>(call: Call, alg: Algebra<P>, mine: P): Algorithm<P | undefined> {
  const { rank, size } = call.p2p;
  const root = call.root;
  let acc = mine;
  if (size > 1) {
    const s = rank === 0 ? size : rank & -rank;
    const children: Pending<P>[] = [];
    // (A root without an operand sends its refusal up instead: refusedReduceTurn. The result it would have
    // received is dropped, so its part is left out.)
    for (let m = 1; m < s && rank + m < size; m <<= 1) children.push(alg.receive(call, rank + m, rank + m === root));
    for (const child of children) {
      yield [child.request];
      if (!child.request.refusal) acc = alg.combine(acc, child.value());
    }
    if (rank !== 0) yield [alg.send(call, rank - s, acc)];
  }
  if (root === 0) return rank === 0 ? acc : undefined;
  if (rank === 0) {
    yield [alg.send(call, root, acc)];
    return undefined;
  }
  if (rank === root) {
    const result = alg.receive(call, 0);
    yield [result.request];
    return result.value();
  }
  return undefined;
}

/**
 * Root 0's turn in a reduction it has no operand for (Collectives.refuse): its children's partial results in
 * reduce()'s tree, whatever their size, taken and dropped. (Another root would have to send a part of its own up
 * the tree, of a size it cannot know.)
 */
export function* dropPartials(call: Call): Algorithm {
  const children: EngineRequest[] = [];
  for (let m = 1; m < call.p2p.size; m <<= 1) children.push(receive(call, m));
  if (children.length) yield children;
}

/**
 * The turn of a root other than 0 in a reduction it has no operand for (Collectives.refuse): it takes its children's
 * partial results in reduce()'s tree, sends its refusal up in place of its own, and drops the result rank 0 sends it.
 * Its subtree's part is then left out of a result nobody receives, and every other rank completes as usual.
 */
export function* refusedReduceTurn(call: Call, errorClass: ErrorClass): Algorithm {
  const { rank, size } = call.p2p;
  const s = rank & -rank;
  const children: EngineRequest[] = [];
  for (let m = 1; m < s && rank + m < size; m <<= 1) children.push(receive(call, rank + m));
  if (children.length) yield children;
  yield [sendRefusal(call, rank - s, errorClass)];
  yield [receive(call, 0)];
}

// ---- allreduce -------------------------------------------------------------------------------------------

/**
 * Recursive doubling (with the usual fold of the ranks beyond the largest power of two into their neighbours):
 * log2 p exchanges; every rank ends with the same bits. `mine` may be overwritten (pass a copy).
 */
export function* allreduce<P>(call: Call, alg: Algebra<P>, mine: P): Algorithm<P> {
  const { rank, size } = call.p2p;
  if (size === 1) return mine;
  const pof2 = floorPow2(size);
  const rem = size - pof2;
  let acc = mine;
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      yield [alg.send(call, rank + 1, acc)];
      newrank = -1;
    } else {
      const lower = alg.receive(call, rank - 1);
      yield [lower.request];
      acc = alg.combine(lower.value(), acc);
      newrank = rank >> 1;
    }
  } else {
    newrank = rank - rem;
  }
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const partner = np < rem ? np * 2 + 1 : np + rem;
      const theirs = alg.receive(call, partner);
      yield [alg.send(call, partner, acc), theirs.request];
      acc = np < newrank ? alg.combine(theirs.value(), acc) : alg.combine(acc, theirs.value());
    }
  }
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      const result = alg.receive(call, rank + 1);
      yield [result.request];
      acc = result.value();
    } else {
      yield [alg.send(call, rank - 1, acc)];
    }
  }
  return acc;
}

/** Above this many bytes, buffer allreduce and reduce use reduce-scatter + allgather/gather (Rabenseifner). */
export const LARGE_REDUCE = 64 << 10;

/**
 * Rabenseifner's allreduce on typed arrays: fold to a power of two, reduce-scatter by recursive halving with
 * distances 1, 2, 4... (so every combination joins adjacent rank ranges, lower first), then allgather back in
 * reverse. `acc` (this rank's contribution, overwritable) holds the result at the end; `unit` keeps pairs whole.
 * With `gatherTo` set, the segments are gathered to that rank only (reduce) instead of allgathered.
 */
export function* rabenseifner(call: Call, alg: BufferAlgebra, acc: TypedArray, gatherTo: number | null): Algorithm<boolean> {
  const { rank, size } = call.p2p;
  const op = alg.op;
  // The scratch vector comes from the caller's algebra, pooled per channel: allocating (and zeroing) megabytes
  // per call costs more than the reduction itself. The caller releases it.
  const tmp = alg.scratch();
  const unit = "builtin" in op && PAIR_OPS.has(op.builtin) ? 2 : 1;
  const pof2 = floorPow2(size);
  const rem = size - pof2;
  const n = acc.length / unit;
  const seg = (i: number) => Math.floor((i * n) / pof2) * unit;
  const view = (a: TypedArray, from: number, to: number) => a.subarray(seg(from), seg(to));
  let newrank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      yield [send(call, rank + 1, bytes(acc))];
      newrank = -1;
    } else {
      yield [receive(call, rank - 1, bytes(tmp))];
      combineInto(op, tmp, acc, acc);
      newrank = rank >> 1;
    }
  } else {
    newrank = rank - rem;
  }
  const real = (nr: number) => (nr < rem ? nr * 2 + 1 : nr + rem);
  let lo = 0, hi = pof2;
  const history: [number, number, number, number][] = [];
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const np = newrank ^ mask;
      const mid = (lo + hi) >> 1;
      const keepLow = (newrank & mask) === 0;
      const [keepFrom, keepTo, giveFrom, giveTo] = keepLow ? [lo, mid, mid, hi] : [mid, hi, lo, mid];
      const mineKept = view(acc, keepFrom, keepTo);
      const theirs = view(tmp, keepFrom, keepTo);
      yield [receive(call, real(np), bytes(theirs)), send(call, real(np), bytes(view(acc, giveFrom, giveTo)))];
      if (np < newrank) combineInto(op, theirs, mineKept, mineKept);
      else combineInto(op, mineKept, theirs, mineKept);
      history.push([keepFrom, keepTo, giveFrom, giveTo]);
      lo = keepFrom;
      hi = keepTo;
    }
    if (gatherTo === null) {
      for (let i = history.length - 1; i >= 0; i--) {
        const [keepFrom, keepTo, giveFrom, giveTo] = history[i]!;
        const np = newrank ^ (1 << i);
        yield [receive(call, real(np), bytes(view(acc, giveFrom, giveTo))), send(call, real(np), bytes(view(acc, keepFrom, keepTo)))];
      }
    } else {
      // Binomial gather of the segments to newrank 0, mirroring the reduce-scatter.
      for (let i = history.length - 1; i >= 0; i--) {
        const [keepFrom, keepTo, giveFrom, giveTo] = history[i]!;
        const np = newrank ^ (1 << i);
        if ((newrank & (1 << i)) !== 0) {
          // Our range goes to the partner, which has the lower bit pattern; then we are done.
          yield [send(call, real(np), bytes(view(acc, keepFrom, keepTo)))];
          newrank = -1;
          break;
        }
        yield [receive(call, real(np), bytes(view(acc, giveFrom, giveTo)))];
      }
    }
  }
  if (gatherTo === null) {
    if (rank < 2 * rem) {
      if (rank % 2 === 0) yield [receive(call, rank + 1, bytes(acc))];
      else yield [send(call, rank - 1, bytes(acc))];
    }
    return true;
  }
  // The full result is at real(0); move it to `gatherTo`.
  const holder = real(0);
  if (holder === gatherTo) return rank === holder;
  if (rank === holder) yield [send(call, gatherTo, bytes(acc))];
  if (rank === gatherTo) {
    yield [receive(call, holder, bytes(acc))];
    return true;
  }
  return false;
}

// ---- scan ------------------------------------------------------------------------------------------------

/**
 * Inclusive or exclusive prefix reduction by recursive doubling: at distance 2^k every rank passes on the
 * reduction of the 2^k ranks ending at it. `mine` may be overwritten (pass a copy). Exclusive: undefined on rank 0.
 */
export function* scan<P>(call: Call, alg: Algebra<P>, mine: P, exclusive: boolean): Algorithm<P | undefined> {
  const { rank, size } = call.p2p;
  let partial = mine;
  let result: P | undefined = exclusive ? undefined : alg.copy(mine);
  for (let mask = 1; mask < size; mask <<= 1) {
    const dst = rank + mask, src = rank - mask;
    const step: EngineRequest[] = [];
    if (dst < size) step.push(alg.send(call, dst, partial));
    const lower = src >= 0 ? alg.receive(call, src) : undefined;
    if (lower) step.push(lower.request);
    yield step;
    if (lower) {
      const tmp = lower.value();
      result = result === undefined ? alg.copy(tmp) : alg.combine(tmp, result);
      // The last step needs no new partial (nothing is sent after it).
      if (mask * 2 < size) partial = alg.combine(tmp, partial);
    }
  }
  return result;
}

// ---- reduce-scatter --------------------------------------------------------------------------------------

/**
 * Reduce to rank 0 (fixed order) then binomial scatter of the blocks: `counts` in elements. Returns my block's
 * bytes (to be copied before `alg` is released).
 */
export function* reduceScatter(call: Call, alg: BufferAlgebra, mine: TypedArray, counts: readonly number[]): Algorithm<Uint8Array> {
  const { rank, size } = call.p2p;
  const toRoot = { ...call, root: 0 };
  const full = yield* reduce(toRoot, alg, mine);
  let blocks: Uint8Array[] | null = null;
  if (rank === 0) {
    const b = bytes(full!);
    const esize = full!.BYTES_PER_ELEMENT;
    blocks = [];
    let at = 0;
    for (let r = 0; r < size; r++) {
      blocks.push(b.subarray(at * esize, (at + counts[r]!) * esize));
      at += counts[r]!;
    }
  }
  const block = yield* scatterBlocks(toRoot, blocks);
  if (block.length !== counts[rank]! * mine.BYTES_PER_ELEMENT) {
    throw new MPIError("ERR_COUNT", `reduce_scatter: rank 0 sent a block of ${block.length} bytes, this rank expects ${counts[rank]! * mine.BYTES_PER_ELEMENT}; the counts given on the ranks differ`);
  }
  return block;
}
