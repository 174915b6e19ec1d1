// sizes: 1 2 3 4 8 16
/**
 * Point-to-point on values and buffers, on COMM_WORLD, a Dup, a Split and COMM_SELF: every call of API.md's
 * point-to-point table, Status, Request helpers, PROC_NULL, wildcards, ordering, cancel, await, and the errors.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const comms: [string, MPI.Comm][] = [
  ["COMM_WORLD", world],
  ["Dup", world.Dup()],
  ["Split", world.Split(world.rank % 2, -world.rank)],
  ["COMM_SELF", MPI.COMM_SELF],
];

const SAMPLE_VALUES: unknown[] = [
  42, -0, 3.25, NaN, "hé ✓ 𝄞", "", true, null, undefined, 12345678901234567890n,
  [1, 2.5, 3], { a: 1, b: [1, { c: "x" }], d: null }, new Map<unknown, unknown>([[1, "a"], ["k", [2]]]),
  new Set([1, "two"]), new Date(86400000), /ab+c/gi, new Float32Array([1.5, -2]), new BigInt64Array([-5n]),
  new Uint8Array(300_000).fill(7), "x".repeat(1 << 20), Array.from({ length: 1000 }, (_, i) => i * 0.5),
];

for (const [label, comm] of comms) {
  const rank = comm.rank;
  const size = comm.size;
  const next = (rank + 1) % size;
  const prev = (rank - 1 + size) % size;
  const ctx = (what: string) => `${label} rank ${rank}/${size}: ${what}`;

  // values: every kind, sent around the ring with sendrecv and with isend/recv
  for (const [i, value] of SAMPLE_VALUES.entries()) {
    const status = new MPI.Status();
    const got = comm.sendrecv(value, next, i, prev, i, status);
    assert.deepEqual(got, value, ctx(`sendrecv of sample ${i}`));
    assert.equal(status.Get_source(), prev);
    assert.equal(status.Get_tag(), i);
    assert.ok(status.Get_count() > 0);
  }
  {
    const r = comm.isend({ from: rank }, next, 7);
    assert.deepEqual(comm.recv(prev, 7), { from: prev }, ctx("isend/recv"));
    r.wait();
  }

  // buffers: every typed array type, views, DataView and ArrayBuffer, received in place
  const types = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
  for (const T of types) {
    const out = new T(10).map((_, i) => rank * 10 + i);
    const into = new T(10);
    const status = new MPI.Status();
    comm.Sendrecv(out, next, 3, into, prev, 3, status);
    assert.deepEqual(Array.from(into), Array.from(new T(10).map((_, i) => prev * 10 + i)), ctx(`Sendrecv ${T.name}`));
    // as in mpi4py: no datatype counts bytes, a datatype counts its items
    assert.equal(status.Get_count(), 10 * T.BYTES_PER_ELEMENT);
    assert.equal(status.count, 10 * T.BYTES_PER_ELEMENT);
    assert.equal(status.Get_count(MPI.BYTE), 10 * T.BYTES_PER_ELEMENT);
  }
  {
    const out = new BigUint64Array([BigInt(rank), 2n ** 63n]);
    const into = new BigUint64Array(2);
    comm.Sendrecv(out, next, 4, into, prev, 4);
    assert.deepEqual(into, new BigUint64Array([BigInt(prev), 2n ** 63n]));
    // a subarray view sends and receives only the view
    const big = new Float64Array(8).fill(-1);
    const source = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]).map((v) => v + rank * 100);
    comm.Sendrecv(source.subarray(2, 5), next, 5, big.subarray(4, 7), prev, 5);
    assert.deepEqual(Array.from(big), [-1, -1, -1, -1, 2 + prev * 100, 3 + prev * 100, 4 + prev * 100, -1]);
    // DataView and ArrayBuffer count as bytes
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, rank + 0.5);
    const ab = new ArrayBuffer(8);
    const status = new MPI.Status();
    comm.Sendrecv(dv, next, 6, ab, prev, 6, status);
    assert.equal(new DataView(ab).getFloat64(0), prev + 0.5);
    assert.equal(status.Get_count(), 8);
    // a large buffer (handed off rather than inline) arrives intact
    const large = new Int32Array(1 << 19).map((_, i) => i ^ rank);
    const largeIn = new Int32Array(1 << 19);
    comm.Sendrecv(large, next, 8, largeIn, prev, 8);
    assert.ok(largeIn.every((v, i) => v === (i ^ prev)), ctx("large Sendrecv"));
    // receive buffer larger than the message: only the message's bytes change, count says how many
    const roomy = new Int16Array(6).fill(9);
    comm.Sendrecv(new Int16Array([rank, rank]), next, 9, roomy, prev, 9, status);
    assert.deepEqual(Array.from(roomy), [prev, prev, 9, 9, 9, 9]);
    assert.equal(status.Get_count(MPI.SHORT), 2);
    assert.equal(status.Get_count(), 4);
    assert.equal(status.Get_elements(MPI.BYTE), 4);
    assert.equal(status.Get_count(MPI.INT), 1);
    assert.equal(status.Get_count(MPI.DOUBLE), MPI.UNDEFINED);
  }

  // Isend/Irecv with every Request helper
  {
    const inbox = Array.from({ length: 4 }, () => new Float64Array(3));
    const recvs = inbox.map((b, k) => comm.Irecv(b, prev, 20 + k));
    const sends = [0, 1, 2, 3].map((k) => comm.Isend(new Float64Array([rank, k, 0.5]), next, 20 + k));
    const statuses: MPI.Status[] = [];
    MPI.Request.waitall(recvs, statuses);
    MPI.Request.Waitall(sends);
    inbox.forEach((b, k) => assert.deepEqual(Array.from(b), [prev, k, 0.5], ctx(`Irecv ${k}`)));
    assert.deepEqual(statuses.map((s) => s.Get_tag()), [20, 21, 22, 23]);

    const values = [comm.irecv(prev, 30), comm.irecv(prev, 31)];
    comm.isend("a", next, 31).wait();
    comm.isend("b", next, 30).wait();
    const [index, first] = MPI.Request.waitany(values);
    assert.ok(index === 0 || index === 1);
    assert.equal(first, index === 0 ? "b" : "a");
    const rest = values[1 - index]!;
    assert.equal(rest.wait(), index === 0 ? "a" : "b");
    assert.equal(rest.wait(), index === 0 ? "a" : "b", "waiting twice returns the value again");

    const some = [comm.irecv(prev, 40), comm.irecv(prev, 41)];
    comm.send(40, next, 40);
    comm.send(41, next, 41);
    const [indices, got] = MPI.Request.waitsome(some);
    assert.ok(indices.length >= 1);
    indices.forEach((i, k) => assert.equal(got[k], 40 + i));
    some.forEach((r, i) => assert.equal(r.wait(), 40 + i));

    const t = comm.irecv(prev, 50);
    let [done] = t.test();
    comm.send({ t: 50 }, next, 50);
    let value: unknown;
    while (!done) [done, value] = t.test();
    assert.deepEqual(value ?? t.wait(), { t: 50 });

    const all = [comm.irecv(prev, 51), comm.irecv(prev, 52)];
    comm.send(51, next, 51);
    comm.send(52, next, 52);
    let result: [boolean, unknown[] | undefined] = [false, undefined];
    while (!result[0]) result = MPI.Request.testall(all);
    assert.deepEqual(result[1], [51, 52]);

    const anyOf = [comm.irecv(prev, 53)];
    comm.send(53, next, 53);
    let tested: [number, boolean, unknown] = [-1, false, undefined];
    while (!tested[1]) tested = MPI.Request.testany(anyOf);
    assert.deepEqual(tested, [0, true, 53]);
  }

  // awaiting a request does not block the event loop
  {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const pending = comm.irecv<string>(prev, 60);
    // every rank must send before it goes on to blocking calls, or its timer could never fire
    const sent = new Promise<void>((resolve) => setTimeout(() => { comm.send("late", next, 60); resolve(); }, 30));
    const [late] = await Promise.all([pending, sent]);
    assert.equal(late, "late");
    clearInterval(timer);
    assert.ok(ticks > 0, ctx("the event loop ran while awaiting"));
    const buf = new Int32Array(1);
    const r = comm.Irecv(buf, prev, 61);
    comm.Send(new Int32Array([rank]), next, 61);
    await r;
    assert.equal(buf[0], prev);
  }

  // wildcards and status; probe and iprobe
  {
    comm.send([rank, "w"], next, 70 + rank);
    const status = new MPI.Status();
    assert.equal(comm.probe(MPI.ANY_SOURCE, MPI.ANY_TAG, status), true);
    assert.equal(status.Get_source(), prev);
    assert.equal(status.Get_tag(), 70 + prev);
    assert.deepEqual(comm.recv({ source: MPI.ANY_SOURCE, tag: MPI.ANY_TAG }), [prev, "w"]);
    comm.Send(new Float32Array(5).fill(rank), next, 80);
    const probed = new MPI.Status();
    while (!comm.iprobe(prev, 80, probed)) { /* poll */ }
    const into = new Float32Array(probed.Get_count(4));
    comm.Recv(into, probed.Get_source(), probed.Get_tag());
    assert.deepEqual(Array.from(into), new Array(5).fill(prev));
    assert.equal(comm.iprobe(prev, 81), false);
  }

  // synchronous sends complete once matched
  {
    const r = comm.irecv(prev, 90);
    if (size === 1) {
      const s = comm.issend("sync", next, 90);
      assert.equal(r.wait(), "sync");
      s.wait();
    } else {
      comm.ssend("sync", next, 90);
      assert.equal(r.wait(), "sync");
    }
    const b = new Uint8Array(2);
    const rb = comm.Irecv(b, prev, 91);
    if (size === 1) comm.Issend(new Uint8Array([1, 2]), next, 91).wait();
    else comm.Ssend(new Uint8Array([1, 2]), next, 91);
    rb.wait();
    assert.deepEqual(Array.from(b), [1, 2]);
  }

  // PROC_NULL: completes at once, receives leave buffers alone
  {
    comm.send("nothing", MPI.PROC_NULL);
    comm.Send(new Int32Array(1), MPI.PROC_NULL, 5);
    const status = new MPI.Status();
    assert.equal(comm.recv(MPI.PROC_NULL, 3, status), undefined);
    assert.equal(status.Get_source(), MPI.PROC_NULL);
    assert.equal(status.Get_count(), 0);
    const untouched = new Int32Array([7]);
    comm.Recv(untouched, MPI.PROC_NULL);
    assert.equal(untouched[0], 7);
    assert.equal(comm.irecv(MPI.PROC_NULL).wait(), undefined);
    comm.isend(1, MPI.PROC_NULL).wait();
    assert.equal(comm.sendrecv("x", MPI.PROC_NULL, 0, MPI.PROC_NULL), undefined);
    assert.equal(comm.iprobe(MPI.PROC_NULL), true);
  }

  // non-overtaking: many messages, alternating tags, received with ANY_TAG and by tag
  {
    const n = 200;
    for (let i = 0; i < n; i++) comm.send(i, next, i % 2 === 0 ? 100 : 101);
    const evens: number[] = [];
    for (let i = 0; i < n / 2; i++) evens.push(comm.recv<number>(prev, 100));
    const rest: number[] = [];
    for (let i = 0; i < n / 2; i++) rest.push(comm.recv<number>(prev, MPI.ANY_TAG));
    assert.deepEqual(evens, Array.from({ length: n / 2 }, (_, i) => 2 * i));
    assert.deepEqual(rest, Array.from({ length: n / 2 }, (_, i) => 2 * i + 1));
  }

  // cancel: a receive that never matches can be cancelled
  {
    const r = comm.irecv(prev, 998); // nobody sends tag 998
    r.cancel();
    const status = new MPI.Status();
    assert.equal(r.wait(status), undefined);
    assert.equal(status.Is_cancelled(), true);
    comm.send("after cancel", next, 999);
    assert.equal(comm.recv(prev, 999), "after cancel", ctx("a cancelled receive does not take a later message"));
  }

  // errors: raised before anything is sent, and the job goes on
  {
    expectError("ERR_RANK", () => comm.send(1, size), new RegExp(`send on rank ${rank} of .*: dest ${size} is not in 0..${size - 1}`));
    expectError("ERR_RANK", () => comm.send(1, -5));
    expectError("ERR_RANK", () => comm.send(1, 1.5));
    expectError("ERR_RANK", () => comm.recv(size + 3), /source/);
    expectError("ERR_TAG", () => comm.send(1, next, -3), /tag -3/);
    expectError("ERR_TAG", () => comm.send(1, next, MPI.TAG_UB + 1));
    expectError("ERR_TAG", () => comm.Recv(new Int8Array(1), prev, -7));
    expectError("ERR_TYPE", () => comm.send({ run: () => 1 }, next), /function/);
    expectError("ERR_TYPE", () => comm.send([1, Symbol("s")], next), /symbol/);
    expectError("ERR_TYPE", () => comm.isend(() => 0, next));
    expectError("ERR_BUFFER", () => comm.Send([1, 2, 3] as unknown as Float64Array, next), /plain Array/);
    expectError("ERR_BUFFER", () => comm.Recv({} as unknown as Float64Array, prev));
    expectError("ERR_ARG", () => comm.recv(prev, 0, {} as MPI.Status));

    // too small a buffer: ERR_TRUNCATE, and the message is still there for a big enough one
    comm.Send(new Float64Array([1, 2, 3]), next, 200);
    expectError("ERR_TRUNCATE", () => comm.Recv(new Float64Array(2), prev, 200), /24 bytes/);
    const fits = new Float64Array(3);
    comm.Recv(fits, prev, 200);
    assert.deepEqual(Array.from(fits), [1, 2, 3]);
    // an Irecv that is too small fails at wait, and the message stays
    const small = comm.Irecv(new Int8Array(1), prev, 201);
    comm.Send(new Int8Array([5, 6]), next, 201);
    expectError("ERR_TRUNCATE", () => small.wait());
    const two = new Int8Array(2);
    comm.Recv(two, prev, 201);
    assert.deepEqual(Array.from(two), [5, 6]);
    // a value cannot land in a buffer (and vice versa); the message waits for the right receive
    comm.send({ v: 1 }, next, 202);
    expectError("ERR_TYPE", () => comm.Recv(new Uint8Array(100), prev, 202), /recv\(\)/);
    assert.deepEqual(comm.recv(prev, 202), { v: 1 });
    comm.Send(new Uint8Array([1]), next, 203);
    expectError("ERR_TYPE", () => comm.recv(prev, 203), /Recv/);
    comm.Recv(new Uint8Array(1), prev, 203);
  }
}

// freed communicators refuse use
{
  const dup = world.Dup();
  dup.Free();
  expectError("ERR_COMM", () => dup.send(1, 0), /freed/);
  expectError("ERR_COMM", () => MPI.COMM_NULL.recv(0), /COMM_NULL/);
  expectError("ERR_COMM", () => world.Free());
  const none = world.Split(MPI.UNDEFINED);
  assert.equal(none, MPI.COMM_NULL);
}

// messages on one communicator never match receives on another
{
  const dup = world.Dup();
  const next = (world.rank + 1) % world.size;
  const prev = (world.rank - 1 + world.size) % world.size;
  world.send("on world", next, 1);
  dup.send("on dup", next, 1);
  assert.equal(dup.recv(prev, 1), "on dup");
  assert.equal(world.recv(prev, 1), "on world");
}

// environment
{
  const t0 = MPI.Wtime();
  const t1 = MPI.Wtime();
  assert.ok(t1 >= t0 && MPI.Wtick() > 0 && MPI.Wtick() < 1e-3);
  assert.equal(typeof MPI.Get_processor_name(), "string");
  assert.ok(MPI.Get_processor_name().length > 0);
  const [major, minor] = MPI.Get_version();
  assert.ok(major >= 3 && minor >= 0);
  assert.match(MPI.Get_library_version(), /mpi4ts|MPI/);
  assert.equal(MPI.Is_initialized(), true);
  assert.equal(MPI.Is_finalized(), false);
}
