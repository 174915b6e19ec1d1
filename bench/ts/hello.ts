/** Start-up benchmark: the smallest mpi4ts program; run.mjs times `mpi4ts run -n 4` of it, start to exit. */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
console.log(`hello from rank ${comm.Get_rank()} of ${comm.Get_size()}`);
