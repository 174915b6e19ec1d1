"""Point-to-point micro benchmarks with mpi4py (buffer methods on numpy arrays, and pickled values).

pingpong-buffer: Send/Recv of uint8 arrays, one-way latency = round trip / 2, 0 B .. 16 MiB.
bandwidth:       64 Isend of 4 MiB in flight, Waitall; receiver pre-posts 64 Irecv, then a 4-byte ack.
pingpong-value:  send/recv (pickle) of 42, a dict of 5, a list of 1000 floats, a 1 MiB str.
requests:        both ranks exchange 8 B / 64 KiB per iteration, with plain requests (Irecv + Isend + Waitall)
                 or persistent ones made once (Recv_init + Send_init, then Prequest.Startall + Waitall).
halo:            both ranks of a 1000x1000 row-major grid of doubles exchange one column per iteration (Sendrecv),
                 with a Create_vector column type or packed by hand (numpy column copies) into a contiguous buffer.
mpirun -n 2 /usr/bin/python3 bench/py/p2p.py [--quick] [--cases pingpong-buffer,bandwidth,pingpong-value,requests,halo]
"""
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpi4py import MPI  # noqa: E402
import numpy as np  # noqa: E402
from harness import measure, timing, want  # noqa: E402

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
Wtime = MPI.Wtime
TAG_DATA, TAG_CTRL, WINDOW = 1, 99, 64
ctrl = np.zeros(1, dtype=np.float64)


def agree(t):
    """Rank 0's time, shared with rank 1 (the only other participant)."""
    if rank == 0:
        ctrl[0] = t
        comm.Send(ctrl, 1, TAG_CTRL)
    else:
        comm.Recv(ctrl, 0, TAG_CTRL)
    return float(ctrl[0])


def emit(**rec):
    print(json.dumps(dict(impl="mpi4py", **rec)), flush=True)


def pingpong_buffer(nbytes):
    buf = np.ones(nbytes, dtype=np.uint8)
    Send, Recv = comm.Send, comm.Recv

    def run(iters):
        t0 = Wtime()
        if rank == 0:
            for _ in range(iters):
                Send(buf, 1, TAG_DATA)
                Recv(buf, 1, TAG_DATA)
        else:
            for _ in range(iters):
                Recv(buf, 0, TAG_DATA)
                Send(buf, 0, TAG_DATA)
        return Wtime() - t0

    m = measure(run, agree)
    if rank == 0:
        emit(case="pingpong-buffer", size=nbytes, ranks=size, **timing(m, 2))


def bandwidth():
    nbytes = 4 << 20
    buf = np.ones(nbytes, dtype=np.uint8)
    ack = np.zeros(1, dtype=np.int32)

    def run(iters):
        t0 = Wtime()
        for _ in range(iters):
            if rank == 0:
                reqs = [comm.Isend(buf, 1, TAG_DATA) for _ in range(WINDOW)]
                MPI.Request.Waitall(reqs)
                comm.Recv(ack, 1, TAG_DATA + 1)
            else:
                reqs = [comm.Irecv(buf, 0, TAG_DATA) for _ in range(WINDOW)]
                MPI.Request.Waitall(reqs)
                comm.Send(ack, 0, TAG_DATA + 1)
        return Wtime() - t0

    m = measure(run, agree)
    if rank == 0:
        emit(case="bandwidth", size=nbytes, ranks=size, window=WINDOW, gbps=round(nbytes * WINDOW / m.per / 1e9, 4),
             **timing(m, WINDOW))


VALUES = [
    ("int", 8, 42),
    ("dict", 5, {"a": 1, "b": 2.5, "c": "hello", "d": [1, 2], "e": None}),
    ("float[1000]", 8000, [i + 0.25 for i in range(1000)]),
    ("str 1MiB", 1 << 20, "x" * (1 << 20)),
]


def pingpong_value(label, nominal, obj):
    send, recv = comm.send, comm.recv

    def run(iters):
        t0 = Wtime()
        if rank == 0:
            for _ in range(iters):
                send(obj, 1, TAG_DATA)
                recv(source=1, tag=TAG_DATA)
        else:
            for _ in range(iters):
                x = recv(source=0, tag=TAG_DATA)
                send(x, 0, TAG_DATA)
        return Wtime() - t0

    m = measure(run, agree)
    if rank == 0:
        emit(case="pingpong-value", value=label, size=nominal, ranks=size, **timing(m, 2))


def requests(nbytes, persistent):
    """One exchange per iteration; persistent requests are made once and restarted, plain ones posted anew."""
    peer = 1 - rank
    out = np.ones(nbytes, dtype=np.uint8)
    into = np.zeros(nbytes, dtype=np.uint8)
    made = [comm.Recv_init(into, peer, TAG_DATA), comm.Send_init(out, peer, TAG_DATA)] if persistent else []
    Startall, Waitall, Irecv, Isend = MPI.Prequest.Startall, MPI.Request.Waitall, comm.Irecv, comm.Isend

    def run(iters):
        t0 = Wtime()
        for _ in range(iters):
            if persistent:
                Startall(made)
                Waitall(made)
            else:
                Waitall([Irecv(into, peer, TAG_DATA), Isend(out, peer, TAG_DATA)])
        return Wtime() - t0

    m = measure(run, agree)
    for r in made:
        r.Free()
    if rank == 0:
        kind = "persistent" if persistent else "plain"
        emit(case="requests", value=f"{kind} {nbytes} B", size=nbytes, ranks=size, **timing(m))


HALO_N = 1000


def halo(vector):
    """Rank 0 sends its last inner column and receives its right ghost column; rank 1 its first and its left."""
    peer = 1 - rank
    grid = np.arange(HALO_N * HALO_N, dtype=np.float64).reshape(HALO_N, HALO_N)
    flat = grid.reshape(-1)
    send_col, recv_col = (HALO_N - 2, HALO_N - 1) if rank == 0 else (1, 0)
    column = MPI.DOUBLE.Create_vector(HALO_N, 1, HALO_N).Commit()
    out = np.empty(HALO_N, dtype=np.float64)
    into = np.empty(HALO_N, dtype=np.float64)
    Sendrecv = comm.Sendrecv

    def run(iters):
        t0 = Wtime()
        for _ in range(iters):
            if vector:
                Sendrecv([flat[send_col:], 1, column], peer, TAG_DATA, [flat[recv_col:], 1, column], peer, TAG_DATA)
            else:
                out[:] = grid[:, send_col]
                Sendrecv(out, peer, TAG_DATA, into, peer, TAG_DATA)
                grid[:, recv_col] = into
        return Wtime() - t0

    m = measure(run, agree)
    column.Free()
    # A row must time a correct exchange: the ghost column holds the peer's sent column (grid[k] = k on both ranks).
    peer_col = 1 if rank == 0 else HALO_N - 2
    if not np.array_equal(grid[:, recv_col], np.arange(HALO_N) * HALO_N + peer_col):
        raise RuntimeError(f"halo {'vector' if vector else 'packed'}: rank {rank}'s ghost column is wrong")
    if rank == 0:
        emit(case="halo", value="vector" if vector else "packed", size=HALO_N * 8, rows=HALO_N, cols=HALO_N, ranks=size,
             **timing(m))


def main():
    if size < 2:
        sys.stderr.write("p2p needs 2 ranks\n")
        comm.Abort(1)
    if rank >= 2:
        return
    if want("pingpong-buffer"):
        for n in (0, 8, 1024, 65536, 1 << 20, 16 << 20):
            pingpong_buffer(n)
    if want("bandwidth"):
        bandwidth()
    if want("pingpong-value"):
        for label, nominal, obj in VALUES:
            pingpong_value(label, nominal, obj)
    if want("requests"):
        for n in (8, 65536):
            for persistent in (False, True):
                requests(n, persistent)
    if want("halo"):
        for vector in (True, False):
            halo(vector)


main()
