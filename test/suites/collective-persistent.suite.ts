// sizes: 1 2 3 4 5
/**
 * Persistent collectives (MPI-4.0 §6.13, issue 10): every `*_init` of support/collective-cases.ts started for
 * several rounds, each on new contents of the same buffers, compared with the blocking form round by round;
 * started one at a time and all at once (Startall), mixed with blocking and nonblocking collectives; and the
 * request's life cycle: inactive before the first Start and after each completion, Start while active and Start
 * after Free refused with ERR_REQUEST, bad arguments refused at init before anything is sent.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";
import { assertSame, cases, communicators } from "../support/collective-cases.js";

const world = MPI.COMM_WORLD;
const comms = communicators();
const ROUNDS = 3;

async function rounds(label: string, comm: MPI.Comm): Promise<void> {
  for (const root of new Set([0, comm.size - 1])) {
    const ctx = `${label} rank ${comm.rank}/${comm.size} root ${root}`;
    const expected = cases(comm, root), got = cases(comm, root);
    const requests = got.map((c) => c.init());
    for (const r of requests) {
      assert.ok(r instanceof MPI.CollectivePrequest && r instanceof MPI.Request);
      assert.equal(r.active, false, `${ctx}: inactive before the first Start`);
      assert.equal(r.Wait(), true, `${ctx}: Wait on an inactive request returns at once`);
      assert.equal(r.Test(), true);
    }
    for (let k = 0; k < ROUNDS; k++) {
      for (const c of expected) { c.fill(k); c.blocking(); }
      for (const c of got) c.fill(k);
      if (k === 0) {
        // One at a time, completed three ways.
        for (const [i, r] of requests.entries()) {
          r.Start();
          assert.equal(r.active, true);
          expectError("ERR_REQUEST", () => r.Start(), /is active/);
          if (i % 3 === 0) r.Wait();
          else if (i % 3 === 1) while (!r.Test()) await new Promise((resolve) => setTimeout(resolve, 1));
          else await r;
          assert.equal(r.active, false);
          assertSame(expected[i]!, got[i]!, `${ctx} round ${k}`);
        }
      } else {
        // All at once, with a blocking and a nonblocking collective started among them.
        MPI.Prequest.Startall(requests.slice(0, 5));
        assert.equal(comm.allreduce(k), k * comm.size);
        const extra = comm.iallgather(k);
        MPI.Prequest.Startall(requests.slice(5));
        MPI.Request.Waitall(requests);
        assert.deepEqual(extra.wait(), Array(comm.size).fill(k));
        got.forEach((c, i) => assertSame(expected[i]!, c, `${ctx} round ${k} (Startall)`));
      }
    }
    // waitany over persistent requests ends with UNDEFINED once every round is reported.
    MPI.Prequest.Startall(requests);
    let n = 0;
    while (MPI.Request.Waitany(requests) !== MPI.UNDEFINED) n++;
    assert.equal(n, requests.length);
    for (const r of requests) r.Free();
    expectError("ERR_REQUEST", () => requests[0]!.Start(), /freed/);
  }
}

function lifecycle(comm: MPI.Comm): void {
  const size = comm.size;
  const buf = new Float64Array(2);
  const r = comm.Allreduce_init(MPI.IN_PLACE, buf, MPI.SUM);
  // Startall checks the whole list first: an active request in it starts none of them.
  const other = comm.Barrier_init();
  r.Start();
  expectError("ERR_REQUEST", () => MPI.Prequest.Startall([other, r]), /is active/);
  assert.equal(other.active, false);
  expectError("ERR_REQUEST", () => r.Free(), /active/);
  assert.throws(() => r.Start(), (e: MPI.MPIError) => e.Get_error_class() === MPI.ERR_REQUEST);
  r.Wait();
  other.Free();
  expectError("ERR_REQUEST", () => MPI.Prequest.Startall([r, other]), /freed/);
  assert.equal(r.active, false, "a refused Startall started nothing");
  expectError("ERR_REQUEST", () => MPI.Prequest.Startall([r, {} as never]), /persistent requests/);
  r.Free();

  // Bad arguments: refused by *_init on every rank alike, before anything is sent.
  const f = new Float64Array(size);
  expectError("ERR_TYPE", () => comm.Allreduce_init(f, new Int32Array(size)), /Allreduce_init/);
  expectError("ERR_OP", () => comm.Reduce_init(f, f.slice(), MPI.OP_NULL), /Reduce_init.*OP_NULL/);
  expectError("ERR_OP", () => comm.Scan_init(f, f.slice(), MPI.NO_OP), /Scan_init.*NO_OP/);
  expectError("ERR_ROOT", () => comm.Bcast_init(f, size), /Bcast_init.*root/);
  expectError("ERR_COUNT", () => comm.Reduce_scatter_init(f, f.slice(), Array(size).fill(2)), /Reduce_scatter_init.*add up/);
  expectError("ERR_ARG", () => comm.Gatherv_init(MPI.IN_PLACE, null, (comm.rank + 1) % size), /Gatherv_init/);
  expectError("ERR_BUFFER", () => comm.Alltoall_init(f, "x" as never), /Alltoall_init/);
  assert.equal(comm.allreduce(1), size);
  comm.Barrier();
}

/** Point-to-point and collective persistent requests are one kind: one Startall list, one Waitall. */
function mixedWithPointToPoint(comm: MPI.Comm): void {
  const right = (comm.rank + 1) % comm.size;
  const left = (comm.rank - 1 + comm.size) % comm.size;
  const out = new Float64Array(1), got = new Float64Array(1), sum = new Float64Array(1);
  const requests = [comm.Recv_init(got, left, 7), comm.Send_init(out, right, 7), comm.Allreduce_init(out, sum)];
  assert.ok(requests.every((r) => r instanceof MPI.Prequest));
  for (let round = 1; round <= 3; round++) {
    out[0] = comm.rank * round;
    MPI.Prequest.Startall(requests);
    MPI.Request.Waitall(requests);
    assert.equal(got[0], left * round);
    assert.equal(sum[0], (round * comm.size * (comm.size - 1)) / 2);
  }
  for (const r of requests) r.Free();
}

/**
 * MPI-4 matches persistent collectives by their inits, so the ranks may start them in different orders (rank 0 in
 * init order, the others in reverse), with a nonblocking collective between the starts (matched by its own order).
 */
function startedInOtherOrders(comm: MPI.Comm): void {
  const { rank, size } = comm;
  const root = size - 1;
  const value = new Int32Array(1), mine = new Float64Array(2), sum = new Float64Array(2), max = new Float64Array(2);
  const all = rank === root ? new Float64Array(2 * size) : null, total = rank === root ? new Float64Array(2) : null;
  // (Alltoall_init with IN_PLACE: each round sends from a copy of recvbuf, taken as it starts.)
  const spread = new Float64Array(size);
  const requests = [
    comm.Bcast_init(value, root), comm.Barrier_init(), comm.Allreduce_init(mine, sum, MPI.SUM),
    comm.Allreduce_init(mine, max, MPI.MAX), comm.Gather_init(mine, all, root), comm.Reduce_init(mine, total, MPI.SUM, root),
    comm.Alltoall_init(MPI.IN_PLACE, spread),
  ];
  const order = rank === 0 ? requests : [...requests].reverse();
  for (let round = 1; round <= 3; round++) {
    if (rank === root) value[0] = 100 * round;
    mine.fill(rank * round);
    spread.forEach((_, j) => (spread[j] = 100 * rank + j + round));
    for (const [i, r] of order.entries()) {
      r.Start();
      if (i === 2) comm.Ibarrier().Wait();
    }
    MPI.Request.Waitall(requests);
    const ctx = `round ${round}, rank ${rank}/${size}`;
    assert.equal(value[0], 100 * round, `${ctx}: Bcast_init`);
    assert.deepEqual([...sum], [0, 0].fill((round * size * (size - 1)) / 2), `${ctx}: Allreduce_init SUM`);
    assert.deepEqual([...max], [0, 0].fill(round * (size - 1)), `${ctx}: Allreduce_init MAX`);
    if (all) assert.deepEqual([...all], Array.from({ length: 2 * size }, (_, i) => Math.floor(i / 2) * round), `${ctx}: Gather_init`);
    if (total) assert.deepEqual([...total], [...sum], `${ctx}: Reduce_init`);
    assert.deepEqual([...spread], Array.from({ length: size }, (_, j) => 100 * j + rank + round), `${ctx}: Alltoall_init IN_PLACE`);
  }
  for (const r of requests) r.Free();
}

/** A round in flight while Create_group (its tag 0) makes a communicator of the same ranks: neither takes the other's messages. */
function besideCreateGroup(comm: MPI.Comm): void {
  const value = new Int32Array(1), root = comm.size - 1;
  const request = comm.Bcast_init(value, root);
  for (let round = 1; round <= 2; round++) {
    if (comm.rank === root) value[0] = 10 * round;
    // The root's round goes out before its Create_group's messages; the others make the group first.
    if (comm.rank === root) request.Start();
    const again = comm.Create_group(comm.Get_group());
    if (comm.rank !== root) request.Start();
    assert.equal(again.Get_size(), comm.size);
    request.Wait();
    assert.equal(value[0], 10 * round, `rank ${comm.rank}: Bcast_init beside Create_group, round ${round}`);
    again.Free();
  }
  request.Free();
}

/**
 * One rank refuses its own arguments at an init that the others' succeed (a recvbuf too small): its later inits still
 * pair with theirs, as MPI pairs them by order. Where the rounds run in software, the refusing rank takes the
 * refused init's tag too; an MPI library pairs the inits its ranks made, and a rank that made none is out of step.
 */
function refusedAtOneRank(comm: MPI.Comm): void {
  const software = ["local", "self"].includes(MPI.Get_library_version().split(" ")[1] ?? "");
  if (!software || comm.size < 2) return;
  const refuser = comm.size - 1, mine = Float64Array.of(comm.rank + 1);
  if (comm.rank === refuser) expectError("ERR_TRUNCATE", () => comm.Allreduce_init(mine, new Float64Array(0), MPI.SUM));
  else comm.Allreduce_init(mine, new Float64Array(1), MPI.SUM).Free();
  // Nothing was sent: the collectives that follow take only their own messages.
  assert.equal(comm.allreduce(comm.rank), (comm.size * (comm.size - 1)) / 2);
  const sum = new Float64Array(1), request = comm.Allreduce_init(mine, sum, MPI.SUM);
  request.Start();
  request.Wait();
  assert.equal(sum[0], (comm.size * (comm.size + 1)) / 2, `rank ${comm.rank}: the init after one rank's refused one`);
  request.Free();
}

for (const [label, comm] of comms) {
  refusedAtOneRank(comm);
  besideCreateGroup(comm); // (first: its request takes the first persistent tag, which Create_group's tag 0 once was)
  await rounds(label, comm);
  lifecycle(comm);
  mixedWithPointToPoint(comm);
  startedInOtherOrders(comm);
}
world.Barrier();
