// sizes: 1 2 3
/**
 * Every tag up to MPI.TAG_UB is the user's, for values and buffers alike, and a message's kind never depends on
 * its tag: a buffer sent with tag 2^30 + 5 arrives as that buffer with that tag (the mpi engine once kept the
 * kind in tag bit 2^30, refused value tags above it and read such a buffer as a value with tag 5).
 * Every call accepts exactly the tags 0..Get_attr(MPI.TAG_UB), the engine's real bound (2^28 - 1 on MPICH, where
 * Comm once let tags up to the constant MPI.TAG_UB through: Send_init took one and Start failed, the engine's
 * error naming neither the call nor the rank).
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const comm = MPI.COMM_WORLD;
const next = (comm.rank + 1) % comm.size;
const prev = (comm.rank - 1 + comm.size) % comm.size;
const tagUb = comm.Get_attr(MPI.TAG_UB) as number;
assert.ok(tagUb >= 32767 && tagUb <= MPI.TAG_UB, `the TAG_UB attribute ${tagUb}`);
const TAGS = [2 ** 30 - 1, 2 ** 30, 2 ** 30 + 5, tagUb - 1, tagUb].filter((tag) => tag <= tagUb);

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

// One above the bound is ERR_TAG from the call itself, before anything is sent or posted.
{
  const over = tagUb + 1;
  const refused = (call: string, run: () => unknown) =>
    expectError("ERR_TAG", run, new RegExp(`${call} on rank ${comm.rank} of .*tag ${over} is not in 0\\.\\.${tagUb}`));
  const buf = new Int32Array(1);
  refused("send", () => comm.send(1, next, over));
  refused("isend", () => comm.isend(1, next, over));
  refused("Send", () => comm.Send(buf, next, over));
  refused("Irecv", () => comm.Irecv(buf, prev, over));
  refused("recv", () => comm.recv(prev, over));
  refused("Send_init", () => comm.Send_init(buf, next, over));
  refused("Recv_init", () => comm.Recv_init(buf, prev, over));
  refused("Sendrecv", () => comm.Sendrecv(buf, next, over, buf, prev, 0));
  refused("Sendrecv", () => comm.Sendrecv(buf, next, 0, buf, prev, over));
  refused("probe", () => comm.probe(prev, over));
}
comm.barrier();

// A buffer and a value on the same high tag keep their order and their kinds, also through ANY_TAG.
const high = Math.min(2 ** 30 + 5, tagUb);
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
