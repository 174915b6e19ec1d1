/** An idle job for the memory rows of bench/run.mjs: every rank joins, rank 0 says "ready", all wait 3 s. */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
comm.Barrier();
if (comm.rank === 0) console.log("ready");
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
comm.Barrier();
