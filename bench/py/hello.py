"""Start-up benchmark: the smallest mpi4py program; run.mjs times `mpirun -n 4 python3` of it."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
print(f"hello from rank {comm.Get_rank()} of {comm.Get_size()}")
