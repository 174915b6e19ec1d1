import { MPI } from "mpi4ts";
const c = MPI.COMM_WORLD;
if (c.rank === 0) { c.send("a", 1, 1); c.send("b", 1, 2); }
else { const m = c.mprobe(0, 1); m.recv(); let m2; while (!(m2 = c.improbe(0, 2))) {} m2.recv(); }
