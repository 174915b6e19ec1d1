/**
 * Collectives whose ranks disagree (count, element type, op, root, kind), each caught: every rank gets an
 * MPIError of the same class, and the communicator works again afterwards (mismatch.test.ts). The local engine always checks; the mpi engine with
 * --check-collectives (MPI4TS_CHECK_COLLECTIVES=1). Prints one line per case from rank 0.
 */
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const first = rank === 0;

const cases: [string, () => void][] = [
  ["count", () => world.Allreduce(new Float64Array(first ? 8 : 4).fill(1), new Float64Array(first ? 8 : 4))],
  ["type", () => world.Allreduce(first ? new Float64Array(4) : new Int32Array(8), first ? new Float64Array(4) : new Int32Array(8))],
  ["op", () => world.Reduce(new Float64Array(4), rank === 0 ? new Float64Array(4) : null, first ? MPI.SUM : MPI.MAX, 0)],
  ["root", () => world.Bcast(new Int32Array(4), first ? 0 : 1)],
  ["kind", () => (first ? world.Barrier() : world.Bcast(new Int32Array(4), 0))],
];
for (const [label, run] of cases) {
  let got = "none";
  try {
    run();
  } catch (e) {
    got = e instanceof MPI.MPIError ? e.errorClass : `raw ${String(e)}`;
  }
  const all = world.allgather(got);
  // The communicator works again: a correct collective right after.
  const sum = new Float64Array(2);
  world.Allreduce(Float64Array.of(1, rank), sum);
  const ok = sum[0] === size && sum[1] === (size * (size - 1)) / 2;
  if (first) console.log(`mismatch ${label}: ${all.join(",")} then ${ok ? "works" : "BROKEN"}`);
}
