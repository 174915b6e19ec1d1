/**
 * Patternlet 21: a parallel loop with uneven chunks.
 *
 * What it teaches: how to split n iterations into size contiguous blocks when
 * size does not divide n. With q = floor(n/size) and r = n mod size, the first
 * r ranks take q+1 iterations and the rest take q: block sizes differ by at
 * most one, so the work stays balanced. Rank k starts at k*q + min(k, r).
 * This is the split most real codes use (and the one Scatterv needs in
 * patternlet 22).
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/21-parallel-loop-uneven-chunks.ts
 *
 * Try:
 *   - Run with -n 3 (10 = 4 + 3 + 3).
 *   - Pass n smaller than the number of ranks: `... 21-parallel-loop-uneven-chunks.ts 2` with -n 4.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = Number(process.argv[2] ?? 10);

/** The block [start, stop) of rank k when n items are split over size ranks. */
function blockRange(k: number): [number, number] {
  const q = Math.floor(n / size);
  const r = n % size;
  const start = k * q + Math.min(k, r);
  const length = q + (k < r ? 1 : 0);
  return [start, start + length];
}

const [start, stop] = blockRange(rank);
const mine: number[] = [];
for (let i = start; i < stop; i++) mine.push(i);
console.log(`Process ${rank} performed ${mine.length} iteration(s): ${mine.join(", ") || "(none)"}`);

// Self-check: together the ranks did each iteration exactly once (count and
// sum of indices match), and no two blocks differ by more than one.
const count = comm.allreduce(mine.length, MPI.SUM);
const indexSum = comm.allreduce(mine.reduce((a, b) => a + b, 0), MPI.SUM);
const longest = comm.allreduce(mine.length, MPI.MAX);
const shortest = comm.allreduce(mine.length, MPI.MIN);
if (count !== n || indexSum !== (n * (n - 1)) / 2 || longest - shortest > 1) {
  throw new Error(`bad split: count ${count}, index sum ${indexSum}, block lengths ${shortest}..${longest}`);
}
if (rank === 0) console.log(`${n} iterations split over ${size} ranks: blocks of ${shortest} to ${longest}`);
