// sizes: 1 2 3 4
/**
 * Groups: GROUP_EMPTY, GROUP_NULL, Compare (IDENT/SIMILAR/UNEQUAL), Dup, Range_incl, Range_excl, Free,
 * Translate_ranks with mpi4py's defaults, size/rank, Union/Intersection/Difference in static and method forms; on
 * the groups of COMM_WORLD, COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const wg = world.Get_group();

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const g = comm.Get_group();
  const n = g.size;
  assert.equal(n, comm.size, label);
  assert.equal(g.rank, comm.rank);

  // Translate_ranks defaults: every rank of this group, into COMM_WORLD's group.
  const toWorld = g.Translate_ranks();
  assert.deepEqual(toWorld, label === "self" ? [rank] : range(size));
  assert.deepEqual(g.Translate_ranks(null, wg), toWorld);
  assert.deepEqual(MPI.Group.Translate_ranks(g), toWorld, "static form, defaults");
  assert.deepEqual(wg.Translate_ranks([rank], g), [label === "self" ? 0 : rank]);

  // Dup and Compare
  const d = g.Dup();
  assert.equal(d.Compare(g), MPI.IDENT);
  assert.equal(MPI.Group.Compare(g, d), MPI.IDENT);
  const reversed = g.Incl(range(n).reverse());
  assert.equal(reversed.Compare(g), n > 1 ? MPI.SIMILAR : MPI.IDENT);
  assert.equal(g.Excl([0]).Compare(g), MPI.UNEQUAL);
  d.Free();
  expectError("ERR_GROUP", () => d.size, /freed/);
  assert.ok(d.isNull);
  assert.equal(g.size, n, "freeing a Dup leaves the original");

  // Range_incl / Range_excl: [first, last, stride], also descending
  const evens = g.Range_incl([[0, n - 1, 2]]);
  assert.deepEqual(evens.Translate_ranks(null, g), range(n).filter((r) => r % 2 === 0));
  assert.equal(evens.Compare(g.Incl(range(n).filter((r) => r % 2 === 0))), MPI.IDENT);
  const down = g.Range_incl([[n - 1, 0, -1]]);
  assert.equal(down.Compare(reversed), MPI.IDENT);
  const odds = g.Range_excl([[0, n - 1, 2]]);
  assert.deepEqual(odds.Translate_ranks(null, g), range(n).filter((r) => r % 2 === 1));
  assert.equal(g.Range_incl([]).size, 0);
  assert.equal(g.Range_excl([]).Compare(g), MPI.IDENT);
  if (n >= 3) assert.deepEqual(g.Range_incl([[2, 2, 1], [0, 1, 1]]).Translate_ranks(null, g), [2, 0, 1]);
  expectError("ERR_ARG", () => g.Range_incl([[0, 0, 0]]), /stride 0/);
  expectError("ERR_RANK", () => g.Range_incl([[0, n, 1]]), new RegExp(`names rank ${n}`));
  expectError("ERR_RANK", () => g.Range_incl([[0, 0, 1], [0, 0, 1]]), /Range_incl: rank 0 appears twice/);
  expectError("ERR_ARG", () => g.Range_excl([[0, 1]] as never), /\[first, last, stride\]/);

  // Union / Intersection / Difference: static (mpi4py's class methods) and method forms agree
  assert.equal(MPI.Group.Union(evens, odds).size, n);
  assert.equal(evens.Union(odds).Compare(MPI.Group.Union(evens, odds)), MPI.IDENT);
  assert.equal(g.Union(evens, odds).Compare(evens.Union(odds)), MPI.IDENT, "mpi4py's g.Union(g1, g2)");
  assert.equal(MPI.Group.Intersection(evens, odds).size, 0);
  assert.equal(MPI.Group.Intersect(g, evens).Compare(evens), MPI.IDENT, "Intersect is Intersection");
  assert.equal(MPI.Group.Difference(g, evens).Compare(odds), MPI.IDENT);
  assert.equal(g.Difference(odds).Compare(evens), MPI.IDENT);

  // GROUP_EMPTY
  assert.equal(MPI.GROUP_EMPTY.size, 0);
  assert.equal(MPI.GROUP_EMPTY.rank, MPI.UNDEFINED);
  assert.equal(MPI.Group.Union(g, MPI.GROUP_EMPTY).Compare(g), MPI.IDENT);
  assert.equal(MPI.Group.Intersection(g, MPI.GROUP_EMPTY).Compare(MPI.GROUP_EMPTY), MPI.IDENT);
  assert.deepEqual(MPI.GROUP_EMPTY.Translate_ranks(), []);
  assert.deepEqual(g.Translate_ranks([0], MPI.GROUP_EMPTY), [MPI.UNDEFINED]);
  assert.equal(comm.Create(MPI.GROUP_EMPTY), MPI.COMM_NULL, "a communicator of nobody is COMM_NULL");
}

// GROUP_NULL: every use is ERR_GROUP; freeing GROUP_EMPTY leaves it usable (as mpi4py).
expectError("ERR_GROUP", () => MPI.GROUP_NULL.size, /MPI_GROUP_NULL/);
expectError("ERR_GROUP", () => MPI.GROUP_NULL.Dup());
expectError("ERR_GROUP", () => wg.Compare(MPI.GROUP_NULL));
expectError("ERR_GROUP", () => MPI.Group.Union(MPI.GROUP_NULL, wg));
assert.ok(MPI.GROUP_NULL.isNull && !MPI.GROUP_EMPTY.isNull);
MPI.GROUP_EMPTY.Free();
assert.equal(MPI.GROUP_EMPTY.size, 0);
expectError("ERR_GROUP", () => wg.Translate_ranks([0], "world" as never), /group2/);
expectError("ERR_ARG", () => wg.Range_incl("0-3" as never), /triplets/);

world.barrier();
if (rank === 0) console.log(`group: ok on ${size} rank(s)`);
