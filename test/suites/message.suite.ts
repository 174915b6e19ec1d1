// sizes: 1 2 3 4
/**
 * Matched probes (MPI-4.0 §3.8.2): mprobe/improbe take a message out of matching, so no other receive gets it;
 * the Message receives it once (then it is MESSAGE_NULL and receiving again is ERR_REQUEST); a refused receive
 * leaves it receivable; PROC_NULL gives MESSAGE_NO_PROC. On COMM_WORLD, COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const dup = world.Dup();

function refuses(errorClass: string, f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof MPI.MPIError && e.errorClass === errorClass, `expected ${errorClass}`);
}

/** A nonblocking matched probe, repeated until it finds a message (bounded: a broken one fails instead of spinning forever). */
function lookUntil(what: string, look: () => MPI.Message | undefined): MPI.Message {
  const until = Date.now() + 20_000;
  for (;;) {
    const message = look();
    if (message) return message;
    if (Date.now() > until) throw new Error(`${what} found nothing in 20 s`);
  }
}

function improbeUntil(comm: MPI.Comm, source: number, tag: number, status?: MPI.Status): MPI.Message {
  return lookUntil(`improbe(${source}, ${tag})`, () => comm.improbe(source, tag, status));
}

for (const comm of [world, MPI.COMM_SELF, dup]) {
  const { rank, size } = comm;
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;

  // A value: mprobe fills the status, the message is no longer matchable, it is received once.
  comm.send({ from: rank, items: [1, 2, 3] }, next, 3);
  const status = new MPI.Status();
  const message = comm.mprobe(prev, 3, status);
  assert.equal(status.Get_source(), prev);
  assert.equal(status.Get_tag(), 3);
  assert.ok(status.Get_count() > 0);
  assert.equal(comm.iprobe(prev, 3), false, "a matched message must not be matchable any more");
  assert.equal(message.isNull, false);
  const received = new MPI.Status();
  assert.deepEqual(message.recv(received), { from: prev, items: [1, 2, 3] });
  assert.equal(received.Get_source(), prev);
  assert.equal(message.isNull, true);
  refuses("ERR_REQUEST", () => message.recv());
  refuses("ERR_REQUEST", () => message.Recv(new Uint8Array(64)));

  // A buffer: a refused receive (too small, the other family) leaves it with the Message.
  comm.Send(Float64Array.from([rank, 0.5, 0.25]), next, 4);
  const bufferMessage = comm.Mprobe(prev, 4);
  refuses("ERR_TRUNCATE", () => bufferMessage.Recv(new Float64Array(2)));
  refuses("ERR_TYPE", () => bufferMessage.recv());
  refuses("ERR_BUFFER", () => bufferMessage.Recv([0, 0, 0] as unknown as Float64Array));
  const into = new Float64Array(3);
  const bufferStatus = new MPI.Status();
  bufferMessage.Recv(into, bufferStatus);
  assert.deepEqual([...into], [prev, 0.5, 0.25]);
  assert.equal(bufferStatus.Get_count(MPI.DOUBLE), 3);
  assert.equal(bufferStatus.Get_source(), prev);

  // The point of mprobe: a receive posted after it gets the next message, not the probed one.
  comm.send("first", next, 5);
  comm.send("second", next, 5);
  const probed = comm.mprobe(prev, 5);
  const later = comm.irecv<string>(prev, 5);
  assert.equal(later.wait(), "second");
  assert.equal(probed.recv(), "first");

  // improbe: undefined while nothing matches; nonblocking receives of the Message.
  assert.equal(comm.improbe(prev, 60), undefined, "nothing is ever sent with tag 60");
  assert.equal(comm.Improbe(MPI.ANY_SOURCE, 60), undefined);
  comm.send(rank * 10, next, 6);
  comm.Send(Int32Array.from([rank, 7]), next, 7);
  const irecvStatus = new MPI.Status();
  const valueRequest = improbeUntil(comm, prev, 6).irecv<number>();
  assert.equal(valueRequest.wait(irecvStatus), prev * 10);
  assert.equal(irecvStatus.Get_tag(), 6);
  const pairStatus = new MPI.Status();
  const pairMessage = improbeUntil(comm, MPI.ANY_SOURCE, 7, pairStatus);
  const pair = new Int32Array(2);
  refuses("ERR_BUFFER", () => pairMessage.Irecv("nope" as unknown as Int32Array));
  const tooSmall = pairMessage.Irecv(new Int32Array(1));
  assert.throws(() => tooSmall.wait(), (e: unknown) => e instanceof MPI.MPIError && e.errorClass === "ERR_TRUNCATE");
  await pairMessage.Irecv(pair);
  assert.deepEqual([...pair], [pairStatus.Get_source(), 7]);

  // A message refused by a plain receive is still found by mprobe (on the mpi engine it waits in a stash).
  comm.Send(Uint8Array.from([1, 2, 3, 4]), next, 8);
  refuses("ERR_TRUNCATE", () => comm.Recv(new Uint8Array(2), prev, 8));
  const stashed = comm.mprobe(prev, 8);
  const bytes = new Uint8Array(4);
  stashed.Recv(bytes);
  assert.deepEqual([...bytes], [1, 2, 3, 4]);

  // PROC_NULL: MESSAGE_NO_PROC, received at once with a PROC_NULL status, any number of times.
  const noProcStatus = new MPI.Status();
  const noProc = comm.mprobe(MPI.PROC_NULL, 9, noProcStatus);
  assert.equal(noProc, MPI.MESSAGE_NO_PROC);
  assert.equal(noProcStatus.Get_source(), MPI.PROC_NULL);
  assert.equal(comm.improbe(MPI.PROC_NULL), MPI.MESSAGE_NO_PROC);
  const untouched = Uint8Array.from([9, 9]);
  noProc.Recv(untouched, noProcStatus);
  assert.deepEqual([...untouched], [9, 9]);
  assert.equal(noProc.recv(), undefined);
  assert.equal(await noProc.irecv(), undefined);
  refuses("ERR_REQUEST", () => MPI.MESSAGE_NULL.recv());
  assert.equal(MPI.MESSAGE_NULL.isNull, true);

  // mpi4py's class-method spellings.
  comm.send("class method", next, 10);
  assert.equal(MPI.Message.probe(comm, prev, 10).recv(), "class method");
  comm.Send(Uint8Array.of(5), next, 10);
  const viaClass = new Uint8Array(1);
  lookUntil("Message.Iprobe", () => MPI.Message.Iprobe(comm, prev, 10)).Recv(viaClass);
  assert.equal(viaClass[0], 5);
  assert.equal(MPI.Message.iprobe(comm, prev, 61), undefined);
  assert.equal(MPI.Message.Probe(comm, MPI.PROC_NULL), MPI.MESSAGE_NO_PROC);

  // Arguments are checked before anything is matched.
  refuses("ERR_RANK", () => comm.mprobe(size));
  refuses("ERR_TAG", () => comm.improbe(prev, -3));
  refuses("ERR_ARG", () => comm.Mprobe(prev, 3, {} as MPI.Status));
  comm.Barrier();
}
dup.Free();
