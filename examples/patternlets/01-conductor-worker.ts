/**
 * Patternlet 01: conductor and workers.
 *
 * What it teaches: one program, two roles. Branching on the rank lets rank 0
 * (the conductor) do something different from every other rank (the workers).
 * This is how almost every MPI program divides its work: the same file, an
 * `if (rank === 0)` at the right places.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/01-conductor-worker.ts
 *
 * Try:
 *   - Run with -n 1: there is a conductor and no worker.
 *   - Give rank 1 a third role of its own with another `else if`.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

let role: "conductor" | "worker";
if (rank === 0) {
  role = "conductor";
  console.log(`Greetings from the conductor, rank ${rank} of ${size}: I lead ${size - 1} worker(s)`);
} else {
  role = "worker";
  console.log(`Greetings from a worker, rank ${rank} of ${size}`);
}

// Self-check: exactly one rank may be the conductor, and it must be rank 0.
if ((role === "conductor") !== (rank === 0)) {
  throw new Error(`rank ${rank} took the wrong role: ${role}`);
}
