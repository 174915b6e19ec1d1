"""mpi4py side of test/native/file-interop.test.ts: writes or reads (argv: write|read PATH) the same file as
file-prog.ts: a 16-byte header, a 2-D grid of doubles through a subarray view, then ints interleaved by rank."""
import sys
import numpy as np
from mpi4py import MPI

mode, path = sys.argv[1], sys.argv[2]
comm = MPI.COMM_WORLD
rank, size = comm.rank, comm.size
pr, pc = MPI.Compute_dims(size, 2)
rows, cols = 6, 5
R, C = pr * rows, pc * cols
myr, myc = rank // pc, rank % pc
sub = MPI.DOUBLE.Create_subarray([R, C], [rows, cols], [myr * rows, myc * cols]).Commit()
block = np.array([[(myr * rows + i) * C + myc * cols + j for j in range(cols)] for i in range(rows)], dtype="f8")
K = 4
slot = MPI.INT.Create_resized(0, 4 * size).Commit()
ints = (np.arange(K, dtype="i4") * 100 + rank).astype("i4")
HEADER = b"mpi4ts-file-v1\0\0"
grid_end = 16 + R * C * 8

if mode == "write":
    fh = MPI.File.Open(comm, path, MPI.MODE_CREATE | MPI.MODE_WRONLY)
    if rank == 0:
        fh.Write_at(0, np.frombuffer(HEADER, dtype="u1"))
    fh.Set_view(16, MPI.DOUBLE, sub)
    fh.Write_at_all(0, block)
    fh.Set_view(grid_end + rank * 4, MPI.INT, slot)
    fh.Write_all(ints)
    fh.Close()
else:
    fh = MPI.File.Open(comm, path, MPI.MODE_RDONLY)
    assert fh.Get_size() == grid_end + K * size * 4, fh.Get_size()
    head = np.empty(16, dtype="u1")
    fh.Read_at_all(0, head)
    assert head.tobytes() == HEADER, head.tobytes()
    fh.Set_view(16, MPI.DOUBLE, sub)
    got = np.empty((rows, cols), dtype="f8")
    fh.Read_at_all(0, got)
    assert (got == block).all(), got
    fh.Set_view(grid_end + rank * 4, MPI.INT, slot)
    back = np.empty(K, dtype="i4")
    fh.Read_all(back)
    assert (back == ints).all(), back
    fh.Close()
print(f"file {mode} py rank {rank} ok", flush=True)
