# mpi4py rank of the MPMD interoperability job (test/native/interop.test.ts): the last world rank.
import sys
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
assert rank == size - 1, f"the Python rank is last, got {rank}"

b = np.zeros(4, dtype=np.float64)
comm.Bcast(b, root=0)
assert list(b) == [1.5, 2.5, 3.5, 4.5], b

s = np.zeros(2, dtype=np.int32)
comm.Allreduce(np.array([rank + 1, 10 * rank], dtype=np.int32), s, op=MPI.SUM)
assert list(s) == [size * (size + 1) // 2, 10 * size * (size - 1) // 2], s
m = np.zeros(1, dtype=np.float64)
comm.Allreduce(np.array([0.25 * rank]), m, op=MPI.MAX)
assert m[0] == 0.25 * (size - 1), m

nxt, prv = (rank + 1) % size, (rank + size - 1) % size
ring = np.zeros(3, dtype=np.float64)
comm.Sendrecv(np.array([rank, 2 * rank, 3 * rank], dtype=np.float64), nxt, 11, ring, prv, 11)
assert list(ring) == [prv, 2 * prv, 3 * prv], ring

ts_last = size - 2
comm.Send(np.array([1, 2, 65535, 40000], dtype=np.uint16), ts_last, 7)
half = np.zeros(4, dtype=np.float32)
comm.Recv(half, ts_last, 8)
assert list(half) == [0.5, 1.0, 32767.5, 20000.0], half

# 4b. A column of a 4x3 row-major grid with a vector type, both ways with the last TS rank: our column 2 out
#     (tag 17), its column 0 back into our column 1 (tag 18). Cell (i, j) = 100*rank + 10*i + j.
column = MPI.DOUBLE.Create_vector(4, 1, 3).Commit()
grid = np.array([100 * rank + 10 * (k // 3) + k % 3 for k in range(12)], dtype=np.float64)
comm.Send([grid[2:], 1, column], ts_last, 17)
got = np.zeros(12, dtype=np.float64)
comm.Recv([got[1:], 1, column], ts_last, 18)
assert list(got) == [100 * ts_last + 10 * (k // 3) if k % 3 == 1 else 0 for k in range(12)], got
column.Free()

comm.Gatherv(np.array([rank * rank], dtype=np.int32), None, root=0)
halves = np.zeros(size, dtype=np.float64)
comm.Allgather(np.array([rank / 2]), halves)
assert list(halves) == [i / 2 for i in range(size)], halves

# 6. A large buffer for a receive the first TS rank posted before the final Barrier.
comm.Send(np.full(200_000, 3.0), 1, 13)
comm.Barrier()
print(f"interop py rank {rank} ok", flush=True)
