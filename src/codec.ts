/**
 * Value codec for the lowercase methods (send/recv/bcast...): any structured-cloneable
 * value to bytes and back.
 *
 * `v8.serialize` has a fixed cost of several microseconds, which would dominate the
 * latency of small messages, so the common shapes (primitives, strings, numeric arrays,
 * typed arrays, small trees of plain objects/arrays) get hand-written formats behind a
 * one-byte tag. Everything else goes through V8's serializer, which gives exact
 * structured-clone semantics (shared and cyclic references, Map, Set, Date, ...).
 *
 * Wire format: byte 0 is a tag (`T_*` below); the rest depends on the tag. Top-level
 * variable-length payloads take their length from the message length, so they carry
 * no length field.
 */
import * as v8 from "node:v8";
import { types } from "node:util";
import { MPIError } from "./errors.js";

// ---- Tags ----------------------------------------------------------------------------
// Top level and inside trees share the numbering; inside a tree, variable-length items
// carry a varint length.
const T_UNDEF = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT32 = 4; // 4 bytes LE
const T_F64 = 5; // 8 bytes LE
// Strings are Latin-1 or UTF-16, never UTF-8: Node 20's UTF-8 decoders run at ~100 MB/s
// on non-ASCII text here (1 MiB of "é" takes 9 ms), UTF-16 copies at memory speed, and
// UTF-16 carries lone surrogates as they are.
const T_STR_LATIN1 = 6; // one byte per UTF-16 unit (all units < 256)
const T_STR_UTF16 = 8; // UTF-16LE code units
const T_NUM_ARRAY = 9; // dense array of numbers: 7 pad bytes then float64 LE payload
const T_VIEW = 10; // subtype byte (v8's host-object index), raw bytes
const T_ARRAY_BUFFER = 11; // raw bytes
const T_BIGINT = 12; // sign byte (0/1), lowercase hex digits
const T_ARRAY = 13; // tree only: varint length, items
const T_OBJECT = 14; // tree only: varint count, (key, value) pairs
// 15 was a null-prototype object; such an object now travels as T_OBJECT and arrives with Object.prototype, as
// structured clone (and so the v8 path) gives it.
const T_TREE = 16; // top level: one tree item follows
const T_V8 = 17; // top level: v8.serialize output follows
/**
 * Top level, made only by the value collectives (collective/refusal.ts): a rank's refusal in its contribution's
 * place. No value encodes to it; comm.decode raises it as the refusing rank's error.
 */
export const T_REFUSAL = 18;

/** Offset of the Float64 payload of T_NUM_ARRAY, so an 8-aligned message needs no copy to read it. */
const NUM_ARRAY_HEADER = 8;

/**
 * Views indexed like Node's DefaultSerializer host-object index, so the fast path and
 * the v8 path agree on what a subtype byte means. Index 10 is Node's Buffer.
 */
type ViewCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): ArrayBufferView; BYTES_PER_ELEMENT?: number };
const VIEW_TYPES: ViewCtor[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, DataView as unknown as ViewCtor,
  Buffer as unknown as ViewCtor, BigInt64Array, BigUint64Array,
];
const VIEW_INDEX_BY_CTOR = new Map<unknown, number>(VIEW_TYPES.map((c, i) => [c, i]));
const VIEW_INDEX_BY_TAG = new Map<string, number>([
  ["Int8Array", 0], ["Uint8Array", 1], ["Uint8ClampedArray", 2], ["Int16Array", 3],
  ["Uint16Array", 4], ["Int32Array", 5], ["Uint32Array", 6], ["Float32Array", 7],
  ["Float64Array", 8], ["DataView", 9], ["BigInt64Array", 11], ["BigUint64Array", 12],
]);

/** Subtype of a view; subclasses travel as their base type, as structured clone does. */
function viewIndex(v: ArrayBufferView): number {
  const i = VIEW_INDEX_BY_CTOR.get(v.constructor);
  if (i !== undefined) return i;
  return VIEW_INDEX_BY_TAG.get(Object.prototype.toString.call(v).slice(8, -1)) ?? -1;
}

/** ES2024 member present in Node 20 but not in this project's `lib` setting. */
interface Es2024ArrayBuffer { resizable: boolean }

// ---- Scratch state ---------------------------------------------------------------------
// One float64 <-> 8 bytes converter, cheaper than a DataView per number.
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;
const ucs2Slice = Buffer.prototype.ucs2Slice as (this: Uint8Array, start: number, end: number) => string;
const latin1Write = Buffer.prototype.latin1Write as (this: Uint8Array, s: string, offset: number, length: number) => number;
const ucs2Write = Buffer.prototype.ucs2Write as (this: Uint8Array, s: string, offset: number, length: number) => number;
/** Buffer#slice is a view, not a copy; this is always the copying one. */
const copySlice = Uint8Array.prototype.slice;
const textEncoder = new TextEncoder();

/** Up to this many units, JS loops beat the native calls' fixed cost when encoding strings. */
const SHORT_STRING = 32;
/** Up to this many units, concatenating char codes beats Buffer's native slicing when decoding (measured: 15 ns vs 80 ns at 3 chars, even at 10). */
const SHORT_DECODE = 10;

/**
 * Memory for encoded messages. Typed arrays over 64 bytes live off the V8 heap and each
 * costs ~0.5-1.5 µs to allocate here, more than encoding a small message, so mid-sized
 * results are carved from shared 64 KiB slabs as Node's Buffer pool does: a region is
 * handed out once and never reused, so results stay independent, but their `.buffer`
 * may hold other results (never transfer or detach it). Large results get their own
 * unzeroed buffer, since the caller fills them completely.
 */
const SLAB_SIZE = 64 * 1024;
const MAX_POOLED = 4096;
const MAX_ON_HEAP = 64;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

function allocOut(n: number): Uint8Array {
  if (n <= MAX_ON_HEAP) return new Uint8Array(n);
  if (n <= MAX_POOLED) {
    if (slabUsed + n > SLAB_SIZE) {
      slab = new ArrayBuffer(SLAB_SIZE);
      slabUsed = 0;
    }
    const out = new Uint8Array(slab, slabUsed, n);
    slabUsed = (slabUsed + n + 7) & ~7; // keeps every region 8-aligned for T_NUM_ARRAY
    return out;
  }
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

// ---- Encoding ----------------------------------------------------------------------------

/**
 * Encodes a value for the lowercase (pickle-like) methods. Small and common values take
 * tagged fast paths because `v8.serialize` alone would cost more than the whole message
 * transfer; the rest is V8's structured clone, so the receiver sees what
 * `structuredClone` would give (class instances arrive as plain objects, shared and
 * cyclic references are kept). Typed-array views carry only their own bytes.
 *
 * The result belongs to the caller and no other result shares its bytes, but it may be a
 * view into a larger pooled ArrayBuffer: use its byteOffset/length, and never transfer or
 * detach its `.buffer`.
 *
 * @throws MPIError ERR_TYPE before anything is sent when the value holds something
 * structured clone refuses (function, symbol, WeakMap, Promise, native handle...); the
 * message says what and where, e.g. `a function at .task.run`.
 */
export function encodeValue(value: unknown): Uint8Array {
  switch (typeof value) {
    case "number":
      return encodeNumber(value);
    case "string":
      return encodeTopString(value);
    case "boolean":
      return Uint8Array.of(value ? T_TRUE : T_FALSE);
    case "undefined":
      return Uint8Array.of(T_UNDEF);
    case "bigint":
      return encodeBigInt(value);
    case "object":
      if (value === null) return Uint8Array.of(T_NULL);
      return encodeObject(value);
    default:
      // function or symbol
      throw notCloneable(value);
  }
}

function encodeNumber(n: number): Uint8Array {
  if ((n | 0) === n && !Object.is(n, -0)) {
    const out = new Uint8Array(5);
    out[0] = T_INT32;
    out[1] = n;
    out[2] = n >> 8;
    out[3] = n >> 16;
    out[4] = n >> 24;
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = T_F64;
  f64[0] = n;
  out.set(f64b, 1);
  return out;
}

function encodeTopString(s: string): Uint8Array {
  const n = s.length;
  if (n <= SHORT_STRING) {
    let i = 0;
    while (i < n && s.charCodeAt(i) < 256) i++;
    if (i === n) {
      const out = new Uint8Array(n + 1);
      out[0] = T_STR_LATIN1;
      for (let j = 0; j < n; j++) out[j + 1] = s.charCodeAt(j);
      return out;
    }
  } else if (looksAscii(s)) {
    const out = allocOut(n + 1);
    // encodeInto doubles as the ASCII check: it fits n chars into n bytes only if all are ASCII.
    if (textEncoder.encodeInto(s, out.subarray(1)).read === n) {
      out[0] = T_STR_LATIN1;
      return out;
    }
  }
  const out = allocOut(2 * n + 1);
  out[0] = T_STR_UTF16;
  if (n <= SHORT_STRING) {
    for (let j = 0; j < n; j++) {
      const c = s.charCodeAt(j);
      out[2 * j + 1] = c;
      out[2 * j + 2] = c >> 8;
    }
  } else {
    ucs2Write.call(out, s, 1, 2 * n);
  }
  return out;
}

/** Cheap guess before the full ASCII check, so text that is clearly not ASCII skips it. */
function looksAscii(s: string): boolean {
  for (let i = 0; i < 16; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function encodeBigInt(b: bigint): Uint8Array {
  // Hex, because BigInt <-> hex is linear while decimal is quadratic for huge values.
  const neg = b < 0n;
  const hex = (neg ? -b : b).toString(16);
  const out = new Uint8Array(hex.length + 2);
  out[0] = T_BIGINT;
  out[1] = neg ? 1 : 0;
  latin1Write.call(out, hex, 2, hex.length);
  return out;
}

function encodeObject(o: object): Uint8Array {
  refuseProxy(o);
  if (Array.isArray(o)) {
    const arr = o as unknown[];
    if (arr.length === 0 || typeof arr[0] === "number") {
      const out = encodeNumArray(arr);
      if (out !== undefined) return out;
    }
  } else if (ArrayBuffer.isView(o)) {
    const idx = viewIndex(o);
    if (idx >= 0) {
      const out = allocOut(o.byteLength + 2);
      out[0] = T_VIEW;
      out[1] = idx;
      out.set(new Uint8Array(o.buffer, o.byteOffset, o.byteLength), 2);
      return out;
    }
  } else if (o instanceof ArrayBuffer && !(o as unknown as Es2024ArrayBuffer).resizable) {
    const out = allocOut(o.byteLength + 1);
    out[0] = T_ARRAY_BUFFER;
    out.set(new Uint8Array(o), 1);
    return out;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null || proto === Array.prototype) {
    const tree = encodeTree(o);
    if (tree !== undefined) return tree;
  }
  return encodeV8(o);
}

/** Checks and copies in one pass; undefined if some element is not a number. */
function encodeNumArray(arr: unknown[]): Uint8Array | undefined {
  const n = arr.length;
  const out = allocOut(NUM_ARRAY_HEADER + 8 * n);
  const data = new Float64Array(out.buffer, out.byteOffset + NUM_ARRAY_HEADER, n);
  for (let i = 0; i < n; i++) {
    const x = arr[i];
    if (typeof x !== "number") return undefined;
    data[i] = x;
  }
  out.fill(0, 0, NUM_ARRAY_HEADER);
  out[0] = T_NUM_ARRAY;
  return out;
}

// ---- Tree encoder -----------------------------------------------------------------------
// Writes plain objects/arrays of primitives into a growing scratch buffer. It gives up
// (returns undefined, and the caller uses v8 for the whole value) on anything whose
// structured clone it cannot reproduce: shared or cyclic references, holes, other kinds
// of objects, very deep nesting.

let buf = new Uint8Array(4096);
let pos = 0;
/** Objects already written, to detect shared/cyclic references: a short list scanned linearly, then a Set. */
let seen: object[] = [];
let seenCount = 0;
let seenSet: Set<object> | null = null;
const SEEN_LINEAR = 16;
const MAX_KEPT_SCRATCH = 4 << 20;
const MAX_DEPTH = 200;
/** Set while the tree encoder owns the scratch state; a re-entrant call (from a getter) then uses v8. */
let busy = false;

/** Thrown inside the tree encoder to abandon it; never escapes this module. */
const GIVE_UP = { giveUp: true };
/** Thrown inside the tree encoder when a function or symbol is met. */
const NOT_CLONEABLE = { notCloneable: true };

function encodeTree(o: object): Uint8Array | undefined {
  if (busy) return undefined;
  busy = true;
  pos = 0;
  try {
    buf[pos++] = T_TREE;
    writeObject(o, 0);
    if (pos <= MAX_ON_HEAP) return buf.slice(0, pos);
    const out = allocOut(pos);
    out.set(buf.subarray(0, pos));
    return out;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    if (e === NOT_CLONEABLE) throw notCloneable(o);
    throw e;
  } finally {
    for (let i = 0; i < seenCount; i++) seen[i] = undefined as unknown as object;
    seenCount = 0;
    seenSet = null;
    // One huge message should not pin its scratch buffer for the life of the process.
    if (buf.length > MAX_KEPT_SCRATCH) buf = new Uint8Array(4096);
    busy = false;
  }
}

function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
}

function writeVarint(n: number): void {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
}

function markSeen(o: object): void {
  if (seenSet !== null) {
    if (seenSet.has(o)) throw GIVE_UP;
    seenSet.add(o);
    return;
  }
  for (let i = 0; i < seenCount; i++) if (seen[i] === o) throw GIVE_UP;
  if (seenCount < SEEN_LINEAR) {
    seen[seenCount++] = o;
  } else {
    seenSet = new Set(seen.slice(0, seenCount));
    seenSet.add(o);
  }
}

function writeItem(v: unknown, depth: number): void {
  switch (typeof v) {
    case "number":
      ensure(9);
      if ((v | 0) === v && !Object.is(v, -0)) {
        buf[pos] = T_INT32;
        buf[pos + 1] = v;
        buf[pos + 2] = v >> 8;
        buf[pos + 3] = v >> 16;
        buf[pos + 4] = v >> 24;
        pos += 5;
      } else {
        buf[pos] = T_F64;
        f64[0] = v;
        buf[pos + 1] = f64b[0]!;
        buf[pos + 2] = f64b[1]!;
        buf[pos + 3] = f64b[2]!;
        buf[pos + 4] = f64b[3]!;
        buf[pos + 5] = f64b[4]!;
        buf[pos + 6] = f64b[5]!;
        buf[pos + 7] = f64b[6]!;
        buf[pos + 8] = f64b[7]!;
        pos += 9;
      }
      return;
    case "string":
      writeString(v);
      return;
    case "boolean":
      ensure(1);
      buf[pos++] = v ? T_TRUE : T_FALSE;
      return;
    case "undefined":
      ensure(1);
      buf[pos++] = T_UNDEF;
      return;
    case "object":
      if (v === null) {
        ensure(1);
        buf[pos++] = T_NULL;
        return;
      }
      writeObject(v, depth + 1);
      return;
    case "bigint": {
      const neg = v < 0n;
      const hex = (neg ? -v : v).toString(16);
      ensure(hex.length + 7);
      buf[pos++] = T_BIGINT;
      buf[pos++] = neg ? 1 : 0;
      writeVarint(hex.length);
      for (let i = 0; i < hex.length; i++) buf[pos++] = hex.charCodeAt(i);
      return;
    }
    default:
      throw NOT_CLONEABLE;
  }
}

/** Strings inside trees: item tag, varint length in UTF-16 units, payload. */
function writeString(s: string): void {
  const n = s.length;
  if (n <= SHORT_STRING) {
    ensure(2 * n + 2);
    const start = pos;
    buf[pos++] = T_STR_LATIN1;
    buf[pos++] = n; // n <= 32 fits a one-byte varint
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) break;
      buf[pos++] = c;
    }
    if (i === n) return;
    pos = start;
    buf[pos++] = T_STR_UTF16;
    buf[pos++] = n;
    for (let j = 0; j < n; j++) {
      const c = s.charCodeAt(j);
      buf[pos++] = c;
      buf[pos++] = c >> 8;
    }
    return;
  }
  ensure(2 * n + 12);
  if (looksAscii(s)) {
    const start = pos;
    buf[pos++] = T_STR_LATIN1;
    writeVarint(n);
    if (textEncoder.encodeInto(s, buf.subarray(pos, pos + n)).read === n) {
      pos += n;
      return;
    }
    pos = start;
  }
  buf[pos++] = T_STR_UTF16;
  writeVarint(n);
  pos += ucs2Write.call(buf, s, pos, 2 * n);
}

/** Shorter numeric arrays inside trees are cheaper item by item than with the padding and view. */
const MIN_INNER_NUM_ARRAY = 4;

/** T_NUM_ARRAY inside a tree: varint count, pad length, zero padding to an 8-aligned offset, float64 LE payload. */
function writeNumArray(a: number[]): void {
  const n = a.length;
  ensure(8 * n + 16);
  buf[pos++] = T_NUM_ARRAY;
  writeVarint(n);
  const pad = (8 - ((pos + 1) & 7)) & 7;
  buf[pos++] = pad;
  for (let i = 0; i < pad; i++) buf[pos++] = 0;
  const data = new Float64Array(buf.buffer, pos, n); // buf starts its ArrayBuffer, so pos is 8-aligned
  for (let i = 0; i < n; i++) data[i] = a[i]!;
  pos += 8 * n;
}

function writeObject(o: object, depth: number): void {
  if (depth > MAX_DEPTH) throw GIVE_UP;
  refuseProxy(o);
  if (Array.isArray(o)) {
    if (Object.getPrototypeOf(o) !== Array.prototype) throw GIVE_UP;
    markSeen(o);
    const n = o.length;
    if (n >= MIN_INNER_NUM_ARRAY && typeof o[0] === "number") {
      let i = 1;
      while (i < n && typeof o[i] === "number") i++;
      if (i === n) {
        writeNumArray(o as number[]);
        return;
      }
    }
    ensure(6);
    buf[pos++] = T_ARRAY;
    writeVarint(n);
    for (let i = 0; i < n; i++) {
      const x: unknown = o[i];
      if (x === undefined && !(i in o)) throw GIVE_UP; // hole: v8 keeps it
      writeItem(x, depth);
    }
    return;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) {
    markSeen(o);
    const keys = Object.keys(o);
    const n = keys.length;
    ensure(6);
    buf[pos++] = T_OBJECT;
    writeVarint(n);
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      writeString(k);
      writeItem((o as Record<string, unknown>)[k], depth);
    }
    return;
  }
  if (ArrayBuffer.isView(o)) {
    const idx = viewIndex(o);
    if (idx < 0) throw GIVE_UP;
    markSeen(o);
    const len = o.byteLength;
    ensure(len + 7);
    buf[pos++] = T_VIEW;
    buf[pos++] = idx;
    writeVarint(len);
    buf.set(new Uint8Array(o.buffer, o.byteOffset, len), pos);
    pos += len;
    return;
  }
  if (o instanceof ArrayBuffer && !(o as unknown as Es2024ArrayBuffer).resizable) {
    markSeen(o);
    const len = o.byteLength;
    ensure(len + 6);
    buf[pos++] = T_ARRAY_BUFFER;
    writeVarint(len);
    buf.set(new Uint8Array(o), pos);
    pos += len;
    return;
  }
  throw GIVE_UP;
}

/**
 * Structured clone refuses Proxies (v8.serialize: "#<Object> could not be cloned"); the fast paths would read
 * through the traps instead, so they refuse them too, before anything is sent.
 */
function refuseProxy(o: object): void {
  if (types.isProxy(o)) throw new MPIError("ERR_TYPE", "a Proxy cannot be sent (structured clone refuses Proxies)");
}

// ---- v8 fallback ----------------------------------------------------------------------

function encodeV8(value: unknown): Uint8Array {
  const ser = new v8.DefaultSerializer();
  ser.writeRawBytes(V8_TAG);
  ser.writeHeader();
  try {
    ser.writeValue(value);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new MPIError("ERR_TYPE", "value cannot be sent: it is nested too deeply for structured clone", { cause: e });
    }
    // Errors thrown by the value's own getters pass through unchanged.
    throw isCloneError(e) ? notCloneable(value, e) : e;
  }
  const b = ser.releaseBuffer();
  // A plain Uint8Array, so callers never meet Buffer#slice's aliasing.
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
const V8_TAG = Uint8Array.of(T_V8);

/**
 * Node's DefaultDeserializer returns typed arrays that view the input buffer; ours copies
 * each into its own exactly-sized ArrayBuffer, since the input may be reused shared memory.
 */
class CopyingDeserializer extends v8.Deserializer {
  declare buffer: Uint8Array;
  _readHostObject(): unknown {
    const idx = this.readUint32();
    const byteLength = this.readUint32();
    const offset = (this as unknown as { _readRawBytes(n: number): number })._readRawBytes(byteLength);
    return makeView(idx, this.buffer, offset, byteLength);
  }
}

function makeView(idx: number, bytes: Uint8Array, offset: number, byteLength: number): ArrayBufferView {
  const ctor = VIEW_TYPES[idx];
  if (ctor === undefined) throw malformed(`unknown typed-array type ${idx}`);
  if (offset + byteLength > bytes.length) throw malformed("truncated typed array");
  const size = ctor.BYTES_PER_ELEMENT ?? 1;
  if (byteLength % size !== 0) throw malformed("typed array length is not a multiple of its element size");
  const ab = new ArrayBuffer(byteLength);
  new Uint8Array(ab).set(bytes.subarray(offset, offset + byteLength));
  if (idx === 10) return Buffer.from(ab);
  return new ctor(ab, 0, byteLength / size);
}

// ---- Error messages --------------------------------------------------------------------

function isCloneError(e: unknown): boolean {
  return e instanceof Error && /could not be cloned|host object/i.test(e.message);
}

/** Builds the ERR_TYPE error, naming the first non-cloneable thing and where it is. */
function notCloneable(value: unknown, cause?: unknown): MPIError {
  let found: { what: string; path: string } | undefined;
  try {
    found = findNotCloneable(value, "", new Set(), 0);
  } catch {
    found = undefined;
  }
  if (found === undefined) {
    let detail = cause instanceof Error ? cause.message : String(cause);
    if (detail.length > 200) detail = `${detail.slice(0, 200)}...`;
    return new MPIError("ERR_TYPE", `value cannot be sent (only structured-cloneable values can): ${detail}`, { cause });
  }
  const where = found.path === "" ? " (the value itself)" : ` at ${found.path}`;
  return new MPIError("ERR_TYPE", `${found.what}${where} cannot be sent (only structured-cloneable values can)`, { cause });
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
function keyPath(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(k: unknown): string {
  if (typeof k === "string") return JSON.stringify(k);
  if (typeof k === "bigint") return `${k}n`;
  if (k === null || typeof k !== "object") return String(k);
  return "<object>";
}

/** Walks like structured clone does (own enumerable string keys, Map/Set entries); only used to explain a failure. */
function findNotCloneable(v: unknown, path: string, visited: Set<object>, depth: number): { what: string; path: string } | undefined {
  if (typeof v === "function") return { what: "a function", path };
  if (typeof v === "symbol") return { what: "a symbol", path };
  if (typeof v !== "object" || v === null) return undefined;
  if (visited.has(v) || depth > 1000) return undefined;
  visited.add(v);
  if (v instanceof WeakMap) return { what: "a WeakMap", path };
  if (v instanceof WeakSet) return { what: "a WeakSet", path };
  if (v instanceof WeakRef) return { what: "a WeakRef", path };
  if (v instanceof Promise) return { what: "a Promise", path };
  if (v instanceof SharedArrayBuffer) return { what: "a SharedArrayBuffer", path };
  if (ArrayBuffer.isView(v)) return viewIndex(v) < 0 ? { what: "an unsupported typed array", path } : undefined;
  if (v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) return undefined;
  if (v instanceof Map) {
    let i = 0;
    for (const [k, x] of v) {
      const r = findNotCloneable(k, `${path}.keys()[${i}]`, visited, depth + 1) ?? findNotCloneable(x, `${path}.get(${describeKey(k)})`, visited, depth + 1);
      if (r) return r;
      i++;
    }
    return undefined;
  }
  if (v instanceof Set) {
    let i = 0;
    for (const x of v) {
      const r = findNotCloneable(x, `${path}.values()[${i}]`, visited, depth + 1);
      if (r) return r;
      i++;
    }
    return undefined;
  }
  if (v instanceof Error) {
    // v8 keeps only name, message, stack and cause of an Error.
    return "cause" in v ? findNotCloneable(v.cause, `${path}.cause`, visited, depth + 1) : undefined;
  }
  const isArray = Array.isArray(v);
  for (const k of Object.keys(v)) {
    const r = findNotCloneable((v as Record<string, unknown>)[k], isArray && /^\d+$/.test(k) ? `${path}[${k}]` : keyPath(path, k), visited, depth + 1);
    if (r) return r;
  }
  const proto = Object.getPrototypeOf(v);
  if (!isArray && proto !== null && proto !== Object.prototype && !selfSerializes(v)) {
    // Its contents are fine, so the object itself is what v8 refuses (native-backed objects such as MessagePort).
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return { what: typeof name === "string" && name !== "" ? `a ${name} object` : "a host object", path };
  }
  return undefined;
}

function selfSerializes(v: object): boolean {
  try {
    new v8.DefaultSerializer().writeValue(v);
    return true;
  } catch {
    return false;
  }
}

// ---- Decoding ----------------------------------------------------------------------------

/**
 * Decodes what {@link encodeValue} produced. `bytes` is typically a view into a
 * SharedArrayBuffer slot that is reused as soon as this returns, so nothing in the result
 * aliases it: every typed array gets its own exactly-sized ArrayBuffer.
 *
 * @throws MPIError ERR_OTHER for bytes that are not a valid encoding (truncated,
 * corrupted, from an incompatible version) instead of returning garbage or crashing.
 */
export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  try {
    return decode(bytes) as T;
  } catch (e) {
    if (e instanceof MPIError) throw e;
    throw new MPIError("ERR_OTHER", `cannot decode value: malformed message (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

function malformed(what: string): MPIError {
  return new MPIError("ERR_OTHER", `cannot decode value: malformed message (${what})`);
}

function decode(bytes: Uint8Array): unknown {
  const n = bytes.length;
  if (n === 0) throw malformed("empty");
  switch (bytes[0]) {
    case T_INT32:
      if (n !== 5) throw malformed("bad int32 length");
      return bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16) | (bytes[4]! << 24);
    case T_F64:
      if (n !== 9) throw malformed("bad float64 length");
      for (let i = 0; i < 8; i++) f64b[i] = bytes[i + 1]!;
      return f64[0];
    case T_STR_LATIN1:
      return readLatin1(bytes, 1, n - 1);
    case T_STR_UTF16:
      if ((n - 1) % 2 !== 0) throw malformed("odd UTF-16 length");
      return readUtf16(bytes, 1, (n - 1) / 2);
    case T_UNDEF:
    case T_NULL:
    case T_FALSE:
    case T_TRUE:
      if (n !== 1) throw malformed("trailing bytes");
      return bytes[0] === T_UNDEF ? undefined : bytes[0] === T_NULL ? null : bytes[0] === T_TRUE;
    case T_NUM_ARRAY:
      return decodeNumArray(bytes);
    case T_VIEW:
      if (n < 2) throw malformed("truncated");
      return makeView(bytes[1]!, bytes, 2, n - 2);
    case T_ARRAY_BUFFER:
      return copySlice.call(bytes, 1).buffer as ArrayBuffer;
    case T_BIGINT:
      if (n < 3) throw malformed("truncated bigint");
      return readBigInt(bytes, 2, n - 2, bytes[1]!);
    case T_TREE: {
      rbytes = bytes;
      rpos = 1;
      try {
        const v = readItem(0);
        if (rpos !== n) throw malformed("trailing bytes");
        return v;
      } finally {
        rbytes = EMPTY;
      }
    }
    case T_V8: {
      const des = new CopyingDeserializer(bytes.subarray(1));
      if (!des.readHeader()) throw malformed("bad v8 header");
      return des.readValue();
    }
    default:
      throw malformed(`unknown tag ${bytes[0]}`);
  }
}

function readLatin1(bytes: Uint8Array, start: number, len: number): string {
  if (len <= SHORT_DECODE) {
    let s = "";
    for (let i = start; i < start + len; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return latin1Slice.call(bytes, start, start + len);
}

function readUtf16(bytes: Uint8Array, start: number, units: number): string {
  if (units <= SHORT_DECODE) {
    let s = "";
    for (let i = start; i < start + 2 * units; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
    return s;
  }
  return ucs2Slice.call(bytes, start, start + 2 * units);
}

function readBigInt(bytes: Uint8Array, start: number, len: number, sign: number): bigint {
  if (len === 0 || sign > 1) throw malformed("bad bigint");
  for (let i = start; i < start + len; i++) {
    const c = bytes[i]!;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) throw malformed("bad bigint digit");
  }
  const b = BigInt("0x" + latin1Slice.call(bytes, start, start + len));
  return sign ? -b : b;
}

function decodeNumArray(bytes: Uint8Array): number[] {
  const body = bytes.length - NUM_ARRAY_HEADER;
  if (body < 0 || body % 8 !== 0) throw malformed("bad number-array length");
  return readF64s(bytes, NUM_ARRAY_HEADER, body / 8);
}

let aligned = new Float64Array(128);
/** Reads n float64s at `start` into a new JS array; the input may be unaligned shared memory. */
function readF64s(bytes: Uint8Array, start: number, n: number): number[] {
  let src: Float64Array;
  const off = bytes.byteOffset + start;
  if (off % 8 === 0) {
    // Read straight from the input; the numbers are copied into the JS array below.
    src = new Float64Array(bytes.buffer as ArrayBuffer, off, n);
  } else {
    if (aligned.length < n) aligned = new Float64Array(Math.max(n, 2 * aligned.length));
    new Uint8Array(aligned.buffer, 0, 8 * n).set(bytes.subarray(start, start + 8 * n));
    src = aligned;
  }
  // Preallocating is 5x faster than push, but V8 makes huge preallocated arrays sparse.
  if (n <= 50_000) {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = src[i]!;
    return out;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(src[i]!);
  return out;
}

// ---- Tree decoder ------------------------------------------------------------------------

const EMPTY = new Uint8Array(0);
let rbytes: Uint8Array = EMPTY;
let rpos = 0;

function need(k: number): void {
  if (rpos + k > rbytes.length) throw malformed("truncated");
}

function readVarint(): number {
  let n = 0;
  let mul = 1;
  for (;;) {
    need(1);
    const b = rbytes[rpos++]!;
    n += (b & 0x7f) * mul;
    if (b < 0x80) return n;
    mul *= 128;
    if (mul > 2 ** 49) throw malformed("varint too long");
  }
}

function readItem(depth: number): unknown {
  need(1);
  const tag = rbytes[rpos++];
  switch (tag) {
    case T_INT32: {
      need(4);
      const b = rbytes;
      const p = rpos;
      rpos += 4;
      return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
    }
    case T_F64: {
      need(8);
      const b = rbytes;
      const p = rpos;
      f64b[0] = b[p]!;
      f64b[1] = b[p + 1]!;
      f64b[2] = b[p + 2]!;
      f64b[3] = b[p + 3]!;
      f64b[4] = b[p + 4]!;
      f64b[5] = b[p + 5]!;
      f64b[6] = b[p + 6]!;
      f64b[7] = b[p + 7]!;
      rpos += 8;
      return f64[0];
    }
    case T_STR_LATIN1:
    case T_STR_UTF16:
      return readStringBody(tag);
    case T_NULL:
      return null;
    case T_UNDEF:
      return undefined;
    case T_TRUE:
      return true;
    case T_FALSE:
      return false;
    case T_ARRAY: {
      if (depth > MAX_DEPTH + 1) throw malformed("too deep");
      const n = readVarint();
      if (n > rbytes.length - rpos) throw malformed("array longer than message");
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readItem(depth + 1));
      return out;
    }
    case T_OBJECT: {
      if (depth > MAX_DEPTH + 1) throw malformed("too deep");
      const n = readVarint();
      if (n > rbytes.length - rpos) throw malformed("object larger than message");
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        need(1);
        const kt = rbytes[rpos++]!;
        let k: string;
        if (kt === T_STR_LATIN1) k = readKey();
        else if (kt === T_STR_UTF16) k = readStringBody(kt);
        else throw malformed("bad key");
        const v = readItem(depth + 1);
        // Assigning "__proto__" would set the prototype instead of making an own property.
        if (k === "__proto__") Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    case T_NUM_ARRAY: {
      const n = readVarint();
      need(1);
      const pad = rbytes[rpos++]!;
      if (pad > 7 || n > rbytes.length) throw malformed("bad number array");
      need(pad + 8 * n);
      rpos += pad;
      const v = readF64s(rbytes, rpos, n);
      rpos += 8 * n;
      return v;
    }
    case T_VIEW: {
      need(1);
      const idx = rbytes[rpos++]!;
      const len = readVarint();
      need(len);
      const v = makeView(idx, rbytes, rpos, len);
      rpos += len;
      return v;
    }
    case T_ARRAY_BUFFER: {
      const len = readVarint();
      need(len);
      const v = copySlice.call(rbytes, rpos, rpos + len).buffer;
      rpos += len;
      return v;
    }
    case T_BIGINT: {
      need(1);
      const sign = rbytes[rpos++]!;
      const len = readVarint();
      need(len);
      const v = readBigInt(rbytes, rpos, len, sign);
      rpos += len;
      return v;
    }
    default:
      throw malformed(`unknown item tag ${tag}`);
  }
}

// Recently decoded keys: the same few keys recur in every message, and handing V8 the same
// (already internalized) string again skips building and hashing a new one.
const KEY_CACHE_SIZE = 512;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill("");
const MAX_CACHED_KEY = 24;

function readKey(): string {
  const len = readVarint();
  need(len);
  const b = rbytes;
  const p = rpos;
  rpos += len;
  if (len > MAX_CACHED_KEY) return readLatin1(b, p, len);
  let h = len;
  for (let i = p; i < p + len; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
  const slot = (h ^ (h >>> 9)) & (KEY_CACHE_SIZE - 1);
  const cached = keyCache[slot]!;
  if (cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === b[p + i]) i++;
    if (i === len) return cached;
  }
  const k = readLatin1(b, p, len);
  keyCache[slot] = k;
  return k;
}

function readStringBody(tag: number): string {
  const len = readVarint();
  const b = rbytes;
  const p = rpos;
  if (tag === T_STR_LATIN1) {
    need(len);
    rpos += len;
    return readLatin1(b, p, len);
  }
  need(2 * len);
  rpos += 2 * len;
  return readUtf16(b, p, len);
}
