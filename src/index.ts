/** mpi4ts: `import { MPI } from "mpi4ts"`, or the same names directly (`import { COMM_WORLD, SUM } from "mpi4ts"`). */
import * as exported from "./mpi.js";
import { traceFromEnvironment } from "./trace/install.js";
export * as MPI from "./mpi.js";
export * from "./mpi.js";

// `mpi4ts run --trace` (MPI4TS_TRACE): the wrappers go in before the program's first call.
traceFromEnvironment(exported);
