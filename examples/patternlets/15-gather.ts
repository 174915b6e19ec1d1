/**
 * Patternlet 15: gather.
 *
 * What it teaches: `gather` is the reverse of scatter: every rank passes one
 * value, and the root receives a list of all of them, in rank order (item i
 * came from rank i), whatever order the ranks arrive in. Non-roots get `null`.
 * `allgather` gives the list to every rank.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/15-gather.ts
 *
 * Try:
 *   - Use `allgather` and print the list on every rank.
 *   - Gather to root 1 instead of 0.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

// Each rank computes a small result: a few multiples of its rank.
const result = [rank, rank * 2, rank * 3];
console.log(`Process ${rank} computed [${result.join(", ")}]`);

const all = comm.gather(result, 0);

if (rank === 0) {
  console.log(`Conductor gathered ${JSON.stringify(all)}`);

  // Self-check: one entry per rank, each in its rank's position.
  if (all === null || all.length !== size) throw new Error(`gather returned ${JSON.stringify(all)}`);
  all.forEach((item, r) => {
    if (item.join(",") !== [r, r * 2, r * 3].join(",")) {
      throw new Error(`entry ${r} is [${item.join(", ")}]`);
    }
  });
} else if (all !== null) {
  throw new Error(`rank ${rank} is not the root but gather returned a list`);
}
