/**
 * What an engine provides for one-sided communication (MPI-4.0 chapter 12). The API layer (win.ts) validates
 * every argument, tracks epochs and checks ranges before it calls down here, so engines only move bytes and
 * synchronize. Offsets are in BYTES from the start of the target's segment (the API applies displacement units).
 */
import type { BuiltinOpName, EngineComm, EngineRequest, TypedArray } from "../engine/engine.js";

/** The predefined ops of RMA: the reduction ops, REPLACE, and NO_OP (only for the fetching accumulates). */
export type RmaOpName = BuiltinOpName | "NO_OP";

/** Every rank's segment size in bytes and displacement unit, known to every rank from creation on. */
export interface WindowLayout {
  readonly sizes: readonly number[];
  readonly dispUnits: readonly number[];
}

/** Assertion bits as this API numbers them (mpi4ts's constants; engines translate them to their MPI's). */
export const MODE_NOCHECK = 1024, MODE_NOSTORE = 2048, MODE_NOPUT = 4096, MODE_NOPRECEDE = 8192, MODE_NOSUCCEED = 16384;

/** The addon's numbering of request-based operations. */
export const RPUT = 0, RGET = 1, RACCUMULATE = 2;
export type RmaRequestKind = typeof RPUT | typeof RGET | typeof RACCUMULATE;

export interface EngineWindow {
  /** This rank's segment as the program reads and writes it. */
  readonly memory: Uint8Array;
  /** True when remote updates land in `memory` itself (MPI_WIN_UNIFIED), false for a separate public copy. */
  readonly unified: boolean;
  /** The memory of `rank`'s segment, for windows from allocateShared. */
  segment(rank: number): Uint8Array;
  put(origin: Uint8Array, target: number, offset: number): void;
  get(origin: Uint8Array, target: number, offset: number): void;
  /** target = target op origin element-wise, atomically per element; with `result`, the old target values first. */
  accumulate(origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): void;
  /**
   * The request-based forms (Rput, Rget, Raccumulate, Rget_accumulate): put, get or accumulate, completing
   * through the request returned, or null when complete already.
   */
  request(kind: RmaRequestKind, origin: TypedArray | null, result: TypedArray | null, target: number, offset: number, op: RmaOpName): EngineRequest | null;
  compareAndSwap(origin: TypedArray, compare: TypedArray, result: TypedArray, target: number, offset: number): void;
  fence(assert: number): void;
  /** PSCW (MPI-4.0 §12.5.2), ranks of the window's communicator: expose to `origins` / access `targets`. */
  post(origins: readonly number[], assert: number): void;
  start(targets: readonly number[], assert: number): void;
  complete(): void;
  wait(): void;
  /** Wait without blocking: true (and the exposure epoch ended) once every origin has completed. */
  test(): boolean;
  lock(target: number, exclusive: boolean, assert: number): void;
  unlock(target: number): void;
  lockAll(assert: number): void;
  unlockAll(): void;
  flush(target: number): void;
  flushAll(): void;
  flushLocal(target: number): void;
  flushLocalAll(): void;
  sync(): void;
  free(): void;
  /** Dynamic windows only (Create_dynamic): memory this rank exposes from now on, at its address (RmaEngine.address). */
  attach?(memory: Uint8Array): void;
  /** Ends exposing the memory attached at `address`; false when nothing is attached there. */
  detach?(address: number): boolean;
  /** Dynamic windows: why `length` bytes at `address` on `target` cannot be reached (not attached there), or null. */
  unreachable?(target: number, address: number, length: number): string | null;
}

export interface RmaEngine {
  /**
   * Collective: memory for every member (MPI_Win_allocate; `shared`: MPI_Win_allocate_shared). `barrier` is the
   * communicator's, for engines whose fences need one (MPI's fence synchronizes by itself).
   */
  allocate(comm: EngineComm, layout: WindowLayout, shared: boolean, barrier: () => void): EngineWindow;
  /** Collective: a window over the caller's own memory (MPI_Win_create). */
  create(comm: EngineComm, memory: Uint8Array, layout: WindowLayout, barrier: () => void): EngineWindow;
  /** Collective: a window of no memory yet, which each member attaches memory to (MPI_Win_create_dynamic). */
  createDynamic(comm: EngineComm, layout: WindowLayout, barrier: () => void): EngineWindow;
  /**
   * The address of `memory`'s first byte (MPI_Get_address): what a dynamic window's targets are named by. Only
   * differences between addresses of one buffer mean anything; the number itself is this rank's.
   */
  address(memory: Uint8Array): number;
}
