/**
 * Patternlet 08: broadcast of an object.
 *
 * What it teaches: `bcast` is a collective: every rank of the communicator
 * calls it. The root (rank 0) passes the value to share; everyone gets a copy
 * back as the return value. The other ranks pass a placeholder (here `null`)
 * that is ignored.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/08-broadcast-object.ts
 *
 * Try:
 *   - Broadcast from another root: `comm.bcast(data, 2)` (make rank 2 build it).
 *   - Comment out the `bcast` line and see what the workers print.
 *   - Put the bcast inside `if (rank === 0)`: the workers never get the
 *     object (they keep null; MPI does not notice, the self-check does).
 *     A collective must be called by every rank of the communicator; with one
 *     that has to wait for the others (try `comm.barrier()` on rank 0 only)
 *     the job hangs instead.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();

/** The shared configuration every rank needs. */
interface Settings {
  name: string;
  steps: number;
  tolerance: number;
  tags: string[];
}

function makeSettings(): Settings {
  return { name: "heat", steps: 100, tolerance: 1e-6, tags: ["2d", "jacobi"] };
}

// Only the root builds the object (imagine it is read from a file).
let settings: Settings | null = rank === 0 ? makeSettings() : null;
console.log(`Before broadcast, process ${rank} has ${JSON.stringify(settings)}`);

settings = comm.bcast(settings, 0);
console.log(`After broadcast, process ${rank} has ${JSON.stringify(settings)}`);

// Self-check: every rank now holds an equal copy of the root's object.
if (JSON.stringify(settings) !== JSON.stringify(makeSettings())) {
  throw new Error(`rank ${rank} got a wrong object: ${JSON.stringify(settings)}`);
}
