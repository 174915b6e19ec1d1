/** mpi4ts: `import { MPI } from "mpi4ts"`, or the same names directly (`import { COMM_WORLD, SUM } from "mpi4ts"`). */
export * as MPI from "./mpi.js";
export * from "./mpi.js";
