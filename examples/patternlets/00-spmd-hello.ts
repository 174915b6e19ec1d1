/**
 * Patternlet 00: SPMD hello.
 *
 * What it teaches: the Single Program, Multiple Data model. `mpi4ts run -n 4`
 * starts four copies (ranks) of this one program. They differ only in the
 * values MPI gives them: their rank (0..size-1) and the size of the world.
 * Everything else a rank does follows from those two numbers.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/00-spmd-hello.ts
 *
 * Try:
 *   - Run it a few times and watch the order of the lines change.
 *   - Use -n 1, -n 2, -n 8. Nothing in the program mentions 4.
 *   - Run it as a plain program: `npx tsx examples/patternlets/00-spmd-hello.ts`
 *     gives a world of one rank.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank(); // also available as comm.rank
const size = comm.Get_size(); // also available as comm.size
const host = MPI.Get_processor_name();

console.log(`Hello from process ${rank} of ${size} on ${host}`);

// Self-check: every rank holds a valid, distinct number. Each rank can only
// check its own piece here; patternlet 12 shows how ranks combine results.
if (!(Number.isInteger(rank) && rank >= 0 && rank < size)) {
  throw new Error(`rank ${rank} is not in 0..${size - 1}`);
}
