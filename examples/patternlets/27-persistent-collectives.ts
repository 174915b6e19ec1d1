/**
 * Patternlet 27: persistent collectives, a reduction set up once and started every step.
 *
 * What it teaches: an iterative solver reduces the same buffers every step.
 * `comm.Allreduce_init(send, recv, op)` checks the arguments once and returns a
 * persistent request; each `Start()` runs the reduction on what the buffers hold
 * now, and `Wait()` (or `await`) completes that round. On an MPI-4 library
 * (MPICH 4) it is MPI's own `MPI_Allreduce_init`, which may plan the
 * communication once for all steps.
 *
 * Here every rank owns a slice of numbers and runs Newton's iteration for their
 * square roots; after each step the ranks add up how much their slices moved
 * (one persistent Allreduce), and all stop together once the total change is
 * tiny. Between Start and Wait a rank could do other work.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/27-persistent-collectives.ts
 *
 * Try:
 *   - Replace the persistent request by `comm.Allreduce(change, total)` each
 *     step: same result.
 *   - Start it twice without waiting: the second Start is refused (ERR_REQUEST).
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

// My slice: the numbers rank + 1, rank + 1 + size, ... (8 of them), and first guesses.
const targets = Float64Array.from({ length: 8 }, (_, i) => rank + 1 + i * size);
const roots = targets.map((t) => t);

const change = new Float64Array(1); // this rank's movement in a step
const total = new Float64Array(1);  // everyone's, after the reduction
const step = comm.Allreduce_init(change, total, MPI.SUM);

let steps = 0;
do {
  change[0] = 0;
  for (let i = 0; i < roots.length; i++) {
    const next = (roots[i]! + targets[i]! / roots[i]!) / 2;
    change[0] += Math.abs(next - roots[i]!);
    roots[i] = next;
  }
  step.Start(); // reads change[0] as it is now
  step.Wait();
  steps++;
} while (total[0]! > 1e-12);
step.Free();

console.log(`Process ${rank}: sqrt(${targets[0]}) = ${roots[0]!.toFixed(6)} after ${steps} steps, as every rank`);

// Self-check: every root is right, and every rank stopped at the same step.
for (let i = 0; i < roots.length; i++) {
  if (Math.abs(roots[i]! - Math.sqrt(targets[i]!)) > 1e-9) throw new Error(`rank ${rank}: sqrt(${targets[i]}) came out ${roots[i]}`);
}
const all = comm.allgather(steps);
if (all.some((s) => s !== steps)) throw new Error(`ranks stopped at different steps: ${all.join(", ")}`);
