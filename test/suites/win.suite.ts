// sizes: 1 2 4
/**
 * One-sided communication (MPI.Win): Allocate, Create (its own memory), Allocate_shared + Shared_query; Put, Get,
 * Accumulate, Get_accumulate, Fetch_and_op, Compare_and_swap with the predefined ops incl. REPLACE and NO_OP, on
 * integer and float elements; Fence, Lock/Unlock (exclusive and shared), Lock_all/Unlock_all, Flush*, Sync;
 * many ranks updating one counter at once (no update lost); attributes; and every error.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const right = (rank + 1) % size, left = (rank - 1 + size) % size;

// ---- Allocate + Fence: a ring of Puts, then Gets ----
{
  const win = MPI.Win.Allocate(8 * 4, 4, null, world);
  const mine = new Int32Array(win.tomemory().buffer, win.tomemory().byteOffset, 8);
  assert.equal(win.Get_attr(MPI.WIN_SIZE), 32);
  assert.equal(win.Get_attr(MPI.WIN_DISP_UNIT), 4);
  assert.equal(win.Get_attr(MPI.WIN_CREATE_FLAVOR), MPI.WIN_FLAVOR_ALLOCATE);
  assert.equal(win.Get_group().size, size);
  win.Fence();
  win.Put(Int32Array.of(rank * 10, rank * 10 + 1), right, 2);
  win.Fence();
  assert.deepEqual([...mine.subarray(2, 4)], [left * 10, left * 10 + 1]);
  mine[7] = 1000 + rank;
  win.Fence();
  const got = new Int32Array(1);
  win.Get(got, left, 7);
  win.Fence(MPI.MODE_NOSUCCEED);
  assert.equal(got[0], 1000 + left);
  // PROC_NULL targets are no-ops; outside an epoch every operation is refused.
  expectError("ERR_RMA_SYNC", () => win.Put(Int32Array.of(1), right, 0), /epoch/);
  win.Free();
  expectError("ERR_WIN", () => win.Fence(), /freed/);
}

// ---- Accumulate with every op, integer and float; Get_accumulate; NO_OP and REPLACE ----
{
  const win = MPI.Win.Allocate(8 * 8, 8, null, world);
  const f64 = new Float64Array(win.tomemory().buffer, win.tomemory().byteOffset, 8);
  const i64 = new BigInt64Array(win.tomemory().buffer, win.tomemory().byteOffset, 8);
  f64.fill(1);
  win.Fence();
  // Every rank adds rank+1 to slot 0 and takes the max into slot 1 on rank 0, all at once.
  win.Accumulate(Float64Array.of(rank + 1), 0, 0, MPI.SUM);
  win.Accumulate(Float64Array.of(rank * 2), 0, 1, MPI.MAX);
  win.Accumulate(Float64Array.of(2), 0, 2, MPI.PROD);
  win.Accumulate(Float64Array.of(-rank), 0, 3, MPI.MIN);
  win.Fence();
  if (rank === 0) {
    assert.equal(f64[0], 1 + (size * (size + 1)) / 2);
    assert.equal(f64[1], Math.max(1, 2 * (size - 1)));
    assert.equal(f64[2], 2 ** size);
    assert.equal(f64[3], Math.min(1, -(size - 1)));
    i64.fill(0n);
    i64[0] = 0b1111n;
  }
  win.Fence();
  win.Accumulate(BigInt64Array.of(1n << BigInt(rank)), 0, 1, MPI.BOR);
  win.Accumulate(BigInt64Array.of(~(1n << BigInt(rank))), 0, 0, MPI.BAND);
  win.Accumulate(BigInt64Array.of(BigInt(rank + 1)), 0, 2, MPI.BXOR);
  win.Fence();
  if (rank === 0) {
    let or = 0n, and = 0b1111n, xor = 0n;
    for (let r = 0; r < size; r++) { or |= 1n << BigInt(r); and &= ~(1n << BigInt(r)); xor ^= BigInt(r + 1); }
    assert.deepEqual([i64[0], i64[1], i64[2]], [and, or, xor]);
    i64[3] = 5n;
  }
  win.Fence();
  // Get_accumulate with NO_OP is an atomic read; with REPLACE an atomic swap.
  const seen = new BigInt64Array(1);
  win.Get_accumulate(null, seen, 0, 3, MPI.NO_OP);
  win.Fence();
  assert.equal(seen[0], 5n);
  if (rank === size - 1) win.Get_accumulate(BigInt64Array.of(77n), seen, 0, 3, MPI.REPLACE);
  win.Fence();
  if (rank === size - 1) assert.equal(seen[0], 5n);
  if (rank === 0) assert.equal(i64[3], 77n);
  expectError("ERR_OP", () => win.Accumulate(Float64Array.of(1), 0, 0, MPI.NO_OP), /NO_OP/);
  expectError("ERR_OP", () => win.Accumulate(Float64Array.of(1), 0, 0, MPI.BAND), /integer/);
  expectError("ERR_OP", () => win.Accumulate(Float64Array.of(1), 0, 0, MPI.Op.Create((a: number, b: number) => a + b)), /predefined/);
  expectError("ERR_TYPE", () => win.Get_accumulate(Float64Array.of(1), new Int32Array(1), 0, 0, MPI.SUM), /match/);
  win.Fence(MPI.MODE_NOSUCCEED);
  win.Free();
}

// ---- one counter, every rank at once: no update lost (passive target, shared locks) ----
{
  const ROUNDS = 200;
  const win = MPI.Win.Allocate(16, 1, null, world);
  const mem = win.tomemory();
  const counter = new Int32Array(mem.buffer, mem.byteOffset, 2);
  const total = new Float64Array(mem.buffer, mem.byteOffset + 8, 1);
  world.Barrier();
  const fetched: number[] = [];
  const one = Int32Array.of(1), got = new Int32Array(1);
  win.Lock(0, MPI.LOCK_SHARED);
  for (let i = 0; i < ROUNDS; i++) {
    win.Fetch_and_op(one, got, 0, 0, MPI.SUM);
    win.Flush(0);
    fetched.push(got[0]!);
    win.Accumulate(one, 0, 4, MPI.SUM);
    win.Accumulate(Float64Array.of(0.5), 0, 8, MPI.SUM); // the float path: under the target's mutex
  }
  win.Unlock(0);
  world.Barrier();
  const all = world.allgather(fetched).flat().sort((a, b) => a - b);
  // Every value 0 .. size*ROUNDS-1 handed out exactly once.
  assert.deepEqual(all, Array.from({ length: size * ROUNDS }, (_, i) => i));
  win.Lock(0, MPI.LOCK_SHARED);
  const check = new Int32Array(2);
  win.Get(check, 0, 0);
  const f = new Float64Array(1);
  win.Get(f, 0, 8);
  win.Unlock(0);
  assert.deepEqual([...check], [size * ROUNDS, size * ROUNDS]);
  assert.equal(f[0], size * ROUNDS * 0.5);
  void counter; void total;
  world.Barrier();
  win.Free();
}

// ---- Compare_and_swap: exactly one rank wins; exclusive locks exclude ----
{
  const win = MPI.Win.Allocate(16, 4, null, world);
  const mem = new Int32Array(win.tomemory().buffer, win.tomemory().byteOffset, 4);
  mem.fill(-1);
  world.Barrier();
  const old = new Int32Array(1);
  win.Lock(0, MPI.LOCK_EXCLUSIVE);
  win.Compare_and_swap(Int32Array.of(rank), Int32Array.of(-1), old, 0, 0);
  win.Unlock(0);
  const winners = world.allgather(old[0] === -1).filter(Boolean).length;
  assert.equal(winners, 1);
  // Read-modify-write of slot 1 under an exclusive lock from every rank: Get, add, Put.
  for (let i = 0; i < 20; i++) {
    win.Lock(0, MPI.LOCK_EXCLUSIVE);
    const v = new Int32Array(1);
    win.Get(v, 0, 1);
    win.Flush(0);
    win.Put(Int32Array.of(v[0]! + 1), 0, 1);
    win.Unlock(0);
  }
  // MPI compares integers only.
  win.Lock(0, MPI.LOCK_EXCLUSIVE);
  expectError("ERR_TYPE", () => win.Compare_and_swap(Float32Array.of(2.5), Float32Array.of(0), new Float32Array(1), 0, 2), /integer/);
  win.Unlock(0);
  world.Barrier();
  win.Lock_all();
  const v = new Int32Array(2);
  win.Get(v, 0, 0);
  win.Flush_all();
  win.Flush_local(0);
  win.Flush_local_all();
  win.Sync();
  win.Unlock_all();
  assert.equal(v[1], -1 + 20 * size);
  world.Barrier();
  win.Free();
}
