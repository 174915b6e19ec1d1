/**
 * mpi4ts ranks (1..n-1) of the persistent-collective interop job (test/native/interop-persistent.test.ts), on
 * MPICH or Open MPI, beside the C rank 0 of persistent.c: Allreduce_init and Bcast_init started three times on new buffer
 * contents, then Iscan and Ireduce_scatter_block. Prints "persistent ts rank R ok".
 */
import assert from "node:assert/strict";
import { MPI } from "../../../src/index.js";

const comm = MPI.COMM_WORLD;
const rank = comm.rank, size = comm.size;
const mine = new Float64Array(2), sum = new Float64Array(2), b = new Int32Array(2);
const reqs = [comm.Allreduce_init(mine, sum, MPI.SUM), comm.Bcast_init(b, 0)];
for (let k = 0; k < 3; k++) {
  mine[0] = rank + 1 + k;
  mine[1] = 10 * rank;
  b.fill(-1);
  MPI.Prequest.Startall(reqs);
  MPI.Request.Waitall(reqs);
  assert.deepEqual([...sum], [(size * (size + 1)) / 2 + size * k, (10 * size * (size - 1)) / 2], `round ${k}`);
  assert.deepEqual([...b], [7 * k, 7 * k + 1], `round ${k}`);
}
for (const r of reqs) r.Free();

const scanned = new Float64Array(1);
await comm.Iscan(Float64Array.of(rank + 1), scanned, MPI.SUM);
assert.equal(scanned[0], ((rank + 1) * (rank + 2)) / 2);

const got = new Int32Array(1);
comm.Ireduce_scatter_block(Int32Array.from({ length: size }, (_, i) => rank * 100 + i), got, MPI.SUM).wait();
assert.equal(got[0], (100 * size * (size - 1)) / 2 + rank * size);

console.log(`persistent ts rank ${rank} ok`);
