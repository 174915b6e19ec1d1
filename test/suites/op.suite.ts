// sizes: 1 2 3 4 8 16
/**
 * Every reduction op on every type it accepts, on buffers (Allreduce, Reduce at each root, Scan, large counts
 * through reduce-scatter + allgather) and on values (numbers, BigInts, strings, booleans, nested arrays, typed
 * arrays, [value, index] pairs), compared with a rank-order fold computed here; user ops; and the refusals.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;

type Ctor = { new (n: number): any; name: string; of(...x: any[]): any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const INT_TYPES: Ctor[] = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
const FLOAT_TYPES: Ctor[] = [Float32Array, Float64Array];
const ALL_TYPES = [...INT_TYPES, ...FLOAT_TYPES];
const ARITH = ["SUM", "PROD", "MAX", "MIN", "REPLACE"] as const;
const LOGIC = ["LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR"] as const;
const LOC = ["MAXLOC", "MINLOC"] as const;
type OpName = (typeof ARITH)[number] | (typeof LOGIC)[number] | (typeof LOC)[number];
const OPS: Record<OpName, MPI.Op> = {
  SUM: MPI.SUM, PROD: MPI.PROD, MAX: MPI.MAX, MIN: MPI.MIN, REPLACE: MPI.REPLACE, LAND: MPI.LAND, LOR: MPI.LOR,
  LXOR: MPI.LXOR, BAND: MPI.BAND, BOR: MPI.BOR, BXOR: MPI.BXOR, MAXLOC: MPI.MAXLOC, MINLOC: MPI.MINLOC,
};

const isBig = (T: Ctor) => T === BigInt64Array || T === BigUint64Array;

/** Rank r's contribution for `op` on type T: small positive values, zeros for the logical ops. */
function contribution(T: Ctor, op: OpName, r: number, n: number): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const a = new T(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    if (op === "MAXLOC" || op === "MINLOC") v = i % 2 === 0 ? ((r * 5 + i) % 4) : r;
    else if (op === "PROD") v = ((r + i) % 3) + 1;
    else if (LOGIC.includes(op as (typeof LOGIC)[number])) v = (r * 3 + i) % 4 === 0 ? 0 : ((r * 7 + i * 5) % 13) + 1;
    else v = ((r * 7 + i * 3) % 50) + 1;
    a[i] = isBig(T) ? BigInt(v) : v;
  }
  return a;
}

/** The scalar op, as the reference: `a` from the lower ranks. */
function scalar(op: OpName, a: any, b: any, big: boolean): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const one = big ? 1n : 1, zero = big ? 0n : 0;
  const t = (x: unknown) => x !== zero;
  switch (op) {
    case "SUM": return a + b;
    case "PROD": return a * b;
    case "MAX": return a > b ? a : b;
    case "MIN": return a < b ? a : b;
    case "REPLACE": return b;
    case "LAND": return t(a) && t(b) ? one : zero;
    case "LOR": return t(a) || t(b) ? one : zero;
    case "LXOR": return t(a) !== t(b) ? one : zero;
    case "BAND": return a & b;
    case "BOR": return a | b;
    case "BXOR": return a ^ b;
    default: throw new Error(op);
  }
}

function reference(T: Ctor, op: OpName, ranks: number, n: number): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const acc = contribution(T, op, 0, n);
  for (let r = 1; r < ranks; r++) {
    const x = contribution(T, op, r, n);
    if (op === "MAXLOC" || op === "MINLOC") {
      for (let i = 0; i < n; i += 2) {
        const better = op === "MAXLOC" ? x[i] > acc[i] : x[i] < acc[i];
        if (better || (x[i] === acc[i] && x[i + 1] < acc[i + 1])) { acc[i] = x[i]; acc[i + 1] = x[i + 1]; }
      }
    } else {
      for (let i = 0; i < n; i++) acc[i] = scalar(op, acc[i], x[i], isBig(T));
    }
  }
  return acc;
}

const comms: [string, MPI.Comm][] = [["COMM_WORLD", world], ["Split", world.Split(world.rank % 3, world.rank)]];
for (const [label, comm] of comms) {
  const rank = comm.rank, size = comm.size;
  const ctx = (what: string) => `${label} rank ${rank}/${size}: ${what}`;

  // ---- buffers: every op on every type ----
  for (const T of ALL_TYPES) {
    for (const op of [...ARITH, ...LOGIC, ...LOC]) {
      const n = 6;
      const send = contribution(T, op, rank, n);
      const recv = new T(n);
      if (LOGIC.includes(op as (typeof LOGIC)[number]) && FLOAT_TYPES.includes(T)) {
        expectError("ERR_OP", () => comm.Allreduce(send, recv, OPS[op]), new RegExp(`Allreduce on rank ${rank}.*${op}.*integer`));
        continue;
      }
      const expected = [...reference(T, op, size, n)];
      comm.Allreduce(send, recv, OPS[op]);
      assert.deepEqual([...recv], expected, ctx(`Allreduce ${op} on ${T.name}`));
      const root = (op.length + T.name.length) % size;
      const red = rank === root ? new T(n) : null;
      comm.Reduce(send, red, OPS[op], root);
      if (rank === root) assert.deepEqual([...red], expected, ctx(`Reduce ${op} on ${T.name} root ${root}`));
      const sc = new T(n);
      comm.Scan(send, sc, OPS[op]);
      assert.deepEqual([...sc], [...reference(T, op, rank + 1, n)], ctx(`Scan ${op} on ${T.name}`));
    }
  }
  // Odd length for the pair ops.
  expectError("ERR_OP", () => comm.Allreduce(new Int32Array(3), new Int32Array(3), MPI.MAXLOC), /pairs/);
  // Large counts: reduce-scatter + allgather keeps pairs whole and matches the reference.
  for (const [T, op, n] of [[Float64Array, "SUM", 40_000], [Int32Array, "MAXLOC", 20_002], [Uint16Array, "BXOR", 70_001], [Float32Array, "MINLOC", 30_000]] as [Ctor, OpName, number][]) {
    const recv = new T(n);
    comm.Allreduce(contribution(T, op, rank, n), recv, OPS[op]);
    assert.deepEqual([...recv], [...reference(T, op, size, n)], ctx(`Allreduce ${op} on ${n} ${T.name}`));
    const red = rank === size - 1 ? new T(n) : null;
    comm.Reduce(contribution(T, op, rank, n), red, OPS[op], size - 1);
    if (red) assert.deepEqual([...red], [...reference(T, op, size, n)], ctx(`Reduce ${op} on ${n} ${T.name}`));
  }
  // DataView and ArrayBuffer count as bytes.
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint8(0, rank + 1);
  const dvOut = new ArrayBuffer(4);
  comm.Allreduce(dv, dvOut, MPI.SUM);
  assert.equal(new Uint8Array(dvOut)[0], (size * (size + 1) / 2) & 0xff, ctx("Allreduce on a DataView"));

  // ---- values ----
  const sum = (size * (size - 1)) / 2;
  assert.equal(comm.allreduce(rank, MPI.SUM), sum, ctx("SUM numbers"));
  assert.equal(comm.allreduce(rank + 1, MPI.PROD), Array.from({ length: size }, (_, i) => i + 1).reduce((a, b) => a * b), ctx("PROD"));
  assert.equal(comm.allreduce(rank * 1.5, MPI.MAX), (size - 1) * 1.5, ctx("MAX"));
  assert.equal(comm.allreduce(-rank - 1, MPI.MIN), -size, ctx("MIN"));
  assert.equal(comm.allreduce(BigInt(rank) * 2n ** 70n, MPI.SUM), BigInt(sum) * 2n ** 70n, ctx("SUM BigInt"));
  assert.equal(comm.allreduce(BigInt(rank + 1), MPI.PROD), Array.from({ length: size }, (_, i) => BigInt(i + 1)).reduce((a, b) => a * b), ctx("PROD BigInt"));
  assert.equal(comm.allreduce(BigInt(rank), MPI.MAX), BigInt(size - 1), ctx("MAX BigInt"));
  assert.equal(comm.allreduce(`<${rank}>`, MPI.SUM), Array.from({ length: size }, (_, i) => `<${i}>`).join(""), ctx("SUM strings in rank order"));
  assert.equal(comm.allreduce(`s${rank % 10}`, MPI.MAX), `s${Math.min(size - 1, 9)}`, ctx("MAX strings"));
  const truthy = [0, "", null, "x", 1, [], undefined, NaN][rank % 8];
  const truth = Array.from({ length: size }, (_, i) => Boolean([0, "", null, "x", 1, [], undefined, NaN][i % 8]));
  assert.equal(comm.allreduce(truthy, MPI.LAND), truth.every(Boolean), ctx("LAND by truthiness"));
  assert.equal(comm.allreduce(truthy, MPI.LOR), truth.some(Boolean), ctx("LOR by truthiness"));
  assert.equal(comm.allreduce(truthy, MPI.LXOR), truth.filter(Boolean).length % 2 === 1, ctx("LXOR by truthiness"));
  const bits = (r: number) => (r * 0x9e3779b1) >>> 0;
  const bitsAll = Array.from({ length: size }, (_, i) => bits(i));
  assert.equal(comm.allreduce(bits(rank), MPI.BAND), Number(bitsAll.map(BigInt).reduce((a, b) => a & b)), ctx("BAND beyond 2^31"));
  assert.equal(comm.allreduce(bits(rank), MPI.BOR), Number(bitsAll.map(BigInt).reduce((a, b) => a | b)), ctx("BOR"));
  assert.equal(comm.allreduce(bits(rank), MPI.BXOR), Number(bitsAll.map(BigInt).reduce((a, b) => a ^ b)), ctx("BXOR"));
  assert.equal(comm.allreduce(BigInt(bits(rank)) << 40n, MPI.BXOR), bitsAll.map((b) => BigInt(b) << 40n).reduce((a, b) => a ^ b), ctx("BXOR BigInt"));
  assert.deepEqual(comm.allreduce([rank, [rank, `${rank}`]], MPI.SUM), [sum, [sum, Array.from({ length: size }, (_, i) => `${i}`).join("")]], ctx("nested arrays"));
  assert.deepEqual(comm.allreduce(Int16Array.of(rank, 1000), MPI.SUM), Int16Array.of(sum, (1000 * size) << 16 >> 16), ctx("typed array values wrap like the type"));
  assert.deepEqual(comm.allreduce(Float64Array.of(rank, 0), MPI.LOR), Float64Array.of(size > 1 ? 1 : 0, 0), ctx("LOR on a typed array value"));
  assert.deepEqual(comm.allreduce([rank % 3, rank], MPI.MAXLOC), [Math.min(2, size - 1), Math.min(2, size - 1)], ctx("MAXLOC ties to the smallest index"));
  assert.deepEqual(comm.allreduce([rank % 3, rank], MPI.MINLOC), [0, 0], ctx("MINLOC"));
  assert.deepEqual(comm.allreduce([`k${rank % 2}`, 10 - rank], MPI.MAXLOC), size > 1 ? ["k1", 10 - (size % 2 === 0 ? size - 1 : size - 2)] : ["k0", 10], ctx("MAXLOC on strings, smallest index"));
  assert.equal(comm.allreduce(rank, MPI.REPLACE), size - 1, ctx("REPLACE keeps the last rank's"));
  const gcd = MPI.Op.Create(function gcd(a: number, b: number): number { return b === 0 ? a : gcd(b, a % b); });
  assert.equal(comm.allreduce(12 * (rank + 1), gcd), 12, ctx("user op"));
  assert.equal(gcd.commute, true);
  gcd.Free();
  expectError("ERR_OP", () => comm.allreduce(1, gcd), /freed/);
  expectError("ERR_OP", () => gcd.Free(), /already freed/);
  expectError("ERR_OP", () => MPI.SUM.Free(), /predefined/);
  expectError("ERR_OP", () => MPI.Op.Create(42 as unknown as () => void));
}

// Value refusals, locally with Op.apply (the same code the reductions run).
expectError("ERR_OP", () => MPI.SUM.apply(1, "a" as unknown as number), /SUM is not defined on a number and a string/);
expectError("ERR_OP", () => MPI.SUM.apply(1, 2n as unknown as number), /BigInt/);
expectError("ERR_OP", () => MPI.SUM.apply({ a: 1 }, { a: 2 }));
expectError("ERR_COUNT", () => MPI.SUM.apply([1, 2], [1]), /lengths differ/);
expectError("ERR_COUNT", () => MPI.MAX.apply([[1, 2]], [[1]]), /at \[0\]/);
expectError("ERR_COUNT", () => MPI.SUM.apply(new Int8Array(2), new Int8Array(3)));
expectError("ERR_OP", () => MPI.SUM.apply(new Int8Array(2), new Int16Array(2) as unknown as Int8Array));
expectError("ERR_OP", () => MPI.BAND.apply(1.5, 1), /integers/);
expectError("ERR_OP", () => MPI.PROD.apply("a", "b"));
expectError("ERR_OP", () => MPI.MAXLOC.apply(3, 4), /pairs/);
assert.equal(MPI.LXOR.apply(true, "x"), false);
assert.deepEqual(MPI.MINLOC.apply([2, 5], [2, 3]), [2, 3]);
world.Barrier();
