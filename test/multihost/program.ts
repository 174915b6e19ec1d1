/**
 * The multi-host job of test/multihost/multihost.test.ts, one rank per "host" (network namespace):
 * reports where each rank ran, moves MiBs between hosts over TCP, and checks a collective.
 * With `--kill 1`, rank 1 kills itself (SIGKILL) mid-job while the others wait for it: the job must end.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;
const killIndex = process.argv.indexOf("--kill");
const victim = killIndex >= 0 ? Number(process.argv[killIndex + 1]) : -1;

const names = comm.allgather(MPI.Get_processor_name());
if (rank === 0) console.log(`HOSTS ${JSON.stringify(names)}`);

if (victim >= 0) {
  comm.Barrier();
  if (rank === victim) process.kill(process.pid, "SIGKILL");
  comm.recv(victim, 7); // never sent: only the launcher's abort ends this
}

// 8 MiB around the ring, both directions.
const n = 1 << 20;
const out = new Float64Array(n).map((_, i) => rank * 1e6 + i);
const inn = new Float64Array(n);
const next = (rank + 1) % size, prev = (rank + size - 1) % size;
comm.Sendrecv(out, next, 1, inn, prev, 1);
assert.equal(inn[n - 1], prev * 1e6 + n - 1);
comm.Sendrecv(out, prev, 2, inn, next, 2);
assert.equal(inn[12345], next * 1e6 + 12345);
const sum = new Float64Array(1);
comm.Allreduce(Float64Array.of(rank + 1), sum, MPI.SUM);
assert.equal(sum[0], (size * (size + 1)) / 2);
comm.Barrier();
if (rank === 0) console.log("MULTIHOST OK");
