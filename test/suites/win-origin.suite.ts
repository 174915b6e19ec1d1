// sizes: 1 2 4
/**
 * Origin and result buffers given as buffer specs (`[buf, datatype]`, `[buf, count, datatype]`, as in mpi4py):
 * Put and Accumulate pack them, Get, Get_accumulate and Rget unpack what arrived once the synchronization (or the
 * request) completes it, leaving the items between untouched; unaligned memory works too. On every engine.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const right = (rank + 1) % size, left = (rank - 1 + size) % size;
/** Every other double: elements 0, 2, 4, 6 of an 8-double buffer. */
const everyOther = MPI.DOUBLE.Create_vector(4, 1, 2).Commit();
const win = MPI.Win.Allocate(8 * 8, 8, null, world);
const mine = new Float64Array(win.tomemory().buffer, win.tomemory().byteOffset, 8);
const cells = (from: number) => Float64Array.from({ length: 8 }, (_, k) => from * 100 + k);

// ---- Fence: Put a strided origin, then Get into a strided origin ----
win.Fence();
win.Put([cells(rank), 1, everyOther], right, 0);
win.Fence();
assert.deepEqual([...mine.subarray(0, 4)], [0, 2, 4, 6].map((k) => left * 100 + k), "Put of every other double");
mine.set(cells(rank));
win.Fence();
const got = new Float64Array(8).fill(-1);
win.Get([got, 1, everyOther], right, 4);
win.Fence();
assert.deepEqual([...got], [4, -1, 5, -1, 6, -1, 7, -1].map((k) => (k < 0 ? -1 : right * 100 + k)), "Get lands at the Fence, gaps kept");

// ---- Accumulate with [buf, count, datatype] at a displacement in items, on a contiguous origin ----
win.Fence();
win.Accumulate([Float64Array.of(-9, 1, 2, -9), [2, 1], MPI.DOUBLE], right, 6, MPI.SUM);
win.Fence();
assert.deepEqual([mine[6], mine[7]], [rank * 100 + 6 + 1, rank * 100 + 7 + 2], "Accumulate of items 1..2");

// ---- unaligned memory: a Uint8Array at an odd offset, moved as doubles ----
const raw = new Uint8Array(8 * 2 + 1);
const odd = raw.subarray(1);
new DataView(odd.buffer, odd.byteOffset).setFloat64(0, rank + 0.5, true);
win.Fence();
win.Put([odd, 1, MPI.DOUBLE], right, 0);
win.Fence();
assert.equal(mine[0], left + 0.5, "Put from unaligned memory");
win.Fence();
win.Get([odd, [1, 1], MPI.DOUBLE], right, 7);
win.Fence();
assert.equal(new DataView(odd.buffer, odd.byteOffset).getFloat64(8, true), right * 100 + 7 + 2, "Get into unaligned memory");

// ---- passive target: Get_accumulate's result and Rget's origin with a vector type ----
win.Fence(MPI.MODE_NOSUCCEED);
world.Barrier();
mine.set(cells(rank));
world.Barrier();
win.Lock(right, MPI.LOCK_SHARED);
const before = new Float64Array(8).fill(-1);
win.Get_accumulate(null, [before, 1, everyOther], right, 0, MPI.NO_OP);
win.Unlock(right);
assert.deepEqual([...before], [0, -1, 1, -1, 2, -1, 3, -1].map((k) => (k < 0 ? -1 : right * 100 + k)), "Get_accumulate result lands at Unlock");
win.Lock_all();
const fetched = new Float64Array(8).fill(-1);
win.Rget([fetched, 1, everyOther], left, 4).Wait();
assert.deepEqual([...fetched], [4, -1, 5, -1, 6, -1, 7, -1].map((k) => (k < 0 ? -1 : left * 100 + k)), "Rget lands when its request completes");
win.Unlock_all();

// ---- refusals, before anything moves ----
win.Fence();
expectError("ERR_TYPE", () => win.Put([new Float64Array(4), 2, "double" as never], right, 0), /must be an MPI.Datatype/);
expectError("ERR_BUFFER", () => win.Put([new Float64Array(4), 3, everyOther], right, 0), /span bytes/);
expectError("ERR_RMA_RANGE", () => win.Put([new Float64Array(24), 3, everyOther], right, 0), /outside rank/);
win.Fence();
win.Free();
world.Barrier();
