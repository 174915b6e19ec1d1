/**
 * TypeScript ranks of the MPMD interoperability job (test/native/interop.test.ts): world ranks 1..n-2, beside a C
 * rank (0) and an mpi4py rank (n-1), all on the same MPI. Started as `node bin/mpi4ts.js exec prog.ts`.
 */
import assert from "node:assert/strict";
import { MPI } from "../../../src/index.js";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
assert.ok(rank >= 1 && rank <= size - 2, `TypeScript ranks are 1..${size - 2}, got ${rank}`);

// 1. Bcast of four doubles from the C rank.
const b = new Float64Array(4);
comm.Bcast(b, 0);
assert.deepEqual([...b], [1.5, 2.5, 3.5, 4.5]);

// 2. Allreduce SUM of int32 [rank+1, 10*rank] and MAX of a double.
const sum = new Int32Array(2);
comm.Allreduce(Int32Array.of(rank + 1, 10 * rank), sum, MPI.SUM);
assert.deepEqual([...sum], [(size * (size + 1)) / 2, (10 * size * (size - 1)) / 2]);
const dmax = new Float64Array(1);
comm.Allreduce(Float64Array.of(0.25 * rank), dmax, MPI.MAX);
assert.equal(dmax[0], 0.25 * (size - 1));

// 3. Ring of typed buffers.
const next = (rank + 1) % size, prev = (rank + size - 1) % size;
const inRing = new Float64Array(3);
comm.Sendrecv(Float64Array.of(rank, 2 * rank, 3 * rank), next, 11, inRing, prev, 11);
assert.deepEqual([...inRing], [prev, 2 * prev, 3 * prev]);

// 4. int64 from the C rank (to the first TS rank) and from the Python rank (to the last TS rank), doubled back.
if (rank === 1) {
  const big = new BigInt64Array(3);
  const status = new MPI.Status();
  comm.Recv(big, 0, 5, status);
  assert.equal(status.Get_source(), 0);
  assert.deepEqual([...big], [1n << 40n, -7n, 123456789012345n]);
  comm.Send(big.map((v) => v * 2n), 0, 6);
}
if (rank === size - 2) {
  const fromPy = new Uint16Array(4);
  comm.Recv(fromPy, size - 1, 7);
  assert.deepEqual([...fromPy], [1, 2, 65535, 40000]);
  comm.Send(Float32Array.from(fromPy, (v) => v / 2), size - 1, 8);
}

// 4b. A column of a 4x3 row-major grid with a vector type, received with a vector type and sent back with one:
//     from the C rank (its column 1) to the first TS rank, from the Python rank (its column 2) to the last TS
//     rank; each TS rank returns its own column 0. Cell (i, j) = 100*rank + 10*i + j.
const column = MPI.DOUBLE.Create_vector(4, 1, 3).Commit();
const cell = (r: number, k: number) => 100 * r + 10 * Math.floor(k / 3) + (k % 3);
const myGrid = Float64Array.from({ length: 12 }, (_, k) => cell(rank, k));
const peers: [number, number, number][] = [[0, 1, 15], [size - 1, 2, 17]]; // [peer, its column, tag]
for (const [peer, theirColumn, tag] of peers) {
  if (rank !== (peer === 0 ? 1 : size - 2)) continue;
  const got = new Float64Array(12);
  const status = new MPI.Status();
  comm.Recv([got, 1, column], peer, tag, status);
  assert.deepEqual([...got], Array.from({ length: 12 }, (_, k) => (k % 3 === 0 ? cell(peer, 3 * Math.floor(k / 3) + theirColumn) : 0)));
  assert.equal(status.Get_count(column), 1);
  assert.equal(status.Get_count(MPI.DOUBLE), 4);
  comm.Send([myGrid, 1, column], peer, tag + 1);
}
column.Free();

// 5. Gather of one int32 (rank*rank) to the C rank (MPI_Gatherv there), Allgather of one double.
comm.Gather(Int32Array.of(rank * rank), null, 0);
const halves = new Float64Array(size);
comm.Allgather(Float64Array.of(rank / 2), halves);
assert.deepEqual([...halves], Array.from({ length: size }, (_, i) => i / 2));

// 6. Receives posted across the final Barrier, which the C and Python ranks make with a blocking MPI_Barrier:
//    the first TS rank awaits large buffers (rendezvous) from the Python rank and from the last TS rank.
const LARGE = 200_000;
const fromPeers = [new Float64Array(LARGE), new Float64Array(LARGE)];
const lastTs = size - 2;
const posted = rank !== 1 ? [] : [comm.Irecv(fromPeers[0]!, size - 1, 13), ...(lastTs > 1 ? [comm.Irecv(fromPeers[1]!, lastTs, 14)] : [])];
if (rank === lastTs && rank !== 1) comm.Send(new Float64Array(LARGE).fill(rank), 1, 14);
comm.Barrier();
for (const r of posted) r.wait();
if (rank === 1) {
  assert.ok(fromPeers[0]!.every((v) => v === 3));
  if (lastTs > 1) assert.ok(fromPeers[1]!.every((v) => v === lastTs));
}
console.log(`interop ts rank ${rank} ok`);
