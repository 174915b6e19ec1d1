// sizes: 1 2 3 4
/**
 * Reductions without a communicator (issue 10): `op.Reduce_local(inbuf, inoutbuf)` for every op on every type
 * it accepts and for a non-commutative user op, folded in rank order over every rank's contribution and compared
 * with Allreduce; calling an op directly, `op(x, y)`, folded over gathered values and compared with allreduce;
 * Is_commutative, Is_predefined, OP_NULL and NO_OP, and the refusals.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const comm = MPI.COMM_WORLD;
const rank = comm.rank, size = comm.size;

type Ctor = { new (n: number): any; name: string }; // eslint-disable-line @typescript-eslint/no-explicit-any
const INTS: Ctor[] = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
const FLOATS: Ctor[] = [Float32Array, Float64Array];
const big = (T: Ctor) => T === BigInt64Array || T === BigUint64Array;
const HILO = MPI.Op.Create((invec: Int32Array, inout: Int32Array) => {
  for (let i = 0; i < inout.length; i++) inout[i] = (invec[i]! & ~0xffff) | (inout[i]! & 0xffff);
}, false);
const OPS: [MPI.Op, Ctor[]][] = [
  [MPI.SUM, [...INTS, ...FLOATS]], [MPI.PROD, [...INTS, ...FLOATS]], [MPI.MAX, [...INTS, ...FLOATS]], [MPI.MIN, [...INTS, ...FLOATS]],
  [MPI.REPLACE, [...INTS, ...FLOATS]], [MPI.LAND, INTS], [MPI.LOR, INTS], [MPI.LXOR, INTS], [MPI.BAND, INTS], [MPI.BOR, INTS],
  [MPI.BXOR, INTS], [MPI.MAXLOC, [...INTS, ...FLOATS]], [MPI.MINLOC, [...INTS, ...FLOATS]], [HILO, [Int32Array]],
];

function contribution(T: Ctor, r: number, n: number) {
  const a = new T(n);
  for (let i = 0; i < n; i++) {
    const v = (r * 3 + i) % 4 === 0 ? 0 : ((r * 7 + i * 5) % 5) + 1;
    a[i] = big(T) ? BigInt(v) : v;
  }
  return a;
}

// Reduce_local over every rank's contribution, in rank order (v0 op (v1 op (... op vp-1))), is Allreduce.
for (const [op, types] of OPS) {
  for (const T of types) {
    const n = 6;
    const all = new T(n * size);
    comm.Allgather(contribution(T, rank, n), all);
    const acc = all.slice((size - 1) * n);
    for (let r = size - 2; r >= 0; r--) op.Reduce_local(all.subarray(r * n, (r + 1) * n), acc);
    const expected = new T(n);
    comm.Allreduce(contribution(T, rank, n), expected, op);
    assert.deepEqual([...acc], [...expected], `Reduce_local ${op.name} on ${T.name}`);
  }
}
// The lower operand comes first: inoutbuf = inbuf op inoutbuf.
{
  const inout = Int32Array.of(0x00010002);
  HILO.Reduce_local(Int32Array.of(0x00030004), inout);
  assert.equal(inout[0], 0x00030002);
  const bytes = new DataView(Uint8Array.of(1, 2).buffer), into = Uint8Array.of(10, 20);
  MPI.SUM.Reduce_local(bytes, into);
  assert.deepEqual([...into], [11, 22], "a DataView counts as bytes");
}

// Calling an op: op(x, y) is x op y, as the value reductions compute it.
assert.equal(typeof MPI.SUM, "function");
assert.ok(MPI.SUM instanceof MPI.Op && HILO instanceof MPI.Op);
assert.equal(MPI.SUM.name, "SUM");
assert.equal(String(MPI.MAX), "MAX");
assert.equal(MPI.SUM(2, 3), 5);
assert.deepEqual(MPI.MAX([1, 7], [4, 2]), [4, 7]);
assert.deepEqual(MPI.MINLOC([2, 5], [2, 3]), [2, 3]);
assert.equal(MPI.REPLACE(1, 2), 2);
const cat = MPI.Op.Create((a: string, b: string) => `${a}${b}`, false);
assert.equal(cat("x", "y"), "xy");
for (const [op, mine] of [[MPI.SUM, rank + 1], [MPI.PROD, rank + 1], [MPI.MAX, [rank, -rank]], [cat, `<${rank}>`], [MPI.LXOR, rank % 2 === 0]] as [MPI.Op, unknown][]) {
  const values = comm.allgather(mine);
  let acc = values[size - 1];
  for (let r = size - 2; r >= 0; r--) acc = op(values[r], acc);
  assert.deepEqual(acc, comm.allreduce(mine, op), `${op.name}(x, y) folded`);
  assert.deepEqual(op(values[0], values[size - 1]), op.apply(values[0], values[size - 1]));
}

// Properties.
for (const op of [MPI.SUM, MPI.PROD, MPI.MAX, MPI.MIN, MPI.LAND, MPI.BXOR, MPI.MAXLOC]) {
  assert.equal(op.Is_commutative(), true, op.name);
  assert.equal(op.Is_predefined(), true, op.name);
  assert.equal(op.is_predefined, true, op.name);
}
assert.equal(MPI.REPLACE.Is_commutative(), false);
assert.equal(MPI.NO_OP.Is_commutative(), false);
assert.equal(HILO.Is_commutative(), false);
assert.equal(HILO.Is_predefined(), false);
assert.equal(MPI.Op.Create(() => 0).Is_commutative(), true);
assert.equal(MPI.OP_NULL.Is_predefined(), true);
assert.equal(MPI.NO_OP.is_predefined, true);

// OP_NULL and NO_OP: no reduction takes them; NO_OP(x, y) is x (the target kept, as in one-sided accumulates).
assert.equal(MPI.NO_OP(1, 2), 1);
expectError("ERR_OP", () => MPI.OP_NULL(1, 2), /OP_NULL is not an operation/);
expectError("ERR_OP", () => MPI.OP_NULL.Is_commutative(), /OP_NULL/);
expectError("ERR_OP", () => MPI.OP_NULL.Free(), /predefined/);
expectError("ERR_OP", () => MPI.NO_OP.Free(), /predefined/);
const f = () => new Float64Array(2);
expectError("ERR_OP", () => MPI.OP_NULL.Reduce_local(f(), f()), /Reduce_local.*OP_NULL/);
expectError("ERR_OP", () => MPI.NO_OP.Reduce_local(f(), f()), /Reduce_local.*NO_OP/);
for (const op of [MPI.OP_NULL, MPI.NO_OP]) {
  expectError("ERR_OP", () => comm.Allreduce(f(), f(), op), new RegExp(`Allreduce on rank ${rank}.*${op.name}`));
  expectError("ERR_OP", () => comm.allreduce(1, op), new RegExp(`allreduce on rank ${rank}.*${op.name}`));
  expectError("ERR_OP", () => comm.Reduce(f(), f(), op, 0), /Reduce/);
  expectError("ERR_OP", () => comm.scan(1, op), /scan/);
}

// Reduce_local refusals, before inoutbuf is touched.
const keep = Float64Array.of(1, 2);
expectError("ERR_TYPE", () => MPI.SUM.Reduce_local(new Float32Array(2), keep), /Float32Array.*Float64Array/);
expectError("ERR_COUNT", () => MPI.SUM.Reduce_local(new Float64Array(3), keep), /3 elements.*2/);
expectError("ERR_OP", () => MPI.BAND.Reduce_local(f(), keep), /integer/);
expectError("ERR_OP", () => MPI.MAXLOC.Reduce_local(new Int32Array(3), new Int32Array(3)), /pairs/);
expectError("ERR_BUFFER", () => MPI.SUM.Reduce_local([1, 2] as never, keep), /inbuf must be a typed array/);
expectError("ERR_BUFFER", () => MPI.SUM.Reduce_local(f(), null as never), /inoutbuf/);
assert.deepEqual([...keep], [1, 2]);
const freed = MPI.Op.Create((a: Float64Array, b: Float64Array) => void b.set(a));
freed.Free();
expectError("ERR_OP", () => freed.Reduce_local(f(), f()), /freed/);
expectError("ERR_OP", () => freed(1, 2), /freed/);
comm.Barrier();
