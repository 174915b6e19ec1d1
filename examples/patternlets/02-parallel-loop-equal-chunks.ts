/**
 * Patternlet 02: a parallel loop, split into equal chunks.
 *
 * What it teaches: the simplest way to share a loop `for (i = 0; i < n; i++)`
 * among ranks. Rank r takes the r-th contiguous block of n/size iterations.
 * Blocks keep each rank's data together (good for caches), but this simple
 * version needs size to divide n (patternlet 21 lifts that restriction).
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/02-parallel-loop-equal-chunks.ts
 *
 * Try:
 *   - Run with -n 1, 2, 4 and 8 and watch which rank does which iterations.
 *   - Pass another n: `... 02-parallel-loop-equal-chunks.ts 16`.
 *   - Run with -n 3: 8 is not divisible by 3, and the program refuses.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = Number(process.argv[2] ?? 8); // number of loop iterations

if (n % size !== 0) {
  // Every rank sees the same n and size, so every rank stops here together.
  if (rank === 0) console.error(`Please run with a number of ranks that divides ${n}.`);
  process.exit(1);
}

const chunkSize = n / size;
const start = rank * chunkSize; // first iteration of my block
const stop = start + chunkSize; // one past my last iteration

const mine: number[] = [];
for (let i = start; i < stop; i++) {
  mine.push(i); // the loop body: here we only record which i we did
}
console.log(`Process ${rank} performed iterations ${mine.join(", ")}`);

// Self-check: my block is the right length and in the right place. Taken
// together, the blocks r*chunk .. (r+1)*chunk-1 cover 0..n-1 exactly once.
if (mine.length !== chunkSize || mine[0] !== rank * chunkSize) {
  throw new Error(`rank ${rank} did the wrong iterations: ${mine.join(",")}`);
}
