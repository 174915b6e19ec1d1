"""One-sided micro benchmarks with mpi4py (the same cases as bench/ts/rma.ts and bench/c/rma.c), 2 ranks.

put-lock / get-lock: rank 0 does Lock(1), one Put / Get of N bytes, Unlock(1): latency per epoch, 8 B .. 1 MiB.
put-fence:           both ranks Fence; rank 0 Puts N bytes in between: latency per epoch.
acc-lock:            Lock, Accumulate of 8 doubles (SUM), Unlock.
mpirun -n 2 /usr/bin/python3 bench/py/rma.py [--quick] [--cases put-lock,get-lock,put-fence,acc-lock]
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
SIZES = [8, 64, 512, 4096, 32768, 262144, 1 << 20]
ctrl = np.zeros(1, dtype=np.float64)
win = MPI.Win.Allocate(1 << 20, 1, comm=comm)


def agree(t):
    """Rank 0's time, known to both."""
    ctrl[0] = t
    comm.Bcast(ctrl, 0)
    return float(ctrl[0])


def emit(**rec):
    print(json.dumps(dict(impl="mpi4py", **rec)), flush=True)


def passive(kind, nbytes):
    buf = np.ones(nbytes // 8) if kind == "acc-lock" else np.ones(nbytes, dtype=np.uint8)

    def run(iters):
        t0 = MPI.Wtime()
        if rank == 0:
            for _ in range(iters):
                win.Lock(1)
                if kind == "put-lock":
                    win.Put(buf, 1, 0)
                elif kind == "get-lock":
                    win.Get(buf, 1, 0)
                else:
                    win.Accumulate(buf, 1, 0, MPI.SUM)
                win.Unlock(1)
        return MPI.Wtime() - t0

    m = measure(run, agree)
    if rank == 0:
        emit(case=kind, size=nbytes, ranks=2, **timing(m))


def fence(nbytes):
    buf = np.ones(nbytes, dtype=np.uint8)
    win.Fence()

    def run(iters):
        t0 = MPI.Wtime()
        for _ in range(iters):
            if rank == 0:
                win.Put(buf, 1, 0)
            win.Fence()
        return MPI.Wtime() - t0

    m = measure(run, agree)
    win.Fence(MPI.MODE_NOSUCCEED)
    if rank == 0:
        emit(case="put-fence", size=nbytes, ranks=2, **timing(m))


assert comm.Get_size() == 2, "bench/py/rma.py runs on 2 ranks"
if want("put-lock"):
    for n in SIZES:
        passive("put-lock", n)
if want("get-lock"):
    for n in SIZES:
        passive("get-lock", n)
if want("put-fence"):
    for n in SIZES:
        fence(n)
if want("acc-lock"):
    passive("acc-lock", 64)
win.Free()
