/**
 * Patternlet 14: scatter.
 *
 * What it teaches: `scatter` hands out the pieces of a list: the root passes a
 * list with exactly one item per rank, and rank i receives item i. It is how a
 * conductor distributes work in one collective call instead of size-1 sends.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/14-scatter.ts
 *
 * Try:
 *   - Make the items arrays (a chunk of work per rank) instead of numbers.
 *   - Give the root a list of the wrong length: you get an MPIError.
 *   - Patternlet 15 does the reverse: gather.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

/** One work item per rank; here: a range of numbers to add up. */
interface Job {
  worker: number;
  from: number;
  to: number;
}

let jobs: Job[] | null = null;
if (rank === 0) {
  jobs = Array.from({ length: size }, (_, r) => ({ worker: r, from: r * 100, to: r * 100 + 99 }));
  console.log(`Conductor scatters ${JSON.stringify(jobs)}`);
}

const job = comm.scatter(jobs, 0);
let total = 0;
for (let i = job.from; i <= job.to; i++) total += i;
console.log(`Process ${rank} got ${JSON.stringify(job)} and adds it up to ${total}`);

// Self-check: I received the item meant for me.
if (job.worker !== rank || job.from !== rank * 100) {
  throw new Error(`rank ${rank} received someone else's job: ${JSON.stringify(job)}`);
}
