// Ranks that disagree must fail with a clear MPIError: run with -n 3 or more and a case name.
import { MPI } from "mpi4ts";
const comm = MPI.COMM_WORLD;
const rank = comm.rank;
switch (process.argv[2]) {
  case "root": comm.bcast("x", rank === 0 ? 0 : 1); break;
  case "Root": comm.Bcast(new Int32Array(4), rank === 0 ? 0 : 1); break;
  case "kind": if (rank === 0) comm.bcast("x", 0); else comm.reduce(1, MPI.SUM, 0); break;
  case "Kind": if (rank === 0) comm.Bcast(new Int32Array(4), 0); else comm.Allreduce(new Int32Array(4), new Int32Array(4)); break;
  case "count": comm.Bcast(new Int32Array(rank === 0 ? 4 : 5), 0); break;
  case "family": if (rank === 0) comm.Bcast(new Int32Array(4), 0); else comm.bcast(null, 0); break;
  case "type": if (rank === 0) comm.Allreduce(new Float64Array(4), new Float64Array(4)); else comm.Allreduce(new Int32Array(8), new Int32Array(8)); break;
  case "op": comm.Allreduce(new Int32Array(4), new Int32Array(4), rank === 0 ? MPI.SUM : MPI.MAX); break;
  case "value-op": comm.allreduce(rank, rank === 0 ? MPI.SUM : MPI.MAX); break;
}
comm.Barrier();
