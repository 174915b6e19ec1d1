/**
 * Patternlet 12: reduction.
 *
 * What it teaches: `reduce` combines one value from every rank into one result
 * at the root, with an operation: here SUM and MAX of (rank+1)^2. The other
 * ranks get `null` back. `allreduce` is the same, but every rank gets the
 * result.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/12-reduction.ts
 *
 * Try:
 *   - Use MPI.MIN and MPI.PROD.
 *   - Replace `reduce(..., 0)` by `allreduce(...)` and print on every rank.
 *   - Reduce [value, rank] pairs with MPI.MAXLOC to learn *which* rank had the max.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const square = (rank + 1) ** 2;
console.log(`Process ${rank} computed ${square}`);

const sum = comm.reduce(square, MPI.SUM, 0);
const max = comm.reduce(square, MPI.MAX, 0);

if (rank === 0) {
  console.log(`The sum of the squares is ${sum}`);
  console.log(`The max of the squares is ${max}`);

  // Self-check: 1 + 4 + ... + n^2 = n(n+1)(2n+1)/6, and the max is n^2.
  const expectedSum = (size * (size + 1) * (2 * size + 1)) / 6;
  if (sum !== expectedSum) throw new Error(`sum is ${sum}, expected ${expectedSum}`);
  if (max !== size * size) throw new Error(`max is ${max}, expected ${size * size}`);
} else if (sum !== null || max !== null) {
  throw new Error(`rank ${rank} is not the root but got a result`);
}
