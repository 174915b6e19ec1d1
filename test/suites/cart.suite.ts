// sizes: 1 2 3 4 8 16
/**
 * Cartesian topologies: Create_cart over Compute_dims shapes (periodic and open, 1-D to 3-D), coordinates and
 * ranks, Shift with PROC_NULL at open edges, Sub, Dup, ranks beyond the grid, a 2-D halo exchange checked cell by
 * cell, and the errors.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;

// ---- Compute_dims ----
assert.deepEqual(MPI.Compute_dims(6, 2), [3, 2]);
assert.deepEqual(MPI.Compute_dims(16, 2), [4, 4]);
assert.deepEqual(MPI.Compute_dims(12, 3), [3, 2, 2]);
assert.deepEqual(MPI.Compute_dims(7, 2), [7, 1]);
assert.deepEqual(MPI.Compute_dims(24, [0, 3, 0]), [4, 3, 2]);
assert.deepEqual(MPI.Compute_dims(1, 3), [1, 1, 1]);
assert.deepEqual(MPI.Compute_dims(8, [2, 2, 2]), [2, 2, 2]);
expectError("ERR_DIMS", () => MPI.Compute_dims(10, [3, 0]), /do not divide/);
expectError("ERR_ARG", () => MPI.Compute_dims(0, 2));

// ---- grids of every dimension ----
for (const ndims of [1, 2, 3]) {
  for (const periodic of [false, true]) {
    const dims = MPI.Compute_dims(size, ndims);
    const cart = world.Create_cart(dims, dims.map(() => periodic));
    assert.ok(cart instanceof MPI.Cartcomm);
    assert.equal(cart.size, size);
    assert.equal(cart.ndim, ndims);
    assert.deepEqual(cart.dims, dims);
    assert.deepEqual(cart.periods, dims.map(() => periodic));
    const me = cart.rank;
    const coords = cart.coords;
    assert.deepEqual(cart.Get_coords(me), coords);
    assert.equal(cart.Get_cart_rank(coords), me);
    assert.deepEqual(cart.Get_topo(), [dims, dims.map(() => periodic), coords]);
    // Row-major: the last dimension varies fastest.
    let expectRank = 0;
    coords.forEach((c, d) => { expectRank = expectRank * dims[d]! + c; });
    assert.equal(me, expectRank);
    for (let d = 0; d < ndims; d++) {
      for (const disp of [1, 2, -1]) {
        const [source, dest] = cart.Shift(d, disp);
        const step = (c: number) => {
          const n = dims[d]!;
          if (periodic) c = ((c % n) + n) % n;
          else if (c < 0 || c >= n) return MPI.PROC_NULL;
          const cs = [...coords];
          cs[d] = c;
          return cart.Get_cart_rank(cs);
        };
        assert.equal(source, step(coords[d]! - disp), `Shift(${d}, ${disp}) source`);
        assert.equal(dest, step(coords[d]! + disp), `Shift(${d}, ${disp}) dest`);
        // The neighbour relation is symmetric: what I send to dest, dest receives from its source.
        const got = cart.sendrecv(coords, dest, 7, source, 7);
        if (source === MPI.PROC_NULL) assert.equal(got, undefined);
        else assert.deepEqual(got, cart.Get_coords(source));
      }
    }
    // Sub-grids: keep one dimension; each line of the grid becomes a communicator.
    for (let keep = 0; keep < ndims; keep++) {
      const sub = cart.Sub(dims.map((_, d) => d === keep));
      assert.equal(sub.size, dims[keep]);
      assert.deepEqual(sub.dims, [dims[keep]]);
      assert.equal(sub.rank, coords[keep]);
      const line = sub.allgather(me);
      line.forEach((r, i) => {
        const cs = [...coords];
        cs[keep] = i;
        assert.equal(r, cart.Get_cart_rank(cs), "Sub keeps grid order");
      });
      sub.Free();
    }
    const dup = cart.Dup();
    assert.ok(dup instanceof MPI.Cartcomm);
    assert.deepEqual(dup.dims, dims);
    assert.equal(cart.Compare(dup), MPI.CONGRUENT);
    dup.Free();
    cart.Free();
  }
}

// ---- ranks beyond the grid get COMM_NULL ----
if (size > 1) {
  const small = world.Create_cart([size - 1]);
  if (rank < size - 1) {
    assert.equal(small.size, size - 1);
    assert.deepEqual(small.Shift(0, 1), [rank === 0 ? MPI.PROC_NULL : rank - 1, rank === size - 2 ? MPI.PROC_NULL : rank + 1]);
  } else {
    assert.equal(small, MPI.COMM_NULL);
  }
}

// ---- a 2-D halo exchange on a periodic grid, checked cell by cell ----
{
  const dims = MPI.Compute_dims(size, 2);
  const cart = world.Create_cart(dims, [true, false]);
  const [py, px] = cart.coords as [number, number];
  const ny = 4, nx = 5; // interior cells per rank
  const W = nx + 2;
  const grid = new Float64Array((ny + 2) * W).fill(NaN);
  const gy = (i: number) => py * ny + i, gx = (j: number) => px * nx + j; // global coordinates of interior cells
  const value = (y: number, x: number) => y * 1000 + x;
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) grid[(i + 1) * W + j + 1] = value(gy(i), gx(j));
  const row = (i: number) => grid.subarray(i * W + 1, i * W + 1 + nx);
  const col = (j: number) => Float64Array.from({ length: ny }, (_, i) => grid[(i + 1) * W + j]!);
  const setCol = (j: number, v: Float64Array) => v.forEach((x, i) => { grid[(i + 1) * W + j] = x; });
  // Axis 0 (periodic): rows go up and down.
  const [up, down] = cart.Shift(0, 1);
  const fromUp = new Float64Array(nx), fromDown = new Float64Array(nx);
  cart.Sendrecv(row(ny), down, 1, fromUp, up, 1);
  cart.Sendrecv(row(1), up, 2, fromDown, down, 2);
  row(0).set(fromUp);
  row(ny + 1).set(fromDown);
  // Axis 1 (open): columns go left and right; edges stay NaN.
  const [left, right] = cart.Shift(1, 1);
  const fromLeft = new Float64Array(ny), fromRight = new Float64Array(ny);
  cart.Sendrecv(col(nx), right, 3, fromLeft, left, 3);
  cart.Sendrecv(col(1), left, 4, fromRight, right, 4);
  if (left !== MPI.PROC_NULL) setCol(0, fromLeft);
  if (right !== MPI.PROC_NULL) setCol(nx + 1, fromRight);
  const totalY = dims[0]! * ny;
  for (let j = 0; j < nx; j++) {
    assert.equal(grid[j + 1], value((gy(0) - 1 + totalY) % totalY, gx(j)), `halo above, column ${j}`);
    assert.equal(grid[(ny + 1) * W + j + 1], value((gy(ny - 1) + 1) % totalY, gx(j)), `halo below, column ${j}`);
  }
  for (let i = 0; i < ny; i++) {
    const l = grid[(i + 1) * W]!, r = grid[(i + 1) * W + nx + 1]!;
    if (px === 0) assert.ok(Number.isNaN(l), "open left edge"); else assert.equal(l, value(gy(i), gx(0) - 1));
    if (px === dims[1]! - 1) assert.ok(Number.isNaN(r), "open right edge"); else assert.equal(r, value(gy(i), gx(nx - 1) + 1));
  }
  // A reduction over each row of the process grid through Sub.
  const rowComm = cart.Sub([false, true]);
  const rowSum = rowComm.allreduce(px);
  assert.equal(rowSum, (dims[1]! * (dims[1]! - 1)) / 2);
  rowComm.Free();
  cart.Free();
}

// ---- errors ----
expectError("ERR_DIMS", () => world.Create_cart([size + 1]), /needs \d+ ranks/);
expectError("ERR_DIMS", () => world.Create_cart([0]));
expectError("ERR_DIMS", () => world.Create_cart([size], [true, false]), /periods/);
const c1 = world.Create_cart([size], [false]);
expectError("ERR_DIMS", () => c1.Shift(1, 1), /direction 1/);
expectError("ERR_RANK", () => c1.Get_coords(size), /not in 0/);
expectError("ERR_RANK", () => c1.Get_cart_rank([size]), /non-periodic/);
expectError("ERR_DIMS", () => c1.Get_cart_rank([0, 0]));
c1.Free();
world.Barrier();
