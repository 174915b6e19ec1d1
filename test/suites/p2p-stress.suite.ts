// sizes: 2 3 4 8 16 64
/**
 * Ordering and wildcard stress: every rank sends thousands of messages to pseudo-random destinations with
 * several tags; receivers take them with ANY_SOURCE/ANY_TAG, specific sources and specific tags, in mixed
 * order. Checks that nothing is lost, duplicated or reordered between any pair on any tag.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD.Dup();
const { rank, size } = comm;
const PER_RANK = size >= 32 ? 300 : 3000;
const TAGS = 3;

// A deterministic plan known to every rank: message k of rank s goes to dest(s, k) with tag tag(s, k).
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}
interface Plan { dest: number; tag: number; seq: number; big: boolean }
const plans: Plan[][] = Array.from({ length: size }, (_, s) => {
  const r = rng(1000 + s);
  const perPair = new Map<string, number>();
  return Array.from({ length: PER_RANK }, () => {
    const dest = Math.floor(r() * size);
    const tag = Math.floor(r() * TAGS);
    const key = `${dest}/${tag}`;
    const seq = perPair.get(key) ?? 0;
    perPair.set(key, seq + 1);
    return { dest, tag, seq, big: r() < 0.01 };
  });
});
const expected = new Map<string, number>(); // "source/tag" -> how many this rank gets
plans.forEach((list, s) => list.forEach((p) => {
  if (p.dest === rank) expected.set(`${s}/${p.tag}`, (expected.get(`${s}/${p.tag}`) ?? 0) + 1);
}));
const total = [...expected.values()].reduce((a, b) => a + b, 0);

// Send everything (values and buffers interleaved; a few large ones), receiving as we go so rings drain.
const nextSeq = new Map<string, number>();
let received = 0;
function take(source: number, tag: number): void {
  const status = new MPI.Status();
  const got = comm.recv<{ s: number; t: number; q: number; pad?: Uint8Array }>(source, tag, status);
  assert.equal(got.s, status.Get_source());
  assert.equal(got.t, status.Get_tag());
  const key = `${got.s}/${got.t}`;
  const want = nextSeq.get(key) ?? 0;
  assert.equal(got.q, want, `message ${key} out of order: got #${got.q}, expected #${want}`);
  if (got.pad) assert.ok(got.pad.length === 300_000 && got.pad[299_999] === (got.q & 0xff));
  nextSeq.set(key, want + 1);
  received++;
}
for (const [k, p] of plans[rank]!.entries()) {
  const message = { s: rank, t: p.tag, q: p.seq, ...(p.big ? { pad: new Uint8Array(300_000).fill(p.seq & 0xff) } : {}) };
  comm.send(message, p.dest, p.tag);
  if (k % 7 === 0 && comm.iprobe()) take(MPI.ANY_SOURCE, MPI.ANY_TAG);
}
// Drain the rest with a mix of selective and wildcard receives.
let turn = 0;
while (received < total) {
  const pending = [...expected.entries()].filter(([key, n]) => (nextSeq.get(key) ?? 0) < n);
  const [key] = pending[turn++ % pending.length]!;
  const [s, t] = key.split("/").map(Number) as [number, number];
  switch (turn % 3) {
    case 0: take(s, t); break;
    case 1: take(MPI.ANY_SOURCE, MPI.ANY_TAG); break;
    default: take(s, MPI.ANY_TAG);
  }
}
for (const [key, n] of expected) assert.equal(nextSeq.get(key) ?? 0, n, `all of ${key} arrived`);
// Everyone is done receiving before anyone checks for strays from slower ranks. The handshake runs on
// COMM_WORLD so that it can never be taken by the wildcard receives above.
const world = MPI.COMM_WORLD;
world.send("done", 0, 99);
if (rank === 0) {
  for (let i = 0; i < size; i++) world.recv(MPI.ANY_SOURCE, 99);
  for (let i = 1; i < size; i++) world.send("finish", i, 98);
} else {
  world.recv(0, 98);
}
assert.equal(comm.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG), false, "no duplicates");
