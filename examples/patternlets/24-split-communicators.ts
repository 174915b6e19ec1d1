/**
 * Patternlet 24: split communicators (rows and columns).
 *
 * What it teaches: `comm.Split(color, key)` divides a communicator into
 * smaller ones: ranks passing the same color end up together, ordered by key.
 * Collectives on a sub-communicator involve only its members. Here the ranks
 * are laid out row by row in a grid `cols` wide; splitting by row index gives
 * one communicator per row, splitting by column index one per column, and a
 * reduction in each sums the world ranks of that row or column.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/24-split-communicators.ts
 *
 * Try:
 *   - Run with -n 6 and pass the row width: `... 24-split-communicators.ts 3`.
 *   - Use `key = size - rank` and see the ranks inside each row reverse.
 *   - Pass MPI.UNDEFINED as the color on some ranks: they get MPI.COMM_NULL.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const cols = Number(process.argv[2] ?? 2); // ranks per row
const myRow = Math.floor(rank / cols);
const myCol = rank % cols;

const rowComm = comm.Split(myRow, rank); // same row -> same communicator
const colComm = comm.Split(myCol, rank); // same column -> same communicator

const rowSum = rowComm.allreduce(rank, MPI.SUM);
const colSum = colComm.allreduce(rank, MPI.SUM);

console.log(
  `World rank ${rank}: row ${myRow} (rank ${rowComm.Get_rank()} of ${rowComm.Get_size()}, sum ${rowSum}), ` +
    `column ${myCol} (rank ${colComm.Get_rank()} of ${colComm.Get_size()}, sum ${colSum})`,
);

// Self-check against the layout: the world ranks in my row are
// myRow*cols .. min((myRow+1)*cols, size)-1; those in my column are
// myCol, myCol+cols, ... below size.
const rowMembers: number[] = [];
for (let r = myRow * cols; r < Math.min((myRow + 1) * cols, size); r++) rowMembers.push(r);
const colMembers: number[] = [];
for (let r = myCol; r < size; r += cols) colMembers.push(r);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

if (rowComm.Get_size() !== rowMembers.length || rowComm.Get_rank() !== rowMembers.indexOf(rank) ||
    rowSum !== sum(rowMembers)) {
  throw new Error(`rank ${rank}: wrong row communicator`);
}
if (colComm.Get_size() !== colMembers.length || colComm.Get_rank() !== colMembers.indexOf(rank) ||
    colSum !== sum(colMembers)) {
  throw new Error(`rank ${rank}: wrong column communicator`);
}

// Communicators we create, we free.
rowComm.Free();
colComm.Free();
