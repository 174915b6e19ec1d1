"""An idle job for the memory rows of bench/run.mjs: every rank joins, rank 0 says "ready", all wait 3 s."""
import time

from mpi4py import MPI

comm = MPI.COMM_WORLD
comm.Barrier()
if comm.Get_rank() == 0:
    print("ready", flush=True)
time.sleep(3)
comm.Barrier()
