/** Spawned by spawn_parent.py (test/native/spawn-interop.test.ts): an mpi4ts child of an mpi4py parent. */
import { MPI } from "mpi4ts";

const parent = MPI.Comm.Get_parent();
if (parent === MPI.COMM_NULL) throw new Error("spawn-child.ts must be spawned");
const world = MPI.COMM_WORLD;
const got = new Float64Array(2);
parent.Recv(got, 0, 1);
if (got[0] !== world.rank) throw new Error(`child ${world.rank} got ${[...got]}`);
parent.Send(got.map((x) => 2 * x), 0, 2);
console.log(`spawn ts child ${world.rank} of ${world.size} ok`);
parent.Disconnect();
