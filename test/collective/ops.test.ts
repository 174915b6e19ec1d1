/** Unit tests of the pure parts of collective/: buffer kernels, value ops, Compute_dims, groups. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { combineInto, bufferOpRefusal } from "../../src/collective/kernels.js";
import { MAX, MAXLOC, MINLOC, Op, PROD, REPLACE, SUM, LAND, LXOR, BAND } from "../../src/op.js";
import { Compute_dims, balanced } from "../../src/cartcomm.js";
import { Group, compareRanks } from "../../src/group.js";
import { CONGRUENT, IDENT, SIMILAR, UNDEFINED, UNEQUAL } from "../../src/constants.js";
import { MPIError } from "../../src/errors.js";
import type { TypedArray } from "../../src/engine/engine.js";

function err(cls: string, f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof MPIError && e.errorClass === cls);
}

test("buffer kernels combine lower ⊕ higher into either operand", () => {
  const lo = Float64Array.of(1, 5, -2), hi = Float64Array.of(4, 2, -3);
  const out = hi.slice();
  combineInto({ builtin: "MAX" }, lo, out, out);
  assert.deepEqual([...out], [4, 5, -2]);
  const out2 = lo.slice();
  combineInto({ builtin: "SUM" }, out2, hi, out2);
  assert.deepEqual([...out2], [5, 7, -5]);
  const i8 = Int8Array.of(100), j8 = Int8Array.of(100);
  combineInto({ builtin: "SUM" }, i8, j8, j8);
  assert.equal(j8[0], -56, "wraps like the element type");
  const big = BigInt64Array.of(3n, 0n), big2 = BigInt64Array.of(5n, 7n);
  combineInto({ builtin: "LAND" }, big, big2, big2);
  assert.deepEqual([...big2], [1n, 0n]);
  const u = Uint32Array.of(0xf0f0f0f0), v = Uint32Array.of(0xffff0000);
  combineInto({ builtin: "BAND" }, u, v, v);
  assert.equal(v[0], 0xf0f00000);
  const pairsLo = Int32Array.of(5, 3, 1, 0), pairsHi = Int32Array.of(5, 1, 0, 9);
  combineInto({ builtin: "MAXLOC" }, pairsLo, pairsHi, pairsHi);
  assert.deepEqual([...pairsHi], [5, 1, 1, 0], "ties go to the smaller index");
  const mlo = Float32Array.of(2, 4), mhi = Float32Array.of(2, 3);
  combineInto({ builtin: "MINLOC" }, mlo, mhi, mlo);
  assert.deepEqual([...mlo], [2, 3]);
  const r = Int16Array.of(1), s = Int16Array.of(2);
  combineInto({ builtin: "REPLACE" }, r, s, r);
  assert.equal(r[0], 2);
  const calls: string[] = [];
  const user = {
    fn: (a: TypedArray, b: TypedArray) => {
      const [x, y] = [a as Int32Array, b as Int32Array];
      calls.push(`${x[0]}>${y[0]}`);
      y[0] = x[0]! * 10 + y[0]!;
    },
    commute: false,
  };
  const x = Int32Array.of(1), y = Int32Array.of(2);
  combineInto(user, x, y, x);
  assert.deepEqual(calls, ["1>2"]);
  assert.equal(x[0], 12, "result copied into the requested operand");
});

test("buffer op refusals", () => {
  assert.match(bufferOpRefusal({ builtin: "BXOR" }, new Float32Array(2))!, /integer/);
  assert.equal(bufferOpRefusal({ builtin: "BXOR" }, new Uint8ClampedArray(2)), undefined);
  assert.match(bufferOpRefusal({ builtin: "MINLOC" }, new Float64Array(3))!, /odd/);
  assert.equal(bufferOpRefusal({ builtin: "SUM" }, new Float64Array(3)), undefined);
});

test("value ops", () => {
  assert.equal(SUM.apply(1, 2), 3);
  assert.equal(SUM.apply("a", "b"), "ab");
  assert.equal(PROD.apply(3n, 4n), 12n);
  assert.deepEqual(SUM.apply([1, [2, "x"]], [10, [20, "y"]]), [11, [22, "xy"]]);
  assert.deepEqual(MAX.apply(Float32Array.of(1, 5), Float32Array.of(3, 2)), Float32Array.of(3, 5));
  assert.equal(LAND.apply("x", 0), false);
  assert.equal(LXOR.apply(0, []), true);
  assert.deepEqual(LAND.apply([1, 0], [1, 1]), [true, false]);
  assert.equal(BAND.apply(2 ** 40 + 3, 2 ** 40 + 5), 2 ** 40 + 1);
  assert.deepEqual(MAXLOC.apply([3, 2], [3, 1]), [3, 1]);
  assert.deepEqual(MINLOC.apply([1, 7], [2, 0]), [1, 7]);
  assert.equal(REPLACE.apply(1, 2), 2);
  assert.equal(LAND.single(5), true);
  assert.equal(SUM.single(5), 5);
  err("ERR_OP", () => SUM.apply(1, null));
  err("ERR_COUNT", () => SUM.apply([1], [1, 2]));
  err("ERR_OP", () => BAND.apply(0.5, 1));
  const op = Op.Create((a: number, b: number) => a - b, false);
  assert.equal(op.commute, false);
  assert.equal(op.apply(5, 3), 2);
  op.Free();
  err("ERR_OP", () => op.apply(1, 1));
});

test("Compute_dims", () => {
  assert.deepEqual(Compute_dims(12, 2), [4, 3]);
  assert.deepEqual(Compute_dims(30, 3), [5, 3, 2]);
  assert.deepEqual(Compute_dims(64, 3), [4, 4, 4]);
  assert.deepEqual(Compute_dims(60, [0, 5, 0]), [4, 5, 3]);
  assert.deepEqual(Compute_dims(1, 0), []);
  err("ERR_DIMS", () => Compute_dims(5, 0));
  assert.deepEqual(balanced(1 << 20, 2), [1024, 1024]);
  assert.deepEqual(balanced(97, 3), [97, 1, 1]);
  err("ERR_DIMS", () => Compute_dims(6, [4, 0]));
  err("ERR_DIMS", () => Compute_dims(6, [2, 2]));
});

test("groups", () => {
  const g = new Group([4, 2, 7, 1], 7);
  assert.equal(g.Get_rank(), 2);
  assert.equal(g.Incl([3, 0]).Get_rank(), UNDEFINED);
  assert.deepEqual(g.Excl([1]).Translate_ranks([0, 1, 2], g), [0, 2, 3]);
  const h = new Group([1, 9, 4], 7);
  assert.deepEqual(Group.Union(g, h).worldRanks, [4, 2, 7, 1, 9]);
  assert.deepEqual(Group.Intersection(g, h).worldRanks, [4, 1]);
  assert.deepEqual(g.Difference(h).worldRanks, [2, 7]);
  assert.equal(compareRanks([1, 2], [1, 2]), CONGRUENT);
  assert.equal(compareRanks([1, 2], [2, 1]), SIMILAR);
  assert.equal(compareRanks([1, 2], [1, 3]), UNEQUAL);
  assert.equal(g.Compare(new Group([4, 2, 7, 1], 0)), IDENT);
});
