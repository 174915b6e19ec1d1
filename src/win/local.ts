/**
 * One-sided communication on the local engine (docs/one-sided.md): every segment of a window lives in ONE
 * SharedArrayBuffer that every member thread maps, so Put and Get are plain copies into and out of the target's
 * segment, and operations complete when they return. Accumulates are atomic per element: on integer elements
 * through Atomics (Fetch_and_op and Compare_and_swap are single Atomics operations), on other elements (floats,
 * clamped bytes, MAXLOC/MINLOC pairs) under the target's mutex word. Passive-target locks are reader-writer
 * words per target in the same memory, so a target takes no part in them (no progress needed from it).
 *
 * Win.Create on the program's own memory (a private heap no other thread can map) is MPI's separate memory
 * model: the window owns a public copy in shared memory where remote operations land, and the owner's buffer
 * (the private copy) is reconciled with it at the owner's synchronization calls.
 *
 * Win.Create_dynamic's windows work the same way per attached region: Attach makes the region's public copy, a
 * SharedArrayBuffer of its own, and gives it to every other member over their ports at once, so no collective
 * and no progress of the target is needed. An origin takes the gifts of a target the first time it names an
 * address it does not know (they were queued before the address could reach it). Addresses are this engine's
 * own numbering of the rank's memory (`address` below), as MPI_Get_address's are the process's.
 */
import type { BuiltinOpName, EngineComm, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";
import { combineInto, isIntegerArray, PAIR_OPS } from "../collective/kernels.js";
import type { Channel, LocalComm, LocalEngine } from "../local/engine.js";
import type { SharedBytes } from "../local/heap.js";
import { type EngineWindow, type RmaEngine, type RmaOpName, type RmaRequestKind, type WindowLayout, RGET, RPUT } from "./seam.js";

/** Segments start on this boundary, so every typed-array kind can view them. */
const ALIGN = 8;
/**
 * Per member: its lock word (0 free, n > 0 shared holders, -1 exclusive) and its accumulate mutex word; then
 * PSCW's counters, per (target, origin) pair: posts the target has made to the origin, completions the origin
 * has made to the target. Each side counts what it has consumed of them, so epochs follow one another freely.
 */
const WORDS_PER_RANK = 2;
const PSCW_MATRICES = 2;
const LOCK = 0, MUTEX = 1, EXCLUSIVE = -1;
/** How long one wait for a lock word lasts before the rank checks its own messages again. */
const LOCK_WAIT_MS = 20;

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export class LocalRma implements RmaEngine {
  constructor(private readonly engine: LocalEngine) {}

  allocate(comm: EngineComm, layout: WindowLayout, _shared: boolean, barrier: () => void): EngineWindow {
    return this.#window(comm as LocalComm, layout, null, barrier);
  }

  create(comm: EngineComm, memory: Uint8Array, layout: WindowLayout, barrier: () => void): EngineWindow {
    return this.#window(comm as LocalComm, layout, memory, barrier);
  }

  createDynamic(comm: EngineComm, layout: WindowLayout, barrier: () => void): EngineWindow {
    return this.#window(comm as LocalComm, layout, null, barrier, true);
  }

  address(memory: Uint8Array): number { return addressOf(memory); }

  #window(comm: LocalComm, layout: WindowLayout, own: Uint8Array | null, barrier: () => void, dynamic = false): EngineWindow {
    const channel = comm.internal;
    const key = this.engine.agreeOnBase(channel);
    const words = WORDS_PER_RANK * comm.size + PSCW_MATRICES * comm.size * comm.size;
    const control = align(words * 4);
    const offsets: number[] = [];
    let end = control;
    for (const bytes of layout.sizes) {
      offsets.push(end);
      end = align(end + bytes);
    }
    const { sab, offset } = this.engine.sharedMemory(channel, key, end);
    const segments = layout.sizes.map((bytes, r) => new Uint8Array(sab, offset + offsets[r]!, bytes));
    if (own) segments[comm.rank]!.set(own);
    const attached = dynamic ? new Attached(this.engine, channel, key) : null;
    return new LocalWindow(this.engine, comm.rank, new Int32Array(sab, offset, words), segments, own, attached, barrier);
  }
}

/**
 * Addresses of the local engine (MPI.Get_address): every ArrayBuffer this rank names gets a range of its own,
 * 8-aligned and apart from the others', in the order they are first named; a view's address is its buffer's plus
 * its byteOffset. They start at 1 MiB so that no address is 0 (MPI_BOTTOM) or near it.
 */
const bufferAddresses = new WeakMap<ArrayBufferLike, number>();
let nextAddress = 1 << 20;

function addressOf(memory: Uint8Array): number {
  const buffer = memory.buffer;
  let base = bufferAddresses.get(buffer);
  if (base === undefined) {
    base = nextAddress;
    // A resizable buffer may grow to its maximum: its range covers that.
    const span = (buffer as { maxByteLength?: number }).maxByteLength ?? buffer.byteLength;
    nextAddress = align(base + span + ALIGN);
    bufferAddresses.set(buffer, base);
  }
  return base + memory.byteOffset;
}

/**
 * One attached region's public copy: a SharedArrayBuffer holding a header (its address and length as doubles,
 * then a word that is 1 while it is attached) and the bytes, placed so that an address and its byte in the copy
 * agree modulo 8 (every element an origin may name there is aligned).
 */
const REGION_ADDRESS = 0, REGION_LENGTH = 1, REGION_LIVE_WORD = 4, REGION_HEADER = 24;
/** Gift keys of regions are negative (communicators' shared areas use positive ones): per window, per region. */
const REGIONS_PER_WINDOW = 2 ** 21;

interface Region {
  readonly address: number;
  readonly length: number;
  /** The public copy, where operations land. */
  readonly data: Uint8Array;
  readonly header: Int32Array;
}

/** A region this rank attached: its public copy, the program's memory (the private copy), and that as last reconciled. */
interface OwnRegion extends Region, SeparateCopy {}

interface SeparateCopy {
  readonly memory: Uint8Array;
  readonly public: Uint8Array;
  readonly synced: Uint8Array;
}

function regionIn({ sab, offset }: SharedBytes): Region {
  const numbers = new Float64Array(sab, offset, 2);
  const address = numbers[REGION_ADDRESS]!, length = numbers[REGION_LENGTH]!;
  return {
    address, length, data: new Uint8Array(sab, offset + REGION_HEADER + (address % ALIGN), length), header: new Int32Array(sab, offset, REGION_HEADER / 4),
  };
}

const live = (r: Region) => Atomics.load(r.header, REGION_LIVE_WORD) === 1;
const holds = (r: Region, address: number, length: number) => address >= r.address && address + length <= r.address + r.length;

/** The regions of a dynamic window: this rank's own, and what it has learnt of every other member's. */
class Attached {
  readonly own: OwnRegion[] = [];
  readonly #known: Region[][];
  /** Per member: how many of its regions' gifts this rank has taken; and how many this rank has given. */
  readonly #taken: number[];
  #given = 0;

  constructor(private readonly engine: LocalEngine, private readonly channel: Channel, private readonly key: number) {
    this.#known = channel.worldRanks.map(() => []);
    this.#taken = channel.worldRanks.map(() => 0);
  }

  attach(memory: Uint8Array): void {
    const address = addressOf(memory), length = memory.length;
    if (this.#given >= REGIONS_PER_WINDOW) throw new MPIError("ERR_RMA_ATTACH", `a rank attaches at most ${REGIONS_PER_WINDOW} regions to one window`);
    const shared = this.engine.newSharedMemory(REGION_HEADER + (address % ALIGN) + length);
    const numbers = new Float64Array(shared.sab, shared.offset, 2);
    numbers[REGION_ADDRESS] = address;
    numbers[REGION_LENGTH] = length;
    const region = regionIn(shared);
    region.data.set(memory);
    Atomics.store(region.header, REGION_LIVE_WORD, 1);
    const key = this.#giftKey(this.#given++);
    for (const w of this.channel.worldRanks) if (w !== this.channel.worldRanks[this.channel.rank]) this.engine.giveMemory(w, key, shared);
    this.own.push({ ...region, memory, public: region.data, synced: memory.slice() });
  }

  /** Ends a region; the caller has reconciled it. */
  detach(address: number): OwnRegion | null {
    const i = this.own.findIndex((r) => r.address === address);
    if (i < 0) return null;
    const [region] = this.own.splice(i, 1);
    Atomics.store(region!.header, REGION_LIVE_WORD, 0);
    return region!;
  }

  /** The region of `target` holding `length` bytes at `address`, or null. */
  find(target: number, address: number, length: number): Region | null {
    if (target === this.channel.rank) return this.own.find((r) => holds(r, address, length)) ?? null;
    const known = this.#known[target]!;
    for (let pass = 0; pass < 2; pass++) {
      const region = known.find((r) => holds(r, address, length) && live(r));
      if (region) return region;
      this.#learn(target);
    }
    return null;
  }

  /** Takes every region `target` has given since, and forgets those it has detached. */
  #learn(target: number): void {
    const known = this.#known[target]!;
    const kept = known.filter(live);
    known.length = 0;
    known.push(...kept);
    const giver = this.channel.worldRanks[target]!;
    for (let memory = this.engine.takeMemory(giver, this.#giftKey(this.#taken[target]!)); memory; memory = this.engine.takeMemory(giver, this.#giftKey(this.#taken[target]!))) {
      this.#taken[target]!++;
      const region = regionIn(memory);
      if (live(region)) known.push(region);
    }
  }

  /** At Free (after its barrier: every gift is queued): takes what is left, so nothing stays behind in the ports. */
  free(): void {
    for (const r of this.own) Atomics.store(r.header, REGION_LIVE_WORD, 0);
    this.own.length = 0;
    for (let t = 0; t < this.#known.length; t++) {
      if (t === this.channel.rank) continue;
      this.#learn(t);
      this.#known[t] = [];
    }
  }

  #giftKey(n: number): number { return -(this.key * REGIONS_PER_WINDOW + n + 1); }
}

class LocalWindow implements EngineWindow {
  readonly memory: Uint8Array;
  readonly unified: boolean;
  /** Win.Create's separate model: the private copy, its public one, and the private as last reconciled. */
  readonly #created: SeparateCopy | null;
  /** Targets this rank holds a lock on, and how (so unlock releases the right way). */
  readonly #held = new Map<number, boolean>();
  /** PSCW: posts and completions consumed so far, per peer; the current epochs' groups. */
  readonly #postsSeen: number[];
  readonly #completesSeen: number[];
  #targets: readonly number[] = [];
  #origins: readonly number[] = [];

  constructor(
    private readonly engine: LocalEngine,
    private readonly rank: number,
    private readonly words: Int32Array,
    private readonly segments: readonly Uint8Array[],
    own: Uint8Array | null,
    private readonly attached: Attached | null,
    private readonly barrier: () => void,
  ) {
    this.memory = own ?? segments[rank]!;
    this.unified = own === null && attached === null;
    this.#created = own ? { memory: own, public: segments[rank]!, synced: own.slice() } : null;
    this.#postsSeen = segments.map(() => 0);
    this.#completesSeen = segments.map(() => 0);
  }

  segment(rank: number): Uint8Array { return this.segments[rank]!; }

  put(origin: Uint8Array, target: number, offset: number): void {
    const [seg, at] = this.#place(target, offset, origin.length);
    seg.set(origin, at);
  }

  get(origin: Uint8Array, target: number, offset: number): void {
    const [seg, at] = this.#place(target, offset, origin.length);
    origin.set(seg.subarray(at, at + origin.length));
  }

  /** The memory `length` bytes at `offset` of `target` are in, and where in it (dynamic windows: an address). */
  #place(target: number, offset: number, length: number): [Uint8Array, number] {
    if (!this.attached) return [this.segments[target]!, offset];
    const region = this.attached.find(target, offset, length);
    if (!region) throw new MPIError("ERR_RMA_RANGE", unattached(target, offset, length));
    return [region.data, offset - region.address];
  }

  attach(memory: Uint8Array): void { this.attached!.attach(memory); }

  detach(address: number): boolean {
    const region = this.attached!.detach(address);
    if (region) reconcile(region, true), reconcile(region, false);
    return region !== null;
  }

  unreachable(target: number, address: number, length: number): string | null {
    return length === 0 || this.attached!.find(target, address, length) ? null : unattached(target, address, length);
  }

  accumulate(origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): void {
    const like = (origin ?? result)!;
    const view = this.#view(like, target, offset, like.length);
    if (isIntegerArray(view) && !(view instanceof Uint8ClampedArray) && !PAIR_OPS.has(op as BuiltinOpName)) {
      atomicAccumulate(view as AtomicArray, origin as AtomicArray | null, result as AtomicArray | null, op);
      return;
    }
    this.#locked(target, () => {
      if (result) result.set(view as never);
      if (op === "NO_OP") return;
      combineInto({ builtin: op }, view, origin!, view);
    });
  }

  /** Operations complete as they are made: no request to wait for. */
  request(kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): null {
    if (kind === RPUT) this.put(bytes(origin!), target, offset);
    else if (kind === RGET) this.get(bytes(origin!), target, offset);
    else this.accumulate(origin, result, target, offset, op);
    return null;
  }

  compareAndSwap(origin: TypedArray, compare: TypedArray, result: TypedArray, target: number, offset: number): void {
    const view = this.#view(origin, target, offset, 1);
    if (view instanceof Uint8ClampedArray) {
      // Atomics refuse clamped arrays: their bytes are Uint8 ones.
      this.compareAndSwap(Uint8Array.from(origin as Uint8ClampedArray), Uint8Array.from(compare as Uint8ClampedArray), new Uint8Array(result.buffer, result.byteOffset, 1), target, offset);
      return;
    }
    (result as Int32Array)[0] = Atomics.compareExchange(view as Int32Array, 0, compare[0] as number, origin[0] as number);
  }

  fence(): void {
    this.#reconcile(true);
    this.barrier();
    this.#reconcile(false);
  }

  post(origins: readonly number[]): void {
    this.#reconcile(true);
    this.#origins = origins;
    for (const o of origins) this.#bump(this.#posts(this.rank, o));
  }

  start(targets: readonly number[]): void {
    this.#targets = targets;
    for (const t of targets) this.#await(this.#posts(t, this.rank), ++this.#postsSeen[t]!);
  }

  complete(): void {
    for (const t of this.#targets) this.#bump(this.#completes(t, this.rank));
    this.#targets = [];
  }

  wait(): void {
    for (const o of this.#origins) this.#await(this.#completes(this.rank, o), ++this.#completesSeen[o]!);
    this.#endExposure();
  }

  test(): boolean {
    const done = this.#origins.every((o) => Atomics.load(this.words, this.#completes(this.rank, o)) > this.#completesSeen[o]!);
    if (!done) return false;
    for (const o of this.#origins) this.#completesSeen[o]!++;
    this.#endExposure();
    return true;
  }

  #endExposure(): void {
    this.#origins = [];
    this.#reconcile(false);
  }

  #posts(target: number, origin: number): number {
    return WORDS_PER_RANK * this.segments.length + target * this.segments.length + origin;
  }
  #completes(target: number, origin: number): number {
    const n = this.segments.length;
    return WORDS_PER_RANK * n + n * n + target * n + origin;
  }
  #bump(i: number): void {
    Atomics.add(this.words, i, 1);
    Atomics.notify(this.words, i);
  }
  /** Sleeps on word `i` until it reaches `count`, keeping this rank's own messages moving meanwhile. */
  #await(i: number, count: number): void {
    for (let seen = Atomics.load(this.words, i); seen < count; seen = Atomics.load(this.words, i)) {
      Atomics.wait(this.words, i, seen, LOCK_WAIT_MS);
      this.engine.progress();
    }
  }

  lock(target: number, exclusive: boolean): void {
    while (!this.#tryLock(target, exclusive)) this.#awaitLockChange(target);
    this.#held.set(target, exclusive);
    if (target === this.rank) this.sync();
  }

  unlock(target: number): void {
    if (target === this.rank) this.sync();
    this.#release(target);
  }

  /**
   * A shared lock on every rank, taken all or nothing: on meeting an exclusive holder it lets go of the ones it
   * has before it waits, so it never holds some while waiting for another (a rank holding an exclusive lock may
   * go on to lock a rank this one had already locked).
   */
  lockAll(): void {
    const n = this.segments.length;
    for (;;) {
      let r = 0;
      while (r < n && this.#tryLock(r, false)) r++;
      if (r === n) break;
      for (let k = 0; k < r; k++) {
        Atomics.sub(this.words, this.#lockWord(k), 1);
        Atomics.notify(this.words, this.#lockWord(k));
      }
      this.#awaitLockChange(r);
    }
    for (let r = 0; r < n; r++) this.#held.set(r, false);
    this.sync();
  }

  unlockAll(): void {
    this.sync();
    for (let r = 0; r < this.segments.length; r++) this.#release(r);
  }

  #lockWord(target: number): number { return target * WORDS_PER_RANK + LOCK; }

  #tryLock(target: number, exclusive: boolean): boolean {
    const i = this.#lockWord(target);
    const seen = Atomics.load(this.words, i);
    const free = exclusive ? seen === 0 : seen >= 0;
    return free && Atomics.compareExchange(this.words, i, seen, exclusive ? EXCLUSIVE : seen + 1) === seen;
  }

  /** Sleeps until `target`'s lock word changes (or a slice passes), keeping this rank's messages moving. */
  #awaitLockChange(target: number): void {
    const i = this.#lockWord(target);
    Atomics.wait(this.words, i, Atomics.load(this.words, i), LOCK_WAIT_MS);
    this.engine.progress();
  }

  #release(target: number): void {
    const i = this.#lockWord(target);
    if (this.#held.get(target)) Atomics.store(this.words, i, 0);
    else Atomics.sub(this.words, i, 1);
    this.#held.delete(target);
    Atomics.notify(this.words, i);
  }

  // Operations complete before they return: the flushes only order (Atomics-backed memory is already coherent).
  flush(): void {}
  flushAll(): void {}
  flushLocal(): void {}
  flushLocalAll(): void {}

  sync(): void {
    this.#reconcile(true);
    this.#reconcile(false);
  }

  free(): void {
    this.#reconcile(true);
    this.barrier();
    this.#reconcile(false);
    this.attached?.free();
  }

  #view(like: TypedArray, target: number, offset: number, length: number): TypedArray {
    const [seg, at] = this.#place(target, offset, length * like.BYTES_PER_ELEMENT);
    const Ctor = like.constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
    return new Ctor(seg.buffer, seg.byteOffset + at, length);
  }

  /** Runs `body` holding `target`'s accumulate mutex (a spin on a word: held only for one short operation). */
  #locked(target: number, body: () => void): void {
    const i = target * WORDS_PER_RANK + MUTEX;
    while (Atomics.compareExchange(this.words, i, 0, 1) !== 0) Atomics.wait(this.words, i, 1, 1);
    try {
      body();
    } finally {
      Atomics.store(this.words, i, 0);
      Atomics.notify(this.words, i, 1);
    }
  }

  /** Reconciles every separate copy of this rank's memory (Win.Create's, or each attached region's). */
  #reconcile(publish: boolean): void {
    if (this.#created) reconcile(this.#created, publish);
    for (const region of this.attached?.own ?? []) reconcile(region, publish);
  }
}

/**
 * Separate model. `publish`: the owner's stores since the last reconciliation (bytes of the private copy that
 * changed) go to the public copy; otherwise the public copy, with every remote update, becomes the private one.
 * MPI makes a store and a remote update of the same bytes in one epoch erroneous, so the merge is exact.
 */
function reconcile(copy: SeparateCopy, publish: boolean): void {
  const { memory: mine, public: pub, synced } = copy;
  if (publish) {
    for (let i = 0; i < mine.length; i++) if (mine[i] !== synced[i]) pub[i] = mine[i]!;
  } else {
    mine.set(pub);
    synced.set(mine);
  }
}

function unattached(target: number, address: number, length: number): string {
  return `bytes at address ${address}..${address + length} are not in memory rank ${target} has attached to the window`;
}

function bytes(a: TypedArray): Uint8Array { return new Uint8Array(a.buffer, a.byteOffset, a.byteLength); }

type AtomicArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** Element by element with Atomics: one instruction for the ops Atomics has, a compare-exchange loop for the rest. */
function atomicAccumulate(view: AtomicArray, origin: AtomicArray | null, result: AtomicArray | null, op: RmaOpName): void {
  const v = view as Int32Array; // one code path for every integer kind (bigint ones take bigints throughout)
  const big = view instanceof BigInt64Array || view instanceof BigUint64Array;
  const wide = view instanceof Int32Array || view instanceof Uint32Array;
  for (let i = 0; i < view.length; i++) {
    const x = origin ? (origin[i] as number) : 0;
    let old: number;
    switch (op) {
      case "NO_OP": old = Atomics.load(v, i); break;
      case "REPLACE": old = Atomics.exchange(v, i, x); break;
      case "SUM": old = Atomics.add(v, i, x); break;
      case "BAND": old = Atomics.and(v, i, x); break;
      case "BOR": old = Atomics.or(v, i, x); break;
      case "BXOR": old = Atomics.xor(v, i, x); break;
      default: {
        const f = scalarOp(op, big, wide);
        do old = Atomics.load(v, i);
        while (Atomics.compareExchange(v, i, old, f(old, x)) !== old);
      }
    }
    if (result) (result as Int32Array)[i] = old;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function scalarOp(op: RmaOpName, big: boolean, wide: boolean): (a: any, b: any) => any {
  const one = big ? 1n : 1, zero = big ? 0n : 0;
  switch (op) {
    // 32-bit products need Math.imul: a double product loses the low bits the typed array keeps.
    case "PROD": return big ? (a: bigint, b: bigint) => a * b : wide ? Math.imul : (a: number, b: number) => a * b;
    case "MAX": return (a, b) => (a > b ? a : b);
    case "MIN": return (a, b) => (a < b ? a : b);
    case "LAND": return (a, b) => (a && b ? one : zero);
    case "LOR": return (a, b) => (a || b ? one : zero);
    case "LXOR": return (a, b) => (!a !== !b ? one : zero);
    default: throw new MPIError("ERR_OP", `${op} is not an accumulate operation on integers`);
  }
}
