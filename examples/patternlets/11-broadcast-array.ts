/**
 * Patternlet 11: broadcast of an array.
 *
 * What it teaches: two ways to broadcast numbers. `bcast` (lowercase) sends a
 * JavaScript value and returns a new copy. `Bcast` (capitalized) fills a typed
 * array *in place*: every rank allocates the buffer first, the root fills it,
 * and after the call all buffers hold the root's data. For large numeric data,
 * the buffer version avoids encoding and allocating on every call.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/11-broadcast-array.ts
 *
 * Try:
 *   - Pass a length: `... 11-broadcast-array.ts 1000000` and time both ways.
 *   - Make a worker's buffer shorter than the root's: you get an MPIError, since
 *     the buffers of a collective must agree in size on every rank.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();

const n = Number(process.argv[2] ?? 8);

// 1) Values: the root's array is copied into a fresh array on every rank.
const list = comm.bcast(rank === 0 ? Array.from({ length: n }, (_, i) => i * i) : null, 0);
if (list === null) throw new Error(`rank ${rank}: bcast delivered nothing`);

// 2) Buffers: every rank allocates; only the root fills; Bcast overwrites in place.
const buffer = new Float64Array(n);
if (rank === 0) {
  for (let i = 0; i < n; i++) buffer[i] = i * i;
}
comm.Bcast(buffer, 0);

const show = (xs: ArrayLike<number>) => Array.from(xs).slice(0, 8).join(", ") + (xs.length > 8 ? ", ..." : "");
console.log(`Process ${rank}: list [${show(list)}], buffer [${show(buffer)}]`);

// Self-check: both ways delivered i*i at every index.
for (let i = 0; i < n; i++) {
  if (list[i] !== i * i || buffer[i] !== i * i) {
    throw new Error(`rank ${rank}: wrong value at index ${i}: ${list[i]}, ${buffer[i]}`);
  }
}
