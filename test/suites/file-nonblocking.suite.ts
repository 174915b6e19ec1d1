// sizes: 1 2 3 4
/**
 * Nonblocking collective file accesses start without waiting for the other ranks, as MPI's nonblocking
 * collectives do: each rank starts its Iwrite_all (Iread_all, ...) only once the rank before it, which started
 * its own, sent it a message. Refusals raise on every rank (at the call on the refuser, at completion on the
 * others) and leave the file usable; an access freed before it completes still ends before its file closes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const dir = world.bcast(rank === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), "mpi4ts-file-nb-")) : null);
const N = 6; // ints per rank

/** Starts `start()` one rank after the other: rank r starts only once rank r - 1 has started its own. */
function inTurn<T>(start: () => T): T {
  if (rank > 0) world.recv(rank - 1, 11);
  const started = start();
  if (rank < size - 1) world.send("started", rank + 1, 11);
  return started;
}

const block = (r: number) => Int32Array.from({ length: N }, (_, i) => r * 1000 + i);
/** The file's bytes as ints (copied: a Buffer may share its memory). */
const fileInts = (file: string) => new Int32Array(Uint8Array.from(fs.readFileSync(file)).buffer);
const allBlocks = () => {
  const all = new Int32Array(size * N);
  for (let r = 0; r < size; r++) all.set(block(r), r * N);
  return all;
};

try {
  const file = path.join(dir, "turns.bin");
  let f = MPI.File.Open(world, file, MPI.MODE_CREATE | MPI.MODE_RDWR);

  // ---- Iwrite_at_all, then Iwrite_all through the individual pointer of a view, each started in turn ----
  const st = new MPI.Status();
  inTurn(() => f.Iwrite_at_all(rank * N * 4, block(rank))).Wait(st);
  assert.equal(st.Get_count(MPI.INT), N);
  world.Barrier(); // (a rank's completion says that its own part is written)
  assert.deepEqual(fileInts(file), allBlocks());

  f.Set_view(size * N * 4 + rank * N * 4, MPI.INT, MPI.INT);
  const second = Int32Array.from(block(rank), (x) => -x);
  const w = inTurn(() => f.Iwrite_all(second));
  assert.equal(f.Get_position(), N, "the individual pointer moves at the call");
  // Test drives it to completion without blocking.
  while (!w.Test()) { /* spin */ }
  world.Barrier();
  const bytes = fileInts(file);
  assert.deepEqual(bytes.subarray(size * N), allBlocks().map((x) => -x));

  // ---- Iread_at_all and Iread_all, in turn ----
  f.Set_view(0, MPI.INT, MPI.INT);
  const everything = new Int32Array(size * N);
  const rs = new MPI.Status();
  inTurn(() => f.Iread_at_all(0, everything)).Wait(rs);
  assert.equal(rs.Get_count(MPI.INT), size * N);
  assert.deepEqual(everything, allBlocks());
  f.Seek(rank * N);
  const mine = new Int32Array(N);
  await inTurn(() => f.Iread_all(mine));
  assert.deepEqual(mine, block(rank));

  // ---- several in flight, completed in the other order ----
  const a = new Int32Array(N), b = new Int32Array(N);
  const ra = f.Iread_at_all(rank * N, a);
  const rb = f.Iread_at_all(((rank + 1) % size) * N, b);
  rb.Wait();
  ra.Wait();
  assert.deepEqual(a, block(rank));
  assert.deepEqual(b, block((rank + 1) % size));

  // ---- a refusal on the last rank only: raised there at the call, on the others at completion ----
  const refuser = size - 1;
  if (rank === refuser) {
    expectError("ERR_ARG", () => f.Iwrite_at_all(-1, block(rank)), /offset/);
    expectError("ERR_TYPE", () => f.Iread_all(new Uint8Array(3)), /whole number of etypes/);
  } else {
    const refused = f.Iwrite_at_all(rank * N, block(rank));
    expectError("ERR_ARG", () => refused.Wait(), new RegExp(`rank ${refuser} failed`));
    const position = f.Get_position();
    const refusedRead = f.Iread_all(new Int32Array(2));
    assert.equal(f.Get_position(), position + 2);
    await assert.rejects(async () => { await refusedRead; }, (e: MPI.MPIError) => e.Get_error_class() === MPI.ERR_TYPE);
  }
  // The file goes on: a collective after the refusals works on every rank. (Whether the others' parts of the
  // refused write were written depends on the engine; they rewrote what was there.)
  const again = new Int32Array(size * N);
  f.Read_at_all(0, again);
  assert.deepEqual(again, allBlocks());

  // ---- the access mode refuses on every rank alike, at the call ----
  f.Close();
  f = MPI.File.Open(world, file, MPI.MODE_RDONLY);
  expectError("ERR_ACCESS", () => f.Iwrite_at_all(0, block(rank)), /MODE_RDONLY/);
  f.Close();

  // ---- a nonblocking write freed instead of waited for is complete once the file is closed ----
  const unwaited = path.join(dir, "unwaited.bin");
  f = MPI.File.Open(world, unwaited, MPI.MODE_CREATE | MPI.MODE_WRONLY);
  inTurn(() => f.Iwrite_at_all(rank * N * 4, block(rank))).Free();
  f.Close();
  assert.deepEqual(fileInts(unwaited), allBlocks());
} finally {
  world.Barrier();
  if (rank === 0) fs.rmSync(dir, { recursive: true, force: true });
}
