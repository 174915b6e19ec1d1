// sizes: 1 2 3
/**
 * Every tag up to MPI.TAG_UB is the user's, for values and buffers alike, and a message's kind never depends on
 * its tag: a buffer sent with tag 2^30 + 5 arrives as that buffer with that tag (the mpi engine once kept the
 * kind in tag bit 2^30, refused value tags above it and read such a buffer as a value with tag 5).
 * (Not run on MPICH, whose MPI_TAG_UB is 2^28 - 1.)
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const next = (comm.rank + 1) % comm.size;
const prev = (comm.rank - 1 + comm.size) % comm.size;
const TAGS = [2 ** 30 - 1, 2 ** 30, 2 ** 30 + 5, MPI.TAG_UB - 1, MPI.TAG_UB];

for (const tag of TAGS) {
  const status = new MPI.Status();
  assert.deepEqual(comm.sendrecv({ tag }, next, tag, prev, tag, status), { tag });
  assert.equal(status.Get_tag(), tag);

  const out = Float64Array.of(tag, comm.rank);
  const into = new Float64Array(2);
  const request = comm.Irecv(into, prev, tag);
  comm.Send(out, next, tag);
  request.wait(status);
  assert.deepEqual([...into], [tag, prev]);
  assert.equal(status.Get_tag(), tag);
}

// A buffer and a value on the same high tag keep their order and their kinds, also through ANY_TAG.
const high = 2 ** 30 + 5;
comm.Send(Int32Array.of(1), next, high);
comm.send("second", next, high);
comm.Send(Int32Array.of(3), next, 5);
const first = new Int32Array(1);
const status = new MPI.Status();
comm.Recv(first, prev, MPI.ANY_TAG, status);
assert.equal(status.Get_tag(), high);
assert.equal(first[0], 1);
assert.equal(comm.recv(prev, MPI.ANY_TAG, status), "second");
assert.equal(status.Get_tag(), high);
const third = new Int32Array(1);
comm.Recv(third, prev, 5);
assert.equal(third[0], 3);

comm.barrier();
if (comm.rank === 0) console.log(`p2p-tags ok ${comm.size}`);
