// sizes: 1 2 3 4
/**
 * Persistent requests (MPI-4.0 §3.9) and the rest of the request API: Send/Ssend/Bsend/Rsend/Recv_init are
 * inactive until started, restartable once complete, and a send reads its buffer at each Start; REQUEST_NULL,
 * Free, the non-destructive Get_status family, and Status.Set_elements. On COMM_WORLD, COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const dup = world.Dup();

function refuses(errorClass: string, f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof MPI.MPIError && e.errorClass === errorClass, `expected ${errorClass}`);
}

/** Get_status until it is true (bounded), leaving the request active. */
function completeWithoutReporting(request: MPI.Request<unknown>, status?: MPI.Status): void {
  const until = Date.now() + 20_000;
  while (!request.Get_status(status)) if (Date.now() > until) throw new Error("Get_status never became true");
}

// ---- REQUEST_NULL and Status.Set_elements (no communication) ----
{
  const status = new MPI.Status();
  status.Set_source(3);
  assert.equal(MPI.REQUEST_NULL.Wait(status), true);
  assert.equal(status.Get_source(), MPI.ANY_SOURCE, "an inactive request gives an empty status");
  assert.equal(status.Get_tag(), MPI.ANY_TAG);
  assert.equal(MPI.REQUEST_NULL.wait(), undefined);
  assert.equal(MPI.REQUEST_NULL.Test(), true);
  assert.equal(MPI.REQUEST_NULL.Get_status(), true);
  assert.equal(MPI.REQUEST_NULL.active, false);
  assert.equal(await MPI.REQUEST_NULL, undefined);
  refuses("ERR_REQUEST", () => MPI.REQUEST_NULL.Free());
  assert.deepEqual(MPI.Request.waitany([MPI.REQUEST_NULL]), [MPI.UNDEFINED, undefined]);
  assert.equal(MPI.Request.Waitall([MPI.REQUEST_NULL]), true);
  assert.deepEqual(MPI.Request.Get_status_any([MPI.REQUEST_NULL]), [MPI.UNDEFINED, true]);
  assert.equal(MPI.Request.Get_status_all([MPI.REQUEST_NULL]), true);
  assert.equal(MPI.Request.Get_status_some([MPI.REQUEST_NULL]), undefined);

  status.Set_elements(8, 3);
  assert.equal(status.Get_count(8), 3);
  assert.equal(status.Get_elements(4), 6);
  status.Set_elements({ Get_size: () => 2 }, 5);
  assert.equal(status.Get_count(2), 5);
  refuses("ERR_COUNT", () => status.Set_elements(4, -1));
  refuses("ERR_TYPE", () => status.Set_elements(0, 1));
  status.Set_cancelled(true);
  assert.equal(status.Is_cancelled(), true);
  status.Set_cancelled(false);
  assert.equal(status.Is_cancelled(), false);
}

for (const comm of [world, MPI.COMM_SELF, dup]) {
  const { rank, size } = comm;
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;

  // ---- persistent send and receive, many rounds, new data each round ----
  const out = new Float64Array(4);
  const into = new Float64Array(4);
  const send = comm.Send_init(out, next, 20);
  const recv = comm.Recv_init(into, prev, 20);
  assert.ok(send instanceof MPI.Prequest);
  assert.equal(recv.active, false, "a persistent request is inactive until started");
  assert.equal(recv.wait(), undefined, "waiting on an inactive persistent request returns at once");
  assert.equal(MPI.Request.Waitany([send, recv]), MPI.UNDEFINED);
  for (let round = 0; round < 5; round++) {
    out.fill(rank * 100 + round); // read at Start: each round sends what the buffer holds then
    MPI.Prequest.Startall([recv, send]);
    refuses("ERR_REQUEST", () => recv.Start());
    const status = new MPI.Status();
    MPI.Request.Waitall([recv, send], [status, new MPI.Status()]);
    assert.deepEqual([...into], [0, 1, 2, 3].map(() => prev * 100 + round), `round ${round}`);
    assert.equal(status.Get_source(), prev);
    assert.equal(recv.active, false);
  }
  // Start one by one, completed with await and with the list helpers.
  out.fill(-rank);
  recv.Start();
  send.Start();
  await send;
  await recv;
  assert.ok(into.every((x) => x === -prev));
  refuses("ERR_REQUEST", () => MPI.Prequest.Startall([send, send]));
  refuses("ERR_REQUEST", () => MPI.Prequest.Startall([send, MPI.REQUEST_NULL as unknown as MPI.Prequest]));
  send.Free();
  refuses("ERR_REQUEST", () => send.Start());
  refuses("ERR_REQUEST", () => send.Free());
  refuses("ERR_REQUEST", () => MPI.Prequest.Startall([recv, send]));
  assert.equal(recv.active, false, "a refused Startall starts none");
  recv.Free();
  // Freeing an active persistent request: the round in progress still completes; it cannot start again.
  const active = comm.Recv_init(new Uint8Array(1), prev, 27);
  active.Start();
  active.Free();
  assert.equal(active.active, false);
  refuses("ERR_REQUEST", () => active.Start());
  comm.Send(Uint8Array.of(1), next, 27); // taken by the freed round's receive
  comm.Barrier();
  assert.equal(comm.iprobe(prev, 27), false, "the freed round's receive took the message");

  // ---- the other modes ----
  const one = new Int32Array(1);
  const got = new Int32Array(1);
  const ssend = comm.Ssend_init(one, next, 21);
  const rsend = comm.Rsend_init(one, next, 22);
  const precv = comm.Recv_init(got, prev, 21);
  one[0] = rank + 1;
  ssend.Start();
  assert.equal(ssend.Test(), false, "a persistent Ssend completes only once its receive matched");
  comm.Barrier();
  precv.Start();
  MPI.Request.Waitall([ssend, precv]);
  assert.equal(got[0], prev + 1);
  const readyRecv = comm.Recv_init(got, prev, 22);
  readyRecv.Start();
  comm.Barrier(); // every receive is posted before a ready send starts
  one[0] = rank + 2;
  rsend.Start();
  MPI.Request.Waitall([rsend, readyRecv]);
  assert.equal(got[0], prev + 2);
  MPI.Attach_buffer(new Uint8Array(2 * (4 + MPI.BSEND_OVERHEAD)));
  const bsend = comm.Bsend_init(one, next, 23);
  for (let round = 0; round < 3; round++) {
    one[0] = rank * 10 + round;
    bsend.Start();
    bsend.Wait();
    comm.Recv(got, prev, 23);
    assert.equal(got[0], prev * 10 + round);
  }
  MPI.Detach_buffer();
  refuses("ERR_RANK", () => comm.Send_init(one, size));
  refuses("ERR_TAG", () => comm.Recv_init(got, prev, -4));
  refuses("ERR_BUFFER", () => comm.Ssend_init([1] as unknown as Int32Array, next));

  // ---- Get_status is non-destructive; Free ----
  const request = comm.irecv<string>(prev, 24);
  const other = comm.irecv<string>(prev, 25);
  assert.ok(Array.isArray(MPI.Request.Get_status_some([request, other])), "active requests: a list (maybe empty), not undefined");
  comm.send(`hello ${rank}`, next, 24);
  const status = new MPI.Status();
  completeWithoutReporting(request, status);
  assert.equal(status.Get_source(), prev);
  assert.equal(request.active, true, "Get_status does not report the completion");
  assert.deepEqual(MPI.Request.Get_status_any([other, request]), [1, true]);
  assert.deepEqual(MPI.Request.Get_status_some([other, request]), [1]);
  assert.equal(MPI.Request.Get_status_all([other, request]), false);
  assert.deepEqual(MPI.Request.waitany([other, request]), [1, `hello ${prev}`], "still reported by the next wait");
  assert.equal(request.active, false);
  refuses("ERR_REQUEST", () => request.Free());
  comm.Barrier(); // tag 25 goes out only once every rank has checked that `other` is still incomplete
  comm.send(`again ${rank}`, next, 25);
  const statuses: MPI.Status[] = [];
  while (!MPI.Request.Get_status_all([other, request], statuses));
  assert.equal(statuses[0]!.Get_tag(), 25);
  assert.equal(other.wait(), `again ${prev}`);
  const freed = comm.Irecv(new Uint8Array(1), MPI.ANY_SOURCE, 26);
  freed.Cancel();
  freed.Free();
  assert.equal(freed.active, false);
  assert.equal(freed.Wait(), true, "a freed request is REQUEST_NULL: waiting returns at once");
  comm.Barrier();
}
dup.Free();

// An error at Start names Start and the *_init the request came from, not the Isend/Irecv it runs (they once did).
{
  const { rank } = world;
  const atStart = (init: string) => new RegExp(`^Prequest\\.Start of ${init} on rank ${rank} of MPI_COMM_WORLD.*is detached`);
  for (const [init, make] of [
    ["Send_init", (buf: Float64Array) => world.Send_init(buf, MPI.PROC_NULL)],
    ["Ssend_init", (buf: Float64Array) => world.Ssend_init(buf, MPI.PROC_NULL)],
    ["Rsend_init", (buf: Float64Array) => world.Rsend_init(buf, MPI.PROC_NULL)],
    ["Recv_init", (buf: Float64Array) => world.Recv_init(buf, MPI.PROC_NULL)],
  ] as const) {
    const buf = new Float64Array(4);
    const request = make(buf);
    structuredClone(buf.buffer, { transfer: [buf.buffer] }); // the buffer is detached after the *_init
    expectError("ERR_BUFFER", () => request.Start(), atStart(init));
    expectError("ERR_BUFFER", () => MPI.Prequest.Startall([request]), atStart(init));
    assert.equal(request.active, false, `${init}: a Start that failed leaves the request inactive`);
    request.Free();
  }
  // Startall is all or nothing: a request whose buffer went bad leaves the earlier ones of the list unstarted.
  {
    const good = world.Recv_init(new Float64Array(1), MPI.PROC_NULL);
    const bad = new Float64Array(4);
    const send = world.Send_init(bad, MPI.PROC_NULL);
    structuredClone(bad.buffer, { transfer: [bad.buffer] });
    expectError("ERR_BUFFER", () => MPI.Prequest.Startall([good, send]), atStart("Send_init"));
    assert.equal(good.active, false, "the request before the bad one was not started");
    good.Free();
    send.Free();
  }
  const staged = new Float64Array(2);
  const buffered = world.Bsend_init(staged, rank); // no buffer is attached: nothing is sent
  expectError("ERR_BUFFER", () => buffered.Start(), new RegExp(`^Prequest\\.Start of Bsend_init on rank ${rank} .*no buffer is attached`));
  buffered.Free();
}
