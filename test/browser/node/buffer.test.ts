/**
 * The browser Buffer shim against Node's Buffer, method by method, over random inputs:
 * strings with every kind of UTF-16 unit (lone surrogates included), random bytes, and
 * offsets and lengths in and out of range.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer as Shim } from "../../../src/browser/node/buffer.js";
import { inspect, types } from "../../../src/browser/node/util.js";

type NodeBuf = Buffer & {
  latin1Slice(s?: number, e?: number): string;
  ucs2Slice(s?: number, e?: number): string;
  latin1Write(str: string, o?: number, l?: number): number;
  ucs2Write(str: string, o?: number, l?: number): number;
};

let seed = 99;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

/** Mixed ASCII, Latin-1, BMP, astral pairs and lone surrogates. */
function randomString(len: number): string {
  let s = "";
  while (s.length < len) {
    const k = rnd(6);
    if (k === 0) s += String.fromCharCode(32 + rnd(95));
    else if (k === 1) s += String.fromCharCode(128 + rnd(128));
    else if (k === 2) s += String.fromCharCode(256 + rnd(0xd800 - 256));
    else if (k === 3) s += String.fromCodePoint(0x10000 + rnd(0x100000));
    else if (k === 4) s += String.fromCharCode(0xd800 + rnd(0x800));
    else s += String.fromCharCode(0xe000 + rnd(0x2000));
  }
  return s;
}

function randomBytes(len: number): Uint8Array {
  return Uint8Array.from({ length: len }, () => rnd(256));
}

/** Calls both and requires the same result, or both to throw the same class of error. */
function same<R>(label: string, real: () => R, shim: () => R): void {
  let want: { ok: R } | { err: unknown };
  try {
    want = { ok: real() };
  } catch (err) {
    want = { err };
  }
  if ("err" in want) {
    // Node's errors are subclasses of the standard ones (with codes); the standard class must agree.
    const base = [TypeError, RangeError, Error].find((C) => want.err instanceof C)!;
    assert.throws(shim, (e: unknown) => e instanceof base && (e as Error).message === (want.err as Error).message, label);
  } else {
    assert.deepStrictEqual(shim(), want.ok, label);
  }
}

const SIZES = [0, 1, 2, 3, 15, 16, 17, 33, 1000, 8193, 20_000];

test("latin1Slice and ucs2Slice match Node's, at every kind of range", () => {
  for (const n of SIZES) {
    const bytes = randomBytes(n);
    const real = Buffer.from(bytes) as NodeBuf;
    const shim = Shim.from(bytes);
    const ranges: [number | undefined, number | undefined][] = [[undefined, undefined], [0, n], [1, n], [0, n - 1], [n >> 1, n], [3, 2], [-1, 2], [0, n + 1], [n + 1, n + 2]];
    for (let i = 0; i < 10; i++) ranges.push([rnd(n + 1), rnd(n + 1)]);
    for (const [s, e] of ranges) {
      same(`latin1Slice(${s}, ${e}) of ${n}`, () => real.latin1Slice(s, e), () => shim.latin1Slice(s, e));
      same(`ucs2Slice(${s}, ${e}) of ${n}`, () => real.ucs2Slice(s, e), () => shim.ucs2Slice(s, e));
    }
    // Unaligned starts force the shim's copying UTF-16 path.
    const odd = new Uint8Array(n + 1);
    odd.set(bytes, 1);
    same(`ucs2Slice unaligned ${n}`, () => (Buffer.from(odd.buffer, 1, n) as NodeBuf).ucs2Slice(0, n), () => Shim.from(odd.buffer, 1, n).ucs2Slice(0, n));
  }
});

test("latin1Write and ucs2Write store the same bytes and return the same counts as Node's", () => {
  for (let iter = 0; iter < 300; iter++) {
    const size = rnd(64);
    const str = randomString(rnd(48));
    const args: [number | undefined, number | undefined][] = [[undefined, undefined], [rnd(size + 2), undefined], [rnd(size + 2), rnd(size + 2)], [0, 0], [size, undefined], [-1, undefined]];
    for (const [off, len] of args) {
      for (const method of ["latin1Write", "ucs2Write"] as const) {
        const real = Buffer.alloc(size, 0xaa) as NodeBuf;
        const shim = Shim.alloc(size, 0xaa);
        same(`${method}(${JSON.stringify(str)}, ${off}, ${len}) into ${size}`, () => [real[method](str, off, len), [...real]], () => [shim[method](str, off, len), [...shim]]);
      }
    }
  }
});

test("toString matches Node's for every encoding, with and without a range", () => {
  const encodings = [undefined, "utf8", "utf-8", "UTF8", "latin1", "binary", "ascii", "ucs2", "utf16le", "hex", "base64", "base64url", "nope"];
  for (const n of SIZES) {
    const samples = [randomBytes(n), new TextEncoder().encode(randomString(n)).subarray(0, n), Uint8Array.of(0xef, 0xbb, 0xbf, 0x41)];
    for (const bytes of samples) {
      const real = Buffer.from(bytes);
      const shim = Shim.from(bytes);
      for (const enc of encodings) {
        same(`toString(${enc}) of ${n}`, () => real.toString(enc as BufferEncoding), () => shim.toString(enc));
        same(`toString(${enc}, 1, 7) of ${n}`, () => real.toString(enc as BufferEncoding, 1, 7), () => shim.toString(enc, 1, 7));
      }
    }
  }
});

test("Buffer.from strings, ArrayBuffers and array-likes, and byteLength, match Node's", () => {
  for (let iter = 0; iter < 200; iter++) {
    const str = randomString(rnd(40));
    for (const enc of ["utf8", "latin1", "ascii", "ucs2", "utf16le"] as const) {
      same(`from(${JSON.stringify(str)}, ${enc})`, () => [...Buffer.from(str, enc)], () => [...Shim.from(str, enc)]);
      same(`byteLength(${JSON.stringify(str)}, ${enc})`, () => Buffer.byteLength(str, enc), () => Shim.byteLength(str, enc));
    }
    const bytes = randomBytes(rnd(40));
    const hex = Buffer.from(bytes).toString("hex");
    const b64 = Buffer.from(bytes).toString("base64");
    const b64url = Buffer.from(bytes).toString("base64url");
    for (const [s, enc] of [[hex, "hex"], [hex.toUpperCase(), "hex"], [hex + "z", "hex"], [hex.slice(1), "hex"], [b64, "base64"], [b64url, "base64url"], [b64url, "base64"], [b64, "base64url"], [b64.replace(/(.{4})/g, "$1 \n"), "base64"]] as const) {
      same(`from(${JSON.stringify(s)}, ${enc})`, () => [...Buffer.from(s, enc)], () => [...Shim.from(s, enc)]);
      same(`byteLength(${JSON.stringify(s)}, ${enc})`, () => Buffer.byteLength(s, enc), () => Shim.byteLength(s, enc));
    }
  }
  same("from(string) defaults to utf8", () => [...Buffer.from("é😀\ud800")], () => [...Shim.from("é😀\ud800")]);
  same("from(array)", () => [...Buffer.from([256, -1, 1.7, 300, NaN])], () => [...Shim.from([256, -1, 1.7, 300, NaN])]);
  same("from(Uint16Array)", () => [...Buffer.from(new Uint16Array([300, 65535, 7]))], () => [...Shim.from(new Uint16Array([300, 65535, 7]))]);
  same("from(Float64Array)", () => [...Buffer.from(new Float64Array([1.9, -1, 256.5]))], () => [...Shim.from(new Float64Array([1.9, -1, 256.5]))]);
  const ab = randomBytes(16).buffer;
  for (const [off, len] of [[undefined, undefined], [3, undefined], [3, 5], [16, undefined], [17, undefined], [2, 20], [0, 0]] as const) {
    same(`from(arrayBuffer, ${off}, ${len})`, () => {
      const b = Buffer.from(ab, off, len);
      return [b.byteOffset, b.length, b.buffer === ab];
    }, () => {
      const b = Shim.from(ab, off, len);
      return [b.byteOffset, b.length, b.buffer === ab];
    });
  }
});

test("allocation, isBuffer and concat", () => {
  const b = Shim.allocUnsafeSlow(100);
  assert.ok(b instanceof Uint8Array && b instanceof Shim);
  assert.equal(b.length, 100);
  assert.equal(b.byteOffset, 0);
  assert.equal(b.buffer.byteLength, 100, "its own memory, not a pool slice");
  assert.deepEqual([...Shim.alloc(3, 7)], [7, 7, 7]);
  assert.ok(Shim.isBuffer(Shim.from("x")));
  assert.ok(!Shim.isBuffer(new Uint8Array(1)));
  assert.deepEqual([...Shim.concat([Shim.from("ab"), Uint8Array.of(1)])], [97, 98, 1]);
  assert.deepEqual([...Shim.concat([Shim.from("abc")], 2)], [97, 98]);
  // Typed-array methods make Buffers, as Node's do.
  assert.ok(Shim.from("abc").subarray(1) instanceof Shim);
  assert.equal(Shim.BYTES_PER_ELEMENT, 1);
});

test("slicing 16 MiB is fast (chunked fromCharCode, not per-character concatenation)", () => {
  const bytes = randomBytes(16 << 20);
  const shim = Shim.from(bytes.buffer);
  const t0 = performance.now();
  const l = shim.latin1Slice(0, bytes.length);
  const u = shim.ucs2Slice(0, bytes.length);
  const ms = performance.now() - t0;
  assert.equal(l, (Buffer.from(bytes.buffer) as NodeBuf).latin1Slice(0, bytes.length));
  assert.equal(u, (Buffer.from(bytes.buffer) as NodeBuf).ucs2Slice(0, bytes.length));
  assert.ok(ms < 3000, `took ${ms} ms`);
});

test("util: isProxy cannot tell, inspect.custom is Node's symbol", () => {
  assert.equal(types.isProxy(new Proxy({}, {})), false);
  assert.equal(inspect.custom, Symbol.for("nodejs.util.inspect.custom"));
  assert.equal(inspect({ [inspect.custom]: () => "custom!" }), "custom!");
  assert.equal(inspect({ a: [1, 2n] }), '{"a":[1,"2n"]}');
  assert.equal(inspect("s"), "'s'");
});
