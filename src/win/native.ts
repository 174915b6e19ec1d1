/**
 * One-sided communication on the mpi engine: MPI's windows and RMA calls through the addon (native/win.inc.cc).
 * MPI's completion rules hold as MPI states them: a Get's data is there once the epoch ends or a flush returns.
 */
import type { EngineComm, EngineRequest, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";
import type { NativeComm, NativeEngine } from "../native/engine.js";
import { BUILTIN_INDEX, MpiRequest, converted } from "../native/engine.js";
import type { EngineWindow, RmaEngine, RmaOpName, RmaRequestKind, WindowLayout } from "./seam.js";

/**
 * Open MPI 4.1 leaves its pt2pt one-sided component out unless asked for, and neither sm (shared and allocated
 * windows only) nor rdma (no RDMA-capable transport between a rank and itself) takes MPI_Win_create on one
 * process: that fails with MPI_ERR_WIN. Naming all three keeps sm and rdma first and pt2pt as the fallback.
 * Read by MPI_Init, which runs after this module loads; a user's own setting wins.
 */
process.env.OMPI_MCA_osc ??= "sm,rdma,pt2pt";
/**
 * Open MPI's rdma component takes at most osc_rdma_max_attach (default 64) page ranges of attached memory per
 * dynamic window, and after refusing one more, its next MPI_Win_detach hangs (Open MPI 4.1.4). Room for as many
 * as the region table below allows means mpi4ts refuses first, cleanly.
 */
process.env.OMPI_MCA_osc_rdma_max_attach ??= "1024";

/** Runs an addon call, its errors as MPIErrors. */
function native<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw converted(e);
  }
}

/** The addon's index for NO_OP, after the builtin reduction ops. */
const NO_OP_INDEX = 13;

function opIndex(op: RmaOpName): number { return op === "NO_OP" ? NO_OP_INDEX : BUILTIN_INDEX[op]; }

interface WinAddon {
  winAllocate(comm: number, bytes: number, shared: boolean): [number, ArrayBuffer];
  winCreate(comm: number, memory: Uint8Array): number;
  winCreateDynamic(comm: number): number;
  winAttach(win: number, memory: Uint8Array): number;
  winDetach(win: number, address: number): boolean;
  getAddress(memory: Uint8Array): number;
  winSharedQuery(win: number, rank: number): ArrayBuffer;
  winPut(win: number, origin: Uint8Array, target: number, offset: number): void;
  winGet(win: number, origin: Uint8Array, target: number, offset: number): void;
  winAccumulate(win: number, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: number): void;
  winRequest(win: number, kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: number): number;
  winCompareAndSwap(win: number, origin: TypedArray, compare: TypedArray, result: TypedArray, target: number, offset: number): void;
  winFence(win: number, assert: number): void;
  winPost(win: number, ranks: Int32Array, assert: number): void;
  winStart(win: number, ranks: Int32Array, assert: number): void;
  winComplete(win: number): void;
  winWait(win: number): void;
  winTest(win: number): boolean;
  winLock(win: number, exclusive: boolean, target: number, assert: number): void;
  winUnlock(win: number, target: number): void;
  winLockAll(win: number, assert: number): void;
  winUnlockAll(win: number): void;
  winFlush(win: number, target: number): void;
  winFlushAll(win: number): void;
  winFlushLocal(win: number, target: number): void;
  winFlushLocalAll(win: number): void;
  winSync(win: number): void;
  winFree(win: number): void;
}

export class NativeRma implements RmaEngine {
  constructor(private readonly engine: NativeEngine) {}

  /** The MPI handle of `comm`, for a window creation (collective: see NativeEngine.settleMakingOn). */
  #handle(comm: EngineComm): number {
    const handle = (comm as NativeComm).handle;
    this.engine.settleMakingOn(handle);
    return handle;
  }

  allocate(comm: EngineComm, layout: WindowLayout, shared: boolean): EngineWindow {
    const addon = this.#addon();
    const [id, memory] = native(() => addon.winAllocate(this.#handle(comm), layout.sizes[comm.rank]!, shared));
    return new NativeWindow(this.engine, addon, id, new Uint8Array(memory));
  }

  create(comm: EngineComm, memory: Uint8Array, _layout: WindowLayout): EngineWindow {
    const addon = this.#addon();
    const id = native(() => addon.winCreate(this.#handle(comm), memory));
    return new NativeWindow(this.engine, addon, id, memory);
  }

  createDynamic(comm: EngineComm, layout: WindowLayout): EngineWindow {
    const addon = this.#addon();
    const handle = this.#handle(comm);
    const id = native(() => addon.winCreateDynamic(handle));
    const [tableId, tableMemory] = native(() => addon.winAllocate(handle, TABLE_BYTES, false));
    const table = new RegionTable(addon, tableId, new Float64Array(tableMemory), comm.rank, layout.sizes.length);
    return new NativeWindow(this.engine, addon, id, new Uint8Array(0), table);
  }

  address(memory: Uint8Array): number { return native(() => this.#addon().getAddress(memory)); }

  #addon(): WinAddon { return this.engine.addon as unknown as WinAddon; }
}

class NativeWindow implements EngineWindow {
  readonly unified = true;
  constructor(
    private readonly engine: NativeEngine,
    private readonly addon: WinAddon,
    private readonly id: number,
    readonly memory: Uint8Array,
    private readonly table: RegionTable | null = null,
  ) {}

  attach(memory: Uint8Array): void {
    const table = this.table!;
    table.makeRoom();
    table.add(native(() => this.addon.winAttach(this.id, memory)), memory.length);
  }

  detach(address: number): boolean {
    if (!native(() => this.addon.winDetach(this.id, address))) return false;
    this.table!.remove(address);
    return true;
  }

  unreachable(target: number, address: number, length: number): string | null {
    return length === 0 || this.table!.holds(target, address, length) ? null
      : `bytes at address ${address}..${address + length} are not in memory rank ${target} has attached to the window`;
  }

  segment(rank: number): Uint8Array { return new Uint8Array(native(() => this.addon.winSharedQuery(this.id, rank))); }
  /**
   * The buffers of RMA calls not yet complete, by target. MPI may read an origin and write a result until the
   * synchronization that completes the call (fence, complete, unlock, flush), so each stays referenced until
   * then: a buffer the program dropped (`win.Get_accumulate(null, new Float64Array(1), ...)`) and the garbage
   * collector freed had MPI write into freed memory, a heap corruption (MPICH, win.suite.ts). (The request-based
   * calls' buffers are held by their requests, in the addon.)
   */
  readonly #inFlight: (object[] | undefined)[] = [];

  /** (Positional, not a rest list: every Put and Get passes here.) */
  #hold(target: number, first: object | null, second: object | null = null, third: object | null = null): void {
    const held = (this.#inFlight[target] ??= []);
    if (first) held.push(first);
    if (second) held.push(second);
    if (third) held.push(third);
  }

  /**
   * Runs a synchronization that completes the calls to `target` (to every target without one): their buffers are
   * the program's again. Each target's list is emptied in place, for the next epoch (a lock, one Put, an unlock
   * per step would otherwise make a list per step).
   */
  #completing(sync: () => void, target?: number): void {
    native(sync);
    if (target !== undefined) {
      const held = this.#inFlight[target];
      if (held) held.length = 0;
    } else {
      for (const held of this.#inFlight) if (held) held.length = 0;
    }
  }

  put(origin: Uint8Array, target: number, offset: number): void {
    native(() => this.addon.winPut(this.id, origin, target, offset));
    this.#hold(target, origin);
  }
  get(origin: Uint8Array, target: number, offset: number): void {
    native(() => this.addon.winGet(this.id, origin, target, offset));
    this.#hold(target, origin);
  }
  accumulate(origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): void {
    native(() => this.addon.winAccumulate(this.id, origin, result, target, offset, opIndex(op)));
    this.#hold(target, origin, result);
  }
  request(kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): EngineRequest {
    return new MpiRequest(this.engine, native(() => this.addon.winRequest(this.id, kind, origin, result, target, offset, opIndex(op))));
  }
  compareAndSwap(origin: TypedArray, compare: TypedArray, result: TypedArray, target: number, offset: number): void {
    native(() => this.addon.winCompareAndSwap(this.id, origin, compare, result, target, offset));
    this.#hold(target, origin, compare, result);
  }
  fence(assert: number): void { this.#completing(() => this.addon.winFence(this.id, assert)); }
  post(origins: readonly number[], assert: number): void { native(() => this.addon.winPost(this.id, Int32Array.from(origins), assert)); }
  start(targets: readonly number[], assert: number): void { native(() => this.addon.winStart(this.id, Int32Array.from(targets), assert)); }
  complete(): void { this.#completing(() => this.addon.winComplete(this.id)); }
  wait(): void { native(() => this.addon.winWait(this.id)); }
  test(): boolean { return native(() => this.addon.winTest(this.id)); }
  lock(target: number, exclusive: boolean, assert: number): void { native(() => this.addon.winLock(this.id, exclusive, target, assert)); }
  unlock(target: number): void { this.#completing(() => this.addon.winUnlock(this.id, target), target); }
  lockAll(assert: number): void { native(() => this.addon.winLockAll(this.id, assert)); }
  unlockAll(): void { this.#completing(() => this.addon.winUnlockAll(this.id)); }
  flush(target: number): void { this.#completing(() => this.addon.winFlush(this.id, target), target); }
  flushAll(): void { this.#completing(() => this.addon.winFlushAll(this.id)); }
  flushLocal(target: number): void { this.#completing(() => this.addon.winFlushLocal(this.id, target), target); }
  flushLocalAll(): void { this.#completing(() => this.addon.winFlushLocalAll(this.id)); }
  sync(): void { native(() => this.addon.winSync(this.id)); }
  free(): void {
    this.#completing(() => this.addon.winFree(this.id));
    this.table?.free();
  }
}

/** How many regions a rank may have attached to one dynamic window at once on this engine: its table's rows. */
const TABLE_REGIONS = 1023;
/** A count, then an address and a length per region, as doubles. */
const TABLE_BYTES = 8 * (1 + 2 * TABLE_REGIONS);

/**
 * Which memory each member of a dynamic window has attached, so that an address nobody attached is ERR_RMA_RANGE
 * at the origin: MPICH does not check (it writes wherever the address points) and Open MPI only for some of its
 * components. Each member lists its regions in its segment of an allocated window of their own; an origin reads
 * a target's list (a shared lock and a Get) when an address is not in the copy it has, so it pays only for
 * addresses new to it. A region detached since the copy was read is not noticed (erroneous in MPI).
 */
class RegionTable {
  readonly #copies: (Float64Array | null)[];

  constructor(
    private readonly addon: WinAddon,
    private readonly id: number,
    private readonly mine: Float64Array,
    private readonly rank: number,
    size: number,
  ) {
    this.#copies = Array.from({ length: size }, () => null);
  }

  /** Refuses an Attach the list has no row for (before MPI attaches anything). */
  makeRoom(): void {
    if (this.mine[0]! >= TABLE_REGIONS) {
      throw new MPIError("ERR_RMA_ATTACH", `a rank attaches at most ${TABLE_REGIONS} regions to one window at once on the mpi engine (Detach some first)`);
    }
  }

  add(address: number, length: number): void {
    this.#update(() => {
      const n = this.mine[0]!;
      this.mine[1 + 2 * n] = address;
      this.mine[2 + 2 * n] = length;
      this.mine[0] = n + 1;
    });
  }

  remove(address: number): void {
    this.#update(() => {
      const n = this.mine[0]!;
      for (let i = 0; i < n; i++) {
        if (this.mine[1 + 2 * i] !== address) continue;
        this.mine.copyWithin(1 + 2 * i, 1 + 2 * (n - 1), 1 + 2 * n);
        this.mine[0] = n - 1;
        return;
      }
    });
  }

  holds(target: number, address: number, length: number): boolean {
    if (target === this.rank) return listed(this.mine, address, length);
    const copy = this.#copies[target];
    if (copy && listed(copy, address, length)) return true;
    const fresh = new Float64Array(1 + 2 * TABLE_REGIONS);
    native(() => {
      this.addon.winLock(this.id, false, target, 0);
      try {
        this.addon.winGet(this.id, new Uint8Array(fresh.buffer), target, 0);
      } finally {
        this.addon.winUnlock(this.id, target);
      }
    });
    this.#copies[target] = fresh;
    return listed(fresh, address, length);
  }

  free(): void { native(() => this.addon.winFree(this.id)); }

  /** Changes this rank's list inside an exclusive epoch on itself, so that no reader sees half a change. */
  #update(change: () => void): void {
    native(() => this.addon.winLock(this.id, true, this.rank, 0));
    try {
      change();
    } finally {
      native(() => this.addon.winUnlock(this.id, this.rank));
    }
  }
}

function listed(table: Float64Array, address: number, length: number): boolean {
  for (let i = 0; i < table[0]!; i++) {
    const at = table[1 + 2 * i]!, bytes = table[2 + 2 * i]!;
    if (address >= at && address + length <= at + bytes) return true;
  }
  return false;
}
