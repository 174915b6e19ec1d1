// sizes: 2 3 4
/**
 * Issue 9 regressions, each on every engine: explicit tags are never dropped, a refused sendrecv sends nothing,
 * a Split refused by one rank does not hang the others, buffer collectives count whole elements, and detached
 * buffers are ERR_BUFFER before anything moves.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;

// recv({ source }, tag): an options object next to a tag is refused; the tag-6 message is not taken for tag 5.
if (rank === 1) {
  world.send("six", 0, 6);
  world.send("five", 0, 5);
}
if (rank === 0) {
  world.probe(1, 5); // both have arrived
  expectError("ERR_ARG", () => world.recv({ source: 1 }, 5), /only argument/);
  expectError("ERR_ARG", () => world.irecv({ source: 1 }, 5));
  expectError("ERR_ARG", () => world.iprobe({ source: 1 }, 5));
  expectError("ERR_ARG", () => world.recv(new Float64Array(2) as unknown as number, 1), /lowercase recv takes no buffer; use Recv\(buf, source, tag\)/);
  expectError("ERR_ARG", () => world.recv({} as never));
  expectError("ERR_ARG", () => world.recv([1] as unknown as number));
  assert.equal(world.recv({ source: 1, tag: 5 }), "five");
  assert.equal(world.recv(1, 6), "six");
}
world.Barrier();

// sendrecv with a bad receive side sends nothing.
const peer = (rank + 1) % size, from = (rank - 1 + size) % size;
expectError("ERR_RANK", () => world.sendrecv("stray", peer, 0, size + 3));
expectError("ERR_TAG", () => world.sendrecv("stray", peer, 0, from, -7));
expectError("ERR_TAG", () => world.Sendrecv(new Float64Array(1), peer, 0, new Float64Array(1), from, 2 ** 31));
expectError("ERR_ARG", () => world.Sendrecv_replace(new Float64Array(1), peer, 0, from, 0, {} as MPI.Status));
world.Barrier();
assert.equal(world.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG), false, "a refused sendrecv sent nothing");
world.Barrier();
assert.equal(world.sendrecv(`from ${rank}`, peer, 0, from, 0), `from ${from}`);

// Split: rank 0 refuses its colour (2**32 would wrap to 0 in int32); the others complete without it.
if (rank === 0) {
  expectError("ERR_ARG", () => world.Split(2 ** 32), /color 4294967296/);
} else {
  const rest = world.Split(0, rank);
  assert.equal(rest.size, size - 1);
  assert.equal(rest.rank, rank - 1);
  rest.Free();
}
if (rank === size - 1) expectError("ERR_ARG", () => world.Split(0, 2 ** 31), /key/);
else assert.equal(world.Split(0).size, size - 1);
world.Barrier();

// Buffer collectives: blocks of whole elements.
const three = () => new Float64Array([1, 2, 3]);
if (size === 2) {
  expectError("ERR_COUNT", () => world.Alltoall(three(), three()), /3 elements/);
  expectError("ERR_COUNT", () => world.Allgather(new Float64Array(1), three()));
  expectError("ERR_COUNT", () => world.Ialltoall(three(), three()));
}
expectError("ERR_COUNT", () => world.Allgather(new Float64Array(1), new Float64Array(size * 2 - 1)));

// Detached buffers: ERR_BUFFER, on every rank alike, before anything moves.
function detachedF64(): Float64Array {
  const memory = new ArrayBuffer(16);
  const view = new Float64Array(memory);
  structuredClone(memory, { transfer: [memory] });
  return view;
}
expectError("ERR_BUFFER", () => world.Allreduce(detachedF64(), new Float64Array(2)), /detached/);
expectError("ERR_BUFFER", () => world.Send(detachedF64(), peer), /detached/);
const bytes = new Uint8Array(4);
structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
expectError("ERR_BUFFER", () => world.Send(bytes, peer), /detached/);
world.Barrier();
{ const st = new MPI.Status(); assert.equal(world.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG, st), false, `stray from ${st.source} tag ${st.tag} bytes ${st.byteCount}`); }
world.Barrier();
// An offset view sends just its elements.
const whole = Float64Array.from([10, 20, 30, 40]);
world.Send(whole.subarray(1, 3), peer, 9);
const got = new Float64Array(2);
world.Recv(got, from, 9);
assert.deepEqual([...got], [20, 30]);
world.Barrier();

// sendrecv's receive side is positional: an options object there (which would hide recvtag) is refused.
expectError("ERR_ARG", () => world.sendrecv("x", peer, 0, { source: from } as unknown as number, 5));
world.Barrier();
assert.equal(world.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG), false);
