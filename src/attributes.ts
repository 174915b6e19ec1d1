/**
 * Communicator attributes (MPI-4.0 §7.7): keyvals made by `Comm.Create_keyval`, values cached on a communicator,
 * copied by its copy callback on Dup/Clone and passed to its delete callback on Delete_attr, Free and when a value
 * is replaced; plus the predefined attributes every communicator answers (TAG_UB, UNIVERSE_SIZE, APPNUM,
 * WTIME_IS_GLOBAL), read with `Get_attr` as in mpi4py. Attributes are local: setting one communicates nothing.
 */
import { TAG_UB } from "./constants.js";
import type { Comm } from "./comm.js";
import { currentEngine } from "./engine/select.js";
import type { EngineComm } from "./engine/engine.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";

/** Predefined keyvals (Open MPI's numbers). `MPI.TAG_UB` is both the largest tag and its own keyval. */
export const WTIME_IS_GLOBAL = 3;
export const APPNUM = 4;
export const UNIVERSE_SIZE = 6;
/** What `Free_keyval` returns, as mpi4py's does. */
export const KEYVAL_INVALID = -1;

/**
 * Called on Dup/Clone for each attribute: returns the duplicate's value, or `undefined` not to copy it (mpi4py's
 * `NotImplemented`). `true` in its place copies the value itself; `null`/absent copies nothing (MPI_COMM_NULL_COPY_FN).
 */
export type CopyFunction = (oldcomm: Comm, keyval: number, value: unknown) => unknown;
/** Called when a value leaves a communicator (Delete_attr, Free, replaced by Set_attr). */
export type DeleteFunction = (comm: Comm, keyval: number, value: unknown) => void;

interface Keyval {
  readonly copy: CopyFunction | boolean | null;
  readonly remove: DeleteFunction | null;
  freed: boolean;
  /** Values still attached under it: a freed keyval lives on until the last is deleted (MPI-4.0 §7.7.2). */
  uses: number;
}

const keyvals = new Map<number, Keyval>();
let nextKeyval = 16;
/** Per engine communicator, so a Cartcomm and the Comm it wraps (and COMM_WORLD, bound late) share them. */
const attributes = new WeakMap<EngineComm, Map<number, unknown>>();

const PREDEFINED = new Set([TAG_UB, WTIME_IS_GLOBAL, APPNUM, UNIVERSE_SIZE]);

export function createKeyval(copy: unknown, remove: unknown): number {
  const call = "Comm.Create_keyval";
  if (copy !== undefined && copy !== null && typeof copy !== "function" && typeof copy !== "boolean") {
    throw new MPIError("ERR_ARG", `${call}: copy_fn must be a function, true, false or null, got ${describe(copy)}`);
  }
  if (remove !== undefined && remove !== null && typeof remove !== "function") {
    throw new MPIError("ERR_ARG", `${call}: delete_fn must be a function or null, got ${describe(remove)}`);
  }
  const keyval = nextKeyval++;
  keyvals.set(keyval, { copy: (copy ?? null) as Keyval["copy"], remove: (remove ?? null) as DeleteFunction | null, freed: false, uses: 0 });
  return keyval;
}

export function freeKeyval(keyval: unknown): number {
  const k = userKeyval("Comm.Free_keyval", keyval);
  if (k.freed) throw new MPIError("ERR_KEYVAL", `Comm.Free_keyval: keyval ${String(keyval)} was freed already`);
  k.freed = true;
  if (k.uses === 0) keyvals.delete(keyval as number);
  return KEYVAL_INVALID;
}

function userKeyval(where: string, keyval: unknown): Keyval {
  if (PREDEFINED.has(keyval as number)) throw new MPIError("ERR_KEYVAL", `${where}: keyval ${String(keyval)} is predefined and read-only`);
  const k = Number.isInteger(keyval) ? keyvals.get(keyval as number) : undefined;
  if (!k) throw new MPIError("ERR_KEYVAL", `${where}: ${typeof keyval === "number" ? keyval : describe(keyval)} is not a keyval made by Comm.Create_keyval (or it was freed)`);
  return k;
}

function table(c: EngineComm): Map<number, unknown> {
  let t = attributes.get(c);
  if (!t) attributes.set(c, (t = new Map()));
  return t;
}

export function setAttr(comm: Comm, keyval: unknown, value: unknown): void {
  const c = comm.engineComm("Set_attr");
  const k = userKeyval(comm.where("Set_attr"), keyval);
  if (k.freed) throw new MPIError("ERR_KEYVAL", `${comm.where("Set_attr")}: keyval ${String(keyval)} was freed`);
  const t = table(c);
  if (t.has(keyval as number)) removeValue(comm, t, keyval as number, k);
  t.set(keyval as number, value);
  k.uses++;
}

/** The attribute's value, or undefined when it has none (mpi4py's None). */
export function getAttr(comm: Comm, keyval: unknown): unknown {
  const c = comm.engineComm("Get_attr");
  if (PREDEFINED.has(keyval as number)) return predefined(keyval as number);
  userKeyval(comm.where("Get_attr"), keyval);
  return attributes.get(c)?.get(keyval as number);
}

function predefined(keyval: number): number | boolean | undefined {
  const world = currentEngine().worldAttributes();
  switch (keyval) {
    case TAG_UB: return world.tagUb;
    case WTIME_IS_GLOBAL: return world.wtimeIsGlobal;
    case APPNUM: return world.appnum;
    default: return world.universeSize;
  }
}

export function deleteAttr(comm: Comm, keyval: unknown): void {
  const c = comm.engineComm("Delete_attr");
  const k = userKeyval(comm.where("Delete_attr"), keyval);
  const t = attributes.get(c);
  if (!t?.has(keyval as number)) {
    throw new MPIError("ERR_KEYVAL", `${comm.where("Delete_attr")}: the communicator has no attribute for keyval ${String(keyval)}`);
  }
  removeValue(comm, t, keyval as number, k);
}

function removeValue(comm: Comm, t: Map<number, unknown>, keyval: number, k: Keyval): void {
  const value = t.get(keyval);
  t.delete(keyval);
  if (--k.uses === 0 && k.freed) keyvals.delete(keyval);
  k.remove?.(comm, keyval, value);
}

/** Dup/Clone: each attribute's copy callback decides what `to` gets. */
export function copyAttributes(from: Comm, to: Comm): void {
  const t = attributes.get(from.engineComm("Dup"));
  if (!t?.size) return;
  const out = table(to.engineComm("Dup"));
  for (const [keyval, value] of t) {
    const k = keyvals.get(keyval)!;
    const copied = k.copy === true ? value : typeof k.copy === "function" ? k.copy(from, keyval, value) : undefined;
    if (copied === undefined) continue;
    out.set(keyval, copied);
    k.uses++;
  }
}

/** Free: every attribute's delete callback runs, in no promised order (MPI leaves it unspecified too). */
export function deleteAttributes(comm: Comm): void {
  const t = attributes.get(comm.engineComm("Free"));
  if (!t) return;
  for (const keyval of [...t.keys()]) removeValue(comm, t, keyval, keyvals.get(keyval)!);
}
