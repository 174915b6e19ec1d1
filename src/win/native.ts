/**
 * One-sided communication on the mpi engine: MPI's windows and RMA calls through the addon (native/win.inc.cc).
 * MPI's completion rules hold as MPI states them: a Get's data is there once the epoch ends or a flush returns.
 */
import type { EngineComm, EngineRequest, TypedArray } from "../engine/engine.js";
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

  allocate(comm: EngineComm, layout: WindowLayout, shared: boolean): EngineWindow {
    const addon = this.#addon();
    const [id, memory] = native(() => addon.winAllocate((comm as NativeComm).handle, layout.sizes[comm.rank]!, shared));
    return new NativeWindow(this.engine, addon, id, new Uint8Array(memory));
  }

  create(comm: EngineComm, memory: Uint8Array, _layout: WindowLayout): EngineWindow {
    const addon = this.#addon();
    const id = native(() => addon.winCreate((comm as NativeComm).handle, memory));
    return new NativeWindow(this.engine, addon, id, memory);
  }

  #addon(): WinAddon { return this.engine.addon as unknown as WinAddon; }
}

class NativeWindow implements EngineWindow {
  readonly unified = true;
  constructor(
    private readonly engine: NativeEngine,
    private readonly addon: WinAddon,
    private readonly id: number,
    readonly memory: Uint8Array,
  ) {}

  segment(rank: number): Uint8Array { return new Uint8Array(native(() => this.addon.winSharedQuery(this.id, rank))); }
  put(origin: Uint8Array, target: number, offset: number): void { native(() => this.addon.winPut(this.id, origin, target, offset)); }
  get(origin: Uint8Array, target: number, offset: number): void { native(() => this.addon.winGet(this.id, origin, target, offset)); }
  accumulate(origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): void {
    native(() => this.addon.winAccumulate(this.id, origin, result, target, offset, opIndex(op)));
  }
  request(kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): EngineRequest {
    return new MpiRequest(this.engine, native(() => this.addon.winRequest(this.id, kind, origin, result, target, offset, opIndex(op))));
  }
  compareAndSwap(origin: TypedArray, compare: TypedArray, result: TypedArray, target: number, offset: number): void {
    native(() => this.addon.winCompareAndSwap(this.id, origin, compare, result, target, offset));
  }
  fence(assert: number): void { native(() => this.addon.winFence(this.id, assert)); }
  post(origins: readonly number[], assert: number): void { native(() => this.addon.winPost(this.id, Int32Array.from(origins), assert)); }
  start(targets: readonly number[], assert: number): void { native(() => this.addon.winStart(this.id, Int32Array.from(targets), assert)); }
  complete(): void { native(() => this.addon.winComplete(this.id)); }
  wait(): void { native(() => this.addon.winWait(this.id)); }
  test(): boolean { return native(() => this.addon.winTest(this.id)); }
  lock(target: number, exclusive: boolean, assert: number): void { native(() => this.addon.winLock(this.id, exclusive, target, assert)); }
  unlock(target: number): void { native(() => this.addon.winUnlock(this.id, target)); }
  lockAll(assert: number): void { native(() => this.addon.winLockAll(this.id, assert)); }
  unlockAll(): void { native(() => this.addon.winUnlockAll(this.id)); }
  flush(target: number): void { native(() => this.addon.winFlush(this.id, target)); }
  flushAll(): void { native(() => this.addon.winFlushAll(this.id)); }
  flushLocal(target: number): void { native(() => this.addon.winFlushLocal(this.id, target)); }
  flushLocalAll(): void { native(() => this.addon.winFlushLocalAll(this.id)); }
  sync(): void { native(() => this.addon.winSync(this.id)); }
  free(): void { native(() => this.addon.winFree(this.id)); }
}
