/**
 * Patternlet 25: Cartesian topology and Shift.
 *
 * What it teaches: many problems live on a grid, and each rank owns one
 * tile of it. `MPI.Compute_dims(size, 2)` picks a balanced 2-D grid shape,
 * `comm.Create_cart(dims, periods)` numbers the ranks as grid coordinates,
 * and `cart.Shift(direction, 1)` returns [source, dest]: the neighbours one
 * step back and one step forward along that axis. With periodic axes the grid
 * wraps around (a torus); with open axes the neighbour past an edge is
 * MPI.PROC_NULL, and a send to or receive from PROC_NULL does nothing, so
 * edge ranks need no special case.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/25-cartesian-shift.ts
 *
 * Try:
 *   - Run with -n 6, -n 8, -n 12 and look at the grid shape.
 *   - Shift by 2 instead of 1.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const dims = MPI.Compute_dims(size, 2);

// 1) A periodic grid: every rank has neighbours on all four sides.
const torus = comm.Create_cart(dims, [true, true]);
const me = torus.Get_rank();
const coords = torus.Get_coords(me);

for (let direction = 0; direction < 2; direction++) {
  const [source, dest] = torus.Shift(direction, 1);
  // Pass my coordinates forward along this axis; receive from behind.
  const got = torus.sendrecv<number[]>(coords, dest, 0, source, 0);
  console.log(
    `Rank ${me} at (${coords.join(",")}) in a ${dims.join("x")} torus, axis ${direction}: ` +
      `sent to ${dest}, received (${got.join(",")}) from ${source}`,
  );

  // Self-check: what arrived are the coordinates of the rank one step back.
  const expected = [...coords];
  expected[direction] = (coords[direction] - 1 + dims[direction]) % dims[direction];
  if (got.join(",") !== expected.join(",") || torus.Get_cart_rank(expected) !== source) {
    throw new Error(`rank ${me}: received (${got.join(",")}), expected (${expected.join(",")})`);
  }
}

// 2) An open grid: past the edges the neighbour is PROC_NULL.
const grid = comm.Create_cart(dims, [false, false]);
const gridCoords = grid.Get_coords(grid.Get_rank());
for (let direction = 0; direction < 2; direction++) {
  const [source, dest] = grid.Shift(direction, 1);
  const atStart = gridCoords[direction] === 0;
  const atEnd = gridCoords[direction] === dims[direction] - 1;
  // sendrecv with PROC_NULL partners completes at once; the result is undefined.
  const got = grid.sendrecv<number[] | undefined>(gridCoords, dest, 0, source, 0);
  if ((source === MPI.PROC_NULL) !== atStart || (dest === MPI.PROC_NULL) !== atEnd ||
      (atStart ? got !== undefined : got === undefined)) {
    throw new Error(`rank ${grid.Get_rank()}: wrong edge neighbours ${source}, ${dest} on axis ${direction}`);
  }
}
if (rank === 0) console.log(`On the open ${dims.join("x")} grid, edge ranks see MPI.PROC_NULL (${MPI.PROC_NULL}) past the edge`);

torus.Free();
grid.Free();
