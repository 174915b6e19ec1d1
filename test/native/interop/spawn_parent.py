"""An mpi4py parent spawning mpi4ts children through `mpi4ts exec` (test/native/spawn-interop.test.ts)."""
import sys
import numpy as np
from mpi4py import MPI

node, cli, child = sys.argv[1:4]
inter = MPI.COMM_SELF.Spawn(node, args=[cli, "exec", child], maxprocs=2)
for c in range(2):
    inter.Send(np.array([c, 1.5], dtype="f8"), dest=c, tag=1)
for c in range(2):
    back = np.zeros(2, dtype="f8")
    inter.Recv(back, source=c, tag=2)
    assert back[0] == 2 * c and back[1] == 3, back
inter.Disconnect()
print("spawn py parent ok", flush=True)
