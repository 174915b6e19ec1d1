/**
 * Patternlet 06: messages carrying arrays.
 *
 * What it teaches: a message can carry more than a number. The lowercase
 * methods (`send`/`recv`) move any structured-cloneable JavaScript value: here
 * each worker sends an array of numbers and an object, and the conductor gets
 * equal, independent copies. (Patternlets 16 and 22 show the Capitalized
 * methods, which move typed-array buffers with no per-element work.)
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/06-message-arrays.ts
 *
 * Try:
 *   - Send a Map, a Set, a Date or a Float64Array instead of an array.
 *   - Try to send a function: you get an MPIError of class ERR_TYPE.
 *   - Change the receiver to `comm.recv(MPI.ANY_SOURCE)`: messages then arrive
 *     in whatever order the workers finish.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

/** What a worker sends: its rank's first few squares, and who it is. */
interface Report {
  from: number;
  squares: number[];
}

function squaresFor(r: number): number[] {
  // Worker r sends r values: r^2, (r+1)^2, ... so arrays differ in length.
  return Array.from({ length: r }, (_, k) => (r + k) ** 2);
}

if (rank !== 0) {
  const report: Report = { from: rank, squares: squaresFor(rank) };
  comm.send(report, 0);
} else {
  if (size === 1) console.log("Conductor: no workers; run with -n 2 or more");
  // Receive from each worker in rank order (the source argument selects).
  for (let source = 1; source < size; source++) {
    const report = comm.recv<Report>(source);
    console.log(`Conductor received from ${report.from}: [${report.squares.join(", ")}]`);

    // Self-check: the array arrived whole and unchanged.
    const expected = squaresFor(source);
    if (report.from !== source || report.squares.length !== expected.length ||
        report.squares.some((v, k) => v !== expected[k])) {
      throw new Error(`conductor got a wrong report from ${source}: ${JSON.stringify(report)}`);
    }
  }
}
