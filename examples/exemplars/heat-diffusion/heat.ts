/**
 * Exemplar: 2-D heat diffusion (Jacobi iteration) with halo exchange.
 *
 * What it teaches: domain decomposition on a Cartesian topology. A metal plate
 * (rows x cols interior points) has its top edge held at 100 degrees and its
 * other edges at 0. Each step replaces every interior value by the average of
 * its four neighbours. The plate is cut into tiles, one per rank, on a grid of
 * ranks chosen by MPI.Compute_dims; each tile is surrounded by a one-cell
 * "halo" holding copies of its neighbours' edge values. Before every step,
 * each rank swaps edges with its four neighbours using Sendrecv (found with
 * Cartcomm.Shift). At the plate's edges the neighbour is PROC_NULL: the
 * Sendrecv does nothing and the halo keeps the fixed boundary temperature.
 *
 * The parallel result must equal the sequential one exactly, value for value:
 * every point is updated by the same arithmetic in the same order.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/heat-diffusion/heat.ts 400 400 500
 *
 * Arguments: [rows = 400] [cols = 400] [steps = 500]
 *
 * Try:
 *   - Run with -n 2, 3, 4, 6 and look at the rank grid it prints.
 *   - Comment out the column exchange: the check fails (tiles stop seeing
 *     their left and right neighbours).
 *
 * At the end every rank writes its tile into one file of the whole plate
 * (rows x cols doubles, row-major) with a single collective Write_at_all: a
 * subarray type picks the tile's interior out of the block in memory (no halo)
 * and a subarray file view places it in the plate. Rank 0 reads the file back
 * sequentially and checks it against the gathered plate.
 *
 * Output: a few temperatures, `TIME parallel <s>`, `TIME sequential <s>`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MPI } from "mpi4ts";
import { blockRange, intArg, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const size = comm.Get_size();

const rows = intArg(2, 400, "rows");
const cols = intArg(3, 400, "cols");
const steps = intArg(4, 500, "steps");
const TOP = 100; // temperature of the top edge; the others are 0

/**
 * One Jacobi step on a block stored row-major with a one-cell border:
 * (h+2) x (w+2) values, the interior being rows 1..h and columns 1..w.
 * The parallel and the sequential code both call this, so they compute
 * bit-identical values.
 */
function jacobiStep(u: Float64Array, next: Float64Array, h: number, w: number): void {
  const W = w + 2;
  for (let i = 1; i <= h; i++) {
    for (let j = 1; j <= w; j++) {
      const k = i * W + j;
      next[k] = 0.25 * (u[k - W] + u[k + W] + u[k - 1] + u[k + 1]);
    }
  }
}

/** A block with its border: the border cells on row 0 start at `topValue`. */
function newBlock(h: number, w: number, topValue: number): Float64Array {
  const block = new Float64Array((h + 2) * (w + 2));
  block.fill(topValue, 1, w + 1); // border row 0 (corners are never read)
  return block;
}

// ---- the rank grid and my tile ------------------------------------------------
const dims = MPI.Compute_dims(size, 2); // e.g. 4 ranks -> [2, 2]
if (dims[0] > rows || dims[1] > cols) throw new Error(`a ${rows}x${cols} plate is too small for a ${dims.join("x")} rank grid`);
const cart = comm.Create_cart(dims, [false, false]); // open edges: PROC_NULL beyond them
const [myRow, myCol] = cart.Get_coords(cart.Get_rank());
// My rows and columns of the plate: blocks differing by at most one.
const [row0, h] = blockRange(rows, dims[0], myRow);
const [col0, w] = blockRange(cols, dims[1], myCol);
const W = w + 2; // row length of my block, border included

const [up, down] = cart.Shift(0, 1); // neighbours above (source) and below (dest)
const [leftNb, rightNb] = cart.Shift(1, 1); // neighbours left (source) and right (dest)

/** Swap my edge values with my four neighbours' (the halo exchange). */
function exchangeHalos(u: Float64Array, sendCol: Float64Array, recvCol: Float64Array): void {
  const row = (i: number) => u.subarray(i * W + 1, i * W + 1 + w); // interior part of row i, a view
  // Rows are contiguous: send and receive straight from and into the block.
  cart.Sendrecv(row(h), down, 0, row(0), up, 0); // my last row down, my top halo from above
  cart.Sendrecv(row(1), up, 1, row(h + 1), down, 1); // my first row up, my bottom halo from below
  // Columns are strided: copy into a contiguous buffer first, and out after.
  for (let i = 1; i <= h; i++) sendCol[i - 1] = u[i * W + w];
  cart.Sendrecv(sendCol, rightNb, 2, recvCol, leftNb, 2); // last column right, left halo from the left
  if (leftNb !== MPI.PROC_NULL) for (let i = 1; i <= h; i++) u[i * W] = recvCol[i - 1];
  for (let i = 1; i <= h; i++) sendCol[i - 1] = u[i * W + 1];
  cart.Sendrecv(sendCol, leftNb, 3, recvCol, rightNb, 3); // first column left, right halo from the right
  if (rightNb !== MPI.PROC_NULL) for (let i = 1; i <= h; i++) u[i * W + w + 1] = recvCol[i - 1];
}

// ---- parallel version ---------------------------------------------------------
comm.barrier();
const start = MPI.Wtime();
// Only tiles on the plate's top edge have the hot boundary in their top halo.
let u = newBlock(h, w, myRow === 0 ? TOP : 0);
let next = newBlock(h, w, myRow === 0 ? TOP : 0);
const sendCol = new Float64Array(h);
const recvCol = new Float64Array(h);
for (let step = 0; step < steps; step++) {
  exchangeHalos(u, sendCol, recvCol);
  jacobiStep(u, next, h, w);
  [u, next] = [next, u]; // the border of `next` is refreshed by the next exchange
  MPI.progress(step + 1, steps, "steps"); // live lines on a terminal; nothing otherwise
}
// Collect the tiles at the conductor: each sends where it sits and its interior.
const interior = new Float64Array(h * w);
for (let i = 0; i < h; i++) interior.set(u.subarray((i + 1) * W + 1, (i + 1) * W + 1 + w), i * w);
const tiles = comm.gather({ row0, col0, h, w, interior }, 0);
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

// ---- the plate to one file: every tile with one collective write ---------------
const plateFile = comm.bcast(comm.Get_rank() === 0 ? path.join(os.tmpdir(), `heat-${process.pid}.bin`) : null);
const tileInMemory = MPI.DOUBLE.Create_subarray([h + 2, w + 2], [h, w], [1, 1]).Commit(); // the interior, halo skipped
const tileInFile = MPI.DOUBLE.Create_subarray([rows, cols], [h, w], [row0, col0]).Commit(); // where it sits in the plate
const fh = MPI.File.Open(comm, plateFile, MPI.MODE_CREATE | MPI.MODE_WRONLY);
fh.Set_size(0); // a file left by an earlier run must not keep stale bytes
fh.Set_view(0, MPI.DOUBLE, tileInFile);
fh.Write_at_all(0, [u, 1, tileInMemory]);
fh.Close();
tileInMemory.Free();
tileInFile.Free();

if (tiles !== null) {
  // Only the root has the tiles: assemble the whole plate.
  const plate = new Float64Array(rows * cols);
  for (const t of tiles) {
    for (let i = 0; i < t.h; i++) plate.set(t.interior.subarray(i * t.w, (i + 1) * t.w), (t.row0 + i) * cols + t.col0);
  }
  const at = (i: number, j: number) => plate[i * cols + j].toFixed(4);
  console.log(`Plate ${rows}x${cols}, ${steps} steps, ranks in a ${dims.join("x")} grid`);
  console.log(`Temperature near the top middle: ${at(0, cols >> 1)}, at the center: ${at(rows >> 1, cols >> 1)}`);
  reportTime("parallel", elapsed ?? NaN);

  // ---- sequential baseline: the whole plate as one block ----------------------
  const s = timed("sequential", () => {
    let cur = newBlock(rows, cols, TOP);
    let nxt = newBlock(rows, cols, TOP);
    for (let step = 0; step < steps; step++) {
      jacobiStep(cur, nxt, rows, cols);
      [cur, nxt] = [nxt, cur];
    }
    return cur;
  });

  // ---- self-check: identical, value for value -----------------------------------
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const expected = s[(i + 1) * (cols + 2) + j + 1];
      if (plate[i * cols + j] !== expected) {
        throw new Error(`point (${i}, ${j}): parallel ${plate[i * cols + j]}, sequential ${expected}`);
      }
    }
  }
  console.log("Check passed: the parallel plate equals the sequential plate exactly");

  // ---- the file, read back sequentially, is the plate -------------------------
  const bytes = fs.readFileSync(plateFile);
  const fromFile = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  if (fromFile.length !== plate.length || fromFile.some((x, k) => x !== plate[k])) {
    throw new Error(`the plate file ${plateFile} differs from the gathered plate`);
  }
  MPI.File.Delete(plateFile);
  console.log(`File check passed: the plate written with one Write_at_all (${bytes.length} bytes) reads back identical`);
}
cart.Free();
