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

// Handoffs are filled in 64 KiB chunks while the receiver copies out: every byte arrives, at sizes around the
// chunk boundaries, received at once, received late, both ways at once, and as a backlog behind a full ring.
{
  const pattern = (n: number, seed: number): Uint8Array => {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = (i * 31 + seed + (i >>> 16)) & 255;
    return a;
  };
  const intact = (a: Uint8Array, seed: number, what: string): void => {
    for (let i = 0; i < a.length; i++) if (a[i] !== ((i * 31 + seed + (i >>> 16)) & 255)) assert.fail(`${what}: byte ${i} of ${a.length} is ${a[i]}`);
  };
  const KiB = 1024;
  const sizes = [64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 128 * KiB + 3, 256 * KiB + 1, 300 * KiB, MiB + 7, 5 * MiB - 1];
  if (rank < 2) {
    const other = 1 - rank;
    for (const [k, n] of sizes.entries()) {
      const into = new Uint8Array(n);
      comm.Sendrecv(pattern(n, rank + k), other, 10 + k, into, other, 10 + k);
      intact(into, other + k, `Sendrecv of ${n} B`);
    }
    // Blocking sends, their receives already waiting or posted: the receiver may copy straight from the sender.
    for (const [k, n] of sizes.entries()) {
      const into = new Uint8Array(n);
      if (rank === 0) {
        comm.Send(pattern(n, 200 + k), 1, 20 + k);
        comm.Recv(into, 1, 20 + k);
      } else {
        const posted = comm.Irecv(into, 0, 20 + k);
        posted.Wait();
        intact(into, 200 + k, `Recv of a blocking Send of ${n} B`);
        comm.Send(into, 0, 20 + k);
      }
      if (rank === 0) intact(into, 200 + k, `the same ${n} B sent back`);
    }
    const value = { text: "x".repeat(3 * MiB + 5), rank };
    const got = rank === 0 ? (comm.send(value, 1, 29), comm.recv<typeof value>(1, 29)) : (() => { const v = comm.recv<typeof value>(0, 29); comm.send(v, 0, 29); return v; })();
    assert.equal(got.text.length, 3 * MiB + 5);
    assert.equal(got.rank, 0);
    // Received late: every message is sent (and, on the local engine, filled) before its receive is posted.
    // Isend, since MPI may hold a large standard send until it matches.
    const late = rank === 0 ? sizes.map((n, k) => comm.Isend(pattern(n, k), 1, 30 + k)) : [];
    comm.Barrier();
    if (rank === 1) {
      for (const [k, n] of [...sizes.entries()].reverse()) {
        const into = new Uint8Array(n);
        comm.Recv(into, 0, 30 + k);
        intact(into, k, `late Recv of ${n} B`);
      }
    }
    MPI.Request.Waitall(late);
    // More than the ring holds, unreceived: the later ones wait in the sender's backlog as handoffs.
    const count = 48, n = 200 * KiB;
    const sends = rank === 0 ? Array.from({ length: count }, (_, k) => comm.Isend(pattern(n, 100 + k), 1, 50)) : [];
    comm.Barrier();
    if (rank === 1) {
      for (let k = 0; k < count; k++) {
        const into = new Uint8Array(n);
        comm.Recv(into, 0, 50);
        intact(into, 100 + k, `backlogged message ${k}`);
      }
    }
    MPI.Request.Waitall(sends);
  } else {
    comm.Barrier(); // the two barriers of ranks 0 and 1
    comm.Barrier();
  }
}
