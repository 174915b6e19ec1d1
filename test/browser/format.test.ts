/**
 * console.log's text in a browser rank (src/browser/format.ts) against Node's own util.format, which is what
 * console.log prints under `mpi4ts run`, for the values programs print.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { format } from "node:util";
import { formatArgs } from "../../src/browser/format.js";
import { MPI } from "../../src/index.js";

class Point { constructor(readonly x: number, readonly y: number) {} }
const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = cyclic;
const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
const withExtra = Object.assign([1, 2], { note: "extra" });

const CASES: unknown[][] = [
  ["plain text"], [42], [-0], [NaN], [12345678901234567890n], [true, null, undefined], [Symbol("s")],
  ["%s is %d years and %i days, %f%%", "Ada", 36.5, 12.9, 0.25], ["%j and %o and %O", { a: [1] }, [1, 2], { b: 1 }], ["%s", 5n], ["%c styled", "color: red"],
  [[]], [{}], [[1, 2, 3]], [Array.from({ length: 7 }, (_, i) => i)], [Array.from({ length: 27 }, (_, i) => i * 1000)],
  [Array.from({ length: 150 }, (_, i) => i)], [Array.from({ length: 40 }, (_, i) => `s${i}`)], [Array.from({ length: 8 }, (_, i) => (i % 2 ? "x" : i))],
  [new Float64Array(5).fill(0.5)], [new Int32Array(20).map((_, i) => -i * 37)], [new Uint8Array(0)], [new BigInt64Array(3)],
  [{ a: 1, "b-c": "it's", d: 'say "hi"', e: "both ' and \"", f: "tab\tnew\nline" }], [{ nested: { deeper: { deepest: { gone: 1 } } } }],
  [{ long1: "a fairly long string value", long2: "another fairly long value", long3: [1, 2, 3, 4, 5, 6, 7, 8] }],
  [new Map([["a", 1], ["b", 2]])], [new Set(["x", 1])], [new Map()], [new Point(1, 2)], [Object.assign(Object.create(null) as object, { k: 1 })],
  [cyclic], [sparse], [withExtra], [new Date(Date.UTC(2026, 0, 2))], [/ab+c/gi], [[[1, [2, [3, [4]]]]]],
  [[{ rank: 0, square: 0 }, { rank: 1, square: 1 }, { rank: 2, square: 4 }]], [MPI.COMM_WORLD], ["rank", 3, "got", [1, 2], { ok: true }],
];

describe("console.log's text in a browser rank", () => {
  for (const args of CASES) {
    it(`prints ${format(...args).split("\n")[0]!.slice(0, 60)} as Node does`, () => {
      assert.equal(formatArgs(args), format(...args));
    });
  }
});
