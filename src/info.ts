/**
 * Info objects (MPI-4.0 §10): ordered string key/value hints, with mpi4py's dict-like helpers. mpi4ts reads no
 * hint today (every engine accepts and ignores them, as MPI may), but takes Info wherever mpi4py does so that
 * programs port unchanged. `INFO_ENV` describes how this process was started (MPI-4.0 §11.2.3).
 */
import { argv, cwd } from "node:process";
import { arch } from "node:os";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";

/** MPICH's limits (Open MPI's are smaller: 36 and 256): longest key and value, in characters. */
export const MAX_INFO_KEY = 255;
export const MAX_INFO_VAL = 1024;

export class Info implements Iterable<string> {
  readonly #entries: Map<string, string>;
  readonly #name: string;
  readonly #readonly: boolean;
  #freed = false;

  /** @internal Infos come from `Info.Create()`, `Dup()` and the predefined INFO_NULL / INFO_ENV. */
  constructor(entries: Iterable<[string, string]>, name: string, readonly = false) {
    this.#entries = new Map(entries);
    this.#name = name;
    this.#readonly = readonly;
  }

  /** A new Info, empty or holding `items` (a record or [key, value] pairs), as mpi4py's `Info.Create(items)`. */
  static Create(items?: Readonly<Record<string, string>> | Iterable<readonly [string, string]> | null): Info {
    const info = new Info([], "info");
    if (items !== undefined && items !== null) info.update(items);
    return info;
  }

  /** True for INFO_NULL and freed infos (mpi4py: `info == MPI.INFO_NULL`). */
  get isNull(): boolean { return this === INFO_NULL || this.#freed; }

  #use(call: string, write = false): Map<string, string> {
    if (this === INFO_NULL) throw new MPIError("ERR_ARG", `Info.${call}: MPI_INFO_NULL is not an info object`);
    if (this.#freed) throw new MPIError("ERR_ARG", `Info.${call}: the info was freed`);
    if (write && this.#readonly) throw new MPIError("ERR_ARG", `Info.${call}: ${this.#name} is read-only`);
    return this.#entries;
  }

  Set(key: string, value: string): void {
    const entries = this.#use("Set", true);
    checkKey("Set", key);
    if (typeof value !== "string") throw new MPIError("ERR_INFO_VALUE", `Info.Set: value for ${key} must be a string, got ${describe(value)}`);
    if (value.length > MAX_INFO_VAL) throw new MPIError("ERR_INFO_VALUE", `Info.Set: value for ${key} has ${value.length} characters, more than MAX_INFO_VAL (${MAX_INFO_VAL})`);
    entries.set(key, value);
  }

  /** The value for `key`, or undefined (mpi4py's None). */
  Get(key: string): string | undefined {
    const entries = this.#use("Get");
    checkKey("Get", key);
    return entries.get(key);
  }

  /** Removes `key`; ERR_INFO_NOKEY when it is not there. */
  Delete(key: string): void {
    const entries = this.#use("Delete", true);
    checkKey("Delete", key);
    if (!entries.delete(key)) throw new MPIError("ERR_INFO_NOKEY", `Info.Delete: no key ${JSON.stringify(key)}`);
  }

  Get_nkeys(): number { return this.#use("Get_nkeys").size; }

  /** The `n`-th key, in the order keys were first set. */
  Get_nthkey(n: number): string {
    const keys = [...this.#use("Get_nthkey").keys()];
    if (!Number.isInteger(n) || n < 0 || n >= keys.length) {
      throw new MPIError("ERR_ARG", `Info.Get_nthkey: n ${String(n)} is not in 0..${keys.length - 1}`);
    }
    return keys[n]!;
  }

  Dup(): Info { return new Info(this.#use("Dup"), "info"); }

  /** Frees the info; later use is ERR_ARG. INFO_NULL and INFO_ENV cannot be freed. */
  Free(): void {
    this.#use("Free");
    if (this.#readonly) throw new MPIError("ERR_ARG", `Info.Free: ${this.#name} cannot be freed`);
    this.#freed = true;
  }

  // ---- mpi4py's mapping protocol: info[key], len(info), key in info, keys(), items(), ... ----

  get length(): number { return this.Get_nkeys(); }
  /** mpi4py's `info.get(key, default)`. */
  get(key: string): string | undefined;
  get<D>(key: string, fallback: D): string | D;
  get<D>(key: string, fallback?: D): string | D | undefined { return this.Get(key) ?? fallback; }
  /** mpi4py's `key in info`. */
  has(key: string): boolean { return this.Get(key) !== undefined; }
  keys(): string[] { return [...this.#use("keys").keys()]; }
  values(): string[] { return [...this.#use("values").values()]; }
  items(): [string, string][] { return [...this.#use("items")]; }
  [Symbol.iterator](): Iterator<string> { return this.keys()[Symbol.iterator](); }
  /** Sets every pair of `items` (a record or [key, value] pairs). */
  update(items: Readonly<Record<string, string>> | Iterable<readonly [string, string]>): void {
    if (items === null || typeof items !== "object") throw new MPIError("ERR_ARG", `Info.update: items must be an object or [key, value] pairs, got ${describe(items)}`);
    const pairs = Symbol.iterator in items ? [...(items as Iterable<readonly [string, string]>)] : Object.entries(items);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new MPIError("ERR_ARG", `Info.update: each item must be a [key, value] pair, got ${describe(pair)}`);
    }
    for (const [key, value] of pairs) this.Set(key, value);
  }
  /** Removes `key` and returns its value; `fallback` (or ERR_INFO_NOKEY) when it is not there. */
  pop(key: string, ...fallback: [string?]): string | undefined {
    const value = this.Get(key);
    if (value === undefined) {
      if (fallback.length) return fallback[0];
      throw new MPIError("ERR_INFO_NOKEY", `Info.pop: no key ${JSON.stringify(key)}`);
    }
    this.Delete(key);
    return value;
  }
  clear(): void { this.#use("clear", true).clear(); }
  copy(): Info { return this.Dup(); }
  /** The entries as a plain object. */
  toJSON(): Record<string, string> { return Object.fromEntries(this.#use("toJSON")); }
}

function checkKey(call: string, key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0) throw new MPIError("ERR_INFO_KEY", `Info.${call}: key must be a non-empty string, got ${describe(key)}`);
  if (key.length > MAX_INFO_KEY) throw new MPIError("ERR_INFO_KEY", `Info.${call}: key has ${key.length} characters, more than MAX_INFO_KEY (${MAX_INFO_KEY})`);
}

/** The null info: accepted wherever an info is optional, an error anywhere else. */
export const INFO_NULL: Info = new Info([], "MPI_INFO_NULL", true);

/** How this process was started: `command`, `argv`, `wdir`, `arch` (MPI-4.0 §11.2.3), read-only. */
export const INFO_ENV: Info = new Info([
  ["command", argv[1] ?? argv[0] ?? ""],
  ["argv", argv.slice(2).join(" ")],
  ["wdir", cwd()],
  ["arch", arch()],
], "MPI_INFO_ENV", true);

/** An optional info argument: INFO_NULL, undefined or an Info; anything else is ERR_ARG naming `where`. */
export function checkInfo(where: string, info: unknown): Info {
  const refusal = infoRefusal(info);
  if (refusal) throw new MPIError("ERR_ARG", `${where}: ${refusal}`);
  return (info ?? INFO_NULL) as Info;
}

/** Why `info` is not an optional info argument (INFO_NULL, undefined, or a live Info), or undefined. */
export function infoRefusal(info: unknown): string | undefined {
  if (info === undefined || info === null || info === INFO_NULL) return undefined;
  if (!(info instanceof Info)) return `info must be an MPI.Info (or MPI.INFO_NULL), got ${describe(info)}`;
  return info.isNull ? "info was freed" : undefined;
}
