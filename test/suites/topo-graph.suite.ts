// sizes: 1 2 3 4
/**
 * Graph and distributed-graph topologies: Create_graph and the Graphcomm queries, Create_dist_graph (any rank
 * gives any edge) and Create_dist_graph_adjacent with and without weights, Get_topology, Cart_map/Graph_map, and
 * refusals that fail the constructor on every rank instead of leaving anyone waiting; on COMM_WORLD, COMM_SELF
 * and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const size = world.size;

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const n = comm.size, me = comm.rank;
  const left = (me - 1 + n) % n, right = (me + 1) % n;

  // ---- Create_graph: a ring (node i's neighbours: i-1, i+1), each node's edges in index order ----
  const index: number[] = [], edges: number[] = [];
  for (let i = 0; i < n; i++) {
    edges.push((i - 1 + n) % n, (i + 1) % n);
    index.push(edges.length);
  }
  const ring = comm.Create_graph(index, edges);
  assert.ok(ring instanceof MPI.Graphcomm, label);
  assert.equal(ring.Get_topology(), MPI.GRAPH);
  assert.deepEqual(ring.Get_dims(), [n, 2 * n]);
  assert.deepEqual([ring.nnodes, ring.nedges], [n, 2 * n]);
  assert.deepEqual(ring.Get_topo(), [index, edges]);
  assert.deepEqual(ring.index, index);
  assert.deepEqual(ring.edges, edges);
  assert.equal(ring.Get_neighbors_count(me), 2);
  assert.deepEqual(ring.Get_neighbors(me), [left, right]);
  assert.deepEqual(ring.neighbors, [left, right]);
  assert.equal(ring.nneighbors, 2);
  assert.deepEqual(ring.inedges, [left, right]);
  assert.deepEqual(ring.degrees, [2, 2]);
  expectError("ERR_RANK", () => ring.Get_neighbors(n), new RegExp(`rank ${n} is not in`));
  const ringClone = ring.Clone();
  assert.ok(ringClone instanceof MPI.Graphcomm && ringClone.Compare(ring) === MPI.CONGRUENT);
  assert.deepEqual(ringClone.neighbors, ring.neighbors);

  // A graph on fewer nodes: the others get COMM_NULL (Graph_map says which).
  const one = comm.Create_graph([0], []);
  assert.equal(comm.Graph_map([0], []), me === 0 ? 0 : MPI.UNDEFINED);
  if (me === 0) {
    assert.ok(one instanceof MPI.Graphcomm);
    assert.equal(one.size, 1);
    assert.deepEqual(one.neighbors, []);
  } else {
    assert.equal(one, MPI.COMM_NULL);
  }
  assert.equal(comm.Cart_map([n], [true]), me);
  if (n > 1) assert.equal(comm.Cart_map([1]), me === 0 ? 0 : MPI.UNDEFINED);
  expectError("ERR_DIMS", () => comm.Cart_map([n + 1]), /needs/);
  expectError("ERR_TOPOLOGY", () => comm.Graph_map([1, 0], [0]), /must not decrease|nodes but/);

  // Bad descriptions fail on every rank (all are given the same one), naming what is wrong.
  expectError("ERR_TOPOLOGY", () => comm.Create_graph([2], [0]), /index says 2 edges/);
  expectError("ERR_TOPOLOGY", () => comm.Create_graph([1], [5]), /edges\[0\] = 5 is not a node/);
  expectError("ERR_TOPOLOGY", () => comm.Create_graph(Array.from({ length: n + 1 }, () => 0), []), /nodes but the communicator/);
  // One rank refusing its own copy: every rank fails, the others naming it (no one waits in a split).
  if (n > 1) {
    expectError("ERR_TOPOLOGY", () => comm.Create_graph(me === 1 ? [1] : [0], me === 1 ? [9] : []),
      me === 1 ? /edges\[0\] = 9/ : /rank 1 refused its arguments/);
  }

  // Ranks giving different graphs fail together (they would wait for neighbours that are not theirs).
  if (n > 1) {
    expectError("ERR_TOPOLOGY", () => comm.Create_graph(me === 0 ? [0] : [0, 0], []), /passed index \[.*every rank must pass the same/);
    const loops = me === 0 ? 200 : 199; // long descriptions are compared by fingerprint
    expectError("ERR_TOPOLOGY", () => comm.Create_graph([loops], new Array<number>(loops).fill(0)), /fingerprint [0-9a-f]{8}\).*every rank must pass the same/);
  }
  // Create_cart: one rank's bad grid fails on every rank (it used to throw alone and leave the others in the split).
  if (n > 1) {
    expectError("ERR_DIMS", () => comm.Create_cart(me === 1 ? [n + 1] : [n]),
      me === 1 ? /needs \d+ ranks/ : /rank 1 refused its arguments \(the grid/);
    expectError("ERR_DIMS", () => comm.Create_cart(me === 0 ? [1] : [n], me === 0 ? [true] : [false]), /every rank must pass the same/);
  }
  assert.ok(comm.Create_cart([n], [1]).periods[0] === true, "periods given as numbers agree with booleans");

  // ---- Create_dist_graph_adjacent: a directed ring me -> right, with weights ----
  const adj = comm.Create_dist_graph_adjacent([left], [right], [me + 10], [right + 10]);
  assert.ok(adj instanceof MPI.Distgraphcomm);
  assert.equal(adj.Get_topology(), MPI.DIST_GRAPH);
  assert.deepEqual(adj.Get_dist_neighbors_count(), [1, 1, true]);
  assert.deepEqual(adj.Get_dist_neighbors(), [[left], [right], [[me + 10], [right + 10]]]);
  assert.deepEqual(adj.inoutedges, [[left], [right]]);
  const adjDup = adj.Dup();
  assert.ok(adjDup instanceof MPI.Distgraphcomm);
  assert.deepEqual(adjDup.Get_dist_neighbors(), adj.Get_dist_neighbors());
  adjDup.Free();
  expectError("ERR_COMM", () => adjDup.inedges, /freed/);
  expectError("ERR_COMM", () => adjDup.Get_dist_neighbors(), /freed/);
  const plain = comm.Create_dist_graph_adjacent([left], [right], MPI.UNWEIGHTED, MPI.UNWEIGHTED, MPI.INFO_NULL, false);
  assert.deepEqual(plain.Get_dist_neighbors(), [[left], [right], undefined]);
  const none = comm.Create_dist_graph_adjacent([], [], MPI.WEIGHTS_EMPTY, MPI.WEIGHTS_EMPTY);
  assert.deepEqual(none.Get_dist_neighbors(), [[], [], [[], []]]);
  // Edges that do not agree (this rank says it sends right, the right one does not list it) fail everywhere.
  if (n > 1) {
    expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph_adjacent([], [right]), /the edges must agree|refused/);
  }
  expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph_adjacent([n], []), new RegExp(`sources\\[0\\] = ${n} is not a rank`));
  expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph_adjacent([left], [right], [1]), /both be given/);
  expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph_adjacent([left], [right], [1, 2], [3]), /array of 1 non-negative/);
  expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph_adjacent([left], [right], null, null, "info" as never), /info must be/);

  // ---- Create_dist_graph: rank 0 alone gives every edge i -> i+1 (weights i), the others give none ----
  const all = me === 0
    ? comm.Create_dist_graph(Array.from({ length: n }, (_, i) => i), new Array<number>(n).fill(1), Array.from({ length: n }, (_, i) => (i + 1) % n), Array.from({ length: n }, (_, i) => i))
    : comm.Create_dist_graph([], [], [], MPI.WEIGHTS_EMPTY);
  assert.deepEqual(all.Get_dist_neighbors(), [[left], [right], [[left], [me]]]);
  // Every rank gives its own out-edge twice (a multigraph), unweighted.
  const twice = comm.Create_dist_graph([me], [2], [right, right]);
  assert.deepEqual(twice.Get_dist_neighbors(), [[left, left], [right, right], undefined]);
  expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph([me], [2], [right]), /destinations has 1 entries but degrees add up to 2/);
  if (n > 1) {
    expectError("ERR_TOPOLOGY", () => comm.Create_dist_graph(me === 0 ? [0] : [], me === 0 ? [1] : [], me === 0 ? [n] : []),
      me === 0 ? /destinations\[0\] = \d+ is not a rank/ : /rank 0 refused its arguments/);
  }
  assert.ok(adj.allreduce(1) === n, "the communicators made after refusals still line up");
}

world.barrier();
if (world.rank === 0) console.log(`topo-graph: ok on ${size} rank(s)`);
