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
 */
import type { BuiltinOpName, EngineComm, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";
import { combineInto, isIntegerArray, PAIR_OPS } from "../collective/kernels.js";
import type { LocalComm, LocalEngine } from "../local/engine.js";
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

  #window(comm: LocalComm, layout: WindowLayout, own: Uint8Array | null, barrier: () => void): EngineWindow {
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
    const sab = this.engine.sharedMemory(channel, key, end);
    const segments = layout.sizes.map((bytes, r) => new Uint8Array(sab, offsets[r]!, bytes));
    if (own) segments[comm.rank]!.set(own);
    return new LocalWindow(this.engine, comm.rank, new Int32Array(sab, 0, words), segments, own, barrier);
  }
}

class LocalWindow implements EngineWindow {
  readonly memory: Uint8Array;
  readonly unified: boolean;
  /** Separate model: the private copy as it was at the last reconciliation, to tell the owner's stores apart. */
  readonly #synced: Uint8Array | null;
  readonly #public: Uint8Array;
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
    private readonly barrier: () => void,
  ) {
    this.#public = segments[rank]!;
    this.memory = own ?? this.#public;
    this.unified = own === null;
    this.#synced = own ? own.slice() : null;
    this.#postsSeen = segments.map(() => 0);
    this.#completesSeen = segments.map(() => 0);
  }

  segment(rank: number): Uint8Array { return this.segments[rank]!; }

  put(origin: Uint8Array, target: number, offset: number): void {
    this.segments[target]!.set(origin, offset);
  }

  get(origin: Uint8Array, target: number, offset: number): void {
    const seg = this.segments[target]!;
    origin.set(seg.subarray(offset, offset + origin.length));
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
  }

  #view(like: TypedArray, target: number, offset: number, length: number): TypedArray {
    const seg = this.segments[target]!;
    const Ctor = like.constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
    return new Ctor(seg.buffer, seg.byteOffset + offset, length);
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

  /**
   * Separate model only. `publish`: the owner's stores since the last reconciliation (bytes of the private copy
   * that changed) go to the public copy; otherwise the public copy, with every remote update, becomes the private one.
   * MPI makes a store and a remote update of the same bytes in one epoch erroneous, so the merge is exact.
   */
  #reconcile(publish: boolean): void {
    const synced = this.#synced;
    if (!synced) return;
    const mine = this.memory, pub = this.#public;
    if (publish) {
      for (let i = 0; i < mine.length; i++) if (mine[i] !== synced[i]) pub[i] = mine[i]!;
    } else {
      mine.set(pub);
      synced.set(mine);
    }
  }
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
