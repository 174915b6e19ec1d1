/**
 * An error on a communicator whose handler is ERRORS_ARE_FATAL (or ERRORS_ABORT, argv[2] = "abort") ends the job:
 * the catch block below must never run. Rank 0 fails; the others wait in a barrier the abort ends.
 */
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const comm = world.Dup();
comm.Set_errhandler(process.argv[2] === "abort" ? MPI.ERRORS_ABORT : MPI.ERRORS_ARE_FATAL);
if (comm.rank === 0) {
  try {
    comm.send("x", 0, -5); // tag -5: ERR_TAG
  } catch (e) {
    console.log(`CAUGHT ${String(e)}`);
    process.exit(0);
  }
}
world.Barrier();
console.log("NOT ABORTED");
