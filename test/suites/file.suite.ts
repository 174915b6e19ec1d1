// sizes: 1 2 4
/**
 * MPI.File, the basics: collective Open/Close/Delete with every amode flag, sizes, explicit offsets and individual
 * file pointers (independent and collective), nonblocking forms, and each open error raised on every rank. Every
 * file is checked byte for byte with node:fs and removed.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const dir = world.bcast(rank === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), "mpi4ts-file-")) : null);
const name = (base: string) => path.join(dir, base);
const N = 5; // doubles per rank

try {
  // ---- Write_at of one block per rank, read back by everyone and by node:fs ----
  const a = name("blocks.bin");
  let f = MPI.File.Open(world, a, MPI.MODE_CREATE | MPI.MODE_WRONLY);
  assert.equal(f.Get_amode(), MPI.MODE_CREATE | MPI.MODE_WRONLY);
  assert.equal(f.Get_group().size, size);
  assert.equal(f.Get_group().rank, rank);
  const mine = Float64Array.from({ length: N }, (_, i) => rank * 100 + i + 0.5);
  const st = new MPI.Status();
  f.Write_at(rank * N * 8, mine, st);
  assert.equal(st.Get_count(MPI.DOUBLE), N);
  f.Sync();
  assert.equal(f.Get_size(), size * N * 8);
  f.Close();
  assert.ok(f.isNull);
  expectError("ERR_FILE", () => f.Get_size(), /closed/);
  const expected = new Float64Array(size * N);
  for (let r = 0; r < size; r++) for (let i = 0; i < N; i++) expected[r * N + i] = r * 100 + i + 0.5;
  assert.deepEqual(new Uint8Array(fs.readFileSync(a)), new Uint8Array(expected.buffer), "file bytes");

  f = MPI.File.Open(world, a, MPI.MODE_RDONLY);
  const all = new Float64Array(size * N);
  f.Read_at_all(0, all, st);
  assert.deepEqual(all, expected);
  assert.equal(st.Get_count(), size * N * 8);
  // A read past the end is short: the status says how much arrived.
  const tail = new Float64Array(N + 3).fill(-1);
  f.Read_at((size - 1) * N * 8, tail, st);
  assert.equal(st.Get_count(MPI.DOUBLE), N);
  assert.deepEqual(Array.from(tail.subarray(0, N)), Array.from(expected.subarray((size - 1) * N)));
  assert.equal(tail[N], -1, "bytes past the end are left alone");
  expectError("ERR_ACCESS", () => f.Write_at(0, mine), /MODE_RDONLY/);
  // A collective refused on every rank: nobody is left waiting.
  expectError("ERR_ACCESS", () => f.Write_at_all(0, mine), /MODE_RDONLY/);
  expectError("ERR_ARG", () => f.Read_at(-1, mine));
  expectError("ERR_BUFFER", () => f.Read_at(0, [1, 2] as never));
  f.Close();

  // ---- Write_at_all of contiguous blocks, memory datatypes, individual pointers ----
  const b = name("pointers.bin");
  f = MPI.File.Open(world, b, MPI.MODE_CREATE | MPI.MODE_RDWR);
  f.Write_at_all(rank * N * 8, mine);
  // Every other double of a strided memory buffer, through a vector type.
  const strided = Float64Array.from({ length: 2 * N }, (_, i) => (i % 2 === 0 ? -(rank * 10 + i / 2) : 999));
  const everyOther = MPI.DOUBLE.Create_vector(N, 1, 2).Commit();
  f.Seek(size * N * 8 + rank * N * 8);
  f.Write_all([strided, 1, everyOther]);
  assert.equal(f.Get_position(), size * N * 8 + (rank + 1) * N * 8);
  f.Seek(-N * 8, MPI.SEEK_CUR);
  const back = new Float64Array(N);
  f.Read(back);
  assert.deepEqual(Array.from(back), Array.from({ length: N }, (_, i) => -(rank * 10 + i)));
  f.Seek(-8, MPI.SEEK_END);
  assert.equal(f.Get_position(), 2 * size * N * 8 - 8);
  f.Seek(0);
  const unpacked = new Float64Array(2 * N).fill(7);
  f.Read_all([unpacked, 1, everyOther]);
  assert.deepEqual(Array.from(unpacked.filter((_, i) => i % 2 === 0)), Array.from({ length: N }, (_, i) => i + 0.5), "rank 0's block");
  assert.ok(unpacked.filter((_, i) => i % 2 === 1).every((x) => x === 7), "the gaps of the memory type are untouched");
  expectError("ERR_ARG", () => f.Seek(-1), /before the start/);
  expectError("ERR_ARG", () => f.Seek(0, 12345), /whence/);
  world.Barrier();
  const bytes = new Uint8Array(fs.readFileSync(b));
  assert.equal(bytes.length, 2 * size * N * 8);
  assert.deepEqual(bytes.subarray(0, size * N * 8), new Uint8Array(expected.buffer));

  // ---- Set_size, Preallocate, nonblocking forms ----
  f.Set_size(12);
  assert.equal(f.Get_size(), 12);
  f.Preallocate(8); // never shrinks
  assert.equal(f.Get_size(), 12);
  f.Preallocate(64);
  assert.equal(f.Get_size(), 64);
  expectError("ERR_ARG", () => f.Set_size(-1));
  const word = new Int32Array([rank + 1]);
  const w = f.Iwrite_at(rank * 4, word);
  const ws = new MPI.Status();
  w.Wait(ws);
  assert.equal(ws.Get_count(MPI.INT), 1);
  world.Barrier();
  const got = new Int32Array(size);
  const r = f.Iread_at_all(0, got);
  r.Wait();
  assert.deepEqual(Array.from(got), Array.from({ length: size }, (_, i) => i + 1));
  const q = f.Iwrite_at_all(rank * 4, word);
  MPI.Request.Waitall([q]);
  // Several in flight at once, one through the individual pointer (which moves at once), one into a derived type.
  world.Barrier();
  f.Seek(0);
  const firstTwo = new Int32Array(2).fill(-5);
  const spread = new Int32Array(2 * size).fill(-5);
  const spreadType = MPI.INT.Create_vector(size, 1, 2).Commit();
  const pending = [f.Iread(firstTwo), f.Iread_at(0, [spread, 1, spreadType])];
  assert.equal(f.Get_position(), 8, "the pointer moves by what was asked for");
  const sts = [new MPI.Status(), new MPI.Status()];
  while (!MPI.Request.Testall(pending, sts)) { /* spin: Testall drives them */ }
  assert.equal(sts[1]!.Get_count(MPI.INT), size);
  const blockingTwo = new Int32Array(2);
  f.Read_at(0, blockingTwo);
  assert.deepEqual(firstTwo, blockingTwo);
  assert.equal(firstTwo[0], 1);
  assert.deepEqual(Array.from(spread).filter((_, i) => i % 2 === 0), Array.from({ length: size }, (_, i) => i + 1));
  assert.ok(Array.from(spread).filter((_, i) => i % 2 === 1).every((x) => x === -5), "the gaps of the memory type are untouched");

  // ---- hints, atomicity, extents ----
  assert.equal(f.Get_info().Get_nkeys(), 0);
  const hints = MPI.Info.Create({ cb_nodes: "1" });
  f.Set_info(hints);
  hints.Free(); // the file keeps its own copy
  const kept = f.Get_info();
  assert.equal(kept.Get("cb_nodes"), "1");
  kept.Free();
  assert.equal(f.Get_atomicity(), false);
  f.Set_atomicity(true);
  assert.equal(f.Get_atomicity(), true);
  assert.equal(f.Get_type_extent(MPI.DOUBLE.Create_vector(2, 1, 3)), 32);
  expectError("ERR_TYPE", () => f.Get_type_extent(7 as never));
  expectError("ERR_ARG", () => f.Set_info({} as MPI.Info));

  f.Close();
  assert.equal(fs.readFileSync(b).length, 64);

  // ---- MODE_APPEND, MODE_DELETE_ON_CLOSE, MODE_EXCL ----
  f = MPI.File.Open(world, b, MPI.MODE_WRONLY | MPI.MODE_APPEND);
  assert.equal(f.Get_position(), 64, "APPEND starts at the end");
  f.Close();
  f = MPI.File.Open(world, name("scratch.bin"), MPI.MODE_CREATE | MPI.MODE_EXCL | MPI.MODE_RDWR | MPI.MODE_DELETE_ON_CLOSE);
  f.Write_at_all(rank, new Uint8Array([rank]));
  assert.equal(fs.existsSync(name("scratch.bin")), true);
  f.Close();
  assert.equal(fs.existsSync(name("scratch.bin")), false, "DELETE_ON_CLOSE removed it");

  // ---- MODE_SEQUENTIAL: only the shared pointer ----
  f = MPI.File.Open(world, name("sequential.bin"), MPI.MODE_CREATE | MPI.MODE_WRONLY | MPI.MODE_SEQUENTIAL | MPI.MODE_DELETE_ON_CLOSE);
  expectError("ERR_UNSUPPORTED_OPERATION", () => f.Write_at(0, mine));
  expectError("ERR_UNSUPPORTED_OPERATION", () => f.Write_all(mine));
  f.Write_ordered(new Uint8Array([rank]));
  const ws2 = new MPI.Status();
  f.Iwrite_shared(new Uint8Array([rank, rank])).Wait(ws2);
  assert.equal(ws2.Get_count(), 2);
  expectError("ERR_UNSUPPORTED_OPERATION", () => f.Get_position_shared());
  expectError("ERR_UNSUPPORTED_OPERATION", () => f.Seek_shared(0));
  world.Barrier();
  assert.equal(f.Get_size(), 3 * size, "every rank's ordered byte and shared pair");
  f.Close();
  if (rank === 0) assert.equal(fs.existsSync(name("sequential.bin")), false);

  // ---- errors of Open, each raised on every rank ----
  expectError("ERR_NO_SUCH_FILE", () => MPI.File.Open(world, name("missing.bin"), MPI.MODE_RDONLY));
  expectError("ERR_NO_SUCH_FILE", () => MPI.File.Open(world, name("no/such/dir.bin"), MPI.MODE_CREATE | MPI.MODE_WRONLY));
  expectError("ERR_FILE_EXISTS", () => MPI.File.Open(world, a, MPI.MODE_CREATE | MPI.MODE_EXCL | MPI.MODE_WRONLY));
  expectError("ERR_AMODE", () => MPI.File.Open(world, a, MPI.MODE_RDONLY | MPI.MODE_WRONLY), /exactly one/);
  expectError("ERR_AMODE", () => MPI.File.Open(world, a, MPI.MODE_RDONLY | MPI.MODE_CREATE), /MODE_RDONLY/);
  expectError("ERR_AMODE", () => MPI.File.Open(world, a, 1 << 20));
  expectError("ERR_BAD_FILE", () => MPI.File.Open(world, dir, MPI.MODE_WRONLY));
  expectError("ERR_BAD_FILE", () => MPI.File.Open(world, "" as string, MPI.MODE_RDONLY));
  expectError("ERR_ARG", () => MPI.File.Open(world, a, MPI.MODE_RDONLY, {} as MPI.Info));
  // One rank's bad amode fails the open on every rank, with that rank's class.
  expectError("ERR_AMODE", () => MPI.File.Open(world, a, rank === size - 1 ? MPI.MODE_RDWR | MPI.MODE_SEQUENTIAL : MPI.MODE_RDONLY));
  if (size > 1) {
    expectError("ERR_NOT_SAME", () => MPI.File.Open(world, a, rank === 0 ? MPI.MODE_RDONLY : MPI.MODE_RDWR));
    expectError("ERR_NOT_SAME", () => MPI.File.Open(world, rank === 0 ? a : b, MPI.MODE_RDONLY));
  }
  // The refused opens left the world usable and no descriptor behind: a normal open still works.
  f = MPI.File.Open(world, a, MPI.MODE_RDONLY);
  f.Close();
  expectError("ERR_FILE", () => MPI.FILE_NULL.Close(), /FILE_NULL/);

  // ---- Delete ----
  world.Barrier();
  if (rank === 0) {
    MPI.File.Delete(a);
    assert.equal(fs.existsSync(a), false);
    expectError("ERR_NO_SUCH_FILE", () => MPI.File.Delete(a));
  }
  // On COMM_SELF every rank has its own file.
  const own = name(`self-${rank}.bin`);
  f = MPI.File.Open(MPI.COMM_SELF, own, MPI.MODE_CREATE | MPI.MODE_WRONLY);
  f.Write_all(new Uint8Array([rank, rank, rank]));
  f.Close();
  assert.deepEqual(Array.from(fs.readFileSync(own)), [rank, rank, rank]);
  MPI.File.Delete(own);
  world.Barrier();
} finally {
  world.Barrier();
  if (rank === 0) fs.rmSync(dir, { recursive: true, force: true });
}
