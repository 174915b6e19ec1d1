/**
 * Where an open file's bytes go: the one seam between MPI.File (file.ts, which checks arguments, agrees on them
 * and keeps the individual file pointer) and the I/O underneath. Two implementations: node:fs positional I/O
 * (posix-storage.ts; the local and self engines) and the MPI library's MPI-IO (mpi-storage.ts; the mpi engine).
 * Offsets are in etypes of the current view; "collective" methods are called by every rank of the file.
 */
import type { View } from "./view.js";

/** A nonblocking access in flight: `moved` is the bytes it moved, once `test` or `wait` has seen it complete. */
export interface Pending {
  test(): boolean;
  wait(): void;
  readonly moved: number;
  /** The error it completed with, if any. */
  readonly error: unknown;
}

/** Where a nonblocking access starts: an offset in etypes, or the shared pointer. */
export type Place = number | "shared";

export interface Storage {
  /** The file's size in bytes. */
  size(where: string): number;
  /** Collective: truncates or extends to `size` bytes; with `growOnly`, never shrinks. */
  resize(where: string, size: number, growOnly: boolean): void;
  /** Collective: this rank's writes reach the device. */
  sync(where: string): void;
  /** Collective: closes (and deletes a MODE_DELETE_ON_CLOSE file). */
  close(where: string): void;
  /** Collective: data accesses go through `view` from now on; the shared pointer is 0. */
  setView(where: string, view: View): void;
  /** Reads from `start` etypes into `into`; returns the bytes read (short at the end of the file). */
  read(where: string, view: View, start: number, into: Uint8Array, collective: boolean): number;
  write(where: string, view: View, start: number, data: Uint8Array, collective: boolean): void;
  /** Shared pointer accesses; `ordered` ones are collective, in rank order. Return the bytes moved. */
  readShared(where: string, view: View, into: Uint8Array, ordered: boolean): number;
  writeShared(where: string, view: View, data: Uint8Array, ordered: boolean): number;
  /** The shared pointer in etypes. */
  positionShared(where: string): number;
  /** Collective: the shared pointer to `position` etypes. */
  seekShared(where: string, position: number): void;
  /** Whether `begin` starts accesses that complete later; if not, nonblocking calls do the access within the call. */
  readonly nonblocking: boolean;
  /** Starts a nonblocking access (collective when `collective`) from or into `bytes`, which must stay untouched until it completes. */
  begin(where: string, place: Place, bytes: Uint8Array, writing: boolean, collective: boolean): Pending;
}
