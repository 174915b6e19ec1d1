/**
 * Patternlet 16: Scatter and Gather of typed-array buffers.
 *
 * What it teaches: the capitalized collectives move typed arrays in place. The
 * root holds one Uint32Array of size*chunk numbers; `Scatter` gives each rank
 * its chunk of consecutive elements, each rank multiplies its part, and
 * `Gather` puts the parts back in rank order into the root's array. Every rank
 * allocates its receive buffer first: the buffer's length says how much to
 * receive.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/16-scatter-gather-buffers.ts
 *
 * Try:
 *   - Pass a chunk length: `... 16-scatter-gather-buffers.ts 1000000`.
 *   - Make the total length not a multiple of size: see patternlet 22 (Scatterv).
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const chunk = Number(process.argv[2] ?? 3); // elements per rank
const factor = 10;

// Only the root needs the whole array; the others pass null.
let whole: Uint32Array | null = null;
if (rank === 0) {
  whole = new Uint32Array(size * chunk);
  for (let i = 0; i < whole.length; i++) whole[i] = i + 1;
  if (whole.length <= 32) console.log(`Root scatters [${whole.join(", ")}]`);
}

const part = new Uint32Array(chunk);
comm.Scatter(whole, part, 0);
if (chunk <= 8) console.log(`Process ${rank} got [${part.join(", ")}]`);

for (let i = 0; i < part.length; i++) part[i] *= factor;

comm.Gather(part, whole, 0); // whole is overwritten at the root

if (whole !== null) {
  // Only the root has the whole array.
  if (whole.length <= 32) console.log(`Root gathered [${whole.join(", ")}]`);

  // Self-check: element i went out as i+1 and came back multiplied.
  for (let i = 0; i < whole.length; i++) {
    if (whole[i] !== (i + 1) * factor) {
      throw new Error(`element ${i} is ${whole[i]}, expected ${(i + 1) * factor}`);
    }
  }
  console.log(`All ${whole.length} elements were multiplied by ${factor}`);
}
