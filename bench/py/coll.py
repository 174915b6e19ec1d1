"""Collective micro benchmarks with mpi4py; run at 2 and 4 ranks.

Buffers (numpy): Barrier; Bcast 8 B / 1 KiB / 1 MiB / 4 MiB; Allreduce SUM of 8 / 1024 / 1M doubles;
persistent: Allreduce of 8 doubles by Allreduce_init + Start + Wait (only where mpi4py has it: 4.0 and later;
3.1 has no persistent collectives) vs Iallreduce + Wait;
Gather 1 KiB per rank; Alltoall 1 KiB per rank. Values (pickle): allreduce(number); bcast of a 1 MiB str.
Time per call = average over ranks of each rank's loop time / iterations (as OSU reports).
mpirun -n 4 /usr/bin/python3 bench/py/coll.py [--quick] [--cases barrier,bcast,allreduce,persistent,...,allreduce-value,bcast-value]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpi4py import MPI  # noqa: E402
import numpy as np  # noqa: E402
from harness import measure, timing, want  # noqa: E402

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
Wtime = MPI.Wtime
tin = np.zeros(1, dtype=np.float64)
tout = np.zeros(1, dtype=np.float64)


def agree(t):
    tin[0] = t
    comm.Allreduce(tin, tout, op=MPI.SUM)
    return float(tout[0]) / size


def emit(**rec):
    if rank == 0:
        print(json.dumps(dict(impl="mpi4py", ranks=size, **rec)), flush=True)


def bench(case, body, **rec):
    def run(iters):
        comm.Barrier()
        t0 = Wtime()
        body(iters)
        return Wtime() - t0

    m = measure(run, agree)
    emit(case=case, **timing(m), **rec)


def check_sums(call, sums):
    """A row must time a correct reduction: element i of the sum of (rank + i/2) over the ranks."""
    if not np.array_equal(sums, size * (size - 1) / 2 + size * np.arange(len(sums)) * 0.5):
        raise RuntimeError(f"{call}: rank {rank}'s sums are {sums}")


def main():
    if want("barrier"):
        def body(iters):
            for _ in range(iters):
                comm.Barrier()
        bench("barrier", body, size=0)
    if want("bcast"):
        for n in (8, 1024, 1 << 20, 4 << 20):
            buf = np.ones(n, dtype=np.uint8)

            def body(iters, buf=buf):
                for _ in range(iters):
                    comm.Bcast(buf, 0)
            bench("bcast", body, size=n)
    if want("allreduce"):
        for count in (8, 1024, 1 << 20):
            sbuf = np.arange(count, dtype=np.float64) * 0.5 + rank
            rbuf = np.zeros(count, dtype=np.float64)

            def body(iters, sbuf=sbuf, rbuf=rbuf):
                for _ in range(iters):
                    comm.Allreduce(sbuf, rbuf, MPI.SUM)
            bench("allreduce", body, size=count * 8, count=count)
    if want("persistent"):
        sbuf = np.arange(8, dtype=np.float64) * 0.5 + rank
        rbuf = np.zeros(8, dtype=np.float64)
        if hasattr(comm, "Allreduce_init"):
            request = comm.Allreduce_init(sbuf, rbuf, MPI.SUM)

            def body(iters):
                for _ in range(iters):
                    request.Start()
                    request.Wait()
            bench("persistent", body, value="persistent", api="Allreduce_init", size=64, count=8)
            request.Free()
            check_sums("Allreduce_init", rbuf)
            rbuf[:] = 0

        def body(iters):
            for _ in range(iters):
                comm.Iallreduce(sbuf, rbuf, MPI.SUM).Wait()
        bench("persistent", body, value="nonblocking", api="Iallreduce", size=64, count=8)
        check_sums("Iallreduce", rbuf)
    if want("gather"):
        sbuf = np.ones(1024, dtype=np.uint8)
        rbuf = np.zeros(1024 * size, dtype=np.uint8)

        def body(iters):
            for _ in range(iters):
                comm.Gather(sbuf, rbuf, 0)
        bench("gather", body, size=1024)
    if want("alltoall"):
        sbuf = np.ones(1024 * size, dtype=np.uint8)
        rbuf = np.zeros(1024 * size, dtype=np.uint8)

        def body(iters):
            for _ in range(iters):
                comm.Alltoall(sbuf, rbuf)
        bench("alltoall", body, size=1024)
    if want("allreduce-value"):
        x = rank + 1.5

        def body(iters):
            for _ in range(iters):
                comm.allreduce(x)
        bench("allreduce-value", body, value="number", size=8)
    if want("bcast-value"):
        obj = "x" * (1 << 20)

        def body(iters):
            for _ in range(iters):
                comm.bcast(obj if rank == 0 else None, 0)
        bench("bcast-value", body, value="str 1MiB", size=1 << 20)


main()
