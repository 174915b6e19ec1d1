/**
 * Patternlet 07: a ring.
 *
 * What it teaches: passing a message along a chain of ranks. The conductor
 * starts a list, sends it to rank 1; every rank receives it from its left
 * neighbour, appends its own rank and sends it to its right neighbour; the last
 * rank sends it back to the conductor. Only one rank holds the list at a time:
 * the other ranks wait in `recv`.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/07-ring.ts
 *
 * See it (the timeline: a lane per rank, an arrow per message; examples/README.md, "Reading a timeline"):
 *   npx mpi4ts run -n 4 --trace ring.json examples/patternlets/07-ring.ts && npx mpi4ts view ring.json --open
 *
 * Try:
 *   - Run with -n 8 and watch the list grow.
 *   - Send the list around twice before the conductor stops.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const right = (rank + 1) % size; // where I send
const left = (rank - 1 + size) % size; // where I receive from

if (size === 1) {
  // A ring of one: the conductor is its own neighbour; there is nothing to pass.
  console.log("A ring of one rank: the list is [0]");
} else if (rank === 0) {
  comm.send([0], right);
  const list = comm.recv<number[]>(left);
  console.log(`Conductor got the list back: [${list.join(", ")}]`);

  // Self-check: the list visited every rank once, in ring order.
  const expected = Array.from({ length: size }, (_, r) => r);
  if (list.join(",") !== expected.join(",")) {
    throw new Error(`the ring returned [${list.join(", ")}], expected [${expected.join(", ")}]`);
  }
} else {
  const list = comm.recv<number[]>(left);
  console.log(`Process ${rank} received [${list.join(", ")}] from ${left}`);
  list.push(rank); // my copy: changing it does not change the sender's list
  comm.send(list, right);
}
