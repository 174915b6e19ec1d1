/**
 * MPI.Win: one-sided communication (MPI-4.0 chapter 12), with mpi4py's names. This layer validates every
 * argument, tracks this rank's access epochs (ERR_RMA_SYNC for an operation outside one) and checks every
 * target range against the sizes all ranks exchanged at creation (ERR_RMA_RANGE), before the engine
 * (src/win/seam.ts) moves a byte; docs/one-sided.md tells how each engine does it.
 */
import { type Comm, COMM_SELF } from "../comm.js";
import { PROC_NULL } from "../constants.js";
import { type Buffer, bytesOf as bufferBytes, checkBuffer, describe, isTypedArray } from "../datatype.js";
import type { BuiltinOpName, EngineRequest, TypedArray } from "../engine/engine.js";
import { currentEngine } from "../engine/select.js";
import { MPIError, type ErrorClass } from "../errors.js";
import { Datatype } from "../datatype/type.js";
import { bufferArg, type TypedSpec } from "../datatype/message.js";
import { Group } from "../group.js";
import type { Info } from "../info.js";
import { NO_OP, SUM, type Op } from "../op.js";
import { bufferOpRefusal, isIntegerArray } from "../collective/kernels.js";
import { CompletedOperation, EngineOperation, Request } from "../request.js";
import { type AccessKind, ATOMIC_READ, ATOMIC_WRITE, EpochAccesses, READ, WRITE } from "./conflicts.js";
import {
  type EngineWindow, type RmaEngine, type RmaOpName, type RmaRequestKind, type WindowLayout, RACCUMULATE, RGET, RPUT,
  MODE_NOCHECK, MODE_NOPRECEDE, MODE_NOPUT, MODE_NOSTORE, MODE_NOSUCCEED,
} from "./seam.js";

export { MODE_NOCHECK, MODE_NOPRECEDE, MODE_NOPUT, MODE_NOSTORE, MODE_NOSUCCEED };
/** Lock types (MPI_Win_lock). */
export const LOCK_EXCLUSIVE = 234, LOCK_SHARED = 235;
/** Window attributes (Win.Get_attr). */
export const WIN_BASE = 101, WIN_SIZE = 102, WIN_DISP_UNIT = 103, WIN_CREATE_FLAVOR = 104, WIN_MODEL = 105;
/** Values of WIN_CREATE_FLAVOR and WIN_MODEL. */
export const WIN_FLAVOR_CREATE = 1, WIN_FLAVOR_ALLOCATE = 2, WIN_FLAVOR_DYNAMIC = 3, WIN_FLAVOR_SHARED = 4;
export const WIN_SEPARATE = 1, WIN_UNIFIED = 2;

/** Calls that move bytes without interpreting them, so any byte offset will do. */
const MOVES_BYTES: ReadonlySet<string> = new Set(["Win.Put", "Win.Get", "Win.Rput", "Win.Rget"]);
const ALL_MODES = MODE_NOCHECK | MODE_NOSTORE | MODE_NOPUT | MODE_NOPRECEDE | MODE_NOSUCCEED;
type Flavor = typeof WIN_FLAVOR_CREATE | typeof WIN_FLAVOR_ALLOCATE | typeof WIN_FLAVOR_SHARED | typeof WIN_FLAVOR_DYNAMIC;

function rmaOf(call: string): RmaEngine {
  const engine = currentEngine();
  if (!engine.rma) throw new MPIError("ERR_INTERN", `${call}: the ${engine.name} engine has no one-sided communication`);
  return engine.rma;
}

function isCount(n: unknown): n is number { return typeof n === "number" && Number.isSafeInteger(n) && n >= 0; }

export class Win {
  readonly #comm: Comm;
  readonly #layout: WindowLayout;
  readonly #flavor: Flavor;
  #engine: EngineWindow | null;
  /** This rank's access epochs: fence (between fences), per-target locks (true: exclusive), lock_all. */
  #fenceEpoch = false;
  readonly #locks = new Map<number, boolean>();
  /** Gets into buffers of derived datatypes, by target rank: unpacked once a synchronization completes them. */
  readonly #landings = new Map<number, (() => void)[]>();
  #lockAll = false;
  /** Dynamic windows: what this rank has attached, by address. */
  readonly #attached = new Map<number, Uint8Array>();
  /** PSCW: the targets of this rank's access epoch (Start..Complete), and whether it exposes (Post..Wait). */
  #started: ReadonlySet<number> | null = null;
  #posted = false;
  /** This rank's operations since they last completed at their targets, for ERR_RMA_CONFLICT. */
  readonly #accesses = new EpochAccesses();

  private constructor(comm: Comm, layout: WindowLayout, flavor: Flavor, engine: EngineWindow) {
    this.#comm = comm;
    this.#layout = layout;
    this.#flavor = flavor;
    this.#engine = engine;
  }

  /** Collective: `size` bytes of new memory on this rank, exposed with displacement unit `dispUnit` (MPI_Win_allocate). */
  static Allocate(size: number, dispUnit = 1, info?: Info | null, comm: Comm = COMM_SELF): Win {
    return Win.#make("Win.Allocate", comm, size, dispUnit, WIN_FLAVOR_ALLOCATE, null);
  }

  /**
   * Collective: like Allocate, and every rank of `comm` can load and store every segment directly through
   * `Shared_query` (MPI_Win_allocate_shared; `comm` must share memory: every comm on the local engine, one
   * host's ranks under MPI, as from `Split_type(COMM_TYPE_SHARED)`).
   */
  static Allocate_shared(size: number, dispUnit = 1, info?: Info | null, comm: Comm = COMM_SELF): Win {
    return Win.#make("Win.Allocate_shared", comm, size, dispUnit, WIN_FLAVOR_SHARED, null);
  }

  /** Collective: a window over `memory`, this rank's own typed array (MPI_Win_create); dispUnit defaults to its element size. */
  static Create(memory: TypedArray, dispUnit?: number, info?: Info | null, comm: Comm = COMM_SELF): Win {
    return Win.#make("Win.Create", comm, -1, dispUnit ?? -1, WIN_FLAVOR_CREATE, memory);
  }

  /**
   * Collective: a window of no memory yet (MPI_Win_create_dynamic). Each rank then exposes memory with `Attach`,
   * and origins name it by its address on that rank (`MPI.Get_address`, sent to them), with displacement unit 1.
   */
  static Create_dynamic(info?: Info | null, comm: Comm = COMM_SELF): Win {
    const call = "Win.Create_dynamic";
    const c = comm.engineComm(call);
    const layout: WindowLayout = { sizes: Array.from({ length: c.size }, () => 0), dispUnits: Array.from({ length: c.size }, () => 1) };
    return new Win(comm, layout, WIN_FLAVOR_DYNAMIC, rmaOf(call).createDynamic(c, layout, () => comm.Barrier()));
  }

  static #make(call: string, comm: Comm, size: number, dispUnit: number, flavor: Flavor, memory: unknown): Win {
    const c = comm.engineComm(call);
    // Every rank checks its own arguments, then all learn whether any rank refused: no rank is left waiting.
    let refusal: [ErrorClass, string] | null = null;
    let bytes = size, unit = dispUnit;
    if (flavor === WIN_FLAVOR_CREATE) {
      if (!isTypedArray(memory)) refusal = ["ERR_BUFFER", `memory must be a typed array, got ${describe(memory)}`];
      else {
        bytes = memory.byteLength;
        if (unit === -1) unit = memory.BYTES_PER_ELEMENT;
      }
    } else if (!isCount(size)) refusal = ["ERR_SIZE", `size must be a non-negative integer, got ${describe(size)}`];
    if (!refusal && !(Number.isSafeInteger(unit) && unit > 0)) refusal = ["ERR_DISP", `dispUnit must be a positive integer, got ${describe(dispUnit)}`];
    const all = comm.allgather(refusal ? [-1, -1, refusal[0], refusal[1]] as const : [bytes, unit, "", ""] as const);
    const first = all.findIndex((row) => row[0] === -1);
    if (first >= 0) {
      const [, , cls, message] = all[first]!;
      throw new MPIError(cls as ErrorClass, `${comm.where(call)}: ${first === c.rank ? "" : `rank ${first} refused its arguments: `}${message}`);
    }
    const layout: WindowLayout = { sizes: all.map((r) => r[0] as number), dispUnits: all.map((r) => r[1] as number) };
    const rma = rmaOf(call);
    const barrier = () => comm.Barrier();
    const engine = flavor === WIN_FLAVOR_CREATE
      ? rma.create(c, new Uint8Array((memory as TypedArray).buffer, (memory as TypedArray).byteOffset, bytes), layout, barrier)
      : rma.allocate(c, layout, flavor === WIN_FLAVOR_SHARED, barrier);
    return new Win(comm, layout, flavor, engine);
  }

  // ---- the window ----

  /**
   * Dynamic windows: exposes `memory` (this rank's typed array) to the window's origins, at its address
   * (MPI.Get_address). Not collective. Regions of one rank must not overlap; an empty array attaches nothing.
   */
  Attach(memory: TypedArray): void {
    const call = "Win.Attach";
    const w = this.#dynamic(call);
    if (!isTypedArray(memory)) this.#fail("ERR_BUFFER", call, `memory must be a typed array, got ${describe(memory)}`);
    const bytes = bytesOf(memory);
    if (bytes.length === 0) return;
    const address = rmaOf(call).address(bytes), end = address + bytes.length;
    for (const [at, other] of this.#attached) {
      if (address < at + other.length && at < end) {
        this.#fail("ERR_RMA_ATTACH", call, `bytes ${address}..${end} overlap the memory attached at ${at}..${at + other.length} (Detach it first)`);
      }
    }
    w.attach!(bytes);
    this.#attached.set(address, bytes);
  }

  /** Dynamic windows: ends exposing memory attached before (the same array, or one starting at its first byte). */
  Detach(memory: TypedArray): void {
    const call = "Win.Detach";
    const w = this.#dynamic(call);
    if (!isTypedArray(memory)) this.#fail("ERR_BUFFER", call, `memory must be a typed array, got ${describe(memory)}`);
    if (memory.byteLength === 0) return;
    const address = rmaOf(call).address(bytesOf(memory));
    if (!this.#attached.has(address) || !w.detach!(address)) this.#fail("ERR_BASE", call, `no memory is attached at address ${address}`);
    this.#attached.delete(address);
  }

  #dynamic(call: string): EngineWindow {
    const w = this.#win(call);
    if (this.#flavor !== WIN_FLAVOR_DYNAMIC) this.#fail("ERR_WIN", call, "the window was not made by Win.Create_dynamic");
    return w;
  }

  /** This rank's segment (mpi4py's `tomemory()`): a Uint8Array over the window's memory. */
  tomemory(): Uint8Array { return this.#win("Win.tomemory").memory; }

  /** Rank `rank`'s segment of a shared window, for direct loads and stores, and its displacement unit. */
  Shared_query(rank: number): [Uint8Array, number] {
    const w = this.#win("Win.Shared_query");
    if (this.#flavor !== WIN_FLAVOR_SHARED) this.#fail("ERR_WIN", "Win.Shared_query", "the window was not made by Win.Allocate_shared");
    this.#rank("Win.Shared_query", rank, false);
    return [w.segment(rank), this.#layout.dispUnits[rank]!];
  }

  Get_group(): Group {
    this.#win("Win.Get_group");
    return this.#comm.Get_group();
  }
  get group(): Group { return this.Get_group(); }

  /** WIN_BASE (this rank's segment), WIN_SIZE, WIN_DISP_UNIT, WIN_CREATE_FLAVOR, WIN_MODEL; undefined for other keys. */
  Get_attr(keyval: number): unknown {
    const w = this.#win("Win.Get_attr");
    const me = this.#comm.rank;
    switch (keyval) {
      case WIN_BASE: return w.memory;
      case WIN_SIZE: return this.#layout.sizes[me];
      case WIN_DISP_UNIT: return this.#layout.dispUnits[me];
      case WIN_CREATE_FLAVOR: return this.#flavor;
      case WIN_MODEL: return w.unified ? WIN_UNIFIED : WIN_SEPARATE;
      default: return undefined;
    }
  }
  get model(): number { return this.Get_attr(WIN_MODEL) as number; }
  get flavor(): number { return this.Get_attr(WIN_CREATE_FLAVOR) as number; }

  get isNull(): boolean { return this.#engine === null; }

  /** Collective: ends the window (no epoch may be open on this rank). */
  Free(): void {
    const w = this.#win("Win.Free");
    if (this.#locks.size > 0 || this.#lockAll) this.#fail("ERR_RMA_SYNC", "Win.Free", "a passive-target epoch is still open (Unlock first)");
    if (this.#started || this.#posted) this.#fail("ERR_RMA_SYNC", "Win.Free", "a Start or Post epoch is still open (Complete or Wait first)");
    w.free();
    this.#accesses.completed(-1);
    this.#attached.clear();
    this.#engine = null;
    this.#fenceEpoch = false;
  }

  // ---- communication ----

  /**
   * Copies `origin` into `targetRank`'s segment: at displacement `target` (in the target's units), or laid out
   * there by a datatype, `[disp, count, datatype]` (count items of it from disp, holding origin's bytes in order).
   */
  Put(origin: OriginSpec, targetRank: number, target: Target = 0): void {
    const o = this.#origin("Win.Put", "origin", origin).array;
    const bytes = bytesOf(o);
    for (const b of this.#claimed("Win.Put", targetRank, WRITE, this.#blocks("Win.Put", o, targetRank, target))) this.#engine!.put(bytes.subarray(b.from, b.from + b.length), targetRank, b.at);
  }

  /** Copies from `targetRank`'s segment into `origin` (complete once the epoch ends or a flush returns). */
  Get(origin: OriginSpec, targetRank: number, target: Target = 0): void {
    const o = this.#origin("Win.Get", "origin", origin);
    const bytes = bytesOf(o.array);
    for (const b of this.#claimed("Win.Get", targetRank, READ, this.#blocks("Win.Get", o.array, targetRank, target))) this.#engine!.get(bytes.subarray(b.from, b.from + b.length), targetRank, b.at);
    this.#landLater(targetRank, o.land);
  }

  /** target = target op origin, element-wise and atomic per element (REPLACE: an atomic Put). */
  Accumulate(origin: OriginSpec, targetRank: number, target: Target = 0, op: Op = SUM): void {
    const o = this.#origin("Win.Accumulate", "origin", origin).array;
    const name = this.#op("Win.Accumulate", op, o, false);
    for (const b of this.#claimed("Win.Accumulate", targetRank, ATOMIC_WRITE, this.#blocks("Win.Accumulate", o, targetRank, target))) {
      this.#engine!.accumulate(elements(o, b), null, targetRank, b.at, name);
    }
  }

  /** Like Accumulate, and `result` receives the target's values from before (NO_OP: an atomic Get). */
  Get_accumulate(origin: OriginSpec | null, result: OriginSpec, targetRank: number, target: Target = 0, op: Op = SUM): void {
    const call = "Win.Get_accumulate";
    const r = this.#origin(call, "result", result);
    const o = origin === null ? null : this.#origin(call, "origin", origin).array;
    const name = this.#op(call, op, r.array, true);
    this.#sameShape(call, o, r.array, name);
    for (const b of this.#claimed(call, targetRank, accumulateKind(name), this.#blocks(call, r.array, targetRank, target))) {
      this.#engine!.accumulate(name === "NO_OP" ? null : elements(o!, b), elements(r.array, b), targetRank, b.at, name);
    }
    this.#landLater(targetRank, r.land);
  }

  /** One element: result[0] = target; target = target op origin[0] (MPI_Fetch_and_op). */
  Fetch_and_op(origin: TypedArray | null, result: TypedArray, targetRank: number, targetDisp = 0, op: Op = SUM): void {
    const call = "Win.Fetch_and_op";
    const name = this.#op(call, op, result, true);
    const one = this.#element(call, "result", result);
    if (name !== "NO_OP") this.#sameShape(call, origin === null ? origin : this.#element(call, "origin", origin), one, name);
    const at = this.#access(call, one, targetRank, targetDisp);
    this.#claimedAt(call, targetRank, accumulateKind(name), at, one.byteLength);
    if (at >= 0) this.#engine!.accumulate(name === "NO_OP" ? null : origin!.subarray(0, 1), one, targetRank, at, name);
  }

  /** One element: result[0] = target; if it equals compare[0], target = origin[0] (MPI_Compare_and_swap). */
  Compare_and_swap(origin: TypedArray, compare: TypedArray, result: TypedArray, targetRank: number, targetDisp = 0): void {
    const call = "Win.Compare_and_swap";
    this.#win(call);
    const o = this.#element(call, "origin", origin), c = this.#element(call, "compare", compare), r = this.#element(call, "result", result);
    if (o.constructor !== c.constructor || o.constructor !== r.constructor) {
      this.#fail("ERR_TYPE", call, `origin, compare and result must be one element type, got ${o.constructor.name}, ${c.constructor.name}, ${r.constructor.name}`);
    }
    // MPI-4.0 §12.3.4: integer, logical and byte elements only (no floats).
    if (!isIntegerArray(o)) this.#fail("ERR_TYPE", call, `compares integer elements only, not ${o.constructor.name}`);
    const at = this.#access(call, r, targetRank, targetDisp);
    this.#claimedAt(call, targetRank, ATOMIC_WRITE, at, r.byteLength);
    if (at >= 0) this.#engine!.compareAndSwap(o.subarray(0, 1), c.subarray(0, 1), r.subarray(0, 1), targetRank, at);
  }

  // ---- request-based operations (passive-target epochs only, MPI-4.0 §12.3.5) ----

  /** Put, completing through the request returned (at the origin: `origin` may be reused); `target` as for Put. */
  Rput(origin: OriginSpec, targetRank: number, target: Target = 0): Request<void> {
    const call = "Win.Rput";
    const o = this.#origin(call, "origin", origin).array;
    const bytes = bytesOf(o);
    const blocks = this.#claimed(call, targetRank, WRITE, this.#blocks(call, o, targetRank, target, true));
    return this.#request(blocks.map((b) => [RPUT, bytes.subarray(b.from, b.from + b.length), null, b.at]), targetRank, "REPLACE");
  }

  /** Get, complete (`origin` filled) once the request is. */
  Rget(origin: OriginSpec, targetRank: number, target: Target = 0): Request<void> {
    const call = "Win.Rget";
    const o = this.#origin(call, "origin", origin);
    const bytes = bytesOf(o.array);
    const blocks = this.#claimed(call, targetRank, READ, this.#blocks(call, o.array, targetRank, target, true), false);
    return this.#request(blocks.map((b) => [RGET, bytes.subarray(b.from, b.from + b.length), null, b.at]), targetRank, "REPLACE", o.land);
  }

  Raccumulate(origin: OriginSpec, targetRank: number, target: Target = 0, op: Op = SUM): Request<void> {
    const call = "Win.Raccumulate";
    const o = this.#origin(call, "origin", origin).array;
    const name = this.#op(call, op, o, false);
    const blocks = this.#claimed(call, targetRank, ATOMIC_WRITE, this.#blocks(call, o, targetRank, target, true));
    return this.#request(blocks.map((b) => [RACCUMULATE, elements(o, b), null, b.at]), targetRank, name);
  }

  Rget_accumulate(origin: OriginSpec | null, result: OriginSpec, targetRank: number, target: Target = 0, op: Op = SUM): Request<void> {
    const call = "Win.Rget_accumulate";
    const r = this.#origin(call, "result", result);
    const o = origin === null ? null : this.#origin(call, "origin", origin).array;
    const name = this.#op(call, op, r.array, true);
    this.#sameShape(call, o, r.array, name);
    const blocks = this.#claimed(call, targetRank, accumulateKind(name), this.#blocks(call, r.array, targetRank, target, true), false);
    return this.#request(blocks.map((b) => [RACCUMULATE, name === "NO_OP" ? null : elements(o!, b), elements(r.array, b), b.at]), targetRank, name, r.land);
  }

  /**
   * One request over the engine operations of an operation's pieces (one per contiguous block of the target
   * layout); `land` unpacks an origin of a derived datatype once they all complete.
   */
  #request(pieces: readonly RequestPiece[], rank: number, op: RmaOpName, land: (() => void) | null = null): Request<void> {
    if (pieces.length === 0) return new Request(new CompletedOperation(undefined)); // PROC_NULL
    const requests: EngineRequest[] = [];
    for (const [kind, origin, result, at] of pieces) {
      const r = this.#engine!.request(kind, origin, result, rank, at, op);
      if (r) requests.push(r);
    }
    if (requests.length === 0) {
      land?.(); // done within the call (the local engine's direct copies)
      return new Request(new CompletedOperation(undefined));
    }
    return new Request(new EngineOperation(requests.length === 1 ? requests[0]! : allOf(requests), () => land?.()));
  }

  /**
   * An origin or result buffer as the typed array the operation moves: a typed array itself, or a buffer spec
   * (`[buf, datatype]`, `[buf, count, datatype]`, ... as in mpi4py) whose items are packed into one, its elements
   * the datatype's. `land` (derived datatypes and unaligned memory only) unpacks what a Get brought.
   */
  #origin(call: string, name: string, spec: OriginSpec): { array: TypedArray; land: (() => void) | null } {
    if (isTypedArray(spec)) return { array: spec, land: null };
    const m = bufferArg(() => this.#comm.where(call), name, spec);
    const Element = (m.element ?? Uint8Array) as unknown as { new (b: ArrayBufferLike, at: number, n: number): TypedArray; readonly BYTES_PER_ELEMENT: number };
    let bytes = m.outgoing();
    let land: (() => void) | null = m.inPlace ? null : () => m.land(bytes);
    if (bytes.byteOffset % Element.BYTES_PER_ELEMENT !== 0) {
      const user = bytes;
      bytes = bytes.slice();
      land = () => user.set(bytes);
    }
    return { array: new Element(bytes.buffer, bytes.byteOffset, bytes.length / Element.BYTES_PER_ELEMENT), land };
  }

  /** Keeps a Get's unpacking until the operations to `rank` complete (a synchronization that covers them). */
  #landLater(rank: number, land: (() => void) | null): void {
    if (!land || rank === PROC_NULL) return;
    const list = this.#landings.get(rank);
    if (list) list.push(land);
    else this.#landings.set(rank, [land]);
  }

  /** Unpacks the Gets to `rank` (-1: every rank) now that their operations are complete. */
  #landed(rank: number): void {
    for (const [r, list] of this.#landings) {
      if (rank !== -1 && r !== rank) continue;
      this.#landings.delete(r);
      for (const land of list) land();
    }
  }

  // ---- synchronization ----

  /** Collective: ends the fence epoch before it and, unless MODE_NOSUCCEED, opens the next one. */
  Fence(assertion = 0): void {
    const w = this.#win("Win.Fence");
    this.#assertion("Win.Fence", assertion);
    if (this.#locks.size > 0 || this.#lockAll) this.#fail("ERR_RMA_SYNC", "Win.Fence", "a passive-target epoch is open (Unlock first)");
    if (this.#started || this.#posted) this.#fail("ERR_RMA_SYNC", "Win.Fence", "a Start or Post epoch is open (Complete or Wait first)");
    w.fence(assertion);
    this.#accesses.completed(-1);
    this.#landed(-1);
    this.#fenceEpoch = (assertion & MODE_NOSUCCEED) === 0;
  }

  // ---- general active target: post, start, complete, wait (PSCW) ----

  /** Opens an exposure epoch to the ranks of `group` (they access this rank's segment between their Start and Complete). */
  Post(group: Group, assertion = 0): void {
    const call = "Win.Post";
    const w = this.#win(call);
    this.#assertion(call, assertion);
    const ranks = this.#ranksOf(call, group);
    if (this.#posted) this.#fail("ERR_RMA_SYNC", call, "an exposure epoch is already open (Wait or Test ends it)");
    w.post(ranks, assertion);
    this.#posted = true;
  }

  /** Opens an access epoch to the ranks of `group`, once each has posted to this rank. */
  Start(group: Group, assertion = 0): void {
    const call = "Win.Start";
    const w = this.#win(call);
    this.#assertion(call, assertion);
    const ranks = this.#ranksOf(call, group);
    if (this.#started) this.#fail("ERR_RMA_SYNC", call, "an access epoch is already open (Complete ends it)");
    if (this.#fenceEpoch || this.#locks.size > 0 || this.#lockAll) this.#fail("ERR_RMA_SYNC", call, "a fence or passive-target epoch is open");
    w.start(ranks, assertion);
    this.#started = new Set(ranks);
  }

  /** Ends the access epoch of Start: its operations are complete at the origin, and the targets may end theirs. */
  Complete(): void {
    const w = this.#win("Win.Complete");
    if (!this.#started) this.#fail("ERR_RMA_SYNC", "Win.Complete", "no access epoch of Start is open");
    w.complete();
    this.#accesses.completed(-1);
    this.#landed(-1);
    this.#started = null;
  }

  /** Ends the exposure epoch of Post, once every origin in its group has called Complete. */
  Wait(): void {
    const w = this.#win("Win.Wait");
    if (!this.#posted) this.#fail("ERR_RMA_SYNC", "Win.Wait", "no exposure epoch of Post is open");
    w.wait();
    this.#posted = false;
  }

  /** Wait without blocking: true once the exposure epoch has ended. */
  Test(): boolean {
    const w = this.#win("Win.Test");
    if (!this.#posted) this.#fail("ERR_RMA_SYNC", "Win.Test", "no exposure epoch of Post is open");
    if (!w.test()) return false;
    this.#posted = false;
    return true;
  }

  /** The window-communicator ranks of `group`'s members (ERR_GROUP for a process outside the window). */
  #ranksOf(call: string, group: Group): number[] {
    const worldRanks = this.#comm.engineComm(call).worldRanks;
    if (!(group instanceof Group) || group.isNull) this.#fail("ERR_GROUP", call, `group must be a Group, got ${describe(group)}`);
    return group.worldRanks.map((w) => {
      const r = worldRanks.indexOf(w);
      if (r < 0) this.#fail("ERR_GROUP", call, `process ${w} of the job is not in the window's group`);
      return r;
    });
  }

  /** Opens a passive-target epoch on `rank` (LOCK_EXCLUSIVE or LOCK_SHARED). */
  Lock(rank: number, lockType: number = LOCK_EXCLUSIVE, assertion = 0): void {
    const call = "Win.Lock";
    const w = this.#win(call);
    if (lockType !== LOCK_EXCLUSIVE && lockType !== LOCK_SHARED) this.#fail("ERR_LOCKTYPE", call, `lockType must be LOCK_EXCLUSIVE or LOCK_SHARED, got ${describe(lockType)}`);
    this.#assertion(call, assertion);
    this.#rank(call, rank, false);
    if (this.#locks.has(rank) || this.#lockAll) this.#fail("ERR_RMA_SYNC", call, `rank ${rank} is already locked by this rank`);
    if (this.#fenceEpoch) this.#fail("ERR_RMA_SYNC", call, "a fence epoch is open (Fence(MODE_NOSUCCEED) ends it)");
    if (this.#started) this.#fail("ERR_RMA_SYNC", call, "an access epoch of Start is open (Complete first)");
    w.lock(rank, lockType === LOCK_EXCLUSIVE, assertion);
    this.#locks.set(rank, lockType === LOCK_EXCLUSIVE);
  }

  /** Ends the passive-target epoch on `rank`: every operation to it is complete, at origin and target. */
  Unlock(rank: number): void {
    const call = "Win.Unlock";
    const w = this.#win(call);
    this.#rank(call, rank, false);
    if (!this.#locks.has(rank)) this.#fail("ERR_RMA_SYNC", call, `rank ${rank} is not locked by this rank`);
    w.unlock(rank);
    this.#accesses.completed(rank);
    this.#landed(rank);
    this.#locks.delete(rank);
  }

  /** A shared lock on every rank of the window. */
  Lock_all(assertion = 0): void {
    const w = this.#win("Win.Lock_all");
    this.#assertion("Win.Lock_all", assertion);
    if (this.#locks.size > 0 || this.#lockAll) this.#fail("ERR_RMA_SYNC", "Win.Lock_all", "a passive-target epoch is already open");
    if (this.#fenceEpoch) this.#fail("ERR_RMA_SYNC", "Win.Lock_all", "a fence epoch is open (Fence(MODE_NOSUCCEED) ends it)");
    w.lockAll(assertion);
    this.#lockAll = true;
  }

  Unlock_all(): void {
    const w = this.#win("Win.Unlock_all");
    if (!this.#lockAll) this.#fail("ERR_RMA_SYNC", "Win.Unlock_all", "no Lock_all epoch is open");
    w.unlockAll();
    this.#accesses.completed(-1);
    this.#landed(-1);
    this.#lockAll = false;
  }

  /** Completes every operation to `rank` so far, at origin and target, inside a passive-target epoch. */
  Flush(rank: number): void { this.#flush("Win.Flush", rank, (w) => w.flush(rank)); this.#accesses.completed(rank); }
  Flush_all(): void { this.#flush("Win.Flush_all", -1, (w) => w.flushAll()); this.#accesses.completed(-1); }
  /** Completes operations to `rank` at the origin only (their buffers may be reused). */
  Flush_local(rank: number): void { this.#flush("Win.Flush_local", rank, (w) => w.flushLocal(rank)); }
  Flush_local_all(): void { this.#flush("Win.Flush_local_all", -1, (w) => w.flushLocalAll()); }

  /** Reconciles this rank's private and public copies of its segment (MPI_Win_sync; separate model). */
  Sync(): void {
    const w = this.#win("Win.Sync");
    if (this.#locks.size === 0 && !this.#lockAll) this.#fail("ERR_RMA_SYNC", "Win.Sync", "no passive-target epoch is open");
    w.sync();
  }

  // ---- checks ----

  #win(call: string): EngineWindow {
    if (!this.#engine) throw new MPIError("ERR_WIN", `${call}: the window was freed`);
    return this.#engine;
  }

  #fail(cls: ErrorClass, call: string, message: string): never {
    throw new MPIError(cls, `${this.#comm.where(call)}: ${message}`);
  }

  #rank(call: string, rank: number, procNull: boolean): void {
    const size = this.#layout.sizes.length;
    if (procNull && rank === PROC_NULL) return;
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) this.#fail("ERR_RANK", call, `target rank ${describe(rank)} is not in 0..${size - 1}`);
  }

  #assertion(call: string, assertion: number): void {
    if (!Number.isInteger(assertion) || (assertion & ~ALL_MODES) !== 0) this.#fail("ERR_ASSERT", call, `assertion ${describe(assertion)} is not an OR of MODE_ constants`);
  }

  #flush(call: string, rank: number, body: (w: EngineWindow) => void): void {
    const w = this.#win(call);
    if (rank !== -1) this.#rank(call, rank, false);
    const open = this.#lockAll || (rank === -1 ? this.#locks.size > 0 : this.#locks.has(rank));
    if (!open) this.#fail("ERR_RMA_SYNC", call, rank === -1 ? "no passive-target epoch is open" : `no passive-target epoch is open on rank ${rank}`);
    body(w);
    this.#landed(rank);
  }

  /** `blocks`, once ERR_RMA_CONFLICT is ruled out for them (src/win/conflicts.ts); `record` as there. */
  #claimed<B extends { readonly at: number; readonly length: number }>(call: string, rank: number, kind: AccessKind, blocks: B[], record = true): B[] {
    if (blocks.length === 0) return blocks;
    const refusal = this.#accesses.claim(rank, kind, blocks, record);
    if (refusal) this.#fail("ERR_RMA_CONFLICT", call, refusal);
    return blocks;
  }

  /** #claimed for one range of `length` bytes at `at` (-1: PROC_NULL, nothing). */
  #claimedAt(call: string, rank: number, kind: AccessKind, at: number, length: number, record = true): void {
    if (at >= 0) this.#claimed(call, rank, kind, [{ at, length }], record);
  }

  /** Validates one operation; the byte offset at the target, or -1 for PROC_NULL (nothing to do). */
  #access(call: string, origin: TypedArray, rank: number, disp: number, passiveOnly = false): number {
    this.#win(call);
    if (!isTypedArray(origin)) this.#fail("ERR_BUFFER", call, `the origin buffer must be a typed array, got ${describe(origin)}`);
    this.#rank(call, rank, true);
    if (!isCount(disp)) this.#fail("ERR_DISP", call, `targetDisp must be a non-negative integer, got ${describe(disp)}`);
    if (rank === PROC_NULL) return -1;
    const passive = this.#lockAll || this.#locks.has(rank);
    if (passiveOnly && !passive) this.#fail("ERR_RMA_SYNC", call, `request-based operations need a passive-target epoch on rank ${rank} (Lock or Lock_all first)`);
    if (!this.#fenceEpoch && !passive && !this.#started?.has(rank)) {
      this.#fail("ERR_RMA_SYNC", call, `no access epoch is open to rank ${rank} (Fence, Start, Lock or Lock_all first)`);
    }
    const at = disp * this.#layout.dispUnits[rank]!;
    this.#inRange(call, rank, at, origin.byteLength);
    if (at % origin.BYTES_PER_ELEMENT !== 0 && !MOVES_BYTES.has(call)) {
      this.#fail("ERR_DISP", call, `byte offset ${at} is not aligned to ${origin.constructor.name} elements`);
    }
    return at;
  }

  /**
   * Validates an operation with a target of a displacement or `[disp, count, datatype]`: the contiguous pieces
   * of `origin` (byte ranges) and where each goes at the target; none for PROC_NULL. All are checked before
   * any moves, so a bad piece leaves the window untouched.
   */
  #blocks(call: string, origin: TypedArray, rank: number, target: Target, passiveOnly = false): Block[] {
    if (typeof target === "number") {
      const at = this.#access(call, origin, rank, target, passiveOnly);
      return at < 0 ? [] : [{ from: 0, at, length: origin.byteLength }];
    }
    if (!Array.isArray(target) || target.length < 1 || target.length > 3) {
      this.#fail("ERR_ARG", call, `target must be a displacement or [disp, count, datatype], got ${describe(target)}`);
    }
    const [disp, count, type] = target;
    if (type === undefined) {
      if (count !== undefined && count !== origin.length) this.#fail("ERR_COUNT", call, `target count ${describe(count)} differs from the origin's ${origin.length} elements`);
      return this.#blocks(call, origin, rank, disp, passiveOnly);
    }
    if (!(type instanceof Datatype)) this.#fail("ERR_TYPE", call, `the target datatype must be a Datatype, got ${describe(type)}`);
    const layout = type.usable(call);
    const items = count ?? (layout.size > 0 ? origin.byteLength / layout.size : 0);
    if (!isCount(items) || items * layout.size !== origin.byteLength) {
      this.#fail("ERR_COUNT", call, `${describe(count ?? items)} items of ${type.name} (${layout.size} bytes each) do not hold the origin's ${origin.byteLength} bytes`);
    }
    const atomic = !MOVES_BYTES.has(call);
    if (atomic && type.element !== origin.constructor) {
      this.#fail("ERR_TYPE", call, `the target datatype's elements (${type.element?.name ?? "mixed"}) differ from the origin's ${origin.constructor.name}`);
    }
    const base = this.#access(call, origin.subarray(0, 0), rank, disp, passiveOnly);
    if (base < 0) return [];
    const extent = type.extent;
    const blocks: Block[] = [];
    let from = 0;
    for (let i = 0; i < items; i++) {
      for (const run of layout.plan) {
        for (let j = 0; j < run.repeat; j++) {
          const at = base + i * extent + run.offset + j * run.stride;
          this.#inRange(call, rank, at, run.length);
          blocks.push({ from, at, length: run.length });
          from += run.length;
        }
      }
    }
    return blocks;
  }

  /** ERR_RMA_RANGE unless `length` bytes at `at` are in `rank`'s segment (dynamic windows: memory it attached). */
  #inRange(call: string, rank: number, at: number, length: number): void {
    if (this.#flavor === WIN_FLAVOR_DYNAMIC) {
      const refusal = at < 0 ? `address ${at} is negative` : this.#engine!.unreachable!(rank, at, length);
      if (refusal) this.#fail("ERR_RMA_RANGE", call, refusal);
      return;
    }
    const size = this.#layout.sizes[rank]!;
    if (at < 0 || at + length > size) this.#fail("ERR_RMA_RANGE", call, `bytes ${at}..${at + length} are outside rank ${rank}'s ${size}-byte window`);
  }

  #op(call: string, op: Op, like: TypedArray, fetching: boolean): RmaOpName {
    this.#win(call);
    if (op === NO_OP) {
      if (!fetching) this.#fail("ERR_OP", call, "NO_OP is for Get_accumulate and Fetch_and_op only");
      return "NO_OP";
    }
    if (typeof op !== "function" || !op.isPredefined || !op.usable) this.#fail("ERR_OP", call, `op must be a predefined operation (user ops are not allowed in RMA), got ${describe(op)}`);
    const name = op.name as BuiltinOpName;
    // Clamped bytes saturate here but wrap in MPI's UINT8 arithmetic: refused, so engines cannot disagree.
    if (like instanceof Uint8ClampedArray) this.#fail("ERR_TYPE", call, "accumulates refuse Uint8ClampedArray (use Uint8Array)");
    if ((name === "MAXLOC" || name === "MINLOC") && !(like instanceof Int32Array)) {
      this.#fail("ERR_TYPE", call, `${name} in RMA takes Int32Array [value, index] pairs (MPI_2INT), not ${describe(like)}`);
    }
    if (isTypedArray(like)) {
      const refusal = bufferOpRefusal({ builtin: name }, like);
      if (refusal) this.#fail("ERR_OP", call, refusal);
    }
    return name;
  }

  #element(call: string, what: string, a: TypedArray): TypedArray {
    if (!isTypedArray(a) || a.length < 1) this.#fail("ERR_BUFFER", call, `${what} must be a typed array of at least one element, got ${describe(a)}`);
    return a.subarray(0, 1);
  }

  #sameShape(call: string, origin: TypedArray | null, result: TypedArray, name: RmaOpName): void {
    if (name === "NO_OP") return;
    if (!isTypedArray(origin)) this.#fail("ERR_BUFFER", call, `origin must be a typed array, got ${describe(origin)}`);
    if (origin.constructor !== result.constructor || origin.length !== result.length) {
      this.#fail("ERR_TYPE", call, `origin (${origin.length} × ${origin.constructor.name}) and result (${result.length} × ${result.constructor.name}) must match`);
    }
  }
}

/** Where an operation's target is: a displacement, or `[disp, count, datatype]` (count and datatype optional). */
export type Target = number | readonly [disp: number, count?: number, datatype?: Datatype];
/** An origin (or result) buffer: a typed array, or a buffer spec with a datatype, `[buf, count, datatype]`... */
export type OriginSpec = TypedArray | TypedSpec;

/** One contiguous piece of an operation: `length` bytes from byte `from` of the origin to byte `at` of the target. */
interface Block { readonly from: number; readonly at: number; readonly length: number }

/** A request-based operation's piece for the engine: its kind, origin and result elements, and byte offset at the target. */
type RequestPiece = readonly [kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, at: number];

/** One engine request completing when all of `requests` have (its error: the first of theirs). */
function allOf(requests: readonly EngineRequest[]): EngineRequest {
  return {
    test: () => requests.every((r) => r.test()),
    wait: () => { for (const r of requests) r.wait(); },
    cancel: () => {},
    cancelled: false,
    envelope: undefined,
    get error() { return requests.find((r) => r.error !== undefined)?.error; },
  };
}

/** The origin's elements of one block (blocks of accumulates hold whole elements: their datatype's). */
function elements(a: TypedArray, b: Block): TypedArray {
  return a.subarray(b.from / a.BYTES_PER_ELEMENT, (b.from + b.length) / a.BYTES_PER_ELEMENT);
}

/** An accumulate's kind of access: NO_OP only reads. */
function accumulateKind(op: RmaOpName): AccessKind { return op === "NO_OP" ? ATOMIC_READ : ATOMIC_WRITE; }

function bytesOf(a: TypedArray): Uint8Array { return new Uint8Array(a.buffer, a.byteOffset, a.byteLength); }


/**
 * The address of `location`'s first byte on this rank (MPI_Get_address): what a dynamic window's origins name
 * memory attached there by, and, by differences within one buffer, byte displacements. On the mpi engine it is
 * the process's address; on the local engine, the engine's own numbering of the rank's buffers.
 */
export function Get_address(location: Buffer): number {
  const bytes = bufferBytes(checkBuffer("MPI.Get_address", "location", location));
  const rma = currentEngine().rma;
  if (!rma) throw new MPIError("ERR_INTERN", `MPI.Get_address: the ${currentEngine().name} engine has no addresses`);
  return rma.address(bytes);
}

/** base + disp, as MPI_Aint_add (addresses are numbers here, so this is plain addition, checked). */
export function Aint_add(base: number, disp: number): number {
  return addressArithmetic("MPI.Aint_add", base, disp, base + disp);
}

/** addr1 - addr2, as MPI_Aint_diff. */
export function Aint_diff(addr1: number, addr2: number): number {
  return addressArithmetic("MPI.Aint_diff", addr1, addr2, addr1 - addr2);
}

function addressArithmetic(call: string, a: number, b: number, result: number): number {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || !Number.isSafeInteger(result)) {
    throw new MPIError("ERR_ARG", `${call}: addresses and displacements are safe integers, got ${describe(a)} and ${describe(b)}`);
  }
  return result;
}
