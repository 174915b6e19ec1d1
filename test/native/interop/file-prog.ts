/**
 * mpi4ts side of test/native/file-interop.test.ts: writes or reads (argv: write|read PATH) the same file as
 * file_prog.py: a 16-byte header, a 2-D grid of doubles through a subarray view, then ints interleaved by rank.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const [mode, path] = process.argv.slice(2) as [string, string];
const comm = MPI.COMM_WORLD;
const rank = comm.rank, size = comm.size;
const [pr, pc] = MPI.Compute_dims(size, 2) as [number, number];
const rows = 6, cols = 5, R = pr * rows, C = pc * cols;
const myr = Math.floor(rank / pc), myc = rank % pc;
const sub = MPI.DOUBLE.Create_subarray([R, C], [rows, cols], [myr * rows, myc * cols]).Commit();
const block = Float64Array.from({ length: rows * cols }, (_, k) => (myr * rows + Math.floor(k / cols)) * C + myc * cols + (k % cols));
const K = 4;
const slot = MPI.INT.Create_resized(0, 4 * size).Commit();
const ints = Int32Array.from({ length: K }, (_, i) => i * 100 + rank);
const HEADER = new TextEncoder().encode("mpi4ts-file-v1\0\0");
const gridEnd = 16 + R * C * 8;

if (mode === "write") {
  const fh = MPI.File.Open(comm, path, MPI.MODE_CREATE | MPI.MODE_WRONLY);
  if (rank === 0) fh.Write_at(0, HEADER);
  fh.Set_view(16, MPI.DOUBLE, sub);
  fh.Write_at_all(0, block);
  fh.Set_view(gridEnd + rank * 4, MPI.INT, slot);
  fh.Write_all(ints);
  fh.Close();
} else {
  const fh = MPI.File.Open(comm, path, MPI.MODE_RDONLY);
  assert.equal(fh.Get_size(), gridEnd + K * size * 4);
  const head = new Uint8Array(16);
  fh.Read_at_all(0, head);
  assert.deepEqual(head, HEADER);
  fh.Set_view(16, MPI.DOUBLE, sub);
  const got = new Float64Array(rows * cols);
  fh.Read_at_all(0, got);
  assert.deepEqual(got, block);
  fh.Set_view(gridEnd + rank * 4, MPI.INT, slot);
  const back = new Int32Array(K);
  fh.Read_all(back);
  assert.deepEqual(back, ints);
  fh.Close();
}
console.log(`file ${mode} ts rank ${rank} ok`);
