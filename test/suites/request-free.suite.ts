// sizes: 1 2 3 4
/**
 * A freed pending send (MPI_Request_free) is still delivered, and completes before the job ends: here the sender
 * frees it and ends at once, and its receiver takes it only later, after a Barrier and a pause. (The mpi engine
 * once dropped such a send with its request: it never completed on the sender, which MPICH reports at exit as a
 * request "not returned to mpool"; test/native/request-free.test.ts checks that.) Ranks pair up as (0, 1),
 * (2, 3); an odd one out sends to itself.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;
const partner = (rank ^ 1) < size ? rank ^ 1 : rank;
const sends = rank % 2 === 0 || partner === rank;
const receives = rank % 2 === 1 || partner === rank;
const BIG = 1 << 20; // doubles: 8 MiB, past every MPI's eager limit
const content = (from: number, i: number) => from * BIG + i;

if (sends) {
  comm.Isend(new Float64Array(BIG).map((_, i) => content(rank, i)), partner, 800).Free();
  comm.Issend(Int32Array.of(rank), partner, 801).Free();
  comm.isend({ from: rank }, partner, 802).Free();
}
comm.Barrier();
if (receives) {
  if (partner !== rank) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // the sender is ending
  const into = new Float64Array(BIG);
  comm.Recv(into, partner, 800);
  assert.ok(into.every((x, i) => x === content(partner, i)), "the freed Isend's message arrives whole");
  const one = new Int32Array(1);
  comm.Recv(one, partner, 801);
  assert.equal(one[0], partner, "the freed Issend's message arrives");
  assert.deepEqual(comm.recv(partner, 802), { from: partner }, "the freed isend's value arrives");
}
if (rank === 0) console.log(`request-free ok ${size}`);
