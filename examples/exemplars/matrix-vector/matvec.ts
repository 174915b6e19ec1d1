/**
 * Exemplar: matrix-vector multiplication.
 *
 * What it teaches: the classic row decomposition. The conductor owns a
 * rows x cols matrix A and a vector x. Scatter gives each rank an equal block of
 * rows (rows are contiguous in a row-major Float64Array, so a block of rows is
 * one slice); Bcast gives every rank all of x; each rank computes its part of
 * y = A x; Gather assembles y at the conductor. To have something worth
 * timing, the product is repeated as a power iteration: x <- A x / max|A x|,
 * which converges to A's dominant eigenvector. A is scattered once; x is
 * broadcast and y gathered every iteration.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/matrix-vector/matvec.ts 2048 2048 20
 *
 * Arguments: [rows = 2048] [cols = 2048] [iterations = 20]   (rows must be square
 * for the power iteration, and a multiple of the number of ranks)
 *
 * Try:
 *   - Time 1 iteration against 100: the one-off Scatter of A weighs less and less.
 *   - Use a rows count that the ranks do not divide: see patternlet 22 for Scatterv.
 *
 * Output: the dominant eigenvalue estimate, `TIME parallel <s>`, `TIME sequential <s>`.
 */
import { MPI } from "mpi4ts";
import { intArg, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const rows = intArg(2, 2048, "rows");
const cols = intArg(3, rows, "cols");
const iterations = intArg(4, 20, "iterations");

if (rows !== cols) throw new Error(`the power iteration needs a square matrix, got ${rows}x${cols}`);
if (rows % size !== 0) {
  if (rank === 0) console.error(`rows (${rows}) must be a multiple of the number of ranks (${size}) for Scatter`);
  process.exit(1);
}
const myRows = rows / size;

/** A deterministic test matrix with positive entries (so it has a dominant eigenvalue). */
function makeMatrix(): Float64Array {
  const A = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) A[i * cols + j] = 1 + ((i * 7 + j * 13) % 17) / 17 + (i === j ? 4 : 0);
  }
  return A;
}

/** y = A x for a block of `count` rows of A (the same code serves both versions). */
function multiply(block: Float64Array, count: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < count; i++) {
    let sum = 0;
    const offset = i * cols;
    for (let j = 0; j < cols; j++) sum += block[offset + j] * x[j];
    y[i] = sum;
  }
}

/** x <- y / max|y|; returns max|y| (the eigenvalue estimate once converged). */
function normalize(y: Float64Array, x: Float64Array): number {
  let norm = 0;
  for (const v of y) norm = Math.max(norm, Math.abs(v));
  for (let i = 0; i < y.length; i++) x[i] = y[i] / norm;
  return norm;
}

const A = rank === 0 ? makeMatrix() : null;

// ---- parallel version ------------------------------------------------------------
comm.barrier();
const start = MPI.Wtime();
const myBlock = new Float64Array(myRows * cols);
comm.Scatter(A, myBlock, 0); // my rows of A, once
const x = new Float64Array(cols).fill(1);
const myY = new Float64Array(myRows);
const y = rank === 0 ? new Float64Array(rows) : null;
let lambda = 0;
for (let it = 0; it < iterations; it++) {
  comm.Bcast(x, 0); // everyone needs all of x
  multiply(myBlock, myRows, x, myY);
  comm.Gather(myY, y, 0); // my part of y, into place at the root
  if (y !== null) lambda = normalize(y, x); // the root prepares the next x
}
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

if (rank === 0 && A !== null && y !== null) {
  console.log(`${rows}x${cols} matrix, ${iterations} iterations on ${size} rank(s): dominant eigenvalue ~ ${lambda.toFixed(6)}`);
  reportTime("parallel", elapsed ?? NaN);

  // ---- sequential baseline ---------------------------------------------------------
  const sx = new Float64Array(cols).fill(1);
  const sy = new Float64Array(rows);
  const sLambda = timed("sequential", () => {
    let estimate = 0;
    for (let it = 0; it < iterations; it++) {
      multiply(A, rows, sx, sy);
      estimate = normalize(sy, sx);
    }
    return estimate;
  });

  // ---- self-check: same rows, same arithmetic, so identical results -----------------
  for (let i = 0; i < rows; i++) {
    if (y[i] !== sy[i]) throw new Error(`y[${i}]: parallel ${y[i]}, sequential ${sy[i]}`);
  }
  if (lambda !== sLambda) throw new Error(`eigenvalue: parallel ${lambda}, sequential ${sLambda}`);
  console.log("Check passed: the parallel product equals the sequential one exactly");
}
