// sizes: 2 3
/** Very large messages: 64 MiB buffers and a 16 MiB value, exchanged intact in both directions. */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank } = comm;
const MiB = 1 << 20;
if (rank < 2) {
  const other = 1 - rank;
  const out = new Uint32Array(16 * MiB); // 64 MiB
  for (let i = 0; i < out.length; i += 4099) out[i] = i ^ rank;
  out[out.length - 1] = 0xabcdef ^ rank;
  const into = new Uint32Array(16 * MiB);
  const status = new MPI.Status();
  comm.Sendrecv(out, other, 1, into, other, 1, status);
  assert.equal(status.Get_count(MPI.UINT32_T), 16 * MiB);
  for (let i = 0; i < into.length; i += 4099) assert.equal(into[i], i ^ other);
  assert.equal(into[into.length - 1], 0xabcdef ^ other);

  const text = `${rank}`.repeat(16 * MiB);
  const back = comm.sendrecv<string>(text, other, 2, other, 2);
  assert.equal(back.length, 16 * MiB);
  assert.ok(back === `${other}`.repeat(16 * MiB));

  // Isend of a large buffer, completed, then changed: the receiver still gets what was sent. The receive is
  // posted first, as MPI needs for a message this large (standard mode may wait for the match).
  into.fill(0);
  const incoming = comm.Irecv(into, other, 3);
  comm.Isend(out, other, 3).wait();
  out.fill(0);
  incoming.wait();
  assert.equal(into[into.length - 1], 0xabcdef ^ other);
}
