// sizes: 1 2 3 4
/**
 * A reduction whose send buffer is its receive buffer acts as IN_PLACE (as in mpi4py), on every rank of every
 * engine (the mpi engine raised MPI's aliasing error, on the root only for Reduce, leaving the others hanging);
 * an overlapping send buffer reads as it was before the call. Reduce_scatter_block with IN_PLACE leaves the
 * rest of the buffer, after this rank's block, untouched for every element type.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;
const sum = (n: number) => (n * (n + 1)) / 2;

for (const Type of [Float64Array, Int32Array, Int8Array, Uint8Array, Int16Array] as const) {
  const all = new Type(3).fill(rank + 1);
  comm.Allreduce(all, all, MPI.SUM);
  assert.deepEqual([...all], [sum(size), sum(size), sum(size)], `Allreduce(buf, buf) ${Type.name}`);

  const rooted = new Type(2).fill(rank + 1);
  comm.Reduce(rooted, rooted, MPI.SUM, size - 1);
  if (rank === size - 1) assert.deepEqual([...rooted], [sum(size), sum(size)], `Reduce(buf, buf) ${Type.name}`);

  const scanned = new Type(1).fill(rank + 1);
  comm.Scan(scanned, scanned, MPI.SUM);
  assert.equal(scanned[0], sum(rank + 1), `Scan(buf, buf) ${Type.name}`);

  // Overlapping halves: the send buffer is read as it was.
  const both = new Type(4).fill(rank + 1);
  comm.Allreduce(both.subarray(0, 2), both.subarray(1, 3), MPI.SUM);
  assert.deepEqual([...both], [rank + 1, sum(size), sum(size), rank + 1], `overlapping Allreduce ${Type.name}`);

  const block = 3;
  const buf = new Type(block * size).map((_, i) => (i % 5) + 1);
  const before = buf.slice();
  comm.Reduce_scatter_block(MPI.IN_PLACE, buf, MPI.SUM);
  for (let i = 0; i < block; i++) assert.equal(buf[i], (((rank * block + i) % 5) + 1) * size, `Reduce_scatter_block IN_PLACE ${Type.name} [${i}]`);
  assert.deepEqual([...buf.subarray(block)], [...before.subarray(block)], `Reduce_scatter_block IN_PLACE leaves the tail (${Type.name})`);
}

comm.barrier();
if (rank === 0) console.log(`collective-alias ok ${size}`);
