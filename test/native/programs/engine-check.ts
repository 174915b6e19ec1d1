/**
 * Exercises the mpi engine directly (the Engine seam, below the public API) on any number of ranks:
 *   mpirun -n 3 node --import tsx test/native/programs/engine-check.ts
 * Every rank checks what it received; a failed check throws, which aborts the job (non-zero exit).
 * Prints "engine-check ok <size>" on rank 0 when every rank passed.
 */
import assert from "node:assert/strict";
import { ANY_SOURCE, ANY_TAG } from "../../../src/constants.js";
import { BUFFER, STANDARD, SYNCHRONOUS, VALUE, type EngineComm, type Envelope, type EngineRequest } from "../../../src/engine/engine.js";
import { createMpiEngine } from "../../../src/native/engine.js";

const engine = createMpiEngine();
const world = engine.world;
const { rank, size } = world;
const next = (rank + 1) % size;
const prev = (rank + size - 1) % size;

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}
function into(holder: { buf?: Uint8Array }): (env: Envelope) => Uint8Array {
  return (env) => (holder.buf = new Uint8Array(env.byteLength));
}
function waitAll(reqs: EngineRequest[]): void {
  for (const r of reqs) r.wait();
  for (const r of reqs) assert.equal(r.error, undefined);
}

// ---- environment
assert.equal(engine.name, "mpi");
assert.match(engine.libraryVersion(), /Open MPI|MPICH/);
assert.ok(engine.processorName().length > 0);
const [major] = engine.version();
assert.ok(major >= 3);
assert.ok(Number.isFinite(engine.wtime()) && engine.wtick() > 0, `wtime ${engine.wtime()} wtick ${engine.wtick()}`);
assert.deepEqual([...world.worldRanks], Array.from({ length: size }, (_, i) => i));
assert.equal(engine.self.size, 1);
assert.deepEqual([...engine.self.worldRanks], [rank]);

// ---- point-to-point ring with both kinds; envelope reports kind, tag and source
{
  const got: { buf?: Uint8Array } = {};
  const r = world.irecv(into(got), prev, 7);
  world.send(bytes(rank, 1, 2), VALUE, next, 7, STANDARD);
  r.wait();
  assert.equal(r.error, undefined);
  assert.deepEqual(r.envelope, { source: prev, tag: 7, byteLength: 3, kind: VALUE });
  assert.deepEqual([...got.buf!], [prev, 1, 2]);

  const r2 = world.irecv(into(got), ANY_SOURCE, ANY_TAG);
  world.send(bytes(rank), BUFFER, next, 9, SYNCHRONOUS);
  r2.wait();
  assert.deepEqual(r2.envelope, { source: prev, tag: 9, byteLength: 1, kind: BUFFER });
}

// ---- a refused message stays receivable (sink throws), then is received by the next receive
if (size >= 2) {
  if (rank === 0) {
    world.send(bytes(1, 2, 3, 4), BUFFER, 1, 3, STANDARD);
    world.send(bytes(5), VALUE, 1, 4, STANDARD);
  } else if (rank === 1) {
    assert.throws(() => world.recv(() => new Uint8Array(2), 0, 3), /ERR_TRUNCATE|does not fit/);
    const pe = world.probe(0, 3);
    assert.equal(pe.byteLength, 4);
    const got: { buf?: Uint8Array } = {};
    const env = world.recv(into(got), 0, 3);
    assert.deepEqual([...got.buf!], [1, 2, 3, 4]);
    assert.equal(env.kind, BUFFER);
    const env2 = world.recv(into(got), 0, ANY_TAG);
    assert.equal(env2.kind, VALUE);
    assert.deepEqual([...got.buf!], [5]);
    // same through irecv: the refused receive fails, a later one succeeds
  }
  world.native!.barrier();
}

// ---- nonblocking receives match in posting order; probe/iprobe; large messages (rendezvous)
if (size >= 2) {
  if (rank === 0) {
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const reqs = [world.isend(bytes(1), BUFFER, 1, 5, STANDARD), world.isend(bytes(2), BUFFER, 1, 5, STANDARD), world.isend(big, BUFFER, 1, 6, STANDARD)];
    waitAll(reqs);
    const s = world.isend(bytes(3), VALUE, 1, 8, SYNCHRONOUS);
    s.wait();
    assert.equal(s.error, undefined);
  } else if (rank === 1) {
    const a: { buf?: Uint8Array } = {}, b: { buf?: Uint8Array } = {}, c: { buf?: Uint8Array } = {};
    const rb = world.irecv(into(c), 0, 6);
    const r1 = world.irecv(into(a), 0, ANY_TAG);
    const r2 = world.irecv(into(b), ANY_SOURCE, 5);
    // test the later one first: order must still hold
    while (!r2.test()) engine.waitForActivity();
    waitAll([r1, r2, rb]);
    assert.deepEqual([...a.buf!], [1]);
    assert.deepEqual([...b.buf!], [2]);
    assert.equal(c.buf!.length, 1 << 20);
    assert.ok(c.buf!.every((v, i) => v === (i & 0xff)));
    let e: Envelope | undefined;
    while (!(e = world.iprobe(0, 8))) engine.waitForActivity();
    assert.equal(e.kind, VALUE);
    const got: { buf?: Uint8Array } = {};
    world.recv(into(got), 0, 8);
    assert.deepEqual([...got.buf!], [3]);
    // a cancelled receive never matches
    const rc = world.irecv(into(got), 0, 99);
    rc.cancel();
    assert.ok(rc.cancelled && rc.test());
  }
  world.native!.barrier();
}

// ---- the internal channel never matches user receives
{
  world.internal.send(bytes(42), BUFFER, next, 0, STANDARD);
  assert.equal(world.iprobe(ANY_SOURCE, ANY_TAG), undefined);
  const got: { buf?: Uint8Array } = {};
  world.internal.recv(into(got), prev, 0);
  assert.deepEqual([...got.buf!], [42]);
}

// ---- collectives
function checkCollectives(comm: EngineComm): void {
  const n = comm.native!;
  const r = comm.rank, p = comm.size;
  n.barrier();
  const b = r === 0 ? bytes(9, 8, 7) : new Uint8Array(3);
  n.bcast(b, 0);
  assert.deepEqual([...b], [9, 8, 7]);
  // gatherv: rank i sends i+1 bytes of value i
  const counts = Array.from({ length: p }, (_, i) => i + 1);
  const displs = counts.map((_, i) => counts.slice(0, i).reduce((x, y) => x + y, 0));
  const total = counts.reduce((x, y) => x + y, 0);
  const mine = new Uint8Array(r + 1).fill(r);
  const g = r === 0 ? new Uint8Array(total) : null;
  n.gatherv(mine, g, r === 0 ? counts : null, r === 0 ? displs : null, 0);
  if (g) assert.deepEqual([...g], counts.flatMap((c, i) => Array(c).fill(i)));
  const ag = new Uint8Array(total);
  n.allgatherv(mine, ag, counts, displs);
  assert.deepEqual([...ag], counts.flatMap((c, i) => Array(c).fill(i)));
  const sc = new Uint8Array(r + 1);
  n.scatterv(r === 0 ? ag : null, r === 0 ? counts : null, r === 0 ? displs : null, sc, 0);
  assert.deepEqual([...sc], Array(r + 1).fill(r));
  // alltoallv: one byte to each: value r*16+dest
  const ones = Array(p).fill(1), seq = Array.from({ length: p }, (_, i) => i);
  const a2a = Uint8Array.from(seq, (d) => r * 16 + d);
  const out = new Uint8Array(p);
  n.alltoallv(a2a, ones, seq, out, ones, seq);
  assert.deepEqual([...out], seq.map((s) => s * 16 + r));
  // reductions on typed arrays
  const f = Float64Array.of(r, 1.5);
  const fr = new Float64Array(2);
  n.allreduce(f, fr, { builtin: "SUM" });
  assert.deepEqual([...fr], [(p * (p - 1)) / 2, 1.5 * p]);
  const bi = BigInt64Array.of(BigInt(r) - 5n);
  const bo = new BigInt64Array(1);
  n.allreduce(bi, bo, { builtin: "MIN" });
  assert.equal(bo[0], -5n);
  const inplace = Int32Array.of(r + 1);
  n.allreduce(null, inplace, { builtin: "PROD" });
  assert.equal(inplace[0], Array.from({ length: p }, (_, i) => i + 1).reduce((x, y) => x * y, 1));
  const red = r === 1 % p ? new Uint32Array(1) : null;
  n.reduce(Uint32Array.of(1 << r), red, { builtin: "BOR" }, 1 % p);
  if (red) assert.equal(red[0], (1 << p) - 1);
  const loc = Float64Array.of(r % 2 === 0 ? 10 : r, r);
  const locOut = new Float64Array(2);
  n.allreduce(loc, locOut, { builtin: "MAXLOC" });
  assert.deepEqual([...locOut], p > 10 ? [...locOut] : [10, 0]);
  const sc2 = new Int16Array(1);
  n.scan(Int16Array.of(1), sc2, { builtin: "SUM" });
  assert.equal(sc2[0], r + 1);
  const ex = Int16Array.of(-1);
  n.exscan(Int16Array.of(1), ex, { builtin: "SUM" });
  assert.equal(ex[0], r === 0 ? -1 : r);
  const rs = new Int32Array(2);
  n.reduceScatter(new Int32Array(2 * p).fill(1), rs, Array(p).fill(2), { builtin: "SUM" });
  assert.deepEqual([...rs], [p, p]);
  // a user op (associative, not commutative: "first" keeps the left operand): calls back into JS
  const first = { fn: (a: unknown, b: unknown) => { (b as Float32Array).set(a as Float32Array); }, commute: false };
  const uo = new Float32Array(2);
  n.allreduce(Float32Array.of(r + 1, -r), uo, first);
  assert.deepEqual([...uo], [1, -0]);
  // a throwing user op surfaces its error on the ranks that ran it
  let threw = 0;
  try {
    n.allreduce(Int8Array.of(1), new Int8Array(1), { fn: () => { throw new Error("boom in op"); }, commute: true });
  } catch (e) {
    assert.match(String((e as Error).message), /boom in op/);
    threw = 1;
  }
  const anyThrew = new Int32Array(1);
  n.allreduce(Int32Array.of(threw), anyThrew, { builtin: "MAX" });
  assert.equal(anyThrew[0], p > 1 ? 1 : 0);
  // nonblocking collectives
  const reqs: EngineRequest[] = [];
  reqs.push(n.ibarrier());
  const ib = r === 0 ? bytes(4, 5) : new Uint8Array(2);
  reqs.push(n.ibcast(ib, 0));
  const ia = new Float64Array(1);
  reqs.push(n.iallreduce(Float64Array.of(2), ia, { builtin: "SUM" }));
  const iu = new Int32Array(1);
  reqs.push(n.iallreduce(Int32Array.of(r), iu, { fn: (a: unknown, b: unknown) => { (b as Int32Array)[0] = Math.max((a as Int32Array)[0]!, (b as Int32Array)[0]!); }, commute: true }));
  const ir = r === 0 ? new Float64Array(1) : null;
  reqs.push(n.ireduce(Float64Array.of(1), ir, { builtin: "SUM" }, 0));
  const ig = r === 0 ? new Uint8Array(total) : null;
  reqs.push(n.igatherv(mine, ig, r === 0 ? counts : null, r === 0 ? displs : null, 0));
  const isc = new Uint8Array(r + 1);
  reqs.push(n.iscatterv(r === 0 ? ag : null, r === 0 ? counts : null, r === 0 ? displs : null, isc, 0));
  const iag = new Uint8Array(total);
  reqs.push(n.iallgatherv(mine, iag, counts, displs));
  const ia2a = new Uint8Array(p);
  reqs.push(n.ialltoallv(a2a, ones, seq, ia2a, ones, seq));
  for (let k = 0; ; k++) {
    if (reqs.every((q) => q.test())) break;
    engine.waitForActivity();
  }
  for (const q of reqs) assert.equal(q.error, undefined);
  assert.deepEqual([...ib], [4, 5]);
  assert.equal(ia[0], 2 * p);
  assert.equal(iu[0], p - 1);
  if (ir) assert.equal(ir[0], p);
  if (ig) assert.deepEqual([...ig], [...ag]);
  assert.deepEqual([...isc], [...sc]);
  assert.deepEqual([...iag], [...ag]);
  assert.deepEqual([...ia2a], [...out]);
}
checkCollectives(world);

// ---- communicators
const dup = world.dup();
assert.equal(dup.size, size);
checkCollectives(dup);
const half = world.split(rank % 2, -rank);
assert.ok(half);
assert.deepEqual([...half.worldRanks], Array.from({ length: size }, (_, i) => i).filter((i) => i % 2 === rank % 2).reverse());
checkCollectives(half);
const none = world.split(rank === 0 ? -1 : 0, 0);
assert.equal(none === null, rank === 0);
const evens = Array.from({ length: size }, (_, i) => i).filter((i) => i % 2 === 0).reverse();
const created = world.create(evens);
assert.equal(created === null, rank % 2 === 1);
if (created) {
  assert.deepEqual([...created.worldRanks], evens);
  assert.equal(created.rank, evens.indexOf(rank));
  checkCollectives(created);
  created.free();
}
half.free();
none?.free();
dup.free();

// ---- awaitable activity does not block the event loop: the message comes from our own timer
{
  const got: { buf?: Uint8Array } = {};
  const r = world.irecv(into(got), rank, 77);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  setTimeout(() => world.send(bytes(rank), BUFFER, rank, 77, STANDARD), 10);
  while (!r.test()) await engine.activity(100);
  clearInterval(ticker);
  assert.ok(ticks >= 1, `event loop ran while waiting (${ticks} ticks)`);
  assert.deepEqual([...got.buf!], [rank]);
}

world.native!.barrier();
if (rank === 0) console.log(`engine-check ok ${size}`);
