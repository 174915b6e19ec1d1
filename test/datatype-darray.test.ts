/**
 * Create_darray against MPI's own MPI_Type_create_darray (Open MPI, through mpi4py): for block, cyclic and
 * undistributed dimensions, default and explicit dargs, C and Fortran order, 1 to 3 dimensions and every rank of
 * the process grid, the same elements in the same order (what Pack moves), the same extent and size. Then the
 * refusals, which MPI leaves undefined and mpi4ts names.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as MPI from "../src/mpi.js";

const { DISTRIBUTE_BLOCK: BLOCK, DISTRIBUTE_CYCLIC: CYCLIC, DISTRIBUTE_NONE: NONE, DISTRIBUTE_DFLT_DARG: DFLT } = MPI;

interface Case { size: number; rank: number; gsizes: number[]; distribs: number[]; dargs: number[]; psizes: number[]; order: number }

const grids: Omit<Case, "size" | "rank">[] = [
  { gsizes: [10], distribs: [BLOCK], dargs: [DFLT], psizes: [3], order: MPI.ORDER_C },
  { gsizes: [10], distribs: [CYCLIC], dargs: [DFLT], psizes: [3], order: MPI.ORDER_C },
  { gsizes: [11], distribs: [CYCLIC], dargs: [2], psizes: [3], order: MPI.ORDER_C },
  { gsizes: [9], distribs: [BLOCK], dargs: [4], psizes: [3], order: MPI.ORDER_C },
  { gsizes: [5, 6], distribs: [BLOCK, CYCLIC], dargs: [DFLT, 2], psizes: [2, 2], order: MPI.ORDER_C },
  { gsizes: [5, 6], distribs: [BLOCK, CYCLIC], dargs: [DFLT, 2], psizes: [2, 2], order: MPI.ORDER_FORTRAN },
  { gsizes: [4, 7], distribs: [NONE, BLOCK], dargs: [DFLT, DFLT], psizes: [1, 3], order: MPI.ORDER_C },
  { gsizes: [4, 7], distribs: [CYCLIC, NONE], dargs: [3, DFLT], psizes: [2, 1], order: MPI.ORDER_FORTRAN },
  { gsizes: [3, 4, 5], distribs: [BLOCK, CYCLIC, BLOCK], dargs: [DFLT, DFLT, 2], psizes: [2, 2, 3], order: MPI.ORDER_C },
  { gsizes: [3, 4, 5], distribs: [CYCLIC, BLOCK, CYCLIC], dargs: [2, DFLT, DFLT], psizes: [2, 1, 2], order: MPI.ORDER_FORTRAN },
];
const cases: Case[] = grids.flatMap((g) => {
  const size = g.psizes.reduce((p, x) => p * x, 1);
  return Array.from({ length: size }, (_, rank) => ({ ...g, size, rank }));
});

function ours(c: Case): { indices: number[]; lb: number; extent: number; size: number } {
  const t = MPI.DOUBLE.Create_darray(c.size, c.rank, c.gsizes, c.distribs, c.dargs, c.psizes, c.order).Commit();
  const global = Float64Array.from({ length: c.gsizes.reduce((p, x) => p * x, 1) }, (_, i) => i);
  const packed = new Uint8Array(t.Pack_size(1, MPI.COMM_SELF));
  const end = t.Pack(global, packed, 0, MPI.COMM_SELF);
  const [lb, extent] = t.Get_extent();
  const result = { indices: [...new Float64Array(packed.buffer, 0, end / 8)], lb, extent, size: t.size };
  t.Free();
  return result;
}

const reference = spawnSync("/usr/bin/python3", [new URL("./fixtures/darray-reference.py", import.meta.url).pathname], {
  input: JSON.stringify(cases), encoding: "utf8", timeout: 60_000,
  env: { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1", OMPI_MCA_plm: "isolated", OMPI_MCA_btl: "self" },
});
const noReference = reference.status === 0 ? undefined : `mpi4py's reference did not run (python3-mpi4py, python3-numpy): ${reference.stderr.trim().split("\n").pop()}`;

test(`Create_darray matches MPI_Type_create_darray in ${cases.length} cases`, { skip: noReference }, () => {
  const expected = JSON.parse(reference.stdout) as ReturnType<typeof ours>[];
  cases.forEach((c, i) => assert.deepEqual(ours(c), expected[i], JSON.stringify(c)));
});

test("Create_darray refuses what MPI leaves undefined, naming the argument", () => {
  const refuse = (args: Parameters<MPI.Datatype["Create_darray"]>, mentions: RegExp) =>
    assert.throws(() => MPI.DOUBLE.Create_darray(...args), (e: unknown) => e instanceof MPI.MPIError && e.errorClass === "ERR_ARG" && mentions.test(e.message));
  refuse([4, 0, [8], [BLOCK], [DFLT], [3]], /psizes \[3\] make 3 processes, not size 4/);
  refuse([2, 2, [8], [BLOCK], [DFLT], [2]], /rank 2 is not in 0\.\.1/);
  refuse([2, 0, [8], [BLOCK], [3], [2]], /blocks of 3 on 2 processes cover 6 of 8 items/);
  refuse([2, 0, [8], [NONE], [DFLT], [2]], /DISTRIBUTE_NONE needs psizes 1/);
  refuse([2, 0, [8], [7], [DFLT], [2]], /distribs must be DISTRIBUTE_BLOCK/);
  refuse([2, 0, [8, 2], [BLOCK], [DFLT], [2]], /same number/);
  refuse([2, 0, [8], [CYCLIC], [0], [2]], /darg must be positive/);
});
