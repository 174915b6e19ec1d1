/**
 * Patternlet 03: a parallel loop, chunks of one (round robin).
 *
 * What it teaches: another way to share a loop. Rank r takes iterations
 * r, r+size, r+2*size, ... like dealing cards. It works for any n and any size,
 * and spreads uneven work better when the cost of an iteration grows with i;
 * but each rank's iterations are scattered, not contiguous.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/03-parallel-loop-chunks-of-one.ts
 *
 * Try:
 *   - Run with -n 3: unlike patternlet 02, any size works.
 *   - Pass another n: `... 03-parallel-loop-chunks-of-one.ts 10`.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = Number(process.argv[2] ?? 8);

const mine: number[] = [];
for (let i = rank; i < n; i += size) {
  mine.push(i);
}
console.log(`Process ${rank} performed iterations ${mine.join(", ") || "(none)"}`);

// Self-check: every iteration I did belongs to me (i mod size = rank), and I
// did as many as there are such i below n.
const expectedCount = Math.max(0, Math.ceil((n - rank) / size));
if (mine.length !== expectedCount || mine.some((i) => i % size !== rank)) {
  throw new Error(`rank ${rank} did the wrong iterations: ${mine.join(",")}`);
}
