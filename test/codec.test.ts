import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeValue, decodeValue } from "../src/codec.js";
import { MPIError } from "../src/errors.js";

function rt<T>(v: T): T {
  return decodeValue<T>(encodeValue(v));
}

/** Decodes from a view into shared memory at an odd offset, then scribbles over that memory. */
function rtShared<T>(v: T): T {
  const bytes = encodeValue(v);
  const sab = new SharedArrayBuffer(bytes.length + 16);
  const view = new Uint8Array(sab, 3, bytes.length);
  view.set(bytes);
  const out = decodeValue<T>(view);
  new Uint8Array(sab).fill(0xa5);
  return out;
}

function assertErr(fn: () => unknown, cls: string, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MPIError, `expected MPIError, got ${String(e)}`);
    assert.equal(e.errorClass, cls);
    if (msg) assert.match(e.message, msg);
    return true;
  });
}

const LONG_ASCII = "abcdefghij".repeat(10_000);
const SAMPLES: Record<string, unknown> = {
  zero: 0, negZero: -0, nan: NaN, inf: Infinity, ninf: -Infinity, int: 42, negInt: -7,
  int32max: 2 ** 31 - 1, int32min: -(2 ** 31), beyondInt32: 2 ** 31, float: 2.5, tiny: Number.MIN_VALUE,
  maxSafe: Number.MAX_SAFE_INTEGER, t: true, f: false, nul: null, undef: undefined,
  empty: "", ascii: "hello", latin1: "héllo wörld", bmp: "日本語", nonBmp: "a😀b", lone: "x\uD800y", loneLow: "\uDC00",
  longAscii: LONG_ASCII, longLatin1: "é".repeat(5000), longBmp: "中文".repeat(3000),
  longNonBmp: "😀".repeat(3000), longLone: "ab".repeat(100) + "\uD83D" + "cd".repeat(100), asciiThenOther: "a".repeat(40) + "€",
  big0: 0n, big: 123n, bigNeg: -456n, huge: 2n ** 4000n + 12345n, hugeNeg: -(3n ** 2000n),
};

test("primitives round-trip exactly (-0, NaN, lone surrogates, huge BigInt)", () => {
  for (const [name, v] of Object.entries(SAMPLES)) {
    assert.deepEqual(rt(v), v, name);
    assert.ok(Object.is(rt(v), v), name);
    assert.ok(Object.is(rtShared(v), v), `${name} (shared, odd offset)`);
  }
});

test("primitives inside trees round-trip", () => {
  const obj = { ...SAMPLES };
  assert.deepEqual(rt(obj), obj);
  assert.deepEqual(rtShared(obj), obj);
  const arr = Object.values(SAMPLES);
  assert.deepEqual(rt(arr), arr);
  assert.ok(Object.is(rt([-0])[0], -0));
  assert.ok(Object.is(rt({ x: -0 }).x, -0));
});

test("arrays: dense, numeric, holey, sparse, nested, empty", () => {
  const nums = Array.from({ length: 1000 }, (_, i) => i * 1.5 - 300);
  assert.deepEqual(rt(nums), nums);
  assert.deepEqual(rtShared(nums), nums);
  assert.deepEqual(rt([1, -0, NaN, Infinity]), [1, -0, NaN, Infinity]);
  assert.deepEqual(rt([]), []);
  assert.deepEqual(rt([[]]), [[]]);
  // eslint-disable-next-line no-sparse-arrays
  const holey = [1, , 3];
  const h = rt(holey);
  assert.equal(h.length, 3);
  assert.ok(!(1 in h));
  assert.deepEqual(h, holey);
  const sparse: number[] = [];
  sparse[100_000] = 1;
  const s = rt(sparse);
  assert.equal(s.length, 100_001);
  assert.equal(s[100_000], 1);
  assert.ok(!(5 in s));
  const nested = [1, "two", [3, [4, { five: [5] }]], null, undefined, true];
  assert.deepEqual(rt(nested), nested);
  const big = Array.from({ length: 60_000 }, (_, i) => i);
  assert.deepEqual(rt(big), big);
  assert.deepEqual(rt([undefined, undefined]), [undefined, undefined]);
});

test("plain objects, null-prototype objects and odd keys", () => {
  const o = { a: 1, b: 2.5, c: "hello", d: [1, 2], e: null, "key with space": 1, "ключ": 2, "😀": 3, 7: "seven", nested: { deep: { deeper: {} } } };
  assert.deepEqual(rt(o), o);
  const np = Object.assign(Object.create(null) as Record<string, unknown>, { x: 1, y: { z: 2 } });
  // As structured clone gives it, whichever path the value takes (a Map beside it sends the whole value through v8).
  for (const r of [rt(np), (rt([np, new Map()]) as unknown[])[0]]) {
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.deepEqual({ ...(r as object) }, { ...structuredClone(np) });
  }
  const proto = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const rp = rt(proto);
  assert.equal(Object.getPrototypeOf(rp), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(rp, "__proto__"));
  assert.deepEqual(Object.keys(rp), ["__proto__", "a"]);
  const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i % 2 ? i : `v${i}`]));
  assert.deepEqual(rt(many), many);
});

test("Map, Set, Date, RegExp, Error, boxed primitives", () => {
  const m = new Map<unknown, unknown>([[1, "one"], ["two", { n: 2 }], [{ k: 1 }, [3]]]);
  assert.deepEqual(rt(m), m);
  const s = new Set([1, "a", { b: 2 }]);
  assert.deepEqual(rt(s), s);
  const d = new Date(1_700_000_000_123);
  assert.deepEqual(rt(d), d);
  const re = /ab+c/giu;
  const rre = rt(re);
  assert.ok(rre instanceof RegExp);
  assert.equal(rre.source, re.source);
  assert.equal(rre.flags, re.flags);
  const err = rt(new TypeError("bad thing"));
  assert.ok(err instanceof TypeError);
  assert.equal(err.message, "bad thing");
  assert.deepEqual(rt(Object(3)), Object(3));
  assert.deepEqual(rt(Object("str")), Object("str"));
  assert.deepEqual(rt(Object(false)), Object(false));
  assert.deepEqual(rt(Object(5n)), Object(5n));
  const mixed = { when: d, tags: s, index: m, list: [d, re] };
  assert.deepEqual(rtShared(mixed), mixed);
});

test("class instances arrive as plain objects", () => {
  class Point {
    constructor(public x: number, public y: number) {}
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  const r = rt({ p: new Point(1, 2) });
  assert.equal(Object.getPrototypeOf(r.p), Object.prototype);
  assert.deepEqual(r, { p: { x: 1, y: 2 } });
  assert.deepEqual(rt(new Point(3, 4)), { x: 3, y: 4 });
});

const VIEW_CTORS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

test("typed arrays of every type, subarray views, ArrayBuffer, DataView, Buffer", () => {
  for (const C of VIEW_CTORS) {
    const whole = new C(20);
    for (let i = 0; i < 20; i++) (whole as unknown as Record<number, unknown>)[i] = C === BigInt64Array || C === BigUint64Array ? BigInt(i * 3 + 1) : i * 3 + 1;
    const view = whole.subarray(3, 11);
    for (const [label, dec] of [["plain", rt(view)], ["shared", rtShared(view)], ["in tree", rt({ v: view }).v], ["in v8 path", rt(new Map([[1, view]])).get(1)!]] as const) {
      assert.equal(dec.constructor, C, `${C.name} ${label}`);
      assert.deepEqual(dec, view, `${C.name} ${label}`);
      assert.equal(dec.byteOffset, 0, `${C.name} ${label}`);
      assert.equal(dec.buffer.byteLength, view.byteLength, `${C.name} ${label}: fresh, exactly-sized buffer`);
    }
  }
  const ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
  assert.deepEqual(rt(ab), ab);
  assert.deepEqual(rtShared(ab), ab);
  assert.deepEqual(rt({ ab }).ab, ab);
  const dv = new DataView(new Uint8Array([9, 8, 7, 6, 5, 4]).buffer, 1, 4);
  const rdv = rt(dv);
  assert.ok(rdv instanceof DataView);
  assert.deepEqual([...new Uint8Array(rdv.buffer)], [8, 7, 6, 5]);
  const b = Buffer.from("buffer bytes");
  const rb = rt(b);
  assert.ok(Buffer.isBuffer(rb));
  assert.equal(rb.toString(), "buffer bytes");
  assert.equal(rb.buffer.byteLength, b.length, "not a slice of Node's pool");
  const rbv = rt(new Map([[1, b]])).get(1)!;
  assert.ok(Buffer.isBuffer(rbv));
  assert.equal(rbv.toString(), "buffer bytes");
  assert.equal(rbv.buffer.byteLength, b.length);
  // A typed array over shared memory is sent by value like any other.
  const onShared = new Int32Array(new SharedArrayBuffer(16)).fill(7);
  const ros = rt(onShared);
  assert.ok(!(ros.buffer instanceof SharedArrayBuffer));
  assert.deepEqual([...ros], [7, 7, 7, 7]);
});

test("shared and cyclic references are preserved", () => {
  const x = { v: 1 };
  const r = rt({ a: x, b: x, list: [x] });
  assert.equal(r.a, r.b);
  assert.equal(r.a, r.list[0]);
  const arrShared = [1, 2];
  const r2 = rt([arrShared, arrShared]);
  assert.equal(r2[0], r2[1]);
  type Cyc = { name: string; self?: Cyc; kids: Cyc[] };
  const c: Cyc = { name: "root", kids: [] };
  c.self = c;
  c.kids.push({ name: "kid", kids: [c] });
  const rc = rt(c);
  assert.equal(rc.self, rc);
  assert.equal(rc.kids[0]!.kids[0], rc);
  const ca: unknown[] = [1];
  ca.push(ca);
  const rca = rt(ca);
  assert.equal(rca[1], rca);
  const ta = new Float64Array([1, 2]);
  const rta = rt({ p: ta, q: ta });
  assert.equal(rta.p, rta.q);
  // More than the linear-scan threshold of distinct objects, then a repeat.
  const objs = Array.from({ length: 40 }, (_, i) => ({ i }));
  const rr = rt([...objs, objs[0]]);
  assert.equal(rr[0], rr[40]);
  assert.notEqual(rr[0], rr[1]);
});

test("decoded values are independent copies", () => {
  const src = { arr: [1, 2, 3], ta: new Uint8Array([1, 2, 3]), s: "x" };
  const bytes = encodeValue(src);
  src.arr[0] = 99;
  src.ta[0] = 99;
  const out = decodeValue<typeof src>(bytes);
  assert.deepEqual(out, { arr: [1, 2, 3], ta: new Uint8Array([1, 2, 3]), s: "x" });
  bytes.fill(0);
  assert.deepEqual(out, { arr: [1, 2, 3], ta: new Uint8Array([1, 2, 3]), s: "x" });
  const t = new Float64Array([1.5, 2.5]);
  const tb = encodeValue(t);
  t[0] = 0;
  const tout = decodeValue<Float64Array>(tb);
  tb.fill(0);
  assert.deepEqual([...tout], [1.5, 2.5]);
});

test("encodings never share bytes with each other and are plain Uint8Arrays", () => {
  const vals = Array.from({ length: 2000 }, (_, i) => (i % 2 ? { i, s: "x".repeat(i % 300) } : Array.from({ length: i % 90 }, (_, j) => j + 0.5)));
  const enc = vals.map((v) => encodeValue(v));
  enc.forEach((b, i) => assert.deepEqual(decodeValue(b), vals[i]));
  assert.ok(enc.every((b) => Object.getPrototypeOf(b) === Uint8Array.prototype));
  enc[0]!.fill(0xee);
  enc.slice(1).forEach((b, i) => assert.deepEqual(decodeValue(b), vals[i + 1]));
});

test("decoding from shared memory at every offset never aliases it", () => {
  const values: unknown[] = [
    [1.5, 2.5, 3.5], new Float64Array([1, 2, 3]), new BigInt64Array([1n, -2n]), new Uint8Array([4, 5]).buffer,
    { t: new Int16Array([1, 2, 3]), n: [0.5, 1.5, 2.5, NaN, -0], m: [[1, 2, 3, 4, 5], "x", [6, 7, 8, 9]] }, new Map([["k", new Float32Array([1, 2])]]), new Set([new Uint32Array([9])]),
    LONG_ASCII, "中文".repeat(100), { s: LONG_ASCII },
  ];
  for (const v of values) {
    const bytes = encodeValue(v);
    for (let off = 0; off < 8; off++) {
      const sab = new SharedArrayBuffer(bytes.length + 8);
      const view = new Uint8Array(sab, off, bytes.length);
      view.set(bytes);
      const out = decodeValue(view);
      new Uint8Array(sab).fill(0xff);
      assert.deepEqual(out, v, `offset ${off}`);
    }
  }
});

test("functions and symbols anywhere are ERR_TYPE errors naming where they are", () => {
  assertErr(() => encodeValue({ task: { run() {} } }), "ERR_TYPE", /a function at \.task\.run cannot be sent \(only structured-cloneable values can\)/);
  assertErr(() => encodeValue(() => 1), "ERR_TYPE", /a function \(the value itself\)/);
  assertErr(() => encodeValue(Symbol("s")), "ERR_TYPE", /a symbol/);
  assertErr(() => encodeValue([1, [2, [3, Symbol("deep")]]]), "ERR_TYPE", /a symbol at \[1\]\[1\]\[1\]/);
  assertErr(() => encodeValue({ "odd key": [{ f: Math.max }] }), "ERR_TYPE", /a function at \["odd key"\]\[0\]\.f/);
  assertErr(() => encodeValue(new Map([["k", { cb: () => 0 }]])), "ERR_TYPE", /a function at \.get\("k"\)\.cb/);
  assertErr(() => encodeValue({ s: new Set([1, Symbol.iterator]) }), "ERR_TYPE", /a symbol at \.s\.values\(\)\[1\]/);
  class Job {
    cb = (): void => {};
  }
  assertErr(() => encodeValue({ jobs: [new Job()] }), "ERR_TYPE", /a function at \.jobs\[0\]\.cb/);
  assertErr(() => encodeValue({ w: new WeakMap() }), "ERR_TYPE", /a WeakMap at \.w/);
  assertErr(() => encodeValue({ p: Promise.resolve(1) }), "ERR_TYPE", /a Promise at \.p/);
  assertErr(() => encodeValue(new SharedArrayBuffer(8)), "ERR_TYPE", /SharedArrayBuffer/);
  const { port1, port2 } = new MessageChannel();
  try {
    assertErr(() => encodeValue({ port: port1 }), "ERR_TYPE", /MessagePort object at \.port/);
  } finally {
    port1.close();
    port2.close();
  }
  // Deep inside a big tree that would otherwise take the fast path.
  const deep: Record<string, unknown> = { leaf: Symbol("x") };
  let cur = deep;
  for (let i = 0; i < 50; i++) cur = { next: cur };
  assertErr(() => encodeValue(cur), "ERR_TYPE", /a symbol at (\.next){50}\.leaf/);
  // In a cyclic structure (v8 path).
  const cyc: Record<string, unknown> = { f: (): void => {} };
  cyc.me = cyc;
  assertErr(() => encodeValue(cyc), "ERR_TYPE", /a function at \.f/);
});

test("deep nesting falls back cleanly", () => {
  let v: unknown = 1;
  for (let i = 0; i < 500; i++) v = [v];
  assert.deepEqual(rt(v), v);
});

test("getters that encode re-entrantly do not corrupt the outer encoding", () => {
  const inner = { a: [1, 2, "x"] };
  const outer = {
    get g(): number {
      encodeValue(inner);
      return 5;
    },
    tail: "tail",
  };
  assert.deepEqual(rt(outer), { g: 5, tail: "tail" });
});

test("errors thrown by the value's getters pass through unchanged", () => {
  const boom = new RangeError("boom");
  const plain = { get bad(): number { throw boom; } };
  assert.throws(() => encodeValue(plain), (e) => e === boom);
  class Holder {}
  const h = new Holder();
  Object.defineProperty(h, "bad", { enumerable: true, get() { throw boom; } });
  assert.throws(() => encodeValue({ h }), (e) => e === boom);
});

test("malformed input is an ERR_OTHER error, never a crash", () => {
  const bad: Uint8Array[] = [
    new Uint8Array(0), Uint8Array.of(250), Uint8Array.of(4, 1, 2), Uint8Array.of(5, 1), Uint8Array.of(0, 0), Uint8Array.of(8, 1, 2, 3),
    Uint8Array.of(9, 0, 0), Uint8Array.of(10), Uint8Array.of(10, 99, 1, 2), Uint8Array.of(10, 8, 1, 2, 3), Uint8Array.of(12, 0, 120),
    Uint8Array.of(12, 5, 49), Uint8Array.of(16), Uint8Array.of(16, 13, 5, 4), Uint8Array.of(16, 14, 1, 99, 0), Uint8Array.of(16, 13, 0xff, 0xff, 0xff, 0xff, 0x7f),
    Uint8Array.of(17), Uint8Array.of(17, 1, 2, 3),
  ];
  for (const b of bad) assertErr(() => decodeValue(b), "ERR_OTHER", /malformed/);
  // Truncations of valid messages of every kind.
  const samples = [{ a: 1, b: [1, 2, "three"], c: { d: null } }, [1.5, 2.5], new Float64Array(4), new Map([[1, 2]]), "hello world", 12345n, 3.25, 7];
  for (const s of samples) {
    const bytes = encodeValue(s);
    for (let cut = 0; cut < bytes.length; cut++) {
      try {
        decodeValue(bytes.subarray(0, cut));
      } catch (e) {
        assert.ok(e instanceof MPIError && e.errorClass === "ERR_OTHER", `cut ${cut} of ${String(s)}: ${String(e)}`);
      }
    }
  }
  // Random garbage behind every tag.
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(1 + Math.floor(rnd() * 40));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
    b[0] = i % 20;
    try {
      decodeValue(b);
    } catch (e) {
      assert.ok(e instanceof MPIError && e.errorClass === "ERR_OTHER", String(e));
    }
  }
});
