// sizes: 1 2 3 4
/**
 * Send modes and variants (MPI-4.0 §3.4, §3.6, §3.10): buffered sends through an attached buffer (ERR_BUFFER when
 * it lacks room, counting BSEND_OVERHEAD per message), ready and synchronous modes, Isendrecv and
 * Isendrecv_replace, Sendrecv_replace, and a cancelled receive reported in its status. On COMM_WORLD, COMM_SELF
 * and a Dup, so that every send to oneself is covered too.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const dup = world.Dup();

function refuses(errorClass: string, f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof MPI.MPIError && e.errorClass === errorClass, `expected ${errorClass}`);
}

/** Nothing is waiting for this rank on `comm` (a refused call sent nothing). */
function nothingPending(comm: MPI.Comm): void {
  comm.Barrier();
  assert.equal(comm.iprobe(), false, "a refused call must send nothing");
  comm.Barrier();
}

for (const comm of [world, MPI.COMM_SELF, dup]) {
  const { rank, size } = comm;
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;

  // ---- buffered sends ----
  refuses("ERR_BUFFER", () => comm.bsend("no buffer", next, 1));
  refuses("ERR_BUFFER", () => MPI.Detach_buffer());
  const N = 16;
  const attached = new Uint8Array(3 * (N * 8 + MPI.BSEND_OVERHEAD));
  MPI.Attach_buffer(attached);
  refuses("ERR_BUFFER", () => MPI.Attach_buffer(new Uint8Array(10)));
  // One message larger than the whole buffer (with its overhead) is refused, and nothing goes out.
  refuses("ERR_BUFFER", () => comm.Bsend(new Float64Array(attached.length / 8 - MPI.BSEND_OVERHEAD / 8 + 1), next, 2));
  refuses("ERR_RANK", () => comm.Bsend(new Float64Array(1), size, 2));
  nothingPending(comm);
  const data = Float64Array.from({ length: N }, (_, i) => rank * 1000 + i);
  comm.Bsend(data, next, 3);
  data.fill(-1); // the message was copied: changing the buffer now changes nothing
  comm.bsend({ from: rank }, next, 4);
  const ib = comm.Ibsend(Float64Array.from({ length: N }, () => rank), next, 5);
  assert.equal(ib.Test(), true, "Ibsend completes once the message is buffered");
  const got = new Float64Array(N);
  comm.Recv(got, prev, 3);
  assert.deepEqual([...got], Array.from({ length: N }, (_, i) => prev * 1000 + i));
  assert.deepEqual(comm.recv(prev, 4), { from: prev });
  comm.Recv(got, prev, 5);
  assert.ok(got.every((x) => x === prev));
  assert.equal(MPI.Detach_buffer(), attached, "Detach_buffer returns the attached buffer");
  refuses("ERR_BUFFER", () => comm.Ibsend(new Uint8Array(1), next, 6));
  // The reason for buffered sends: every rank sends a large message before anyone receives. With standard
  // sends this waits for the receivers in MPI (rendezvous); buffered, each Bsend returns at once.
  const LARGE = 1 << 20;
  MPI.Attach_buffer(new Uint8Array(LARGE + MPI.BSEND_OVERHEAD));
  comm.Bsend(new Uint8Array(LARGE).fill(rank + 1), next, 17);
  comm.Barrier();
  const large = new Uint8Array(LARGE);
  comm.Recv(large, prev, 17);
  assert.ok(large.every((x) => x === prev + 1));
  MPI.Detach_buffer();

  // Exactly one message's room (its bytes + BSEND_OVERHEAD) is enough; one byte less is not.
  MPI.Attach_buffer(new ArrayBuffer(40 + MPI.BSEND_OVERHEAD - 1));
  refuses("ERR_BUFFER", () => comm.Bsend(new Uint8Array(40), next, 7));
  MPI.Detach_buffer();
  MPI.Attach_buffer(new ArrayBuffer(40 + MPI.BSEND_OVERHEAD));
  comm.Bsend(new Uint8Array(40).fill(rank), next, 7);
  assert.equal(comm.Bsend(new Uint8Array(0), MPI.PROC_NULL, 7), undefined, "PROC_NULL needs no room");
  const small = new Uint8Array(40);
  comm.Recv(small, prev, 7);
  assert.ok(small.every((x) => x === prev));
  MPI.Detach_buffer();

  // ---- ready and synchronous modes ----
  const ready = new Int32Array(4);
  const posted = comm.Irecv(ready, prev, 8);
  comm.Barrier(); // every receive is posted before any ready send starts, as MPI requires
  comm.Rsend(Int32Array.from([rank, 1, 2, 3]), next, 8);
  posted.Wait();
  assert.deepEqual([...ready], [prev, 1, 2, 3]);
  const posted2 = comm.Irecv(ready, prev, 9);
  comm.Barrier();
  comm.Irsend(Int32Array.from([rank, 4, 5, 6]), next, 9).Wait();
  posted2.Wait();
  assert.deepEqual([...ready], [prev, 4, 5, 6]);
  refuses("ERR_TAG", () => comm.Rsend(ready, next, -5));

  // An Issend cannot complete before its receive is posted (the receiver posts it only after the barrier).
  const sync = comm.Issend(Int32Array.from([rank]), next, 10);
  assert.equal(sync.Test(), false, "Issend completed before any receive matched it");
  comm.Barrier();
  const one = new Int32Array(1);
  comm.Recv(one, prev, 10);
  sync.Wait();
  assert.equal(one[0], prev);
  const isv = comm.issend(`hi from ${rank}`, next, 11);
  assert.equal(comm.recv(prev, 11), `hi from ${prev}`);
  isv.wait();

  // ---- Isendrecv, Isendrecv_replace, Sendrecv_replace ----
  const into = new Float64Array(3);
  const status = new MPI.Status();
  const both = comm.Isendrecv(Float64Array.from([rank, rank, rank]), next, 12, into, prev, 12);
  both.Wait(status);
  assert.deepEqual([...into], [prev, prev, prev]);
  assert.equal(status.Get_source(), prev);
  assert.equal(status.Get_tag(), 12);
  assert.equal(status.Get_count(MPI.DOUBLE), 3);
  const replaced = Int16Array.from([rank, rank + 1]);
  await comm.Isendrecv_replace(replaced, next, 13, prev, 13);
  assert.deepEqual([...replaced], [prev, prev + 1]);
  const again = Int16Array.from([rank, 100 - rank]);
  comm.Sendrecv_replace(again, next, 14, prev, 14, status);
  assert.deepEqual([...again], [prev, 100 - prev]);
  assert.equal(status.Get_source(), prev);
  assert.equal(comm.sendrecv(rank * 2, next, 15, prev, 15), prev * 2);
  // A bad argument on either side refuses the whole call before anything is posted or sent.
  refuses("ERR_RANK", () => comm.Isendrecv(new Float64Array(1), size + 1, 16, new Float64Array(1), prev, 16));
  refuses("ERR_TAG", () => comm.Isendrecv(new Float64Array(1), next, 16, new Float64Array(1), prev, -7));
  refuses("ERR_BUFFER", () => comm.Isendrecv(new Float64Array(1), next, 16, null, prev, 16));
  refuses("ERR_BUFFER", () => comm.Isendrecv_replace([1, 2] as unknown as Float64Array, next, 16, prev, 16));
  nothingPending(comm);
  // …so this exchange is not taken by a stray receive
  const check = new Float64Array(1);
  comm.Isendrecv(Float64Array.of(rank + 0.5), next, 16, check, prev, 16).Wait();
  assert.equal(check[0], prev + 0.5);

  // ---- a cancelled receive says so in its status ----
  const never = comm.Irecv(new Uint8Array(4), MPI.ANY_SOURCE, 999);
  never.Cancel();
  const cancelled = new MPI.Status();
  never.Wait(cancelled);
  assert.equal(cancelled.Is_cancelled(), true);
  const neverValue = comm.irecv(MPI.ANY_SOURCE, 998);
  neverValue.cancel();
  const valueStatus = new MPI.Status();
  assert.equal(neverValue.wait(valueStatus), undefined);
  assert.equal(valueStatus.Is_cancelled(), true);
  comm.Barrier();
}
dup.Free();
