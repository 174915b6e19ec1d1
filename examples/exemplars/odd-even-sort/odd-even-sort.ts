/**
 * Exemplar: odd-even transposition sort.
 *
 * What it teaches: pairwise exchange with Sendrecv, and PROC_NULL at the ends.
 * The conductor scatters the numbers in equal blocks; each rank sorts its
 * block. Then, for `size` phases, ranks pair up with a neighbour: on even
 * phases 0-1, 2-3, ...; on odd phases 1-2, 3-4, ... Partners swap whole blocks
 * with one Sendrecv and "merge-split": the lower rank keeps the smaller half
 * of the two blocks, the higher rank the larger half. After `size` phases the
 * blocks, read in rank order, are sorted.
 *
 * A rank left without a partner in a phase (rank 0 in odd phases, the last
 * rank sometimes) gets MPI.PROC_NULL as its partner: its Sendrecv returns at
 * once and it keeps its block. No special case in the communication code.
 *
 * Scatter needs equal blocks, so when size does not divide n the conductor
 * pads the input with +Infinity, which sorts to the very end and is dropped.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/odd-even-sort/odd-even-sort.ts 2000000
 *
 * Arguments: [n = 2000000 numbers] [seed = 42]
 *
 * Try:
 *   - Stop after size-1 phases: with some inputs the check fails. Why are size phases needed?
 *   - Compare with the sequential sort's time: sorting is hard to speed up this way.
 *
 * Output: `TIME parallel <s>`, `TIME sequential <s>`, and the check.
 */
import { MPI } from "mpi4ts";
import { intArg, mulberry32, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = intArg(2, 2_000_000, "n");
const seed = intArg(3, 42, "seed");
const blockLength = Math.ceil(n / size); // every rank knows this without being told

/**
 * Merge two sorted blocks and keep the lowest (keepLow) or highest
 * `mine.length` values in `mine`. `scratch` must have mine.length elements.
 */
function mergeSplit(mine: Float64Array, theirs: Float64Array, keepLow: boolean, scratch: Float64Array): void {
  const m = mine.length;
  if (keepLow) {
    for (let k = 0, i = 0, j = 0; k < m; k++) {
      scratch[k] = j >= theirs.length || (i < m && mine[i] <= theirs[j]) ? mine[i++] : theirs[j++];
    }
  } else {
    for (let k = m - 1, i = m - 1, j = theirs.length - 1; k >= 0; k--) {
      scratch[k] = j < 0 || (i >= 0 && mine[i] > theirs[j]) ? mine[i--] : theirs[j--];
    }
  }
  mine.set(scratch);
}

/** My partner in a phase, or PROC_NULL if I have none. */
function partnerIn(phase: number): number {
  const partner = (phase + rank) % 2 === 0 ? rank + 1 : rank - 1;
  return partner < 0 || partner >= size ? MPI.PROC_NULL : partner;
}

// ---- input at the conductor ------------------------------------------------------
let input: Float64Array | null = null;
let padded: Float64Array | null = null;
if (rank === 0) {
  const random = mulberry32(seed);
  input = Float64Array.from({ length: n }, () => random());
  padded = new Float64Array(blockLength * size).fill(Infinity);
  padded.set(input);
  console.log(`Sorting ${n} numbers on ${size} rank(s), blocks of ${blockLength}`);
}

// ---- parallel version --------------------------------------------------------------
comm.barrier();
const start = MPI.Wtime();
const block = new Float64Array(blockLength);
comm.Scatter(padded, block, 0);
block.sort(); // typed arrays sort numerically
const theirs = new Float64Array(blockLength);
const scratch = new Float64Array(blockLength);
for (let phase = 0; phase < size; phase++) {
  const partner = partnerIn(phase);
  comm.Sendrecv(block, partner, 0, theirs, partner, 0); // no-op if partner is PROC_NULL
  if (partner !== MPI.PROC_NULL) mergeSplit(block, theirs, rank < partner, scratch);
}
comm.Gather(block, padded, 0);
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

if (rank === 0 && input !== null && padded !== null) {
  const result = padded.subarray(0, n); // the padding sorted to the end
  console.log(`Smallest ${result[0]}, largest ${result[n - 1]}`);
  reportTime("parallel", elapsed ?? NaN);

  // ---- sequential baseline --------------------------------------------------------
  const expected = timed("sequential", () => Float64Array.from(input).sort());

  // ---- self-check: the result is the sorted input ------------------------------------
  for (let i = 0; i < n; i++) {
    if (result[i] !== expected[i]) throw new Error(`position ${i}: got ${result[i]}, expected ${expected[i]}`);
  }
  if (padded.subarray(n).some((v) => v !== Infinity)) throw new Error("the padding did not end up at the end");
  console.log("Check passed: the result is the sorted input");
}
