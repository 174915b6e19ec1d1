/**
 * Patternlet 13: reduction of arrays, element by element.
 *
 * What it teaches: reducing arrays combines them position by position: the
 * result's element i is the SUM (or MAX...) of element i over all ranks. With
 * values, pass a JavaScript array to `reduce`; with buffers, pass typed arrays
 * to `Reduce(sendbuf, recvbuf, op, root)`, which writes into the root's recvbuf.
 * All arrays must have the same length.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/13-reduction-arrays.ts
 *
 * Try:
 *   - Use MPI.MAX instead of MPI.SUM.
 *   - Give one rank a shorter array: you get an MPIError of class ERR_COUNT.
 *   - Use `Allreduce(MPI.IN_PLACE, buffer)` to sum into the same buffer on every rank.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = 5;
// Rank r contributes [r, 10r, 100r, 1000r, 10000r].
const mine = Array.from({ length: n }, (_, i) => rank * 10 ** i);
console.log(`Process ${rank} contributes [${mine.join(", ")}]`);

// Values: arrays reduced element-wise; the root gets a new array.
const sums = comm.reduce(mine, MPI.SUM, 0);

// Buffers: the same reduction into a typed array the root provides.
const sendbuf = Float64Array.from(mine);
const recvbuf = rank === 0 ? new Float64Array(n) : null;
comm.Reduce(sendbuf, recvbuf, MPI.SUM, 0);

if (rank === 0 && sums !== null && recvbuf !== null) {
  // Only the root receives results (elsewhere sums is null).
  console.log(`Element-wise sums (values):  [${sums.join(", ")}]`);
  console.log(`Element-wise sums (buffers): [${Array.from(recvbuf).join(", ")}]`);

  // Self-check: element i is (0 + 1 + ... + size-1) * 10^i.
  const rankSum = (size * (size - 1)) / 2;
  for (let i = 0; i < n; i++) {
    const expected = rankSum * 10 ** i;
    if (sums[i] !== expected || recvbuf[i] !== expected) {
      throw new Error(`element ${i}: got ${sums[i]} and ${recvbuf[i]}, expected ${expected}`);
    }
  }
}
