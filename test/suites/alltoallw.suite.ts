// sizes: 1 2 3 4
/**
 * Alltoallw and Neighbor_alltoallw: per-peer counts, byte displacements and datatypes on both sides, with dense
 * blocks (moved straight from and into the user's buffers) and derived ones (staged and unpacked), IN_PLACE, the
 * nonblocking and persistent forms, and refusals before anything is sent. On COMM_WORLD, COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const INT = MPI.INT.size, DOUBLE = MPI.DOUBLE.size;
/** Two doubles, one apart: elements 0 and 2 of a block. */
const everyOther = MPI.DOUBLE.Create_vector(2, 1, 2).Commit();
const ranks = (n: number) => Array.from({ length: n }, (_, q) => q);

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const n = comm.size, p = comm.rank;

  // ---- dense: rank p sends q+1 ints to rank q, and puts the block from q at position n-1-q ----
  {
    const value = (from: number, to: number, k: number) => from * 1000 + to * 10 + k;
    const scounts = ranks(n).map((q) => q + 1);
    const sdispls: number[] = [];
    ranks(n).reduce((at, q) => (sdispls.push(at * INT), at + scounts[q]!), 0);
    const send = Int32Array.from(ranks(n).flatMap((q) => ranks(q + 1).map((k) => value(p, q, k))));
    const recv = new Int32Array(n * (p + 1) + 1).fill(-1);
    const rcounts = ranks(n).map(() => p + 1);
    const rdispls = ranks(n).map((q) => (n - 1 - q) * (p + 1) * INT);
    comm.Alltoallw([send, scounts, sdispls, MPI.INT], [recv, rcounts, rdispls, ranks(n).map(() => MPI.INT)]);
    const expected = ranks(n).flatMap((i) => ranks(p + 1).map((k) => value(n - 1 - i, p, k)));
    assert.deepEqual([...recv], [...expected, -1], `${label}: dense blocks at their byte displacements`);
  }

  // ---- derived: to even ranks every other double, to odd ranks two in a row; received likewise by parity ----
  {
    const send = Float64Array.from({ length: n * 4 }, (_, k) => p * 100 + k);
    const stypes = ranks(n).map((q) => (q % 2 === 0 ? everyOther : MPI.DOUBLE));
    const scounts = ranks(n).map((q) => (q % 2 === 0 ? 1 : 2));
    const sdispls = ranks(n).map((q) => q * 4 * DOUBLE);
    const recv = new Float64Array(n * 4).fill(-1);
    const rtypes = ranks(n).map((q) => (q % 2 === 1 ? everyOther : MPI.DOUBLE));
    const rcounts = ranks(n).map((q) => (q % 2 === 1 ? 1 : 2));
    const rdispls = ranks(n).map((q) => q * 4 * DOUBLE);
    comm.Alltoallw([send, [scounts, sdispls], stypes], [recv, [rcounts, rdispls], rtypes]);
    const expected = ranks(n).flatMap((q) => {
      const sent = p % 2 === 0 ? [q * 100 + 4 * p, q * 100 + 4 * p + 2] : [q * 100 + 4 * p, q * 100 + 4 * p + 1];
      return q % 2 === 1 ? [sent[0]!, -1, sent[1]!, -1] : [sent[0]!, sent[1]!, -1, -1];
    });
    assert.deepEqual([...recv], expected, `${label}: vector and contiguous blocks, untouched bytes kept`);
  }

  // ---- IN_PLACE: block q of recvbuf goes to rank q and is replaced by rank q's block p ----
  for (const type of [MPI.INT, MPI.INT.Create_contiguous(2).Commit()]) {
    const per = type === MPI.INT ? 2 : 1;
    const buf = Int32Array.from(ranks(n).flatMap((q) => [p * 10 + q, -1 - (p * 10 + q)]));
    comm.Alltoallw(MPI.IN_PLACE, [buf, ranks(n).map(() => per), null, type]);
    assert.deepEqual([...buf], ranks(n).flatMap((q) => [q * 10 + p, -1 - (q * 10 + p)]), `${label}: IN_PLACE with ${type.name}`);
  }

  // ---- nonblocking, and persistent over two rounds that read the buffers as they are at each Start ----
  {
    const send = Float64Array.from(ranks(n), (q) => p * 10 + q);
    const recv = new Float64Array(n);
    const spec = (b: Float64Array) => [b, ranks(n).map(() => 1), ranks(n).map((q) => q * DOUBLE), MPI.DOUBLE] as const;
    comm.Ialltoallw(spec(send), spec(recv)).Wait();
    assert.deepEqual([...recv], ranks(n).map((q) => q * 10 + p), `${label}: Ialltoallw`);
    const pairs = new Float64Array(n * 2);
    const staged = new Float64Array(n * 4).fill(-1);
    const persistent = comm.Alltoallw_init([pairs, ranks(n).map(() => 2), null, MPI.DOUBLE], [staged, ranks(n).map(() => 1), ranks(n).map((q) => q * 4 * DOUBLE), everyOther]);
    for (const round of [1, 2]) {
      ranks(n).forEach((q) => { pairs[2 * q] = round * 1000 + p * 10 + q; pairs[2 * q + 1] = -round; });
      persistent.Start();
      persistent.Wait();
      const got = ranks(n).map((q) => [staged[4 * q], staged[4 * q + 1], staged[4 * q + 2]]);
      assert.deepEqual(got, ranks(n).map((q) => [round * 1000 + q * 10 + p, -1, -round]), `${label}: Alltoallw_init round ${round}`);
    }
    persistent.Free();
  }

  // ---- refusals: every rank finds its own, before anything is sent ----
  const ints = new Int32Array(n * 2);
  const ones = ranks(n).map(() => 1);
  expectError("ERR_COUNT", () => comm.Alltoallw([ints, [...ones, 1], null, MPI.INT], [ints, ones, null, MPI.INT]), /sendbuf counts has \d+ entries, not one per rank/);
  expectError("ERR_TYPE", () => comm.Alltoallw([ints, ones, null, [...ones.map(() => MPI.INT), MPI.INT]], [ints, ones, null, MPI.INT]), /datatypes must be/);
  expectError("ERR_BUFFER", () => comm.Alltoallw([ints, ones, ranks(n).map(() => n * 2 * INT), MPI.INT], [ints, ones, null, MPI.INT]), /block 0/);
  expectError("ERR_ARG", () => comm.Alltoallw([ints] as never, [ints, ones, null, MPI.INT]), /sendbuf must be/);
  expectError("ERR_TRUNCATE", () => comm.Alltoallw([ints, ones.map(() => 2), null, MPI.INT], [ints, ones, null, MPI.INT]), /sends itself 8 bytes but receives 4/);
  comm.Barrier();

  // ---- Neighbor_alltoallw on a chain (no wrap-around: the ends' outer neighbour is PROC_NULL) ----
  const chain = comm.Create_cart([n], [false]);
  const [left, right] = chain.Shift(0, 1);
  // Block 0 goes left as every other double of elements 0..2, block 1 right as elements 4 and 5.
  const send = Float64Array.from({ length: 8 }, (_, k) => p * 100 + k);
  const recv = new Float64Array(4).fill(-1);
  chain.Neighbor_alltoallw([send, [1, 2], [0, 4 * DOUBLE], [everyOther, MPI.DOUBLE]], [recv, [2, 2], [0, 2 * DOUBLE], MPI.DOUBLE]);
  // From the left neighbour: what it sent right (its 104, 105); from the right: what it sent left (its 0 and 2).
  const fromLeft = left === MPI.PROC_NULL ? [-1, -1] : [left * 100 + 4, left * 100 + 5];
  const fromRight = right === MPI.PROC_NULL ? [-1, -1] : [right * 100, right * 100 + 2];
  assert.deepEqual([...recv], [...fromLeft, ...fromRight], `${label}: Neighbor_alltoallw`);
  const again = new Float64Array(4).fill(-1);
  chain.Ineighbor_alltoallw([send, [1, 2], [0, 4 * DOUBLE], [everyOther, MPI.DOUBLE]], [again, [1, 1], [0, 2 * DOUBLE], MPI.DOUBLE.Create_contiguous(2).Commit()]).Wait();
  assert.deepEqual([...again], [...recv], `${label}: Ineighbor_alltoallw`);
  expectError("ERR_COUNT", () => chain.Neighbor_alltoallw([send, [1], null, MPI.DOUBLE], [recv, [2, 2], null, MPI.DOUBLE]), /sendbuf counts has 1 entries, not one per neighbour \(2\)/);
  chain.Free();
}
world.Barrier();
