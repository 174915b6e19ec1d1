/**
 * Browser stand-in for `node:buffer`: the part of Node's Buffer that mpi4ts uses (the
 * codec's string fast paths and allocation), byte-exact with Node for those methods.
 *
 * The bundle injects this `Buffer` as a global, so the Node-specific prototype methods
 * (latin1Slice, ucs2Write, ...) keep their Node names and argument conventions.
 */

/** fromCharCode.apply takes its arguments on the stack; chunks keep far below engines' limits. */
const CHUNK = 8192;
/** Below this many units, concatenating char codes beats building an argument list. */
const SHORT = 16;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function charCodes(units: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, n: number): string {
  if (n <= SHORT) {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(units[i]!);
    return s;
  }
  let s = "";
  for (let i = 0; i < n; i += CHUNK) {
    s += String.fromCharCode.apply(null, units.subarray(i, Math.min(i + CHUNK, n)) as unknown as number[]);
  }
  return s;
}

/** Each byte is one UTF-16 unit (U+0000..U+00FF); not TextDecoder("latin1"), which is windows-1252. */
export function decodeLatin1(bytes: Uint8Array, start: number, end: number): string {
  return charCodes(bytes.subarray(start, end), end - start);
}

let scratch16 = new Uint16Array(0);

/** UTF-16LE, lone surrogates kept; a trailing odd byte is ignored, as Node does. */
export function decodeUcs2(bytes: Uint8Array, start: number, end: number): string {
  const units = (end - start) >>> 1;
  if (units <= SHORT) {
    let s = "";
    for (let i = start; i < start + 2 * units; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
    return s;
  }
  const off = bytes.byteOffset + start;
  let view: Uint16Array;
  if (LITTLE_ENDIAN && off % 2 === 0) {
    view = new Uint16Array(bytes.buffer, off, units);
  } else {
    // Unaligned (or, in theory, big-endian): assemble the units in a scratch array.
    if (scratch16.length < units) scratch16 = new Uint16Array(Math.max(units, 2 * scratch16.length));
    view = scratch16;
    for (let i = 0, p = start; i < units; i++, p += 2) view[i] = bytes[p]! | (bytes[p + 1]! << 8);
  }
  return charCodes(view, units);
}

/** Stores the low byte of each UTF-16 unit, as Node's latin1Write does; returns bytes written. */
export function encodeLatin1Into(bytes: Uint8Array, s: string, offset: number, max: number): number {
  const n = Math.min(s.length, max);
  for (let i = 0; i < n; i++) bytes[offset + i] = s.charCodeAt(i);
  return n;
}

/** UTF-16LE, whole units only; returns bytes written. */
export function encodeUcs2Into(bytes: Uint8Array, s: string, offset: number, max: number): number {
  const n = Math.min(s.length, max >>> 1);
  for (let i = 0, p = offset; i < n; i++, p += 2) {
    const c = s.charCodeAt(i);
    bytes[p] = c;
    bytes[p + 1] = c >> 8;
  }
  return 2 * n;
}

// ---- Encodings other than Latin-1 and UTF-16 -------------------------------------------

const utf8Encoder = new TextEncoder();
// Node's toString keeps a leading BOM; TextDecoder strips it unless told not to.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Node's base64 decoder accepts both alphabets and skips characters outside them. */
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE["-".charCodeAt(0)] = 62;
B64_VALUE["_".charCodeAt(0)] = 63;

type Encoding = "utf8" | "latin1" | "ascii" | "ucs2" | "hex" | "base64" | "base64url";

function normalizeEncoding(enc: string | undefined): Encoding {
  if (enc === undefined) return "utf8";
  switch (String(enc).toLowerCase()) {
    case "utf8":
    case "utf-8":
      return "utf8";
    case "latin1":
    case "binary":
      return "latin1";
    case "ascii":
      return "ascii";
    case "ucs2":
    case "ucs-2":
    case "utf16le":
    case "utf-16le":
      return "ucs2";
    case "hex":
      return "hex";
    case "base64":
      return "base64";
    case "base64url":
      return "base64url";
    default:
      throw new TypeError(`Unknown encoding: ${enc}`);
  }
}

function hexSlice(bytes: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  for (let i = start; i < end; i++) parts.push(HEX[bytes[i]!]!);
  return parts.join("");
}

function base64Slice(bytes: Uint8Array, start: number, end: number, url: boolean): string {
  let out = "";
  // Multiples of 3 bytes, so only the last chunk carries padding.
  for (let i = start; i < end; i += 3 * CHUNK) out += btoa(decodeLatin1(bytes, i, Math.min(i + 3 * CHUNK, end)));
  return url ? out.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_") : out;
}

function decodeHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >>> 1);
  let n = 0;
  for (; n < out.length; n++) {
    const byte = parseHexPair(s.charCodeAt(2 * n), s.charCodeAt(2 * n + 1));
    if (byte < 0) break; // Node stops at the first pair that is not hex
    out[n] = byte;
  }
  return out.subarray(0, n);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

function parseHexPair(a: number, b: number): number {
  const hi = hexDigit(a);
  const lo = hexDigit(b);
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

function decodeBase64(s: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((s.length * 3) / 4));
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // "=" ends the data
    const v = c < 128 ? B64_VALUE[c]! : -1;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = acc >> bits;
    }
  }
  return out.subarray(0, n);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate written as U+FFFD
  }
  return n;
}

function encodeString(s: string, enc: Encoding): Uint8Array {
  switch (enc) {
    case "utf8":
      return utf8Encoder.encode(s);
    case "latin1":
    case "ascii": {
      const out = new Uint8Array(s.length);
      encodeLatin1Into(out, s, 0, s.length);
      return out;
    }
    case "ucs2": {
      const out = new Uint8Array(2 * s.length);
      encodeUcs2Into(out, s, 0, out.length);
      return out;
    }
    case "hex":
      return decodeHex(s);
    case "base64":
    case "base64url":
      return decodeBase64(s);
  }
}

type BufferSource = string | ArrayBuffer | SharedArrayBuffer | ArrayLike<number> | Iterable<number>;

function outOfBounds(what: string): RangeError {
  return new RangeError(`"${what}" is outside of buffer bounds`);
}

function outOfRange(): RangeError {
  return new RangeError("Index out of range");
}

/** Node's slice bindings: an empty buffer always gives "", an inverted range is empty, a range past the end or negative throws. */
function sliceRange(buf: Uint8Array, start: number | undefined, end: number | undefined): [number, number] {
  if (buf.length === 0) return [0, 0];
  const s = start === undefined ? 0 : Math.trunc(start);
  const e = end === undefined ? buf.length : Math.trunc(end);
  if (s < 0 || e < 0) throw outOfRange();
  const stop = Math.max(s, e);
  if (stop > buf.length) throw outOfRange();
  return [s, stop];
}

/** Node's write bindings: offset may equal the length (writes nothing), beyond it throws. */
function writeRange(buf: Uint8Array, offset: number | undefined, length: number | undefined): [number, number] {
  const off = offset === undefined ? 0 : Math.trunc(offset);
  if (off < 0) throw outOfRange();
  if (off > buf.length) throw outOfBounds("offset");
  const room = buf.length - off;
  const max = length === undefined ? room : Math.min(Math.max(0, Math.trunc(length)), room);
  return [off, max];
}

interface ByteArrayConstructor {
  new (length: number): Uint8Array;
  new (array: ArrayLike<number> | ArrayBufferLike): Uint8Array;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Uint8Array;
  readonly BYTES_PER_ELEMENT: number;
}
/** Uint8Array without its static `from` in the type, since Node's Buffer.from has another signature. */
const ByteArray: ByteArrayConstructor = Uint8Array;

export class Buffer extends ByteArray {
  latin1Slice(start?: number, end?: number): string {
    const [s, e] = sliceRange(this, start, end);
    return decodeLatin1(this, s, e);
  }

  ucs2Slice(start?: number, end?: number): string {
    const [s, e] = sliceRange(this, start, end);
    return decodeUcs2(this, s, e);
  }

  latin1Write(string: string, offset?: number, length?: number): number {
    const [off, max] = writeRange(this, offset, length);
    return encodeLatin1Into(this, string, off, max);
  }

  ucs2Write(string: string, offset?: number, length?: number): number {
    const [off, max] = writeRange(this, offset, length);
    return encodeUcs2Into(this, string, off, max);
  }

  override toString(encoding?: string, start?: number, end?: number): string {
    // Unlike the slice bindings, toString clamps its range, and an empty one is "" before the encoding is looked at.
    const s = Math.max(0, Math.min(this.length, Math.trunc(start ?? 0) || 0));
    const e = Math.min(this.length, end === undefined ? this.length : Math.trunc(end) || 0);
    if (e <= s) return "";
    const enc = normalizeEncoding(encoding);
    switch (enc) {
      case "utf8":
        return utf8Decoder.decode(this.subarray(s, e));
      case "latin1":
        return decodeLatin1(this, s, e);
      case "ascii": {
        const masked = Uint8Array.prototype.slice.call(this, s, e).map((b) => b & 0x7f);
        return decodeLatin1(masked, 0, masked.length);
      }
      case "ucs2":
        return decodeUcs2(this, s, e);
      case "hex":
        return hexSlice(this, s, e);
      case "base64":
      case "base64url":
        return base64Slice(this, s, e, enc === "base64url");
    }
  }

  equals(other: Uint8Array): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  static isBuffer(v: unknown): v is Buffer {
    return v instanceof Buffer;
  }

  static alloc(size: number, fill?: number): Buffer {
    const b = new Buffer(size);
    if (fill !== undefined) b.fill(fill);
    return b;
  }

  /** The browser has no unzeroed memory to hand out; this is alloc under Node's name. */
  static allocUnsafeSlow(size: number): Buffer {
    return new Buffer(size);
  }

  static allocUnsafe(size: number): Buffer {
    return new Buffer(size);
  }

  static byteLength(value: string | ArrayBuffer | ArrayBufferView, encoding?: string): number {
    if (typeof value !== "string") return value.byteLength;
    switch (normalizeEncoding(encoding)) {
      case "utf8":
        return utf8Length(value);
      case "latin1":
      case "ascii":
        return value.length;
      case "ucs2":
        return 2 * value.length;
      case "hex":
        return value.length >>> 1;
      case "base64":
      case "base64url": {
        // Node's estimate: padding off, then 3 bytes per 4 characters.
        let n = value.length;
        if (n > 0 && value.charCodeAt(n - 1) === 61) n--;
        if (n > 1 && value.charCodeAt(n - 1) === 61) n--;
        return (n * 3) >>> 2;
      }
    }
  }

  /**
   * Node's Buffer.from: over an ArrayBuffer it is a view sharing the memory; a string is
   * encoded; anything else (array, typed array, Buffer) is copied element by element.
   */
  static from(value: BufferSource, encodingOrOffset?: string | number, length?: number): Buffer {
    if (typeof value === "string") {
      const bytes = encodeString(value, normalizeEncoding(encodingOrOffset as string | undefined));
      return new Buffer(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const off = encodingOrOffset === undefined ? 0 : Math.trunc(Number(encodingOrOffset)) || 0;
      if (off < 0 || off > value.byteLength) throw outOfBounds("offset");
      const len = length === undefined ? value.byteLength - off : Math.trunc(length) || 0;
      if (len < 0 || off + len > value.byteLength) throw outOfBounds("length");
      return new Buffer(value, off, len);
    }
    if (ArrayBuffer.isView(value) && !(value instanceof BigInt64Array || value instanceof BigUint64Array || value instanceof DataView)) {
      // TypedArray#set converts modulo 256 as the loop below does, at memory speed.
      const out = new Buffer((value as Uint8Array).length);
      out.set(value as Uint8Array);
      return out;
    }
    const src = ArrayBuffer.isView(value) || "length" in value ? (value as ArrayLike<number>) : Array.from(value as Iterable<number>);
    const out = new Buffer(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]) & 255;
    return out;
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): Buffer {
    const total = totalLength ?? list.reduce((n, b) => n + b.length, 0);
    const out = new Buffer(total);
    let pos = 0;
    for (const b of list) {
      if (pos >= total) break;
      const part = b.length > total - pos ? b.subarray(0, total - pos) : b;
      out.set(part, pos);
      pos += part.length;
    }
    return out;
  }
}

