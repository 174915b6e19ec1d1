/** The mpi engine (native addon over the system MPI library): being built in issue 4. */
import type { Engine } from "../engine/engine.js";
import { MPIError } from "../errors.js";

export function createMpiEngine(): Engine {
  throw new MPIError(
    "ERR_OTHER",
    "this program was started by an MPI launcher (mpiexec/srun), but mpi4ts's native engine is not available in this build; run it with `npx mpi4ts run -n N program` instead",
  );
}
