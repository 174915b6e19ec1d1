/**
 * The browser `node:v8` shim against the real thing: whatever goes through it must come
 * back as `structuredClone` would give it. The last tests bundle src/codec.ts with the
 * shims in place of node:v8, node:util and Buffer, as the browser build does, and run the
 * codec itself through them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { DefaultSerializer, Deserializer } from "../../../src/browser/node/v8.js";
import { Buffer as ShimBuffer } from "../../../src/browser/node/buffer.js";
import * as nodeCodec from "../../../src/codec.js";

function encode(v: unknown): Uint8Array {
  const ser = new DefaultSerializer();
  ser.writeHeader();
  ser.writeValue(v);
  const b = ser.releaseBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function decode(bytes: Uint8Array): unknown {
  const des = new Deserializer(bytes);
  assert.equal(des.readHeader(), true);
  return des.readValue();
}

/** Through the shim, decoding from shared memory at an odd offset that is scribbled over afterwards. */
function rt<T>(v: T): T {
  const bytes = encode(v);
  const sab = new SharedArrayBuffer(bytes.length + 8);
  const view = new Uint8Array(sab, 3, bytes.length);
  view.set(bytes);
  const out = decode(view) as T;
  new Uint8Array(sab).fill(0xa5);
  return out;
}

function sparse(): unknown[] {
  const a: unknown[] = [];
  a[1_000_000] = "last";
  a[3] = { three: 3 };
  (a as unknown as Record<string, unknown>).extra = "x";
  return a;
}

function withExtras(): unknown[] {
  const a: unknown[] = [1, 2, 3];
  (a as unknown as Record<string, unknown>).foo = "bar";
  (a as unknown as Record<string, unknown>)["-1"] = "not an index";
  return a;
}

class Point {
  constructor(public x: number, public y: number) {}
  get norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

function nullProto(): object {
  return Object.assign(Object.create(null) as object, { a: 1, b: { c: [2] } });
}

const base = new Uint8Array(64).map((_, i) => i * 7);
const viewCtors = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];

/** Values structured clone accepts, each as a factory so every use gets a fresh one. */
const TABLE: Record<string, () => unknown> = {
  undef: () => undefined, nul: () => null, t: () => true, f: () => false,
  zero: () => 0, negZero: () => -0, nan: () => NaN, inf: () => Infinity, ninf: () => -Infinity, int: () => 42, negInt: () => -7,
  int32max: () => 2 ** 31 - 1, int32min: () => -(2 ** 31), beyond: () => 2 ** 31, float: () => 0.1, tiny: () => Number.MIN_VALUE, maxSafe: () => Number.MAX_SAFE_INTEGER,
  big0: () => 0n, big: () => 123n, bigNeg: () => -(2n ** 200n), huge: () => 3n ** 5000n,
  empty: () => "", ascii: () => "hello", latin1: () => "\x80é\xff", bmp: () => "日本語", astral: () => "a😀b", lone: () => "x\ud800y\udc00",
  long: () => "abc".repeat(10_000) + "€",
  numberObj: () => Object(-0), nanObj: () => Object(NaN), stringObj: () => Object("boxed é 😀"), trueObj: () => Object(true), falseObj: () => Object(false), bigObj: () => Object(-5n),
  date: () => new Date(1_700_000_000_123), badDate: () => new Date(NaN),
  regexp: () => /a+(?<n>b)\//dgimsuy, regexpV: () => new RegExp("[\\p{L}--[a-z]]", "v"),
  regexpLastIndex: () => Object.assign(/x/g, { lastIndex: 5 }),
  map: () => new Map<unknown, unknown>([[1, "one"], ["k", { v: [1] }], [{ key: 1 }, new Set([1])], [NaN, -0]]),
  set: () => new Set<unknown>([1, "1", 1n, null, undefined, { a: 1 }, [2]]),
  array: () => [1, "two", [3, [4, { five: 5 }]], null, undefined, true],
  holes: () => [1, , 3, , ], // eslint-disable-line no-sparse-arrays
  sparse, withExtras,
  emptyArr: () => [], arrayOfUndef: () => [undefined, undefined],
  object: () => ({ a: 1, "key with space": [2], "ключ": 3, "😀": 4, 7: "seven", nested: { deep: { deeper: {} } } }),
  protoKey: () => JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown,
  nullProto,
  instance: () => new Point(3, 4),
  toStringTagInstance: () => new (class Tagged { a = 1; get [Symbol.toStringTag](): string { return "Tagged"; } })(),
  symbolKeys: () => ({ [Symbol("hidden")]: 1, shown: 2 }),
  nonEnumerable: () => Object.defineProperty({ shown: 1 }, "hidden", { value: 2, enumerable: false }),
  mathObject: () => Math,
  arrayBuffer: () => base.slice(3, 20).buffer,
  emptyArrayBuffer: () => new ArrayBuffer(0),
  resizable: () => { const ab = new (ArrayBuffer as new (n: number, o: object) => ArrayBuffer)(4, { maxByteLength: 32 }); new Uint8Array(ab).set([1, 2, 3, 4]); return ab; },
  dataView: () => new DataView(base.buffer, 5, 11),
  mapSubclass: () => new (class M extends Map<number, number> {})([[1, 2]]),
  error: () => new Error("plain"),
  typeError: () => new TypeError("typed", { cause: { why: [1, 2] } }),
  rangeError: () => new RangeError("range"),
  evalError: () => new EvalError("e"), refError: () => new ReferenceError("r"), syntaxError: () => new SyntaxError("s"), uriError: () => new URIError("u"),
  aggregateError: () => new AggregateError([1], "agg"),
  namedError: () => Object.assign(new Error("x"), { name: "TypeError", extra: 1 }),
  noMessageError: () => new Error(),
  mixed: () => ({ when: new Date(0), tags: new Set(["a"]), index: new Map([["k", [1.5, -0]]]), re: /z/ }),
  ...Object.fromEntries(viewCtors.map((C) => [`${C.name}View`, () => new C(base.buffer, 8, 3)])),
};

function expected(v: unknown): unknown {
  return structuredClone(v);
}

/** deepStrictEqual, except that it calls two Invalid Dates different. */
function assertClone(got: unknown, want: unknown, label: string): void {
  if (want instanceof Date && Number.isNaN(want.getTime())) {
    assert.ok(got instanceof Date && Number.isNaN(got.getTime()), label);
    return;
  }
  assert.deepStrictEqual(got, want, label);
}

test("every value in the table comes back as structuredClone gives it", () => {
  for (const [name, make] of Object.entries(TABLE)) {
    const got = rt(make());
    assertClone(got, expected(make()), name);
    assert.ok(!(got instanceof Point), name);
  }
});

test("-0, NaN and boxed primitives keep their exact values", () => {
  assert.ok(Object.is(rt(-0), -0));
  assert.ok(Number.isNaN(rt(NaN)));
  assert.ok(Object.is(rt([-0])[0], -0));
  assert.ok(Object.is((rt(Object(-0)) as number).valueOf(), -0));
  assert.equal(typeof rt(Object(5n)), "object");
  assert.equal((rt(Object(5n)) as bigint).valueOf(), 5n);
  assert.equal(rt(3n ** 5000n), 3n ** 5000n);
});

test("arrays keep holes, sparseness, length and extra properties", () => {
  const h = rt(TABLE.holes!()) as unknown[];
  assert.equal(h.length, 4);
  assert.deepEqual(Object.keys(h), ["0", "2"]);
  const s = rt(sparse());
  assert.equal(s.length, 1_000_001);
  assert.deepEqual(Object.keys(s), ["3", "1000000", "extra"]);
  const e = rt(withExtras()) as unknown as Record<string, unknown>;
  assert.equal(e.foo, "bar");
  assert.equal(e["-1"], "not an index");
  assert.equal((e as unknown as unknown[]).length, 3);
  const big = Array.from({ length: 100_000 }, (_, i) => (i % 3 ? i : `s${i}`));
  assert.deepStrictEqual(rt(big), big);
});

test("plain objects: prototypes become Object.prototype, keys stay own and in order", () => {
  assert.equal(Object.getPrototypeOf(rt(nullProto())), Object.prototype);
  const p = rt(new Point(1, 2));
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.deepEqual(Object.keys(p), ["x", "y"]);
  const k = rt(TABLE.protoKey!()) as object;
  assert.equal(Object.getPrototypeOf(k), Object.prototype);
  assert.deepEqual(Object.keys(k), ["__proto__", "a"]);
  assert.deepEqual(Object.keys(rt(TABLE.object!()) as object), Object.keys(TABLE.object!() as object));
});

test("RegExp: source and flags kept, lastIndex reset", () => {
  const r = rt(TABLE.regexpLastIndex!()) as RegExp;
  assert.equal(r.lastIndex, 0);
  assert.equal(r.flags, "g");
  const d = rt(TABLE.regexp!()) as RegExp;
  assert.equal(d.source, (TABLE.regexp!() as RegExp).source);
  assert.equal(d.flags, "dgimsuy");
});

test("errors: prototype by name, message, stack and cause as V8's structuredClone gives them", () => {
  for (const [name, make] of Object.entries(TABLE)) {
    const src = make();
    if (!(src instanceof Error)) continue;
    const got = rt(src);
    const want = expected(src) as Error;
    assert.equal(Object.getPrototypeOf(got), Object.getPrototypeOf(want), name);
    assert.equal(got.name, want.name, name);
    for (const field of ["message", "stack", "cause"]) {
      assert.deepStrictEqual(Object.getOwnPropertyDescriptor(got, field), Object.getOwnPropertyDescriptor(want, field), `${name}.${field}`);
    }
    assert.deepEqual(Object.keys(got), [], name);
  }
  const withStackless = new Error("x");
  Object.defineProperty(withStackless, "stack", { value: 5 });
  assert.equal(rt(withStackless).stack, undefined);
  const nonStringMessage = Object.assign(new Error(), { message: 5 });
  assert.equal(rt(nonStringMessage).message, "5");
  // Not a genuine error, only an object inheriting from Error.prototype: a plain object.
  const fake = Object.assign(Object.create(Error.prototype) as object, { message: "m" });
  assert.deepStrictEqual(rt(fake), expected(fake));
});

test("shared and cyclic references keep their identity within one value", () => {
  const x = { v: 1 };
  const r = rt({ a: x, b: x, list: [x], m: new Map([[x, x]]) });
  assert.equal(r.a, r.b);
  assert.equal(r.a, r.list[0]);
  assert.equal([...r.m.keys()][0], r.a);
  assert.equal(r.m.get(r.a), r.a);
  type Cyc = { self?: Cyc; kids: Cyc[] };
  const c: Cyc = { kids: [] };
  c.self = c;
  c.kids.push({ kids: [c] });
  const rc = rt(c);
  assert.equal(rc.self, rc);
  assert.equal(rc.kids[0]!.kids[0], rc);
  const m = new Map<string, unknown>();
  m.set("me", m);
  const rm = rt(m);
  assert.equal(rm.get("me"), rm);
  const s = new Set<unknown>();
  s.add(s);
  const rs = rt(s);
  assert.ok(rs.has(rs));
  const ta = new Float64Array([1, 2]);
  const rta = rt([ta, ta, new Date(5), ta]);
  assert.equal(rta[0], rta[1]);
  assert.equal(rta[0], rta[3]);
  const boxed = Object("s");
  const rb = rt([boxed, boxed]);
  assert.equal(rb[0], rb[1]);
  // structuredClone in Node 20 fails on an error whose cause is itself; the shim keeps the cycle.
  const e = new Error("loop");
  e.cause = e;
  const re = rt(e);
  assert.equal(re.cause, re);
});

test("typed arrays and DataViews carry only their own bytes, in fresh exactly-sized buffers", () => {
  type AnyView = new (b: ArrayBuffer, offset: number, length: number) => ArrayBufferView;
  for (const C of [...viewCtors, DataView] as AnyView[]) {
    const src = new C(base.buffer, 8, C === DataView ? 11 : 3);
    const got = rt(src) as ArrayBufferView;
    assert.equal(got.constructor, C, C.name);
    assert.equal(got.byteOffset, 0, C.name);
    assert.equal(got.byteLength, src.byteLength, C.name);
    assert.equal(got.buffer.byteLength, src.byteLength, C.name);
    assert.ok(got.buffer instanceof ArrayBuffer, C.name);
    assert.deepEqual(new Uint8Array(got.buffer), new Uint8Array(base.buffer, 8, src.byteLength), C.name);
  }
  class Sub extends Uint16Array {}
  assert.equal(rt(new Sub(3)).constructor, Uint16Array);
  const sb = rt(ShimBuffer.from("shim bytes"));
  assert.ok(sb instanceof ShimBuffer);
  assert.equal(sb.toString(), "shim bytes");
  const onShared = new Int32Array(new SharedArrayBuffer(16)).fill(7);
  const ros = rt(onShared);
  assert.ok(ros.buffer instanceof ArrayBuffer);
  assert.deepEqual([...ros], [7, 7, 7, 7]);
  const rab = rt(TABLE.resizable!()) as ArrayBuffer & { resizable: boolean; maxByteLength: number };
  assert.equal(rab.resizable, true);
  assert.equal(rab.maxByteLength, 32);
});

test("what structured clone refuses throws 'could not be cloned'", () => {
  const { port1, port2 } = new MessageChannel();
  const refused: Record<string, unknown> = {
    fn: () => 1, sym: Symbol("s"), weakMap: new WeakMap(), weakSet: new WeakSet(), weakRef: new WeakRef({}), promise: Promise.resolve(),
    sab: new SharedArrayBuffer(4), finalization: new FinalizationRegistry(() => {}), boxedSymbol: Object(Symbol("b")),
    generator: (function* () {})(), iterator: [1][Symbol.iterator](), mapIterator: new Map().keys(), intl: new Intl.NumberFormat(), port: port1,
    args: (function (..._a: unknown[]) { return arguments; })(1), global: globalThis,
    weakMapSubclass: new (class W extends WeakMap {})(),
  };
  try {
    for (const [name, v] of Object.entries(refused)) {
      for (const wrapped of [v, { deep: [1, { v }] }, new Map([[1, v]])]) {
        assert.throws(() => encode(wrapped), /could not be cloned/, name);
      }
      // Node's structuredClone shares a SharedArrayBuffer; its v8.serialize (and so the codec) refuses it.
      // Node's structuredClone asks for a MessagePort to be transferred rather than saying it cannot clone it.
      if (name !== "sab" && name !== "port") assert.throws(() => structuredClone(v), /could not be cloned/, `${name}: structuredClone refuses it too`);
    }
  } finally {
    port1.close();
    port2.close();
  }
  const { port1: p } = new MessageChannel();
  p.close();
});

test("garbage input throws, never hangs or passes silently", () => {
  const bad = [
    [], [0xff], [0xfe, 1], [0xff, 1], [0xff, 1, 99], [0xff, 1, 13], [0xff, 1, 9, 0], [0xff, 1, 11, 5, 1], [0xff, 1, 7, 200],
    [0xff, 1, 6, 2, 1, 0x31], [0xff, 1, 6, 0, 1, 0x7a], [0xff, 1, 6, 0, 0], [0xff, 1, 20, 99, 0], [0xff, 1, 20, 8, 3, 1, 2, 3],
    [0xff, 1, 21, 9, 0], [0xff, 1, 21, 0, 8], [0xff, 1, 15, 7, 1, 0x28, 7, 0], [0xff, 1, 15, 7, 1, 0x61, 7, 1, 0x71],
    [0xff, 1, 10, 1, 4, 0], [0xff, 1, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xff, 1, 19, 4, 2, 1, 2, 3, 4],
    [0xff, 1, 11, 0xff, 0xff, 0xff, 0xff, 0x0f],
  ];
  for (const b of bad) assert.throws(() => decode(Uint8Array.from(b)), Error, JSON.stringify(b));
  // Every strict prefix of a valid encoding is truncated, since counts come before contents.
  for (const [name, make] of Object.entries(TABLE)) {
    const bytes = encode(make());
    if (bytes.length > 2000) continue;
    for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => decode(bytes.subarray(0, cut)), Error, `${name} cut at ${cut}`);
  }
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const start = Date.now();
  for (let i = 0; i < 20_000; i++) {
    const b = new Uint8Array(3 + Math.floor(rnd() * 30));
    for (let j = 0; j < b.length; j++) b[j] = rnd() < 0.5 ? Math.floor(rnd() * 28) : Math.floor(rnd() * 256);
    b[0] = 0xff;
    b[1] = 1;
    try {
      decode(b);
    } catch (e) {
      assert.ok(e instanceof Error, String(e));
    }
  }
  assert.ok(Date.now() - start < 20_000, "random input decodes (or fails) quickly");
});

test("a 100 000-deep array either works or throws RangeError about the call stack", () => {
  let v: unknown = [];
  for (let i = 0; i < 100_000; i++) v = [v];
  try {
    const bytes = encode(v);
    let out = decode(bytes);
    let depth = 0;
    while (Array.isArray(out) && out.length === 1) {
      out = out[0];
      depth++;
    }
    assert.equal(depth, 100_000);
  } catch (e) {
    assert.ok(e instanceof RangeError && /call stack/i.test(e.message), String(e));
  }
  // Nothing is left half-done: the same classes still work afterwards.
  assert.deepStrictEqual(rt({ after: [1] }), { after: [1] });
});

// ---- The codec with the shims in place, as the browser bundle has it -------------------------

/**
 * Where the codec's fast paths differ from structured clone, the same on Node, so a codec
 * matter and not the shims': its numeric-array and tree formats drop an array's non-index
 * properties (docs/api.md, "Values and buffers").
 */
const CODEC_FAST_PATH_DIFFERS = new Set(["withExtras"]);

type Codec = { encodeValue(v: unknown): Uint8Array; decodeValue(b: Uint8Array): unknown; Buffer: typeof ShimBuffer };

async function bundledCodec(): Promise<{ codec: Codec; dir: string }> {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const shims = join(root, "src/browser/node");
  const dir = mkdtempSync(join(tmpdir(), "mpi4ts-codec-"));
  const inject = join(dir, "inject-buffer.js");
  writeFileSync(inject, `export { Buffer } from ${JSON.stringify(join(shims, "buffer.ts"))};\n`);
  const outfile = join(dir, "codec.mjs");
  await build({
    // The bundle's own Buffer class too, since it is not the one this file imported.
    stdin: { contents: `export * from "./src/codec.ts"; export { Buffer } from "./src/browser/node/buffer.ts";`, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    outfile,
    inject: [inject],
    logLevel: "silent",
    plugins: [{
      name: "node-shims",
      setup(b) {
        b.onResolve({ filter: /^node:(v8|util)$/ }, (args) => ({ path: join(shims, `${args.path.slice(5)}.ts`) }));
        // The rest of node:* (errors.ts's stack helpers) is not what this test is about.
        b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
      },
    }],
  });
  return { codec: (await import(pathToFileURL(outfile).href)) as Codec, dir };
}

const STRINGS: Record<string, string> = {
  empty: "", ascii: "hello", asciiLong: "abcdefghij".repeat(10), latin1: "\x80\x81é\xfe\xff", latin1Long: "é\x80\xff".repeat(50),
  bmp: "日本語", bmpLong: "中文".repeat(3000), astral: "a😀b", astralLong: "😀".repeat(3000), lone: "x\ud800y", loneLow: "\udc00",
  loneLong: "ab".repeat(100) + "\ud83d" + "cd".repeat(100), asciiThenOther: "a".repeat(40) + "€", mib: "abcdefgh".repeat(128 * 1024),
  mibLatin1: "\xe9".repeat(1 << 20), mibUtf16: "\u4e2d".repeat(1 << 20),
};

test("src/codec.ts bundled with the shims round-trips what structuredClone does", async () => {
  const { codec, dir } = await bundledCodec();
  try {
    const viaCodec = (v: unknown): unknown => {
      const bytes = codec.encodeValue(v);
      const sab = new SharedArrayBuffer(bytes.length + 8);
      const view = new Uint8Array(sab, 5, bytes.length);
      view.set(bytes);
      const out = codec.decodeValue(view);
      new Uint8Array(sab).fill(0x5a);
      return out;
    };
    // The v8 path must be the shim's, recognisable by its header, not Node's.
    const v8Bytes = codec.encodeValue(new Map([[1, 2]]));
    assert.deepEqual([...v8Bytes.subarray(0, 3)], [17, 0xff, 1]);

    for (const [name, make] of Object.entries(TABLE)) {
      const got = viaCodec(make());
      // The same as the codec on Node's own v8 and Buffer gives...
      assertClone(got, nodeCodec.decodeValue(nodeCodec.encodeValue(make())), `${name}: as the Node build`);
      // ...and as structuredClone, but where the codec's fast paths are known to differ (on Node too).
      if (!CODEC_FAST_PATH_DIFFERS.has(name)) assertClone(got, expected(make()), name);
      // Inside a Map the value always takes the v8 path.
      assertClone((viaCodec(new Map([["v", make()]])) as Map<string, unknown>).get("v"), expected(make()), `${name} in a Map`);
    }
    for (const [name, s] of Object.entries(STRINGS)) {
      assert.equal(viaCodec(s), s, name);
      assert.deepStrictEqual(viaCodec({ s, list: [s, 1] }), { s, list: [s, 1] }, `${name} in a tree`);
      assert.deepStrictEqual(viaCodec(new Set([s])), new Set([s]), `${name} on the v8 path`);
    }
    const nums = Array.from({ length: 100_000 }, (_, i) => i * 1.5 - 300);
    assert.deepStrictEqual(viaCodec(nums), nums);
    assert.deepStrictEqual(viaCodec({ nums, nested: [nums.slice(0, 5)] }), { nums, nested: [nums.slice(0, 5)] });
    for (const C of viewCtors) {
      const v = new C(base.buffer, 16, 4);
      for (const got of [viaCodec(v), (viaCodec({ v }) as { v: unknown }).v, (viaCodec(new Map([[1, v]])) as Map<number, unknown>).get(1)]) {
        const g = got as ArrayBufferView;
        assert.equal(g.constructor, C, C.name);
        assert.equal(g.buffer.byteLength, v.byteLength, `${C.name}: exactly sized`);
        assert.deepStrictEqual(g, v, C.name);
      }
    }
    // Buffers travel as the shim's Buffer (view index 10) on every path.
    const b = codec.Buffer.from("buffer bytes");
    for (const got of [viaCodec(b), (viaCodec(new Map([[1, b]])) as Map<number, unknown>).get(1)]) {
      assert.ok(got instanceof codec.Buffer);
      assert.equal(got.toString(), "buffer bytes");
      assert.equal(got.buffer.byteLength, b.length);
    }
    // Shared references and cycles force the v8 path.
    const x = { v: 1 };
    const r = viaCodec({ a: x, b: x }) as { a: object; b: object };
    assert.equal(r.a, r.b);
    const c: Record<string, unknown> = {};
    c.self = c;
    const rc = viaCodec(c) as Record<string, unknown>;
    assert.equal(rc.self, rc);
    // Refusals are the codec's ERR_TYPE errors naming the culprit, worked out through the shim.
    const refusals: [unknown, RegExp][] = [
      [{ task: { run(): void {} } }, /a function at \.task\.run/], [new Map([["k", { cb: (): number => 0 }]]), /a function at \.get\("k"\)\.cb/],
      [{ w: new WeakMap() }, /a WeakMap at \.w/], [{ p: Promise.resolve(1) }, /a Promise at \.p/], [new SharedArrayBuffer(8), /SharedArrayBuffer/],
      [{ s: new Set([Symbol("q")]) }, /a symbol at \.s\.values\(\)\[0\]/],
    ];
    for (const [v, msg] of refusals) {
      assert.throws(() => codec.encodeValue(v), (e: unknown) => e instanceof Error && (e as { errorClass?: string }).errorClass === "ERR_TYPE" && msg.test(e.message));
    }
    const { port1, port2 } = new MessageChannel();
    try {
      assert.throws(() => codec.encodeValue({ port: port1 }), /MessagePort object at \.port/);
    } finally {
      port1.close();
      port2.close();
    }
    // Too deep for the stack: the codec's own error, from the shim's RangeError.
    let deep: unknown = new Map();
    for (let i = 0; i < 100_000; i++) deep = [deep];
    try {
      assert.ok(Array.isArray(codec.decodeValue(codec.encodeValue(deep))));
    } catch (e) {
      assert.match((e as Error).message, /nested too deeply/);
    }
    // Corrupted v8-path messages are the codec's "malformed" errors.
    const good = codec.encodeValue(new Map<unknown, unknown>([[1, "one"], ["two", [2]]]));
    for (let cut = 1; cut < good.length; cut++) assert.throws(() => codec.decodeValue(good.subarray(0, cut)), /malformed/, `cut ${cut}`);
    assert.throws(() => codec.decodeValue(Uint8Array.of(17, 0xff, 1, 250)), /malformed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
