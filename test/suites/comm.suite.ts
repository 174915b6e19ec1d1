// sizes: 1 2 3 4 8 16
/**
 * Communicators and groups: Dup, Split (UNDEFINED → COMM_NULL, key order), Free, Compare, names, Get_group and
 * the group operations, Create(group), isolation of matching spaces, and collectives on derived communicators.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---- Compare ----
const dup = world.Dup();
assert.equal(world.Compare(world), MPI.IDENT);
assert.equal(world.Compare(dup), MPI.CONGRUENT);
const reversed = world.Split(0, -rank);
assert.equal(reversed.rank, size - 1 - rank);
assert.equal(world.Compare(reversed), size > 1 ? MPI.SIMILAR : MPI.CONGRUENT);
const halves = world.Split(rank < size / 2 ? 0 : 1, rank);
assert.equal(world.Compare(halves), size > 1 ? MPI.UNEQUAL : MPI.CONGRUENT);
assert.equal(world.Compare(MPI.COMM_SELF), size > 1 ? MPI.UNEQUAL : MPI.CONGRUENT);
// COMM_NULL on either side is ERR_COMM, like every other use of it (COMM_NULL.Compare(COMM_NULL) returned IDENT)
expectError("ERR_COMM", () => MPI.COMM_NULL.Compare(MPI.COMM_NULL));
expectError("ERR_COMM", () => world.Compare(MPI.COMM_NULL));
expectError("ERR_COMM", () => MPI.COMM_NULL.Compare(world));

// ---- names ----
assert.equal(world.Get_name(), "MPI_COMM_WORLD");
dup.Set_name("my dup");
assert.equal(dup.Get_name(), "my dup");
expectError("ERR_ROOT", () => dup.bcast(0, size), /of my dup/);

// ---- Split with UNDEFINED ----
const odd = world.Split(rank % 2 === 1 ? 0 : MPI.UNDEFINED, 0);
if (rank % 2 === 1) {
  assert.equal(odd.size, Math.floor(size / 2));
  assert.equal(odd.rank, (rank - 1) / 2);
  assert.equal(odd.allreduce(rank), range(size).filter((r) => r % 2 === 1).reduce((a, b) => a + b, 0));
} else {
  assert.equal(odd, MPI.COMM_NULL);
  assert.ok(odd.isNull);
}

// ---- a message on one communicator never matches a receive on another ----
if (size > 1) {
  const to = (rank + 1) % size, from = (rank - 1 + size) % size;
  dup.send("on dup", to, 5);
  world.barrier();
  assert.equal(world.iprobe(from, 5), false, "a dup message is invisible on COMM_WORLD");
  world.barrier();
  world.send("on world", to, 5);
  assert.equal(world.recv(from, 5), "on world");
  assert.equal(dup.recv(from, 5), "on dup");
  // Collective traffic never matches user receives either.
  world.bcast("x", 0);
  world.Barrier();
  assert.equal(world.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG), false, "collective messages are invisible to iprobe");
  world.Barrier();
}

// ---- groups ----
const g = world.Get_group();
assert.equal(g.Get_size(), size);
assert.equal(g.Get_rank(), rank);
assert.equal(g.size, size);
const evens = g.Incl(range(size).filter((r) => r % 2 === 0));
const odds = g.Excl(range(size).filter((r) => r % 2 === 0));
assert.equal(evens.Get_size(), Math.ceil(size / 2));
assert.equal(odds.Get_size(), Math.floor(size / 2));
assert.equal(evens.Get_rank(), rank % 2 === 0 ? rank / 2 : MPI.UNDEFINED);
assert.deepEqual(evens.Translate_ranks(range(evens.size), g), range(size).filter((r) => r % 2 === 0));
assert.deepEqual(g.Translate_ranks([0, MPI.PROC_NULL], evens), [0, MPI.PROC_NULL]);
if (size > 1) assert.deepEqual(g.Translate_ranks([1], evens), [MPI.UNDEFINED]);
const union = MPI.Group.Union(odds, evens);
assert.equal(union.size, size);
assert.equal(union.Compare(g), size > 1 ? MPI.SIMILAR : MPI.IDENT);
assert.equal(g.Union(g).Compare(g), MPI.IDENT);
assert.equal(MPI.Group.Intersection(g, evens).Compare(evens), MPI.IDENT);
assert.equal(g.Intersection(evens, odds).size, 0);
assert.equal(g.Difference(evens).Compare(odds), MPI.IDENT);
assert.equal(MPI.Group.Difference(g, g).size, 0);
assert.equal(evens.Compare(odds), size > 1 ? MPI.UNEQUAL : MPI.UNEQUAL);
assert.equal(g.Incl(range(size).reverse()).Compare(g), size > 1 ? MPI.SIMILAR : MPI.IDENT);
expectError("ERR_RANK", () => g.Incl([size]), /not in 0/);
expectError("ERR_RANK", () => g.Incl([0, 0]), /twice/);
expectError("ERR_RANK", () => g.Excl([-1]));
expectError("ERR_GROUP", () => g.Translate_ranks([0], "x" as unknown as MPI.Group));
// Groups of different communicators relate through world ranks.
assert.deepEqual(reversed.Get_group().Translate_ranks([0], g), [size - 1]);

// ---- Create(group) ----
const evenComm = world.Create(evens);
if (rank % 2 === 0) {
  assert.equal(evenComm.size, evens.size);
  assert.equal(evenComm.rank, rank / 2);
  assert.deepEqual(evenComm.allgather(rank), range(size).filter((r) => r % 2 === 0));
  assert.equal(evenComm.Get_group().Compare(evens), MPI.IDENT);
  evenComm.Free();
} else {
  assert.equal(evenComm, MPI.COMM_NULL);
}
// A group in another order makes a communicator ranked in that order.
const backwards = world.Create(g.Incl(range(size).reverse()));
assert.equal(backwards.rank, size - 1 - rank);
assert.equal(backwards.bcast(rank === size - 1 ? "from the last" : null, 0), "from the last");
// Create on a derived communicator, with a group given by that communicator's ranks.
if (size >= 2) {
  const firstTwo = reversed.Create(reversed.Get_group().Incl([0, 1]));
  if (rank >= size - 2) assert.equal(firstTwo.allreduce(rank), 2 * size - 3);
  else assert.equal(firstTwo, MPI.COMM_NULL);
}
expectError("ERR_GROUP", () => world.Create("evens" as unknown as MPI.Group));
// Disjoint groups at once: the evens pass theirs, the odds theirs, and each gets its own communicator.
const parity = world.Create(rank % 2 === 0 ? evens : g.Excl(range(size).filter((r) => r % 2 === 0)));
assert.deepEqual(parity.allgather(rank), range(size).filter((r) => r % 2 === rank % 2));
parity.Free();
if (size >= 2) {
  // One rank refusing its group, or members passing different groups, fails Create on every rank (nobody is
  // left waiting in it), and the communicator goes on working.
  expectError("ERR_GROUP", () => world.Create(rank === size - 1 ? ("evens" as unknown as MPI.Group) : g), rank === size - 1 ? /must be an MPI.Group/ : new RegExp(`rank ${size - 1} failed`));
  expectError("ERR_GROUP", () => world.Create(rank === 0 ? g.Incl([0, 1]) : g.Incl([rank])), /passed/);
  world.Barrier();
}
if (rank % 2 === 1 && odd !== MPI.COMM_NULL) {
  // Every member of a group must be in the communicator (here, even ranks are not in `odd`).
  if (size > 1) expectError("ERR_GROUP", () => odd.Create(g), /not in this communicator/);
}
g.Free();
expectError("ERR_GROUP", () => g.Get_size(), /freed/);

// ---- Free ----
const temp = world.Dup();
temp.Free();
expectError("ERR_COMM", () => temp.barrier(), /freed/);
expectError("ERR_COMM", () => temp.Get_group());
expectError("ERR_COMM", () => world.Free(), /cannot be freed/);

// ---- collectives on a communicator made from a communicator made from a split ----
const nested = halves.Dup().Split(0, -halves.rank);
assert.deepEqual(nested.allgather(rank), range(halves.size).map((i) => (rank < size / 2 ? 0 : Math.ceil(size / 2)) + (halves.size - 1 - i)));
world.Barrier();
