/**
 * Patternlet 22: Scatterv and Gatherv, with counts and displacements.
 *
 * What it teaches: the "v" (vector) collectives send a *different* number of
 * elements to each rank. The root describes its buffer with two arrays:
 * counts[k] = how many elements rank k gets, and displs[k] = where rank k's
 * part starts in the buffer. Here n elements are split in uneven blocks
 * (patternlet 21's rule), every rank squares its part, and Gatherv puts the
 * parts back in place.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/22-scatterv-gatherv.ts
 *
 * Try:
 *   - Pass n: `... 22-scatterv-gatherv.ts 7`.
 *   - Give the parts in reverse order by changing the displacements.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = Number(process.argv[2] ?? 10);

// Every rank computes the same counts and displacements, so each knows the
// size of its own part without being told.
const counts: number[] = [];
const displs: number[] = [];
for (let k = 0, offset = 0; k < size; k++) {
  counts.push(Math.floor(n / size) + (k < n % size ? 1 : 0));
  displs.push(offset);
  offset += counts[k];
}

let data: Float64Array | null = null;
if (rank === 0) {
  data = Float64Array.from({ length: n }, (_, i) => i + 1);
  console.log(`Root has [${data.join(", ")}]; counts [${counts.join(", ")}], displs [${displs.join(", ")}]`);
}

const part = new Float64Array(counts[rank]);
comm.Scatterv(data === null ? null : [data, counts, displs], part, 0);
console.log(`Process ${rank} got [${part.join(", ")}]`);

for (let i = 0; i < part.length; i++) part[i] = part[i] * part[i];

comm.Gatherv(part, data === null ? null : [data, counts, displs], 0);

if (data !== null) {
  // Only the root holds the gathered array.
  console.log(`Root gathered [${data.join(", ")}]`);

  // Self-check: element i went out as i+1 and came back squared, in place.
  data.forEach((v, i) => {
    if (v !== (i + 1) ** 2) throw new Error(`element ${i} is ${v}, expected ${(i + 1) ** 2}`);
  });
}
