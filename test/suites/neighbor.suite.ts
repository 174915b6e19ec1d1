// sizes: 1 2 3 4
/**
 * Neighbourhood collectives: Neighbor_allgather(v), Neighbor_alltoall(v), their nonblocking and persistent forms and the
 * lowercase neighbor_allgather/neighbor_alltoall, on Cartesian (MPI's order: per dimension the source then the
 * destination of a shift by 1; PROC_NULL blocks untouched), graph and distributed-graph communicators built on
 * COMM_WORLD, COMM_SELF and a Dup. Expected blocks are computed from the topology, independently of the code.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const B = 2; // elements per block
/** Block j of rank p's send buffer: [p*100 + j, -1 - (p*100 + j)]. */
const block = (p: number, j: number) => [p * 100 + j, -1 - (p * 100 + j)];
const sendBlocks = (p: number, count: number) => Int32Array.from(Array.from({ length: count }, (_, j) => block(p, j)).flat());
const blocksOf = (a: Int32Array) => Array.from({ length: a.length / B }, (_, i) => [...a.subarray(i * B, (i + 1) * B)]);

/**
 * In a graph, the k-th message from p to this rank lands in this rank's k-th block from p: the block p sends is
 * the one at p's k-th listing of this rank among its destinations.
 */
function fifoSources(me: number, sources: readonly number[], destinationsOf: (p: number) => readonly number[]): number[][] {
  const seen = new Map<number, number>();
  return sources.map((p) => {
    const k = seen.get(p) ?? 0;
    seen.set(p, k + 1);
    const j = destinationsOf(p).map((d, i) => (d === me ? i : -1)).filter((i) => i >= 0)[k]!;
    return block(p, j);
  });
}

async function check(label: string, topo: MPI.Topocomm, expectAlltoall: number[][] | null, destinationsOf: (p: number) => readonly number[]) {
  const me = topo.rank;
  const [indeg, outdeg] = topo.degrees;
  const ins = topo.inedges;
  const UNTOUCHED = [-7, -7];
  // ---- Neighbor_allgather: block i is in-neighbour i's sendbuf ----
  const gatherExpect = ins.map((p) => (p === MPI.PROC_NULL ? UNTOUCHED : block(p, 0)));
  const mine = Int32Array.from(block(me, 0));
  const r1 = new Int32Array(indeg * B).fill(-7);
  topo.Neighbor_allgather(mine, r1);
  assert.deepEqual(blocksOf(r1), gatherExpect, `${label}: Neighbor_allgather`);
  const r2 = new Int32Array(indeg * B).fill(-7);
  await topo.Ineighbor_allgather(mine, r2);
  assert.deepEqual(blocksOf(r2), gatherExpect, `${label}: Ineighbor_allgather`);
  assert.deepEqual(topo.neighbor_allgather({ from: me }), ins.map((p) => (p === MPI.PROC_NULL ? undefined : { from: p })), `${label}: neighbor_allgather`);

  // ---- Neighbor_alltoall: block j to out-neighbour j ----
  const expect = expectAlltoall ?? fifoSources(me, ins, destinationsOf);
  const withNull = expect.map((b, i) => (ins[i] === MPI.PROC_NULL ? UNTOUCHED : b));
  const r3 = new Int32Array(indeg * B).fill(-7);
  topo.Neighbor_alltoall(sendBlocks(me, outdeg), r3);
  assert.deepEqual(blocksOf(r3), withNull, `${label}: Neighbor_alltoall`);
  const r4 = new Int32Array(indeg * B).fill(-7);
  topo.Ineighbor_alltoall(sendBlocks(me, outdeg), r4).Wait();
  assert.deepEqual(blocksOf(r4), withNull, `${label}: Ineighbor_alltoall`);
  const seq = Array.from({ length: outdeg }, (_, j) => block(me, j));
  assert.deepEqual(topo.neighbor_alltoall(seq), withNull.map((b, i) => (ins[i] === MPI.PROC_NULL ? undefined : b)), `${label}: neighbor_alltoall`);

  // ---- the v-variants: in-neighbour i's element at displacement 3 * i ----
  const displs = ins.map((_, i) => 3 * i);
  const r5 = new Int32Array(3 * indeg).fill(-7);
  topo.Neighbor_allgatherv(new Int32Array([me]), [r5, ins.map(() => 1), displs]);
  assert.deepEqual(displs.map((d) => r5[d]), ins.map((p) => (p === MPI.PROC_NULL ? -7 : p)), `${label}: Neighbor_allgatherv`);
  // alltoallv: the blocks keep B elements but go through counts/displs (reversed layout on the receive side).
  const sendv = sendBlocks(me, outdeg);
  const rcounts = ins.map(() => B), rdispls = ins.map((_, i) => (indeg - 1 - i) * B);
  const r6 = new Int32Array(indeg * B).fill(-7);
  await topo.Ineighbor_alltoallv([sendv, Array.from({ length: outdeg }, () => B)], [r6, rcounts, rdispls]);
  assert.deepEqual(blocksOf(r6).reverse(), withNull, `${label}: Ineighbor_alltoallv`);
  const r7 = new Int32Array(indeg * B).fill(-7);
  topo.Neighbor_alltoallv([sendv, Array.from({ length: outdeg }, () => B), null], [r7, rcounts, rdispls]);
  assert.deepEqual(blocksOf(r7).reverse(), withNull, `${label}: Neighbor_alltoallv`);

  // ---- persistent forms: each Start exchanges the buffers' current contents; matched by their inits, so ranks
  // of either parity may start them in opposite orders ----
  const scaled = (blocks: number[][], k: number) => blocks.map((b, i) => (ins[i] === MPI.PROC_NULL ? UNTOUCHED : b.map((x) => x * k)));
  const pmine = new Int32Array(B), pgather = new Int32Array(indeg * B).fill(-7);
  const psend = new Int32Array(outdeg * B), palltoall = new Int32Array(indeg * B).fill(-7), pv = new Int32Array(indeg * B).fill(-7);
  const pw = new Int32Array(indeg * B).fill(-7), bytesPerBlock = B * 4;
  const persistent = [
    topo.Neighbor_allgather_init(pmine, pgather),
    topo.Neighbor_alltoall_init(psend, palltoall),
    topo.Neighbor_alltoallv_init([psend, Array.from({ length: outdeg }, () => B)], [pv, rcounts, rdispls]),
    topo.Neighbor_alltoallw_init(
      [psend, Array.from({ length: outdeg }, () => B), Array.from({ length: outdeg }, (_, j) => j * bytesPerBlock), Array.from({ length: outdeg }, () => MPI.INT32_T)],
      [pw, ins.map(() => B), ins.map((_, i) => i * bytesPerBlock), ins.map(() => MPI.INT32_T)]),
  ];
  for (let round = 1; round <= 2; round++) {
    pmine.set(block(me, 0).map((x) => x * round));
    psend.set(sendBlocks(me, outdeg).map((x) => x * round));
    for (const request of me % 2 === 0 ? persistent : [...persistent].reverse()) request.Start();
    await MPI.Request.Waitall(persistent);
    assert.deepEqual(blocksOf(pgather), scaled(gatherExpect, round), `${label}: Neighbor_allgather_init round ${round}`);
    assert.deepEqual(blocksOf(palltoall), scaled(withNull, round), `${label}: Neighbor_alltoall_init round ${round}`);
    assert.deepEqual(blocksOf(pv).reverse(), scaled(withNull, round), `${label}: Neighbor_alltoallv_init round ${round}`);
    assert.deepEqual(blocksOf(pw), scaled(withNull, round), `${label}: Neighbor_alltoallw_init round ${round}`);
  }
  for (const request of persistent) request.Free();
  if (indeg > 0) expectError("ERR_COUNT", () => topo.Neighbor_allgather_init(mine, new Int32Array(indeg * B + 1)), /Neighbor_allgather_init.*recvbuf/);

  // ---- refusals every rank makes alike (so nobody is left waiting) ----
  if (indeg > 0) {
    expectError("ERR_COUNT", () => topo.Neighbor_allgather(mine, new Int32Array(indeg * B + 1)), /recvbuf/);
    expectError("ERR_COUNT", () => topo.Neighbor_allgatherv(mine, [new Int32Array(8), new Array<number>(indeg + 1).fill(1)]), /counts must be an array of \d+/);
  }
  expectError("ERR_COUNT", () => topo.neighbor_alltoall(new Array(outdeg + 1).fill(0)), /one per out-neighbour/);
  expectError("ERR_BUFFER", () => topo.Neighbor_alltoallv([sendv, new Array<number>(outdeg).fill(B), new Array<number>(outdeg).fill(999)], [r7, rcounts]), /runs past the end/);
  expectError("ERR_BUFFER", () => topo.Neighbor_alltoall([1, 2] as never, r7), /sendbuf/);
}

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const n = comm.size, me = comm.rank;
  const left = (me - 1 + n) % n, right = (me + 1) % n;

  // Cartesian: MPI's rule — block 2d comes from the source of dimension d, and is what that rank sent its
  // destination (its block 2d+1); block 2d+1 comes from the destination (its block 2d). Also when both are one rank.
  const cartExpect = (cart: MPI.Cartcomm) => cart.dims.flatMap((_, d) => {
    const [src, dst] = cart.Shift(d, 1);
    return [block(src, 2 * d + 1), block(dst, 2 * d)];
  });
  const ring = comm.Create_cart([n], [true]);
  await check(`${label} periodic ring`, ring, cartExpect(ring), () => []);
  const line = comm.Create_cart([n], [false]);
  assert.deepEqual(line.inedges, [me === 0 ? MPI.PROC_NULL : left, me === n - 1 ? MPI.PROC_NULL : right]);
  await check(`${label} open line`, line, cartExpect(line), () => []);
  const dims = MPI.Compute_dims(n, 2);
  const grid = comm.Create_cart(dims, [true, false]);
  await check(`${label} grid ${dims.join("x")}`, grid, cartExpect(grid), () => []);
  await check(`${label} grid clone`, grid.Clone(), cartExpect(grid), () => []);
  const cube = comm.Create_cart([1, n, 1], [true, true, false]);
  await check(`${label} 1x${n}x1`, cube, cartExpect(cube), () => []);

  // Graph: a ring (neighbours left then right; a multigraph when n <= 2).
  const index: number[] = [], edges: number[] = [];
  for (let i = 0; i < n; i++) { edges.push((i - 1 + n) % n, (i + 1) % n); index.push(edges.length); }
  const graph = comm.Create_graph(index, edges);
  await check(`${label} graph ring`, graph, null, (p) => graph.Get_neighbors(p));

  // Distributed graphs: a directed ring with a double edge, and a star into rank 0 given by rank 0 alone.
  const twice = comm.Create_dist_graph_adjacent([left, left], [right, right]);
  await check(`${label} double ring`, twice, null, () => [(left + 1) % n, (left + 1) % n]);
  const star = comm.Create_dist_graph(me === 0 ? [...Array(n).keys()] : [], me === 0 ? new Array<number>(n).fill(1) : [], me === 0 ? new Array<number>(n).fill(0) : []);
  assert.deepEqual(star.Get_dist_neighbors()[0], me === 0 ? [...Array(n).keys()] : []);
  await check(`${label} star`, star, null, () => [0]);

  // A graph whose edges are not symmetric cannot run neighbourhood collectives: every rank refuses.
  if (n > 1) {
    const oneWay = comm.Create_graph([1, ...new Array<number>(n - 1).fill(1)], [1]);
    expectError("ERR_TOPOLOGY", () => oneWay.Neighbor_allgather(new Int32Array(1), new Int32Array(oneWay.indegree)), /not symmetric/);
    expectError("ERR_TOPOLOGY", () => oneWay.neighbor_allgather(0), /not symmetric/);
  }
  // Nothing is left over: a plain collective on the parent still lines up.
  assert.equal(comm.allreduce(1), n);
}

// A rank calling another neighbourhood collective than its neighbours: the mismatch names both, in each family
// (it once said "Collective #32"). Rank 0's neighbours see it; a rank not next to rank 0 completes.
if (world.size > 1) {
  const ring = world.Create_cart([world.size], [true]);
  const { rank, size } = world;
  const nextToZero = rank === 1 || rank === size - 1;
  /** Rank 0 runs `zero` (named `a`), the others `rest` (named `b`). */
  const clash = (a: string, b: string, zero: () => unknown, rest: () => unknown) => {
    const [ours, theirs, run] = rank === 0 ? [a, b, zero] : [b, a, rest];
    if (rank === 0 || nextToZero) expectError("ERR_OTHER", run, new RegExp(`called ${ours} but rank \\d+ sent it ${theirs} `));
    else run();
  };
  clash("Neighbor_allgather", "Neighbor_alltoall",
    () => ring.Neighbor_allgather(new Int32Array(1), new Int32Array(2)), () => ring.Neighbor_alltoall(new Int32Array(2), new Int32Array(2)));
  clash("neighbor_allgather", "neighbor_alltoall", () => ring.neighbor_allgather(0), () => ring.neighbor_alltoall([1, 2]));
  ring.Free();
}

world.barrier();
if (world.rank === 0) console.log(`neighbor: ok on ${world.size} rank(s)`);
