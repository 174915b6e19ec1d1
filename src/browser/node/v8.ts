/**
 * Browser stand-in for `node:v8`'s DefaultSerializer and Deserializer, which the value
 * codec uses for everything its fast paths do not cover.
 *
 * What it must reproduce is `structuredClone` as V8 does it, plus what Node's
 * DefaultSerializer adds: typed arrays and DataViews travel as host objects carrying only
 * their own bytes, and come back over fresh, exactly-sized ArrayBuffers (Node's view the
 * input; the codec's subclass copies, and so does this one without being asked). The
 * bytes never meet Node's, so the format is this module's own:
 *
 *   header:  0xFF, VERSION
 *   value:   one tag byte, then a body that depends on the tag (see `T` below)
 *
 * Lengths and counts are unsigned LEB128 varints. Every object gets the next id when it
 * is first written, in the same order the reader creates them, so a repeated object is
 * written as REF + id: that keeps shared references and cycles, as structured clone does.
 *
 * Both directions recurse; a value nested too deeply for the stack throws the engine's
 * RangeError ("Maximum call stack size exceeded"), which the codec reports as too deep.
 */
import { Buffer, decodeLatin1, decodeUcs2, encodeLatin1Into, encodeUcs2Into } from "./buffer.js";

const MAGIC = 0xff;
const VERSION = 1;

const enum T {
  UNDEFINED = 0,
  NULL = 1,
  FALSE = 2,
  TRUE = 3,
  INT = 4, // zigzag varint, for int32 values other than -0
  DOUBLE = 5, // float64 LE
  BIGINT = 6, // sign byte, varint count, lowercase hex digits
  LATIN1 = 7, // varint count, one byte per UTF-16 unit
  UTF16 = 8, // varint count of units, UTF-16LE
  REF = 9, // varint id of an object already read
  OBJECT = 10, // varint count, (string key, value) pairs
  ARRAY = 11, // varint length, that many values or HOLEs, then varint count, (key, value) pairs
  SPARSE_ARRAY = 12, // varint length, varint count, (key, value) pairs (index keys included)
  HOLE = 13, // inside ARRAY only
  DATE = 14, // float64 LE time value
  REGEXP = 15, // source string, flags string
  MAP = 16, // varint count, (key, value) pairs
  SET = 17, // varint count, values
  ARRAY_BUFFER = 18, // varint byte length, bytes
  RESIZABLE_ARRAY_BUFFER = 19, // varint byte length, varint max byte length, bytes
  VIEW = 20, // view type byte (Node's host-object index), varint byte length, bytes
  ERROR = 21, // prototype byte, field bits, [message string], [stack string], [cause value]
  NUMBER_OBJECT = 22, // float64 LE
  STRING_OBJECT = 23, // string
  TRUE_OBJECT = 24,
  FALSE_OBJECT = 25,
  BIGINT_OBJECT = 26, // BIGINT body
}

/** Typed-array types by Node's host-object index (10 is Buffer), so the codec's view subtypes mean the same here. */
type ViewCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
const VIEW_TYPES: (ViewCtor & { BYTES_PER_ELEMENT?: number })[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, DataView, Buffer, BigInt64Array, BigUint64Array,
];
const VIEW_INDEX_BY_TAG = new Map<string, number>(
  VIEW_TYPES.map((c, i) => [`[object ${c === Buffer ? "" : c.name}]`, i] as [string, number]).filter(([, i]) => i !== 10),
);
const BUFFER_INDEX = 10;

/** Structured clone gives errors one of these prototypes, chosen by their `name`, Error for any other name. */
const ERROR_TYPES = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];
const ERROR_NAMES = ERROR_TYPES.map((c) => c.name);
const E_MESSAGE = 1;
const E_STACK = 2;
const E_CAUSE = 4;

const toTag = Object.prototype.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const getProto = Object.getPrototypeOf;
const ObjectProto = Object.prototype;

// Brand checks: these getters and methods throw unless given a genuine instance, which tells
// a Map subclass (a Map) from an object that merely inherits from Map.prototype (not one).
function getter(proto: object, name: string): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(proto, name)!.get!;
}
const mapSize = getter(Map.prototype, "size");
const setSize = getter(Set.prototype, "size");
const abByteLength = getter(ArrayBuffer.prototype, "byteLength");
const regexpSource = getter(RegExp.prototype, "source");
const regexpFlags = getter(RegExp.prototype, "flags");
/** Browsers define SharedArrayBuffer only on cross-origin-isolated pages. */
const HasSAB = typeof SharedArrayBuffer !== "undefined";

function hasBrand(check: (this: unknown) => unknown, o: object): boolean {
  try {
    check.call(o);
    return true;
  } catch {
    return false;
  }
}

/** Tags of built-ins that structured clone refuses (functions and symbols are refused by type). */
const REFUSED_TAGS = new Set([
  "[object WeakMap]", "[object WeakSet]", "[object WeakRef]", "[object FinalizationRegistry]", "[object Promise]",
  "[object SharedArrayBuffer]", "[object Symbol]", "[object Arguments]", "[object Generator]", "[object AsyncGenerator]",
  "[object Module]", "[object global]",
]);

/**
 * True for objects built by a native constructor other than Object: platform objects
 * (MessagePort, Blob, Window, ...) and built-ins such as Intl formatters. V8 refuses those
 * it cannot serialize; here every such object is refused rather than sent as an empty
 * plain object, since this module cannot see their internal state.
 */
const nativeCtorCache = new WeakMap<object, boolean>();
function isNativeInstance(proto: object): boolean {
  let p: object | null = proto;
  while (p !== null && !hasOwn.call(p, "constructor")) p = getProto(p) as object | null;
  if (p === null) return false;
  const ctor: unknown = Object.getOwnPropertyDescriptor(p, "constructor")!.value;
  if (typeof ctor !== "function" || ctor === Object) return false;
  let native = nativeCtorCache.get(ctor);
  if (native === undefined) {
    native = /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(ctor));
    nativeCtorCache.set(ctor, native);
  }
  return native;
}

/** Shaped like V8's DataCloneError, whose message the codec recognises. */
function cloneError(what: string): Error {
  const e = new Error(`${what} could not be cloned.`);
  e.name = "DataCloneError";
  return e;
}

function describe(v: unknown): string {
  if (typeof v === "symbol") return v.toString();
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return `#<${typeof ctor === "string" && ctor !== "" ? ctor : "Object"}>`;
}

/** Canonical array index ("0".."4294967294"), the keys Object.keys lists first, ascending. */
function isIndexKey(k: string): boolean {
  const n = Number(k);
  return n >>> 0 === n && n !== 4294967295 && String(n) === k;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

export class DefaultSerializer {
  private buf = new Uint8Array(256);
  private pos = 0;
  private ids = new Map<object, number>();

  writeHeader(): void {
    this.ensure(2);
    this.buf[this.pos++] = MAGIC;
    this.buf[this.pos++] = VERSION;
  }

  /** Returns true as Node's does; throws a DataCloneError-like Error for what structured clone refuses. */
  writeValue(value: unknown): boolean {
    this.write(value);
    return true;
  }

  writeUint32(n: number): void {
    this.varint(n >>> 0);
  }

  writeRawBytes(bytes: ArrayBufferView): void {
    const src = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** The bytes written so far, in their own ArrayBuffer; the serializer starts over empty. */
  releaseBuffer(): Buffer {
    // A copy only when most of the scratch memory would otherwise ride along with the result.
    const out = this.buf.length > 2 * this.pos + 4096 ? Buffer.from(this.buf.subarray(0, this.pos)) : Buffer.from(this.buf.buffer, 0, this.pos);
    this.buf = new Uint8Array(256);
    this.pos = 0;
    this.ids = new Map();
    return out;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private double(x: number): void {
    this.ensure(8);
    f64[0] = x;
    this.buf.set(f64b, this.pos);
    this.pos += 8;
  }

  private bytes(src: Uint8Array): void {
    this.varint(src.length);
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  private string(s: string): void {
    const n = s.length;
    let i = 0;
    while (i < n && s.charCodeAt(i) < 256) i++;
    if (i === n) {
      this.byte(T.LATIN1);
      this.varint(n);
      this.ensure(n);
      this.pos += encodeLatin1Into(this.buf, s, this.pos, n);
    } else {
      this.byte(T.UTF16);
      this.varint(n);
      this.ensure(2 * n);
      this.pos += encodeUcs2Into(this.buf, s, this.pos, 2 * n);
    }
  }

  /** Hex, because BigInt <-> hex is linear while decimal is quadratic for huge values. */
  private bigint(b: bigint): void {
    const neg = b < 0n;
    const hex = (neg ? -b : b).toString(16);
    this.byte(neg ? 1 : 0);
    this.varint(hex.length);
    this.ensure(hex.length);
    this.pos += encodeLatin1Into(this.buf, hex, this.pos, hex.length);
  }

  private write(v: unknown): void {
    switch (typeof v) {
      case "undefined":
        this.byte(T.UNDEFINED);
        return;
      case "boolean":
        this.byte(v ? T.TRUE : T.FALSE);
        return;
      case "number":
        if ((v | 0) === v && !Object.is(v, -0)) {
          this.byte(T.INT);
          this.varint(v >= 0 ? 2 * v : -2 * v - 1);
        } else {
          this.byte(T.DOUBLE);
          this.double(v);
        }
        return;
      case "string":
        this.string(v);
        return;
      case "bigint":
        this.byte(T.BIGINT);
        this.bigint(v);
        return;
      case "object":
        if (v === null) this.byte(T.NULL);
        else this.object(v);
        return;
      default:
        throw cloneError(describe(v));
    }
  }

  private object(o: object): void {
    const id = this.ids.get(o);
    if (id !== undefined) {
      this.byte(T.REF);
      this.varint(id);
      return;
    }
    // Refusals come before the id, so a refused object never takes one.
    if (Array.isArray(o)) {
      this.ids.set(o, this.ids.size);
      this.array(o);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      const idx = o.constructor === Buffer ? BUFFER_INDEX : (VIEW_INDEX_BY_TAG.get(toTag.call(o)) ?? -1);
      if (idx < 0) throw cloneError(`Unserializable host object ${describe(o)}:`);
      this.ids.set(o, this.ids.size);
      this.byte(T.VIEW);
      this.byte(idx);
      this.bytes(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
      return;
    }
    const tag = toTag.call(o);
    const kind = this.kind(o, tag);
    this.ids.set(o, this.ids.size);
    switch (kind) {
      case T.DATE:
      case T.NUMBER_OBJECT:
        this.byte(kind);
        this.double(kind === T.DATE ? Date.prototype.getTime.call(o) : Number.prototype.valueOf.call(o));
        return;
      case T.REGEXP:
        this.byte(T.REGEXP);
        this.string(regexpSource.call(o) as string);
        this.string(regexpFlags.call(o) as string);
        return;
      case T.ERROR:
        this.error(o as Error);
        return;
      case T.STRING_OBJECT:
        this.byte(T.STRING_OBJECT);
        this.string(String.prototype.valueOf.call(o));
        return;
      case T.TRUE_OBJECT:
        this.byte(Boolean.prototype.valueOf.call(o) ? T.TRUE_OBJECT : T.FALSE_OBJECT);
        return;
      case T.BIGINT_OBJECT:
        this.byte(T.BIGINT_OBJECT);
        this.bigint(BigInt.prototype.valueOf.call(o));
        return;
      case T.MAP:
      case T.SET: {
        // Entries are collected first, as V8 does, so getters that change the collection do not change what is sent.
        const items: unknown[] = [];
        if (kind === T.MAP) Map.prototype.forEach.call(o, (v: unknown, k: unknown) => items.push(k, v));
        else Set.prototype.forEach.call(o, (v: unknown) => items.push(v));
        this.byte(kind);
        this.varint(kind === T.MAP ? items.length / 2 : items.length);
        for (const x of items) this.write(x);
        return;
      }
      case T.ARRAY_BUFFER:
        this.arrayBuffer(o as ArrayBuffer);
        return;
      default:
        this.byte(T.OBJECT);
        this.properties(o, Object.keys(o), 0);
    }
  }

  /** What structured clone makes of an object that is not an array or a view; throws for what it refuses. */
  private kind(o: object, tag: string): T {
    if (tag === "[object Object]" && getProto(o) === ObjectProto) return T.OBJECT;
    // These tags come from internal slots, not from Symbol.toStringTag, so they are reliable.
    switch (tag) {
      case "[object Date]":
        return T.DATE;
      case "[object RegExp]":
        return T.REGEXP;
      case "[object Error]":
        return T.ERROR;
      case "[object Number]":
        return T.NUMBER_OBJECT;
      case "[object String]":
        return T.STRING_OBJECT;
      case "[object Boolean]":
        return T.TRUE_OBJECT;
    }
    if ((o instanceof Map || tag === "[object Map]") && hasBrand(mapSize, o)) return T.MAP;
    if ((o instanceof Set || tag === "[object Set]") && hasBrand(setSize, o)) return T.SET;
    if ((o instanceof ArrayBuffer || tag === "[object ArrayBuffer]") && hasBrand(abByteLength, o)) return T.ARRAY_BUFFER;
    if (tag === "[object BigInt]" && hasBrand(BigInt.prototype.valueOf, o)) return T.BIGINT_OBJECT;
    if (
      REFUSED_TAGS.has(tag) || tag.endsWith(" Iterator]") ||
      o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef || o instanceof Promise ||
      (HasSAB && o instanceof SharedArrayBuffer)
    ) {
      throw cloneError(describe(o));
    }
    // Platform objects and Intl's all have a class string of their own; an object that only
    // inherits from a built-in prototype (Object.create(Error.prototype)) is a plain one to V8.
    const proto = getProto(o) as object | null;
    if (tag !== "[object Object]" && proto !== null && isNativeInstance(proto)) throw cloneError(describe(o));
    return T.OBJECT;
  }

  private arrayBuffer(ab: ArrayBuffer): void {
    const ext = ab as unknown as { detached?: boolean; resizable?: boolean; maxByteLength?: number };
    if (ext.detached === true) throw cloneError("An ArrayBuffer is detached and");
    const bytes = new Uint8Array(ab);
    if (ext.resizable === true) {
      this.byte(T.RESIZABLE_ARRAY_BUFFER);
      this.varint(bytes.length);
      this.varint(ext.maxByteLength!);
      this.ensure(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    } else {
      this.byte(T.ARRAY_BUFFER);
      this.bytes(bytes);
    }
  }

  /**
   * Arrays keep their length, their holes and their other own enumerable properties.
   * Object.keys lists index keys first, ascending, then the others; it costs about as much
   * as writing the elements, and nothing cheaper finds the non-index properties.
   */
  private array(a: unknown[]): void {
    const n = a.length;
    const keys = Object.keys(a);
    let present = keys.length;
    while (present > 0 && !isIndexKey(keys[present - 1]!)) present--;
    if (present === n) {
      this.byte(T.ARRAY);
      this.varint(n);
      for (let i = 0; i < n; i++) this.write(a[i]);
      this.properties(a, keys, present);
    } else if (2 * present >= n) {
      this.byte(T.ARRAY);
      this.varint(n);
      for (let i = 0; i < n; i++) {
        if (hasOwn.call(a, i)) this.write(a[i]);
        else this.byte(T.HOLE);
      }
      this.properties(a, keys, present);
    } else {
      this.byte(T.SPARSE_ARRAY);
      this.varint(n);
      this.properties(a, keys, 0);
    }
  }

  private properties(o: object, keys: string[], from: number): void {
    this.varint(keys.length - from);
    for (let i = from; i < keys.length; i++) {
      const k = keys[i]!;
      this.string(k);
      this.write((o as Record<string, unknown>)[k]);
    }
  }

  /** Fields as V8 picks them: own data `message` (as a string), `stack` if a string, own data `cause`. */
  private error(e: Error): void {
    const name: unknown = e.name;
    const proto = typeof name === "string" ? Math.max(0, ERROR_NAMES.indexOf(name)) : 0;
    const messageDesc = Object.getOwnPropertyDescriptor(e, "message");
    const message = messageDesc !== undefined && "value" in messageDesc ? `${messageDesc.value}` : undefined;
    const stack: unknown = e.stack;
    const causeDesc = Object.getOwnPropertyDescriptor(e, "cause");
    const hasCause = causeDesc !== undefined && "value" in causeDesc;
    this.byte(T.ERROR);
    this.byte(proto);
    this.byte((message !== undefined ? E_MESSAGE : 0) | (typeof stack === "string" ? E_STACK : 0) | (hasCause ? E_CAUSE : 0));
    if (message !== undefined) this.string(message);
    if (typeof stack === "string") this.string(stack);
    if (hasCause) this.write(causeDesc.value);
  }
}

function malformed(what: string): Error {
  return new Error(`Unable to deserialize cloned data: ${what}.`);
}

export class Deserializer {
  readonly buffer: Uint8Array;
  private pos = 0;
  private objects: unknown[] = [];

  constructor(buffer: Uint8Array) {
    if (!ArrayBuffer.isView(buffer)) throw new TypeError("buffer must be a TypedArray or a DataView");
    this.buffer = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** Throws for bytes that do not start with this format's header, as Node's does for a wrong version. */
  readHeader(): boolean {
    this.need(2);
    if (this.buffer[this.pos] !== MAGIC || this.buffer[this.pos + 1] !== VERSION) throw malformed("invalid or unsupported version");
    this.pos += 2;
    return true;
  }

  /**
   * One value; more may follow, as with Node's, so trailing bytes are not an error here.
   * Typed arrays, DataViews and ArrayBuffers get their own memory, never a view of the input.
   */
  readValue(): unknown {
    return this.read();
  }

  readUint32(): number {
    const n = this.varint();
    if (n > 0xffffffff) throw malformed("uint32 out of range");
    return n;
  }

  /** Node's name: skips n bytes and returns the offset where they start. */
  _readRawBytes(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  readRawBytes(n: number): Buffer {
    const at = this._readRawBytes(n);
    return Buffer.from(this.buffer.subarray(at, at + n));
  }

  private need(n: number): void {
    if (!(n >= 0 && this.pos + n <= this.buffer.length)) throw malformed("truncated");
  }

  private byte(): number {
    this.need(1);
    return this.buffer[this.pos++]!;
  }

  private varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 0x80;
      if (mul > 2 ** 49) throw malformed("varint too long");
    }
  }

  /** A count of items that take at least `each` bytes apiece, checked against what is left. */
  private count(each: number): number {
    const n = this.varint();
    if (n * each > this.buffer.length - this.pos) throw malformed("count larger than the data");
    return n;
  }

  private double(): number {
    this.need(8);
    for (let i = 0; i < 8; i++) f64b[i] = this.buffer[this.pos++]!;
    return f64[0]!;
  }

  private rawCopy(n: number): ArrayBuffer {
    const at = this._readRawBytes(n);
    return this.buffer.slice(at, at + n).buffer;
  }

  private string(): string {
    return this.stringBody(this.byte());
  }

  private stringBody(tag: number): string {
    if (tag === T.LATIN1) {
      const n = this.count(1);
      const at = this._readRawBytes(n);
      return decodeLatin1(this.buffer, at, at + n);
    }
    if (tag === T.UTF16) {
      const n = this.count(2);
      const at = this._readRawBytes(2 * n);
      return decodeUcs2(this.buffer, at, at + 2 * n);
    }
    throw malformed(`expected a string, found tag ${tag}`);
  }

  private bigint(): bigint {
    const sign = this.byte();
    const n = this.count(1);
    if (sign > 1 || n === 0) throw malformed("bad bigint");
    const at = this._readRawBytes(n);
    for (let i = at; i < at + n; i++) {
      const c = this.buffer[i]!;
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) throw malformed("bad bigint digit");
    }
    const b = BigInt("0x" + decodeLatin1(this.buffer, at, at + n));
    return sign ? -b : b;
  }

  /** Objects are registered as soon as they exist, before their contents, so REFs inside them (cycles) resolve. */
  private keep<O>(o: O): O {
    this.objects.push(o);
    return o;
  }

  private read(): unknown {
    const tag = this.byte();
    switch (tag) {
      case T.UNDEFINED:
        return undefined;
      case T.NULL:
        return null;
      case T.FALSE:
        return false;
      case T.TRUE:
        return true;
      case T.INT: {
        const z = this.varint();
        if (z > 0xffffffff) throw malformed("int out of range");
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case T.DOUBLE:
        return this.double();
      case T.BIGINT:
        return this.bigint();
      case T.LATIN1:
      case T.UTF16:
        return this.stringBody(tag);
      case T.REF: {
        const id = this.varint();
        if (id >= this.objects.length) throw malformed("reference to an object not read yet");
        return this.objects[id];
      }
      case T.OBJECT:
        return this.properties(this.keep({}));
      case T.ARRAY:
        return this.array();
      case T.SPARSE_ARRAY: {
        const n = this.varint();
        if (n > 0xffffffff) throw malformed("array too long");
        return this.properties(this.keep(new Array<unknown>(n)));
      }
      case T.DATE:
        return this.keep(new Date(this.double()));
      case T.REGEXP:
        return this.keep(new RegExp(this.string(), this.string()));
      case T.MAP: {
        const m = this.keep(new Map<unknown, unknown>());
        const n = this.count(2);
        for (let i = 0; i < n; i++) {
          const k = this.read();
          m.set(k, this.read());
        }
        return m;
      }
      case T.SET: {
        const s = this.keep(new Set<unknown>());
        const n = this.count(1);
        for (let i = 0; i < n; i++) s.add(this.read());
        return s;
      }
      case T.ARRAY_BUFFER:
        return this.keep(this.rawCopy(this.count(1)));
      case T.RESIZABLE_ARRAY_BUFFER: {
        const n = this.count(1);
        const max = this.varint();
        if (max < n) throw malformed("resizable ArrayBuffer longer than its maximum");
        const ab = new (ArrayBuffer as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: max });
        const at = this._readRawBytes(n);
        new Uint8Array(ab).set(this.buffer.subarray(at, at + n));
        return this.keep(ab);
      }
      case T.VIEW:
        return this.keep(this.view());
      case T.ERROR:
        return this.error();
      case T.NUMBER_OBJECT:
        return this.keep(Object(this.double()));
      case T.STRING_OBJECT:
        return this.keep(Object(this.string()));
      case T.TRUE_OBJECT:
      case T.FALSE_OBJECT:
        return this.keep(Object(tag === T.TRUE_OBJECT));
      case T.BIGINT_OBJECT:
        return this.keep(Object(this.bigint()));
      default:
        throw malformed(`unknown tag ${tag}`);
    }
  }

  private array(): unknown[] {
    const n = this.count(1);
    const a = this.keep<unknown[]>([]);
    for (let i = 0; i < n; i++) {
      if (this.buffer[this.pos] === T.HOLE) {
        this.pos++;
        a.length = i + 1; // the hole stays a hole
      } else {
        a.push(this.read());
      }
    }
    return this.properties(a);
  }

  private properties<O extends object>(o: O): O {
    const n = this.count(2);
    for (let i = 0; i < n; i++) {
      const k = this.string();
      const v = this.read();
      // Assigning "__proto__" would set the prototype instead of making an own property.
      if (k === "__proto__") Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
      else (o as Record<string, unknown>)[k] = v;
    }
    return o;
  }

  private view(): ArrayBufferView {
    const idx = this.byte();
    const ctor = VIEW_TYPES[idx];
    if (ctor === undefined) throw malformed(`unknown typed-array type ${idx}`);
    const byteLength = this.count(1);
    const size = ctor.BYTES_PER_ELEMENT ?? 1;
    if (byteLength % size !== 0) throw malformed("typed array length is not a multiple of its element size");
    const ab = this.rawCopy(byteLength);
    if (idx === BUFFER_INDEX) return Buffer.from(ab);
    return new ctor(ab, 0, byteLength / size);
  }

  /** Built as V8 builds it: the prototype its name chose, own non-enumerable message, stack and cause. */
  private error(): Error {
    const proto = this.byte();
    const fields = this.byte();
    const Ctor = ERROR_TYPES[proto];
    if (Ctor === undefined || fields > 7) throw malformed("bad error");
    const message = fields & E_MESSAGE ? this.string() : undefined;
    const stack = fields & E_STACK ? this.string() : undefined;
    const e = message === undefined ? new Ctor() : new Ctor(message);
    // V8 leaves an own `stack` even when none was sent (undefined then), never this receiver's own.
    Object.defineProperty(e, "stack", { value: stack, writable: true, enumerable: false, configurable: true });
    this.keep(e);
    if (fields & E_CAUSE) Object.defineProperty(e, "cause", { value: this.read(), writable: true, enumerable: false, configurable: true });
    return e;
  }
}
