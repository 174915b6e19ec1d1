/**
 * hello.ts: the smallest mpi4ts program.
 *
 * What it teaches: every rank runs this same file (SPMD: single program,
 * multiple data). Each rank learns who it is (its rank), how many ranks the job
 * has (the size) and which computer it runs on, and prints one line.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/hello.ts
 *
 * Try:
 *   - Run it several times: the lines come out in a different order each time,
 *     because the ranks run at the same time and nobody decides who prints first.
 *   - Change -n 4 to -n 1, -n 8, -n 16.
 *   - Run it with plain `npx tsx examples/hello.ts`: a world of one rank, like
 *     running an mpi4py program without mpiexec.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
const host = MPI.Get_processor_name();

// Check what MPI promises before trusting it: ranks are numbered 0..size-1.
if (!Number.isInteger(rank) || rank < 0 || rank >= size || host.length === 0) {
  throw new Error(`inconsistent world: rank ${rank}, size ${size}, host "${host}"`);
}

console.log(`Greetings from process ${rank} of ${size} on ${host}`);
