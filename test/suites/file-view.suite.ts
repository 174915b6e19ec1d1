// sizes: 1 2 4
/**
 * MPI.File views and the shared file pointer: interleaved (resized) and vector filetypes, each rank's block of a
 * distributed 2-D array written with one Write_at_all through a subarray view, Get_view/Get_byte_offset, shared
 * and ordered access, each checked byte for byte against the file as node:fs reads it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const dir = world.bcast(rank === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), "mpi4ts-file-view-")) : null);
const name = (base: string) => path.join(dir, base);
const ints = (file: string) => { const b = fs.readFileSync(file); return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); };
const doubles = (file: string) => { const b = fs.readFileSync(file); return new Float64Array(b.buffer, b.byteOffset, b.length / 8); };

try {
  // ---- interleaved doubles: rank r owns every size-th double from r on (a resized filetype) ----
  const K = 7;
  let f = MPI.File.Open(world, name("interleaved.bin"), MPI.MODE_CREATE | MPI.MODE_RDWR);
  const slot = MPI.DOUBLE.Create_resized(0, 8 * size).Commit();
  f.Set_view(rank * 8, MPI.DOUBLE, slot);
  const [disp, etype, filetype, rep] = f.Get_view();
  assert.equal(disp, rank * 8);
  assert.equal(etype, MPI.DOUBLE);
  assert.equal(filetype, slot);
  assert.equal(rep, "native");
  assert.equal(f.Get_byte_offset(3), rank * 8 + 3 * 8 * size);
  const mine = Float64Array.from({ length: K }, (_, i) => rank + i * 1000);
  f.Write_at_all(0, mine); // small interleaved pieces: the two-phase path
  const back = new Float64Array(K);
  f.Read_at_all(0, back);
  assert.deepEqual(back, mine);
  // The individual pointer counts etypes of the view.
  f.Seek(2);
  const two = new Float64Array(2);
  f.Read(two);
  assert.deepEqual(Array.from(two), [mine[2], mine[3]]);
  assert.equal(f.Get_position(), 4);
  f.Seek(-1, MPI.SEEK_END);
  assert.equal(f.Get_position(), K - 1);
  // A collective write where some ranks bring nothing: the others' pieces still land.
  f.Write_at_all(K, rank % 2 === 0 ? new Float64Array(0) : Float64Array.from([rank + 0.25, rank + 0.75]));
  const extra = new Float64Array(2);
  const est = new MPI.Status();
  f.Read_at(K, extra, est);
  if (rank % 2 === 1) assert.deepEqual(Array.from(extra), [rank + 0.25, rank + 0.75]);
  expectError("ERR_TYPE", () => f.Write_at(0, new Uint8Array(3)), /whole number of etypes/);
  expectError("ERR_UNSUPPORTED_DATAREP", () => f.Set_view(0, MPI.DOUBLE, slot, "external32"));
  expectError("ERR_TYPE", () => f.Set_view(0, MPI.DOUBLE, MPI.INT), /whole etypes/);
  expectError("ERR_ARG", () => f.Set_view(-8, MPI.DOUBLE, slot));
  f.Close();
  const flat = doubles(name("interleaved.bin"));
  const lastOdd = size % 2 === 0 ? size - 1 : size - 2; // -1: no odd rank, nothing beyond K doubles each
  assert.equal(flat.length, lastOdd < 0 ? K * size : (K + 1) * size + lastOdd + 1, "the file ends at the last odd rank's second extra double");
  for (let i = 0; i < K * size; i++) assert.equal(flat[i], (i % size) + Math.floor(i / size) * 1000, `double ${i}`);

  // ---- a distributed 2-D array: each rank's block through a subarray view, one Write_at_all ----
  const [pr, pc] = MPI.Compute_dims(size, 2) as [number, number];
  const rows = 6, cols = 5; // each rank's block
  const R = pr * rows, C = pc * cols;
  const [myRow, myCol] = [Math.floor(rank / pc), rank % pc];
  const block = Float64Array.from({ length: rows * cols }, (_, k) => (myRow * rows + Math.floor(k / cols)) * C + myCol * cols + (k % cols));
  const sub = MPI.DOUBLE.Create_subarray([R, C], [rows, cols], [myRow * rows, myCol * cols]).Commit();
  f = MPI.File.Open(world, name("grid.bin"), MPI.MODE_CREATE | MPI.MODE_WRONLY);
  f.Set_view(16, MPI.DOUBLE, sub); // after a 16-byte header
  f.Write_at_all(0, block);
  f.Close();
  const grid = fs.readFileSync(name("grid.bin"));
  assert.equal(grid.length, 16 + R * C * 8);
  const values = new Float64Array(grid.buffer, grid.byteOffset + 16, R * C);
  for (let i = 0; i < R * C; i++) assert.equal(values[i], i, `grid element ${i}: the row-major global array`);
  // Read back through the same view, and a column of the grid through a vector view.
  f = MPI.File.Open(world, name("grid.bin"), MPI.MODE_RDONLY);
  f.Set_view(16, MPI.DOUBLE, sub);
  const again = new Float64Array(rows * cols);
  f.Read_all(again);
  assert.deepEqual(again, block);
  const column = MPI.DOUBLE.Create_vector(R, 1, C).Commit();
  f.Set_view(16 + 8 * (C - 1), MPI.DOUBLE, column);
  const last = new Float64Array(R);
  f.Read_at(0, last);
  assert.deepEqual(Array.from(last), Array.from({ length: R }, (_, i) => i * C + C - 1));
  f.Close();

  // ---- shared pointer: every rank's record lands exactly once ----
  const S = 3;
  f = MPI.File.Open(world, name("shared.bin"), MPI.MODE_CREATE | MPI.MODE_RDWR);
  f.Set_view(0, MPI.INT, MPI.INT);
  for (let k = 0; k < 2; k++) f.Write_shared(Int32Array.from({ length: S }, () => rank * 10 + k));
  world.Barrier();
  assert.equal(f.Get_position_shared(), 2 * S * size);
  const records = ints(name("shared.bin"));
  assert.equal(records.length, 2 * S * size);
  const seen = new Map<number, number>();
  for (let i = 0; i < records.length; i += S) {
    const rec = records.subarray(i, i + S);
    assert.ok(rec.every((x) => x === rec[0]), "records are not torn");
    seen.set(rec[0]!, (seen.get(rec[0]!) ?? 0) + 1);
  }
  for (let r = 0; r < size; r++) for (let k = 0; k < 2; k++) assert.equal(seen.get(r * 10 + k), 1, `record ${r}/${k}`);
  world.Barrier();
  f.Seek_shared(0);
  assert.equal(f.Get_position_shared(), 0);
  world.Barrier(); // before anyone moves it again
  const got = new Int32Array(S);
  const st = new MPI.Status();
  f.Read_shared(got, st);
  assert.equal(st.Get_count(MPI.INT), S);
  assert.ok(got.every((x) => x === got[0]));
  world.Barrier();

  // ---- ordered access: rank order, whatever order the ranks arrive in ----
  f.Seek_shared(0);
  f.Write_ordered(Int32Array.from({ length: rank + 1 }, () => rank));
  const total = (size * (size + 1)) / 2;
  assert.equal(f.Get_position_shared(), total);
  world.Barrier();
  f.Seek_shared(0);
  const mineAgain = new Int32Array(rank + 1);
  f.Read_ordered(mineAgain);
  assert.ok(mineAgain.every((x) => x === rank), "Read_ordered gives each rank its own part");
  f.Seek_shared(-1, MPI.SEEK_END);
  if (size > 1) expectError("ERR_NOT_SAME", () => f.Seek_shared(rank));
  f.Close();
  const ordered = Array.from(ints(name("shared.bin")).subarray(0, total));
  assert.deepEqual(ordered, Array.from({ length: size }, (_, r) => new Array<number>(r + 1).fill(r)).flat());
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".")), [], "the shared pointer's files are gone after Close");
} finally {
  world.Barrier();
  if (rank === 0) fs.rmSync(dir, { recursive: true, force: true });
}
