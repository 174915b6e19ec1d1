"""mpi4py.futures task throughput, the twin of bench/ts/futures.ts:
mpirun -n 5 python3 -m mpi4py.futures bench/py/futures.py [--quick]"""
import json, sys, time
from concurrent.futures import wait
from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

def empty(*_):
    return None

def busy1ms():
    end = time.perf_counter() + 0.001
    while time.perf_counter() < end:
        pass
    return None

def main():
    quick = "--quick" in sys.argv
    n = 2000 if quick else 20000
    with MPIPoolExecutor() as pool:
        workers = MPI.COMM_WORLD.Get_size() - 1
        def report(name, tasks, seconds):
            print(json.dumps({"bench": "futures", "case": name, "workers": workers, "tasks": tasks, "seconds": seconds, "tasksPerSecond": tasks / seconds}), flush=True)
        list(pool.map(empty, [None] * 500))
        t = time.perf_counter(); wait([pool.submit(empty) for _ in range(n)]); report("submit-empty", n, time.perf_counter() - t)
        t = time.perf_counter(); list(pool.map(empty, [None] * n)); report("map-empty-chunk1", n, time.perf_counter() - t)
        t = time.perf_counter(); list(pool.map(empty, [None] * (10 * n), chunksize=64)); report("map-empty-chunk64", 10 * n, time.perf_counter() - t)
        m = 400 if quick else 2000
        t = time.perf_counter(); wait([pool.submit(busy1ms) for _ in range(m)]); t1 = time.perf_counter() - t
        report("submit-1ms", m, t1)
        print(json.dumps({"bench": "futures", "case": "overhead-1ms-task-us", "workers": workers, "value": (t1 * workers / m - 0.001) * 1e6}), flush=True)

if __name__ == "__main__":
    main()
