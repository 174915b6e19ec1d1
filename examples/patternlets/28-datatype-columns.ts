/**
 * Patternlet 28: derived datatypes, a grid's columns without manual packing.
 *
 * What it teaches: a column of a row-major grid is not contiguous in memory, but one vector datatype describes
 * it (`rows` blocks of 1 double, `cols` doubles apart), so `Sendrecv([grid, 1, column], ...)` sends it and
 * receives it in place, with no copy loop in the program. Each rank owns `cols` columns of a rows × (size·cols)
 * grid plus one ghost column on each side; the halo exchange fills the ghosts with the neighbours' edge columns.
 * Then the root assembles the whole grid with one Gather: a column type resized to one double's extent makes
 * consecutive items consecutive columns, so rank r's block lands in columns r·cols ... of the root's grid.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/28-datatype-columns.ts
 *
 * Try:
 *   - Send the column with a plain Float64Array instead, by copying it out in a loop: that is the code the
 *     datatype saves you.
 *   - Print `column.Get_extent()` and `column.Get_size()`: the extent spans the rows, the size is rows doubles.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const rows = 6, cols = 4;           // this rank's block: rows × cols cells
const width = cols + 2;             // plus a ghost column on each side
const value = (i: number, globalJ: number) => 100 * i + globalJ;

// Row-major local grid; owned cells are columns 1..cols, the ghosts columns 0 and cols + 1.
const grid = new Float64Array(rows * width).fill(-1);
for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) grid[i * width + 1 + j] = value(i, rank * cols + j);

// One column of the local grid: `rows` blocks of one double, `width` doubles apart.
const column = MPI.DOUBLE.Create_vector(rows, 1, width).Commit();
const left = rank > 0 ? rank - 1 : MPI.PROC_NULL;
const right = rank < size - 1 ? rank + 1 : MPI.PROC_NULL;
const at = (j: number) => grid.subarray(j); // a view starting at column j: the column type takes it from there

// Halo exchange: my first owned column goes left while the right neighbour's first arrives in my right ghost,
// then the other way round. PROC_NULL at the edges sends and receives nothing.
comm.Sendrecv([at(1), 1, column], left, 0, [at(cols + 1), 1, column], right, 0);
comm.Sendrecv([at(cols), 1, column], right, 1, [at(0), 1, column], left, 1);

for (let i = 0; i < rows; i++) {
  if (left !== MPI.PROC_NULL && grid[i * width] !== value(i, rank * cols - 1)) throw new Error(`rank ${rank}: left ghost row ${i} is wrong`);
  if (right !== MPI.PROC_NULL && grid[i * width + cols + 1] !== value(i, (rank + 1) * cols)) throw new Error(`rank ${rank}: right ghost row ${i} is wrong`);
}
console.log(`Process ${rank}: ghost columns filled by the halo exchange`);

// Assemble the whole grid at the root, column by column: a column of the global grid, resized so that item k
// starts k doubles after item 0, receives each rank's `cols` columns side by side.
const total = size * cols;
const globalColumn = MPI.DOUBLE.Create_vector(rows, 1, total).Create_resized(0, 8).Commit();
const whole = rank === 0 ? new Float64Array(rows * total) : null;
comm.Gather([at(1), cols, column.Create_resized(0, 8).Commit()], whole ? [whole, cols, globalColumn] : null, 0);

if (rank === 0) {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < total; j++) if (whole![i * total + j] !== value(i, j)) throw new Error(`cell (${i}, ${j}) is ${whole![i * total + j]}`);
  }
  console.log(`Root assembled the ${rows}x${total} grid column by column`);
}
column.Free();
globalColumn.Free();
