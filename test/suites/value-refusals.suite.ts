// sizes: 2 3 4
/**
 * Issue 9: a rank that refuses its own arguments to a value collective (a root's value that cannot be sent, a
 * list of the wrong length) still takes part, with its refusal in its data's place: no other rank is left
 * waiting, every rank that needed the refused data raises an error of the same class naming the refusing rank,
 * and the communicator works on. Blocking and nonblocking forms, on every engine (on the mpi engine these run
 * over MPI, where a rank that simply raised left the others inside MPI for ever).
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const last = size - 1;
const unsendable = { task: { run: () => rank } };
const own = /a function at \.task\.run cannot be sent/;
const from = (r: number) => new RegExp(`on rank ${rank} of MPI_COMM_WORLD \\(size ${size}\\): rank ${r} refused its part of the collective: a function at \\.task\\.run`);

/** `run` raises on `raising` ranks (the refuser's own error there, `from(refuser)` elsewhere), else returns. */
function check(errorClass: string, refuser: number, raising: (r: number) => boolean, run: () => unknown, ownMessage = own, theirs = from(refuser)): unknown {
  if (rank === refuser) return expectError(errorClass, run, ownMessage);
  if (raising(rank)) return expectError(errorClass, run, theirs);
  return run();
}
const everyone = () => true;

/** After each refusal the communicator carries on: every rank's next collective meets the others'. */
function works(): void {
  assert.equal(world.allreduce(rank, MPI.SUM), (size * (size - 1)) / 2);
}

// bcast: the root's value cannot be sent.
check("ERR_TYPE", last, everyone, () => world.bcast(rank === last ? unsendable : null, last));
works();
assert.equal(world.bcast(rank === 0 ? "fine" : null, 0), "fine");

// scatter: the root's list has the wrong length, or is not a list.
const wrongLength = new RegExp(`rank 0 refused its part of the collective: seq has 1 items but the communicator has ${size} ranks`);
check("ERR_COUNT", 0, everyone, () => world.scatter(rank === 0 ? [1] : null, 0), /seq has 1 items/, wrongLength);
check("ERR_ARG", 1, everyone, () => world.scatter(rank === 1 ? ("abc" as unknown as string[]) : null, 1), /seq must be an array/, /rank 1 refused its part of the collective: seq must be an array/);
works();

// gather: one sender's value cannot be sent; the root raises, the other senders are done.
check("ERR_TYPE", last, (r) => r === 0, () => world.gather(rank === last ? unsendable : rank, 0));
works();

// allgather and alltoall: every rank needed the refused part.
check("ERR_TYPE", 0, everyone, () => world.allgather(rank === 0 ? unsendable : rank));
check("ERR_COUNT", 1, everyone, () => world.alltoall(rank === 1 ? [1] : new Array<number>(size).fill(rank)), /seq has 1 items/, /rank 1 refused its part of the collective: seq has 1 items/);
works();

// Reductions: the refused operand reaches every result that depended on it.
check("ERR_TYPE", 0, (r) => r === last, () => world.reduce(rank === 0 ? unsendable : rank, MPI.SUM, last));
check("ERR_TYPE", last, everyone, () => world.allreduce(rank === last ? unsendable : rank, MPI.SUM));
// scan: rank r's result depends on ranks 0..r; exscan's on ranks 0..r-1.
check("ERR_TYPE", 0, everyone, () => world.scan(rank === 0 ? unsendable : rank, MPI.SUM));
check("ERR_TYPE", last, (r) => r > last, () => world.scan(rank === last ? unsendable : rank, MPI.SUM));
check("ERR_TYPE", 0, (r) => r > 0, () => world.exscan(rank === 0 ? unsendable : rank, MPI.SUM));
works();

// An op that throws on one rank's operands: the throwing rank raises its own error, the others the refusal.
const picky = MPI.Op.Create((a: unknown, b: unknown) => {
  if (a === "bad" || b === "bad") throw new MPI.MPIError("ERR_OP", "picky refuses bad");
  return (a as number) + (b as number);
}, true);
let caught = 0;
try { world.allreduce(rank === 1 ? "bad" : rank, picky); } catch (e) {
  assert.ok(e instanceof MPI.MPIError && e.errorClass === "ERR_OP" && /picky refuses bad/.test(e.message), String(e));
  caught++;
}
assert.equal(caught, 1, "every rank's allreduce result depended on rank 1's operand");
picky.Free();
works();

// Nonblocking: the refusing rank raises at the call, the others at wait.
if (rank === 0) expectError("ERR_TYPE", () => world.ibcast(unsendable, 0), own);
else expectError("ERR_TYPE", () => world.ibcast(null, 0).wait(), from(0));
// One item too many, at every size.
if (rank === last) expectError("ERR_COUNT", () => world.iscatter(new Array<number>(size + 1).fill(1), last), new RegExp(`seq has ${size + 1} items`));
else expectError("ERR_COUNT", () => world.iscatter(null, last).wait(), new RegExp(`rank ${last} refused its part of the collective: seq has ${size + 1} items`));
const nonblocking: [string, () => MPI.Request<unknown>][] = [
  ["igather", () => world.igather(rank === 1 ? unsendable : rank, 1)],
  ["iallgather", () => world.iallgather(rank === 1 ? unsendable : rank)],
  ["iallreduce", () => world.iallreduce(rank === 1 ? unsendable : rank, MPI.SUM)],
  ["ialltoall", () => world.ialltoall(rank === 1 ? unsendable as unknown as number[] : new Array<number>(size).fill(rank))],
];
for (const [name, start] of nonblocking) {
  if (rank === 1) expectError(name === "ialltoall" ? "ERR_ARG" : "ERR_TYPE", start);
  else if (name === "igather" && rank !== 1) start().wait(); // rank 1 is the root: only it needed the values
  else expectError(name === "ialltoall" ? "ERR_ARG" : "ERR_TYPE", () => start().wait(), /rank 1 refused its part of the collective/);
}
works();
world.barrier();
