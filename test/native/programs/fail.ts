/** Rank 1 throws while the others wait for it: the mpi engine must abort the whole job (test/native/cli.test.ts). */
import { MPI } from "../../../src/index.js";

const comm = MPI.COMM_WORLD;
if (comm.rank === 1) {
  setTimeout(() => {
    throw new Error("rank one fails on purpose");
  }, 50);
} else {
  comm.recv(1, 3); // never sent
}
