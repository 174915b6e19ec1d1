"""Spawned by spawn-parent.ts (test/native/spawn-interop.test.ts): mpi4py children of an mpi4ts parent."""
import numpy as np
from mpi4py import MPI

parent = MPI.Comm.Get_parent()
assert parent != MPI.COMM_NULL
world = MPI.COMM_WORLD
got = np.zeros(2, dtype="f8")
parent.Recv(got, source=0, tag=1)
assert got[0] == world.rank, got
parent.Send(got * 2, dest=0, tag=2)
print(f"spawn py child {world.rank} of {world.size} ok", flush=True)
parent.Disconnect()
