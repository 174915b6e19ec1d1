import { MPI } from "mpi4ts";
const comm = MPI.COMM_WORLD;
for (let root = 0; root < comm.size; root++) {
  const v = comm.bcast(comm.rank === root ? "é".repeat(300_000) : null, root);
  if (v.length !== 300_000) throw new Error("len " + v.length);
  const w = comm.bcast(comm.rank === root ? "a".repeat(300_000) : null, root);
  if (w.length !== 300_000) throw new Error("len " + w.length);
}
console.log("ok", comm.rank);
