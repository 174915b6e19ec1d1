// sizes: 1 2 3 4
/**
 * Intercommunicators: Create_intercomm between the even and the odd ranks of COMM_WORLD (uneven groups at odd
 * sizes), remote size and group, point-to-point in remote ranks (values and buffers, blocking, nonblocking,
 * probes, ANY_SOURCE statuses), Dup's separate matching space, Merge's order for every combination of `high`,
 * the collectives with ROOT / PROC_NULL, refusals before anything is sent, three groups joined pairwise, Free
 * and Disconnect. On one rank: the refusal of a group that would be its own remote group.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;

if (size === 1) {
  expectError("ERR_ARG", () => MPI.COMM_SELF.Create_intercomm(0, world, 0, 1), /disjoint/);
  expectError("ERR_RANK", () => MPI.COMM_SELF.Create_intercomm(1, world, 0, 1), /localLeader 1/);
  assert.equal(world.Is_inter(), false);
} else {
  const color = rank % 2;
  const members = (c: number) => Array.from({ length: size }, (_, r) => r).filter((r) => r % 2 === c);
  const mine = members(color), theirs = members(1 - color);
  const local = world.Split(color, rank);
  // The leaders are world ranks 0 (evens) and 1 (odds).
  const inter = local.Create_intercomm(0, world, 1 - color, 7);

  assert.ok(inter instanceof MPI.Intercomm);
  assert.equal(inter.Is_inter(), true);
  assert.equal(inter.Is_intra(), false);
  assert.equal(inter.rank, local.rank);
  assert.equal(inter.size, mine.length);
  assert.equal(inter.Get_remote_size(), theirs.length);
  assert.deepEqual(inter.Get_group().Translate_ranks(), mine);
  assert.deepEqual(inter.Get_remote_group().Translate_ranks(), theirs);

  // Values: every rank sends to every remote rank; receives with ANY_SOURCE report remote ranks.
  for (let j = 0; j < theirs.length; j++) inter.send({ from: inter.rank, to: j, color }, j, 5);
  const seen = new Set<number>();
  for (let j = 0; j < theirs.length; j++) {
    const status = new MPI.Status();
    const got = inter.recv<{ from: number; to: number; color: number }>(MPI.ANY_SOURCE, 5, status);
    assert.equal(got.color, 1 - color);
    assert.equal(got.to, inter.rank);
    assert.equal(status.Get_source(), got.from, "the status names the sender's rank in the remote group");
    seen.add(got.from);
  }
  assert.equal(seen.size, theirs.length);

  // Buffers between partners (local rank i and remote rank i, where both exist), blocking and nonblocking.
  const partner = inter.rank < theirs.length ? inter.rank : MPI.PROC_NULL;
  const out = Int32Array.from([rank, rank * 10, rank * 100]);
  const into = new Int32Array(3);
  const request = inter.Irecv(into, partner, 9);
  inter.Send(out, partner, 9);
  await request;
  if (partner !== MPI.PROC_NULL) assert.deepEqual([...into], [theirs[partner]!, theirs[partner]! * 10, theirs[partner]! * 100]);
  if (partner !== MPI.PROC_NULL) {
    const sendRequest = inter.isend(`hello from ${rank}`, partner, 11);
    const status = new MPI.Status();
    inter.probe(partner, 11, status);
    assert.equal(status.Get_source(), partner);
    assert.equal(inter.recv(partner, 11), `hello from ${theirs[partner]}`);
    await sendRequest;
    assert.equal(inter.sendrecv(rank, partner, 12, partner, 12), theirs[partner]);
  }

  // Synchronous sends and matched probes.
  if (partner !== MPI.PROC_NULL) {
    const ss = inter.issend([rank], partner, 13);
    const status = new MPI.Status();
    const message = inter.mprobe(partner, 13, status);
    assert.equal(status.Get_source(), partner);
    assert.deepEqual(message.recv(), [theirs[partner]]);
    await ss;
  }

  // Persistent requests and buffered sends name remote ranks too.
  if (partner !== MPI.PROC_NULL) {
    const pout = new Float64Array(2), pin = new Float64Array(2);
    const psend = inter.Send_init(pout, partner, 14), precv = inter.Recv_init(pin, partner, 14);
    for (let round = 0; round < 3; round++) {
      pout.fill(rank + round / 10);
      const status = new MPI.Status();
      MPI.Prequest.Startall([precv, psend]);
      MPI.Request.Waitall([precv, psend], [status, new MPI.Status()]);
      assert.deepEqual([...pin], [theirs[partner]! + round / 10, theirs[partner]! + round / 10]);
      assert.equal(status.Get_source(), partner);
    }
    psend.Free();
    precv.Free();
    MPI.Attach_buffer(new Uint8Array(1024 + MPI.BSEND_OVERHEAD));
    inter.bsend({ buffered: rank }, partner, 15);
    assert.deepEqual(inter.recv(partner, 15), { buffered: theirs[partner] });
    MPI.Detach_buffer();
  }

  // A duplicate is a separate matching space over the same groups.
  const dup = inter.Dup();
  assert.ok(dup instanceof MPI.Intercomm);
  assert.equal(dup.Get_remote_size(), theirs.length);
  if (partner !== MPI.PROC_NULL) {
    inter.send("on the original", partner, 1);
    dup.send("on the duplicate", partner, 1);
    assert.equal(dup.recv(partner, 1), "on the duplicate");
    assert.equal(inter.recv(partner, 1), "on the original");
  }

  // Idup: nonblocking, an Intercomm of the same groups, usable once its request completes; its own matching space.
  const [idup, idupRequest] = inter.Idup();
  expectError("ERR_COMM", () => idup.Get_remote_size(), /not usable until its Idup request completes/);
  if (partner !== MPI.PROC_NULL) inter.send("sent while the Idup was pending", partner, 2);
  await idupRequest;
  assert.ok(idup instanceof MPI.Intercomm);
  assert.equal(idup.Get_remote_size(), theirs.length);
  assert.deepEqual(idup.allgather(rank), theirs);
  if (partner !== MPI.PROC_NULL) {
    idup.send("on the Idup", partner, 2);
    assert.equal(idup.recv(partner, 2), "on the Idup");
    assert.equal(inter.recv(partner, 2), "sent while the Idup was pending");
  }
  const [second, secondRequest] = idup.Idup();
  secondRequest.Wait();
  assert.equal(second.allreduce(1, MPI.SUM), theirs.length, "an Idup of an Idup");
  second.Free();
  idup.Free();

  // Dup_with_info and Clone are duplicates too.
  const withInfo = inter.Dup_with_info(new MPI.Info());
  const clone = inter.Clone();
  for (const d of [withInfo, clone]) {
    assert.ok(d instanceof MPI.Intercomm);
    assert.deepEqual(d.allgather(rank), theirs);
    d.Free();
  }

  // Merge: high false first; on a tie the group of the lower leader in the peer communicator (the evens).
  const evensFirst = [...members(0), ...members(1)], oddsFirst = [...members(1), ...members(0)];
  for (const [evensHigh, oddsHigh, order] of [[false, true, evensFirst], [true, false, oddsFirst], [false, false, evensFirst], [true, true, evensFirst]] as const) {
    const merged = inter.Merge(color === 0 ? evensHigh : oddsHigh);
    assert.equal(merged.Is_inter(), false);
    assert.equal(merged.size, size);
    assert.deepEqual(merged.Get_group().Translate_ranks(), order, `Merge(${evensHigh}/${oddsHigh})`);
    assert.equal(merged.allreduce(rank), (size * (size - 1)) / 2, "the merged communicator works");
    merged.Free();
  }

  // Collectives: the evens' rank 0 is the root, the odds name it as remote rank 0.
  inter.Barrier();
  const root = color === 0 ? (inter.rank === 0 ? MPI.ROOT : MPI.PROC_NULL) : 0;
  const b = inter.bcast(color === 0 && inter.rank === 0 ? { data: [1, 2, 3] } : null, root);
  if (color === 1) assert.deepEqual(b, { data: [1, 2, 3] });
  const g = inter.gather(rank * rank, root);
  if (root === MPI.ROOT) assert.deepEqual(g, members(1).map((r) => r * r));
  else assert.equal(g, null);
  const s = inter.scatter(root === MPI.ROOT ? members(1).map((r) => `for ${r}`) : null, root);
  if (color === 1) assert.equal(s, `for ${rank}`);
  const red = inter.reduce(rank, MPI.SUM, root);
  if (root === MPI.ROOT) assert.equal(red, members(1).reduce((a, r) => a + r, 0));
  else assert.equal(red, null);
  assert.deepEqual(inter.allgather(rank), theirs, "allgather gives the remote group's values");
  assert.equal(inter.allreduce(rank, MPI.MAX), Math.max(...theirs));
  assert.deepEqual(inter.alltoall(theirs.map((r) => `${rank}->${r}`)), theirs.map((r) => `${r}->${rank}`));

  // The same on buffers: Bcast, Gather, Scatter, Reduce, Allgather, Allreduce, Alltoall.
  const nr = theirs.length;
  const bb = Float64Array.from([root === MPI.ROOT ? 2.5 : 0, root === MPI.ROOT ? -1 : 0]);
  inter.Bcast(bb, root);
  if (color === 1) assert.deepEqual([...bb], [2.5, -1]);
  const gathered = new Int32Array(root === MPI.ROOT ? 2 * nr : 0);
  inter.Gather(Int32Array.from([rank, -rank]), root === MPI.ROOT ? gathered : null, root);
  if (root === MPI.ROOT) assert.deepEqual([...gathered], members(1).flatMap((r) => [r, -r]));
  const scattered = new Int16Array(2);
  inter.Scatter(root === MPI.ROOT ? Int16Array.from(members(1).flatMap((r) => [r, r + 1])) : null, scattered, root);
  if (color === 1) assert.deepEqual([...scattered], [rank, rank + 1]);
  const reduced = new Float64Array(2);
  inter.Reduce(Float64Array.from([rank, 1]), reduced, MPI.SUM, root);
  if (root === MPI.ROOT) assert.deepEqual([...reduced], [members(1).reduce((a, r) => a + r, 0), nr]);
  const everyone = new Uint8Array(nr);
  inter.Allgather(Uint8Array.of(rank), everyone);
  assert.deepEqual([...everyone], theirs);
  const maxed = new Int32Array(1);
  inter.Allreduce(Int32Array.of(rank), maxed, MPI.MAX);
  assert.equal(maxed[0], Math.max(...theirs));
  const crossed = new Int32Array(2 * nr);
  inter.Alltoall(Int32Array.from(theirs.flatMap((r) => [rank, r])), crossed);
  assert.deepEqual([...crossed], theirs.flatMap((r) => [r, rank]));
  // A datatype spec: every other element of the root's buffer, to the other group's contiguous buffer.
  const strided = new Int32Array(4);
  const vector = MPI.INT32_T.Create_vector(2, 1, 2).Commit();
  inter.Bcast(root === MPI.ROOT ? [Int32Array.of(7, 0, 8, 0), 1, vector] : color === 1 ? [strided, 1, vector] : strided, root);
  if (color === 1) assert.deepEqual([...strided], [7, 0, 8, 0]);
  vector.Free();

  // The v forms: remote rank j's block has j + 1 items, laid out backwards with a gap of one item.
  const layout = (n: number) => {
    const counts = Array.from({ length: n }, (_, j) => j + 1);
    const total = counts.reduce((a, c) => a + c, 0) + n;
    return { counts, total, displs: counts.map((_, j) => total - counts.slice(0, j + 1).reduce((a, c) => a + c, 0) - j - 1) };
  };
  const { counts, total, displs } = layout(nr);
  const expectV = (buf: Int32Array, value: (j: number, k: number) => number) => {
    const want = new Array<number>(total).fill(-9);
    counts.forEach((c, j) => { for (let k = 0; k < c; k++) want[displs[j]! + k] = value(j, k); });
    assert.deepEqual([...buf], want);
  };
  const myCount = inter.rank + 1;
  const vg = new Int32Array(total).fill(-9);
  inter.Gatherv(Int32Array.from({ length: myCount }, (_, k) => rank * 10 + k), root === MPI.ROOT ? [vg, counts, displs] : null, root);
  if (root === MPI.ROOT) expectV(vg, (j, k) => theirs[j]! * 10 + k);
  const vs = new Int32Array(myCount);
  const source = Int32Array.from({ length: total }, (_, i) => i);
  inter.Scatterv(root === MPI.ROOT ? [source, counts, displs] : null, vs, root);
  const rootLayout = layout(inter.size);
  if (color === 1) assert.deepEqual([...vs], [...source.subarray(rootLayout.displs[inter.rank]!, rootLayout.displs[inter.rank]! + myCount)]);
  const va = new Int32Array(total).fill(-9);
  inter.Allgatherv(Int32Array.from({ length: myCount }, () => rank), [va, counts, displs]);
  expectV(va, (j) => theirs[j]!);
  const vt = new Int32Array(total).fill(-9);
  const sendCounts = theirs.map(() => myCount);
  inter.Alltoallv([Int32Array.from({ length: myCount * nr }, (_, i) => rank * 100 + Math.floor(i / myCount)), sendCounts], [vt, counts, displs]);
  expectV(vt, (j) => theirs[j]! * 100 + inter.rank);

  // Nonblocking value collectives: all started before any completes (each group's rank 0 is its root in turn),
  // then a blocking exchange on COMM_WORLD while they are in flight, then their values.
  {
    const rootOf = (c: number) => (color === c ? (inter.rank === 0 ? MPI.ROOT : MPI.PROC_NULL) : 0);
    const barrier = inter.ibarrier();
    const bcastFromEvens = inter.ibcast(color === 0 ? { from: "evens" } : null, rootOf(0));
    const bcastFromOdds = inter.ibcast(color === 1 ? { from: "odds" } : null, rootOf(1));
    const scatter = inter.iscatter(color === 0 && inter.rank === 0 ? theirs.map((w) => `for world ${w}`) : null, rootOf(0));
    const gather = inter.igather({ world: rank }, rootOf(1));
    const reduce = inter.ireduce(rank, MPI.SUM, rootOf(0));
    const allgather = inter.iallgather(rank);
    const allreduce = inter.iallreduce(rank, MPI.MAX);
    const alltoall = inter.ialltoall(theirs.map((w) => `${rank}->${w}`));
    assert.equal(world.allreduce(1, MPI.SUM), size, "a blocking collective while they are in flight");
    await barrier;
    assert.deepEqual(await bcastFromEvens, color === 1 ? { from: "evens" } : color === 0 && inter.rank === 0 ? { from: "evens" } : undefined);
    assert.deepEqual(await bcastFromOdds, color === 0 ? { from: "odds" } : inter.rank === 0 ? { from: "odds" } : undefined);
    if (color === 1) assert.equal(await scatter, `for world ${rank}`);
    else await scatter;
    assert.deepEqual(await gather, color === 1 && inter.rank === 0 ? theirs.map((w) => ({ world: w })) : null);
    assert.equal(await reduce, color === 0 && inter.rank === 0 ? theirs.reduce((a, b) => a + b, 0) : null);
    assert.deepEqual(await allgather, theirs);
    assert.equal(await allreduce, Math.max(...theirs));
    assert.deepEqual(await alltoall, theirs.map((w) => `${w}->${rank}`));
    // The root's refusal (a list of the wrong length) reaches the other group's requests.
    const bad = () => inter.iscatter(color === 0 && inter.rank === 0 ? [1] : null, rootOf(0));
    const wrongLength = members(1).length !== 1;
    if (color === 0 && inter.rank === 0) {
      if (wrongLength) expectError("ERR_ARG", bad, /array of \d+ values/);
      else await bad();
    } else if (color === 1) {
      if (wrongLength) await assert.rejects(async () => { await bad(); }, /the root refused its arguments/);
      else assert.equal(await bad(), 1);
    } else {
      await bad();
    }
    // A rank refusing its own list (ialltoall) fails its request at once, and the other group's with it.
    const refuser = color === 0 && inter.rank === 0;
    const list = refuser ? [] : theirs.map(() => 0);
    if (refuser && theirs.length > 0) expectError("ERR_ARG", () => inter.ialltoall(list), /seq must be an array/);
    else if (color === 1) await assert.rejects(async () => { await inter.ialltoall(list); }, /rank 0 of the remote group refused its arguments \(.*seq must be an array/);
    else await inter.ialltoall(list);
  }

  // Nonblocking buffer collectives: all started before any completes, a blocking exchange on COMM_WORLD while
  // they are in flight, then the same results as the blocking forms above.
  {
    const rootOf = (c: number) => (color === c ? (inter.rank === 0 ? MPI.ROOT : MPI.PROC_NULL) : 0);
    const bcastInto = Float64Array.from([root === MPI.ROOT ? 2.5 : 0, root === MPI.ROOT ? -1 : 0]);
    const ibcast = inter.Ibcast(bcastInto, root);
    const oddsBcast = new Int32Array(3);
    const ibcastOdds = inter.Ibcast(rootOf(1) === MPI.ROOT ? Int32Array.of(4, 5, 6) : oddsBcast, rootOf(1));
    const gatherInto = new Int32Array(root === MPI.ROOT ? 2 * nr : 0);
    const igather = inter.Igather(Int32Array.from([rank, -rank]), root === MPI.ROOT ? gatherInto : null, root);
    const scatterInto = new Int16Array(2);
    const iscatter = inter.Iscatter(root === MPI.ROOT ? Int16Array.from(members(1).flatMap((r) => [r, r + 1])) : null, scatterInto, root);
    const reduceInto = new Float64Array(2);
    const ireduce = inter.Ireduce(Float64Array.from([rank, 1]), root === MPI.ROOT ? reduceInto : null, MPI.SUM, root);
    const allgatherInto = new Uint8Array(nr);
    const iallgather = inter.Iallgather(Uint8Array.of(rank), allgatherInto);
    const allreduceInto = new Int32Array(2);
    const iallreduce = inter.Iallreduce(Int32Array.of(rank, -rank), allreduceInto, MPI.MAX);
    const alltoallInto = new Int32Array(2 * nr);
    const ialltoall = inter.Ialltoall(Int32Array.from(theirs.flatMap((r) => [rank, r])), alltoallInto);
    const vg = new Int32Array(total).fill(-9);
    const igatherv = inter.Igatherv(Int32Array.from({ length: myCount }, (_, k) => rank * 10 + k), root === MPI.ROOT ? [vg, counts, displs] : null, root);
    const vs = new Int32Array(myCount);
    const source = Int32Array.from({ length: total }, (_, i) => i);
    const iscatterv = inter.Iscatterv(root === MPI.ROOT ? [source, counts, displs] : null, vs, root);
    const va = new Int32Array(total).fill(-9);
    const iallgatherv = inter.Iallgatherv(Int32Array.from({ length: myCount }, () => rank), [va, counts, displs]);
    const vt = new Int32Array(total).fill(-9);
    const ialltoallv = inter.Ialltoallv([Int32Array.from({ length: myCount * nr }, (_, i) => rank * 100 + Math.floor(i / myCount)), theirs.map(() => myCount)], [vt, counts, displs]);
    assert.equal(world.allreduce(1, MPI.SUM), size, "a blocking collective while they are in flight");
    await MPI.Request.Waitall([ibcast, ibcastOdds, igather, iscatter, ireduce, iallgather, iallreduce, ialltoall, igatherv, iscatterv, iallgatherv, ialltoallv]);
    if (color === 1) assert.deepEqual([...bcastInto], [2.5, -1]);
    if (color === 0) assert.deepEqual([...oddsBcast], [4, 5, 6]);
    if (root === MPI.ROOT) assert.deepEqual([...gatherInto], members(1).flatMap((r) => [r, -r]));
    if (color === 1) assert.deepEqual([...scatterInto], [rank, rank + 1]);
    if (root === MPI.ROOT) assert.deepEqual([...reduceInto], [members(1).reduce((a, r) => a + r, 0), nr]);
    assert.deepEqual([...allgatherInto], theirs);
    assert.deepEqual([...allreduceInto], [Math.max(...theirs), 0 - Math.min(...theirs) || 0]);
    assert.deepEqual([...alltoallInto], theirs.flatMap((r) => [r, rank]));
    if (root === MPI.ROOT) expectV(vg, (j, k) => theirs[j]! * 10 + k);
    const rootLayout = layout(inter.size);
    if (color === 1) assert.deepEqual([...vs], [...source.subarray(rootLayout.displs[inter.rank]!, rootLayout.displs[inter.rank]! + myCount)]);
    expectV(va, (j) => theirs[j]!);
    expectV(vt, (j) => theirs[j]! * 100 + inter.rank);

    // The root's refusal (a plain array for a buffer) fails the other group's requests with it.
    const notABuffer = [1, 2] as unknown as Int16Array;
    if (root === MPI.ROOT) expectError("ERR_BUFFER", () => inter.Iscatter(notABuffer, new Int16Array(2), root), /typed array/);
    else if (color === 1) await assert.rejects(async () => { await inter.Iscatter(null, new Int16Array(2), root); }, /the root refused its arguments/);
    else await inter.Iscatter(null, new Int16Array(2), root);
    // A receive buffer of the wrong size is ERR_COUNT on the rank that has it; the others complete.
    const short = color === 1 && inter.rank === 0;
    const request = inter.Ibcast(root === MPI.ROOT ? new Float64Array(2) : new Float64Array(short ? 1 : 2), root);
    if (short) await assert.rejects(async () => { await request; }, (e: unknown) => e instanceof MPI.MPIError && e.errorClass === "ERR_COUNT" && /sent 16 bytes where this rank expects 8/.test(e.message));
    else await request;
    // A reduction's operands must be plain typed arrays an op can reduce: refused on the rank, and the other
    // group's requests fail with it.
    if (color === 0 && inter.rank === 0) expectError("ERR_OP", () => inter.Iallreduce(Float64Array.of(1), new Float64Array(1), MPI.BAND), /integer types/);
    else if (color === 1) await assert.rejects(async () => { await inter.Iallreduce(Float64Array.of(1), new Float64Array(1), MPI.SUM); }, /rank 0 of the remote group refused its arguments/);
    else await inter.Iallreduce(Float64Array.of(1), new Float64Array(1), MPI.SUM);
  }

  // Reduce_scatter_block: both groups reduce vectors of one length L; the other group's reduction is scattered
  // over this group, L / (this group's size) elements each.
  {
    const length = 2 * mine.length * theirs.length, rc = length / mine.length;
    const sendbuf = Int32Array.from({ length }, (_, e) => rank * 1000 + e);
    const want = Array.from({ length: rc }, (_, k) => theirs.reduce((a, w) => a + w * 1000 + inter.rank * rc + k, 0));
    const blocking = new Int32Array(rc);
    inter.Reduce_scatter_block(sendbuf, blocking, MPI.SUM);
    assert.deepEqual([...blocking], want);
    const nonblocking = new Int32Array(rc);
    await inter.Ireduce_scatter_block(sendbuf, nonblocking, MPI.SUM);
    assert.deepEqual([...nonblocking], want);
    const persistent = new Int32Array(rc);
    const request = inter.Reduce_scatter_block_init(sendbuf, persistent, MPI.SUM);
    request.Start();
    await request;
    request.Free();
    assert.deepEqual([...persistent], want);
    // A rank whose buffers do not fit refuses (ERR_COUNT); the other group fails with it.
    const refuser = color === 0 && inter.rank === 0;
    const attempt = () => inter.Reduce_scatter_block(sendbuf, new Int32Array(refuser ? rc + 1 : rc), MPI.SUM);
    if (refuser) expectError("ERR_COUNT", attempt, /one block per remote rank/);
    else if (color === 1) expectError("ERR_COUNT", attempt, /rank 0 of the remote group refused its arguments/);
    else attempt();
  }

  // Reduce_scatter: this group's counts (rank i gets i + 1 elements) say how the other group's reduction is split.
  {
    const myCounts = mine.map((_, i) => i + 1), theirCounts = theirs.map((_, i) => i + 1);
    const vectorLength = theirCounts.reduce((a, c) => a + c, 0); // what the other group's counts add up to
    const sendbuf = Float64Array.from({ length: vectorLength }, (_, e) => rank + e / 2);
    const start = myCounts.slice(0, inter.rank).reduce((a, c) => a + c, 0);
    const want = Array.from({ length: inter.rank + 1 }, (_, k) => theirs.reduce((a, w) => a + w + (start + k) / 2, 0));
    const blocking = new Float64Array(inter.rank + 1);
    inter.Reduce_scatter(sendbuf, blocking, myCounts, MPI.SUM);
    assert.deepEqual([...blocking], want);
    const nonblocking = new Float64Array(inter.rank + 1);
    await inter.Ireduce_scatter(sendbuf, nonblocking, myCounts, MPI.SUM);
    assert.deepEqual([...nonblocking], want);
    // Every rank refuses (its recvbuf does not hold its count) and throws its own error at once.
    expectError("ERR_COUNT", () => inter.Ireduce_scatter(sendbuf, new Float64Array(inter.rank + 1), mine.map(() => 5), MPI.SUM), /recvbuf has/);
    expectError("ERR_COUNT", () => inter.Reduce_scatter(sendbuf, blocking, [...myCounts, 1], MPI.SUM), /counts must be an array/);
  }

  // Alltoallw: block j, two INT32s at byte displacement 8j, to and from remote rank j (blocking and nonblocking).
  {
    const spec = (buf: Int32Array) => [buf, theirs.map(() => 2), theirs.map((_, j) => 8 * j), MPI.INT32_T] as const;
    const sendbuf = Int32Array.from(theirs.flatMap((w) => [rank, w]));
    for (const nonblocking of [false, true]) {
      const recvbuf = new Int32Array(2 * theirs.length);
      if (nonblocking) await inter.Ialltoallw(spec(sendbuf), spec(recvbuf));
      else inter.Alltoallw(spec(sendbuf), spec(recvbuf));
      assert.deepEqual([...recvbuf], theirs.flatMap((w) => [w, rank]));
    }
    // Every rank refuses (one count too many) and throws its own error.
    expectError("ERR_COUNT", () => inter.Alltoallw([sendbuf, [...theirs.map(() => 2), 2], null, MPI.INT32_T], spec(new Int32Array(2 * theirs.length))), /not one per rank/);
  }

  // Persistent collectives: each Start runs a round on the buffers' current contents.
  {
    const bcastBuf = new Int32Array(2);
    const bcast = inter.Bcast_init(bcastBuf, root);
    const sendbuf = new Float64Array(1), sum = new Float64Array(1);
    const allreduce = inter.Allreduce_init(sendbuf, sum, MPI.SUM);
    const gatherInto = new Int32Array(root === MPI.ROOT ? nr : 0);
    const gather = inter.Gather_init(Int32Array.of(rank), root === MPI.ROOT ? gatherInto : null, root);
    const barrier = inter.Barrier_init();
    for (let round = 1; round <= 3; round++) {
      if (root === MPI.ROOT) bcastBuf.set([round, -round]);
      sendbuf[0] = rank * round;
      MPI.Prequest.Startall([bcast, allreduce, gather, barrier]);
      await MPI.Request.Waitall([bcast, allreduce, gather, barrier]);
      if (color === 1) assert.deepEqual([...bcastBuf], [round, -round]);
      assert.equal(sum[0], theirs.reduce((a, w) => a + w * round, 0));
      if (root === MPI.ROOT) assert.deepEqual([...gatherInto], theirs);
    }
    // MPI-4 matches them by their inits: one group starts them in init order, the other in reverse, with a
    // nonblocking collective between the starts (matched by its own order).
    for (let round = 1; round <= 2; round++) {
      if (root === MPI.ROOT) bcastBuf.set([10 * round, 0]);
      sendbuf[0] = rank + round;
      const order = [bcast, allreduce, gather, barrier];
      if (color === 1) order.reverse();
      for (const [i, request] of order.entries()) {
        request.Start();
        if (i === 1) await inter.Ibarrier();
      }
      await MPI.Request.Waitall(order);
      if (color === 1) assert.deepEqual([...bcastBuf], [10 * round, 0], `started in other orders, round ${round}`);
      assert.equal(sum[0], theirs.reduce((a, w) => a + w + round, 0), `started in other orders, round ${round}`);
      if (root === MPI.ROOT) assert.deepEqual([...gatherInto], theirs);
    }
    for (const request of [bcast, allreduce, gather, barrier]) request.Free();
    // An init refused for its root still takes its place: the next init pairs with the others' next one.
    if (color === 0 && rank === 0) expectError("ERR_ROOT", () => inter.Bcast_init(bcastBuf, theirs.length), /MPI.ROOT/);
    else inter.Bcast_init(bcastBuf, root).Free();
    const after = inter.Allreduce_init(sendbuf, sum, MPI.SUM);
    sendbuf[0] = rank;
    after.Start();
    await after;
    assert.equal(sum[0], theirs.reduce((a, w) => a + w, 0), "the init after a refused one");
    after.Free();
  }

  // Refusals, before anything is sent.
  expectError("ERR_RANK", () => inter.send(1, theirs.length), /remote group/);
  expectError("ERR_RANK", () => inter.recv(theirs.length), /remote group/);
  expectError("ERR_ROOT", () => inter.bcast(1, theirs.length), /MPI.ROOT/);
  expectError("ERR_COMM", () => inter.Scan(new Int32Array(1), new Int32Array(1)), /intercommunicator/);
  expectError("ERR_BUFFER", () => inter.Allreduce([new Int32Array(1), MPI.INT32_T], new Int32Array(1)), /plain typed array/);

  // Split: the ranks of each color in both groups, ordered by key (here backwards), make one intercommunicator;
  // a color only one group has gives COMM_NULL. Colors: one for all, then world rank % 3.
  for (const hue of [() => 7, (r: number) => r % 3]) {
    const ordered = (ranks: number[]) => ranks.filter((r) => hue(r) === hue(rank)).reverse();
    const localColored = ordered(mine), remoteColored = ordered(theirs);
    const sub = inter.Split(hue(rank), -inter.rank) as MPI.Intercomm;
    if (remoteColored.length === 0) assert.equal(sub, MPI.COMM_NULL);
    else {
      assert.ok(sub instanceof MPI.Intercomm);
      assert.deepEqual(sub.Get_group().Translate_ranks(), localColored);
      assert.deepEqual(sub.Get_remote_group().Translate_ranks(), remoteColored);
      assert.equal(sub.rank, localColored.indexOf(rank));
      // Remote ranks are the remote colored ranks, in their new order, for point-to-point and collectives.
      for (let j = 0; j < remoteColored.length; j++) sub.send(rank, j, 3);
      assert.deepEqual(remoteColored.map((_, j) => sub.recv(j, 3)), remoteColored);
      assert.equal(sub.allreduce(rank), remoteColored.reduce((a, r) => a + r, 0));
      assert.deepEqual(sub.Merge(color === 1).allgather(rank), color === 0 ? [...localColored, ...remoteColored] : [...remoteColored, ...localColored]);
      sub.Free();
    }
  }
  // UNDEFINED (here local rank 0 of each group) gives COMM_NULL; so does a refused color, on the refusing rank
  // (which takes part as UNDEFINED) while the others go on.
  {
    const undefinedAt = (r: number) => members(r % 2).indexOf(r) === 0;
    const joined = (ranks: number[]) => ranks.filter((r) => !undefinedAt(r));
    const sub = inter.Split(inter.rank === 0 ? MPI.UNDEFINED : 4, inter.rank) as MPI.Intercomm;
    if (inter.rank === 0 || joined(theirs).length === 0) assert.equal(sub, MPI.COMM_NULL);
    else {
      assert.deepEqual(sub.Get_remote_group().Translate_ranks(), joined(theirs));
      assert.equal(sub.allreduce(1), joined(theirs).length);
      sub.Free();
    }
    const refusing = inter.rank === 0 && color === 1;
    if (refusing) expectError("ERR_ARG", () => inter.Split(-5), /color -5.*UNDEFINED/);
    else {
      const rest = inter.Split(0);
      if (theirs.length === 1 && color === 0) assert.equal(rest, MPI.COMM_NULL);
      else assert.equal((rest as MPI.Intercomm).Get_remote_size(), color === 0 ? theirs.length - 1 : theirs.length);
      if (rest !== MPI.COMM_NULL) rest.Free();
    }
  }
  // Create: the leaders of both groups; a bad or differing group is refused on every rank of both groups.
  {
    const leaders = inter.Create(inter.Get_group().Incl([0]));
    if (inter.rank === 0) {
      assert.deepEqual((leaders as MPI.Intercomm).Get_remote_group().Translate_ranks(), [theirs[0]]);
      assert.equal(leaders.sendrecv(rank, 0, 2, 0, 2), theirs[0]);
      leaders.Free();
    } else assert.equal(leaders, MPI.COMM_NULL);
    const badAt = color === 1 && inter.rank === inter.size - 1;
    expectError("ERR_GROUP", () => inter.Create(badAt ? ("all" as unknown as MPI.Group) : inter.Get_group()), badAt ? /must be an MPI.Group/ : /refused its group/);
    if (size >= 3) expectError("ERR_GROUP", () => inter.Create(inter.Get_group().Incl([inter.rank])), /passed different groups/); // the evens have 2 ranks
    expectError("ERR_GROUP", () => inter.Create(world.Get_group()), /not in the local group/);
  }
  // One rank refusing its `high` (or a group disagreeing) refuses the Merge on every rank of both groups.
  expectError("ERR_ARG", () => inter.Merge((color === 0 && inter.rank === 0 ? "yes" : false) as unknown as boolean), /high/);
  if (size >= 3) expectError("ERR_ARG", () => inter.Merge(color === 0 && inter.rank === 1), /different/); // the evens have 2 ranks
  expectError("ERR_RANK", () => local.Create_intercomm(local.size, world, 0, 7), /localLeader/);
  // A leader's refusal reaches its whole group: no member waits for it.
  expectError("ERR_ARG", () => local.Create_intercomm(0, world, 1 - color, -1), /tag -1/);
  expectError("ERR_ARG", () => local.Create_intercomm(0, world, world.rank, 8), /disjoint/);
  if (color === 0 && inter.rank === 0) assert.equal(inter.scatter([1], MPI.PROC_NULL), undefined);
  // The root's own refusals reach the other group, which throws too instead of waiting for the data (the rest
  // of the root's group takes no part).
  let refusals: string[] = [];
  if (root === MPI.PROC_NULL) {
    assert.equal(inter.scatter([1], root), undefined);
    assert.equal(inter.bcast(1, root), undefined);
  } else {
    expectError("ERR_ARG", () => inter.scatter(root === MPI.ROOT ? [1, 2, 3, 4, 5, 6] : null, root), /array of|root refused/);
    expectError("ERR_TYPE", () => inter.bcast(root === MPI.ROOT ? { f: () => 1 } : null, root), /root refused|function|clone/i);
    // The buffer forms: a root's spec whose count overruns its buffer.
    const overrun = [new Int32Array(2), 99] as const;
    const refusedBy = (run: () => void) => {
      const thrown = (() => { try { run(); } catch (e) { return e; } return undefined; })();
      assert.ok(thrown instanceof MPI.MPIError, `expected MPIError, got ${String(thrown)}`);
      if (root !== MPI.ROOT) assert.match(thrown.message, /root refused/);
      return thrown.errorClass;
    };
    refusals = [
      refusedBy(() => inter.Bcast(root === MPI.ROOT ? overrun : new Int32Array(99), root)),
      refusedBy(() => inter.Scatter(root === MPI.ROOT ? overrun : null, new Int32Array(99), root)),
      refusedBy(() => inter.Scatterv(root === MPI.ROOT ? [new Int32Array(2), theirs.map(() => 99)] : null, new Int32Array(99), root)),
    ];
  }
  // Every rank of the other group threw the root's own error classes.
  const seenRefusals = inter.allgather(refusals);
  if (root === MPI.ROOT) assert.deepEqual(seenRefusals, theirs.map(() => refusals));
  if (color === 1) assert.deepEqual(seenRefusals[0], refusals);

  // Three groups, pairwise joined in an order free of cycles, each pair with its own tag (MPI's classic ring of
  // intercommunicators); the creations of different pairs overlap in time.
  if (size >= 3) {
    const third = rank % 3;
    const tri = world.Split(third, rank); // world rank g leads group g
    const pairs: [number, number, number][] = [[0, 1, 21], [1, 2, 22], [0, 2, 23]];
    for (const [a, b, tag] of pairs) {
      if (third !== a && third !== b) continue;
      const other = third === a ? b : a;
      const link = tri.Create_intercomm(0, world, other, tag);
      const remoteMembers = Array.from({ length: size }, (_, r) => r).filter((r) => r % 3 === other);
      assert.deepEqual(link.Get_remote_group().Translate_ranks(), remoteMembers, `link ${a}-${b}`);
      assert.equal(link.allreduce(1), remoteMembers.length);
      link.Free();
    }
    tri.Free();
  }

  dup.Disconnect();
  expectError("ERR_COMM", () => dup.send(1, 0), /freed/);
  inter.Free();
  expectError("ERR_COMM", () => inter.Get_remote_size(), /freed/);
  local.Free();
  world.Barrier();
}
