// sizes: 1 2 3 4
/**
 * Dynamic windows (Win.Create_dynamic + Attach/Detach, MPI-4.0 §12.2.4), addressed with MPI.Get_address: every
 * synchronization mode over attached memory, several regions per rank attached at different times, unaligned
 * regions, target datatypes, request-based operations, many ranks updating one attached counter, and every
 * refusal (a range nobody attached is ERR_RMA_RANGE before anything moves).
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const right = (rank + 1) % size, left = (rank - 1 + size) % size;
const localEngine = MPI.Get_library_version().startsWith("mpi4ts local") || MPI.Get_library_version().startsWith("mpi4ts self");

// ---- addresses: differences within one buffer are byte offsets ----
{
  const buf = new Float64Array(16);
  const a0 = MPI.Get_address(buf), a3 = MPI.Get_address(buf.subarray(3));
  assert.equal(MPI.Aint_diff(a3, a0), 24);
  assert.equal(MPI.Aint_add(a0, 24), a3);
  assert.equal(MPI.Get_address(new DataView(buf.buffer, 8)), a0 + 8);
  assert.notEqual(MPI.Get_address(new Float64Array(4)), a0);
  expectError("ERR_BUFFER", () => MPI.Get_address([1, 2] as never), /typed array/);
  expectError("ERR_ARG", () => MPI.Aint_add(a0, 0.5), /safe integers/);
}

// ---- attach, exchange addresses, Fence: a ring of Puts and Gets into private memory ----
{
  const win = MPI.Win.Create_dynamic(null, world);
  assert.equal(win.Get_attr(MPI.WIN_CREATE_FLAVOR), MPI.WIN_FLAVOR_DYNAMIC);
  assert.equal(win.Get_attr(MPI.WIN_SIZE), 0);
  assert.equal(win.Get_attr(MPI.WIN_DISP_UNIT), 1);
  const mine = new Float64Array(8).fill(-1);
  win.Attach(mine);
  const addresses = world.allgather(MPI.Get_address(mine));
  win.Fence();
  win.Put(Float64Array.of(rank, rank + 0.5), right, MPI.Aint_add(addresses[right]!, 2 * 8));
  win.Fence();
  assert.deepEqual([...mine.subarray(1, 4)], [-1, left, left + 0.5]);
  mine[7] = 100 + rank;
  win.Fence();
  const got = new Float64Array(2);
  win.Get(got, left, addresses[left]! + 6 * 8);
  win.Fence();
  assert.deepEqual([...got], [-1, 100 + left]);

  // Accumulate of every rank into rank 0's slot 0; Get_accumulate reads it back atomically.
  mine[0] = 0;
  win.Fence();
  win.Accumulate(Float64Array.of(rank + 1), 0, addresses[0]!, MPI.SUM);
  win.Fence();
  if (rank === 0) assert.equal(mine[0], (size * (size + 1)) / 2);
  const seen = new Float64Array(1);
  win.Get_accumulate(null, seen, 0, addresses[0]!, MPI.NO_OP);
  win.Fence();
  assert.equal(seen[0], (size * (size + 1)) / 2);

  // An address no rank attached is refused before anything moves, and so is a range running off the region.
  win.Fence();
  expectError("ERR_RMA_RANGE", () => win.Put(Float64Array.of(1), right, addresses[right]! + 8 * 8), /not in memory rank \d+ has attached/);
  expectError("ERR_RMA_RANGE", () => win.Put(new Float64Array(2), right, addresses[right]! + 7 * 8), /attached/);
  expectError("ERR_RMA_RANGE", () => win.Get(new Float64Array(1), right, 8), /attached/);
  win.Fence(MPI.MODE_NOSUCCEED);
  assert.equal(mine[7], 100 + rank, "a refused Put moved nothing");

  // Refusals of Attach and Detach.
  expectError("ERR_RMA_ATTACH", () => win.Attach(mine.subarray(4)), /overlap/);
  expectError("ERR_BUFFER", () => win.Attach([1] as never), /typed array/);
  expectError("ERR_BASE", () => win.Detach(mine.subarray(1)), /no memory is attached/);
  expectError("ERR_BASE", () => win.Detach(new Float64Array(2)), /no memory is attached/);
  expectError("ERR_WIN", () => win.Shared_query(0), /Allocate_shared/);
  win.Attach(new Float64Array(0)); // attaches nothing
  win.Detach(new Float64Array(0));
  win.Detach(mine);
  expectError("ERR_BASE", () => win.Detach(mine), /no memory is attached/);
  win.Free();
  expectError("ERR_WIN", () => win.Attach(mine), /freed/);
}

// ---- regions attached later, unaligned byte regions, a target datatype, passive target ----
{
  const win = MPI.Win.Create_dynamic(null, world);
  const first = new Int32Array(4);
  win.Attach(first);
  const firstAt = world.allgather(MPI.Get_address(first));
  win.Lock_all();
  win.Put(Int32Array.of(rank + 1), right, firstAt[right]!);
  win.Unlock_all();
  world.Barrier();
  // The owner's own memory sees remote updates after a synchronization of its own (the separate model's rule).
  win.Lock(rank);
  win.Unlock(rank);
  assert.equal(first[0], left + 1);

  // A second region, attached after the origins have read the first's: 8 bytes from byte 3 of a buffer.
  const backing = new Uint8Array(16);
  const second = backing.subarray(3, 11);
  win.Attach(second);
  const secondAt = world.allgather(MPI.Get_address(second));
  world.Barrier();
  win.Lock(right, MPI.LOCK_SHARED);
  win.Put(Uint8Array.of(rank + 7, rank + 8), right, secondAt[right]! + 1);
  win.Unlock(right);
  world.Barrier();
  win.Lock(rank);
  win.Unlock(rank);
  assert.deepEqual([...backing.subarray(3, 6)], [0, left + 7, left + 8]);

  // Every second int of `first` on the right through a vector type; request-based Rput and Rget.
  const every2nd = MPI.INT32_T.Create_vector(2, 1, 2).Commit();
  world.Barrier();
  win.Lock(right, MPI.LOCK_EXCLUSIVE);
  win.Put(Int32Array.of(-5, -6), right, [firstAt[right]!, 1, every2nd]);
  win.Flush(right);
  const back = new Int32Array(4);
  win.Rget(back, right, firstAt[right]!).Wait();
  win.Unlock(right);
  assert.deepEqual([...back], [-5, 0, -6, 0]);
  expectError("ERR_RMA_RANGE", () => {
    win.Lock(right, MPI.LOCK_SHARED);
    try {
      win.Put(Int32Array.of(1, 2, 3), right, [firstAt[right]! + 8, 1, MPI.INT32_T.Create_vector(3, 1, 2).Commit()]);
    } finally {
      win.Unlock(right);
    }
  }, /attached/);
  world.Barrier();
  win.Lock(rank);
  win.Unlock(rank);
  assert.deepEqual([...first], [-5, 0, -6, 0], "a refused datatype Put moved nothing");
  every2nd.Free();

  // Many ranks add to one attached counter at once: no update lost (Fetch_and_op and Accumulate on integers).
  world.Barrier();
  const before = new Int32Array(1);
  win.Lock(0, MPI.LOCK_SHARED);
  for (let i = 0; i < 50; i++) {
    win.Fetch_and_op(Int32Array.of(1), before, 0, firstAt[0]! + 4, MPI.SUM);
    win.Accumulate(Int32Array.of(2), 0, firstAt[0]! + 12, MPI.SUM);
  }
  win.Unlock(0);
  world.Barrier();
  if (rank === 0) {
    win.Lock(0);
    win.Unlock(0);
    assert.equal(first[1], 50 * size);
    assert.equal(first[3], 100 * size);
  }

  // Detach, then attach the same memory again: origins find it anew.
  world.Barrier();
  win.Detach(first);
  if (localEngine && size > 1) {
    world.Barrier();
    // The local engine notices a region detached since (the mpi engine only addresses never attached).
    win.Lock(right, MPI.LOCK_SHARED);
    expectError("ERR_RMA_RANGE", () => win.Put(Int32Array.of(9), right, firstAt[right]!), /attached/);
    win.Unlock(right);
  }
  world.Barrier();
  first.fill(0);
  win.Attach(first);
  assert.equal(MPI.Get_address(first), firstAt[rank]);
  world.Barrier();
  win.Lock(right, MPI.LOCK_SHARED);
  win.Compare_and_swap(Int32Array.of(rank + 40), Int32Array.of(0), new Int32Array(1), right, firstAt[right]!);
  win.Unlock(right);
  world.Barrier();
  win.Lock(rank);
  win.Unlock(rank);
  assert.equal(first[0], left + 40);
  // Free with memory still attached detaches it.
  win.Free();
}

// ---- PSCW over attached memory, and a window on COMM_SELF ----
{
  const win = MPI.Win.Create_dynamic(null, world);
  const cell = new Float32Array(2);
  win.Attach(cell);
  const at = world.allgather(MPI.Get_address(cell));
  const all = world.Get_group();
  win.Post(all);
  win.Start(all);
  win.Accumulate(Float32Array.of(1), right, at[right]!, MPI.SUM);
  win.Complete();
  win.Wait();
  assert.equal(cell[0], 1);
  win.Free();

  const self = MPI.Win.Create_dynamic();
  const mine = new BigInt64Array(2);
  self.Attach(mine);
  self.Fence();
  self.Put(BigInt64Array.of(42n), 0, MPI.Get_address(mine.subarray(1)));
  self.Fence();
  assert.equal(mine[1], 42n);
  expectError("ERR_RANK", () => self.Put(BigInt64Array.of(1n), 1, MPI.Get_address(mine)), /target rank/);
  self.Free();
}

// ---- many regions: the mpi engine refuses past its table (1023) before Open MPI refuses, whose next Detach would
// hang; the local engine takes them all. Every region detaches, and Free returns. ----
{
  const win = MPI.Win.Create_dynamic(null, world);
  const regions: Uint8Array[] = [];
  let refused = "";
  try {
    for (let i = 0; i < 1100; i++) {
      const r = new Uint8Array(i % 2 === 0 ? 64 : 5000);
      win.Attach(r);
      regions.push(r);
    }
  } catch (e) {
    refused = (e as { errorClass?: string }).errorClass ?? String(e);
  }
  if (localEngine) assert.equal(regions.length, 1100, refused);
  else assert.deepEqual([regions.length, refused], [1023, "ERR_RMA_ATTACH"]);
  const last = regions[regions.length - 1]!;
  const lastAt = world.allgather(MPI.Get_address(last));
  win.Lock_all();
  win.Put(Uint8Array.of(rank + 1), right, lastAt[right]!);
  win.Unlock_all();
  world.Barrier();
  for (const r of regions) win.Detach(r);
  assert.equal(last[0], left + 1);
  win.Free();
}

// ---- Attach and Detach belong to dynamic windows ----
{
  const win = MPI.Win.Allocate(8, 1, null, world);
  expectError("ERR_WIN", () => win.Attach(new Uint8Array(4)), /Create_dynamic/);
  expectError("ERR_WIN", () => win.Detach(new Uint8Array(4)), /Create_dynamic/);
  win.Free();
}

if (rank === 0) console.log(`win-dynamic: ok on ${size} rank${size === 1 ? "" : "s"}`);
