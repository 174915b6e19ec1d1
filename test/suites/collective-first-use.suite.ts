// sizes: 1 2 3 4
/**
 * The first collective on a communicator that needs its internal channel (a lowercase value collective, a
 * neighbourhood, intercommunicator or REPLACE collective) may be a nonblocking one started in turn: each rank
 * starts it only once the rank before it, which started its own, sent it a message. On the mpi engine making
 * that channel is itself collective (MPI_Comm_idup); made with a blocking MPI_Comm_dup, rank 0 waited in it for
 * the others while they waited for its message. Every case runs on a fresh communicator, so each is a first use.
 */
import assert from "node:assert/strict";
import { MPI, type Comm } from "mpi4ts";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const ranks = [...Array(size).keys()];

/** Starts `start()` one rank after the other: rank r starts only once rank r - 1 has started its own. */
function inTurn<T>(start: () => T): T {
  if (rank > 0) world.recv(rank - 1, 21);
  const started = start();
  if (rank < size - 1) world.send("started", rank + 1, 21);
  return started;
}

/** A communicator none of whose collectives has run yet. */
function fresh(): Comm {
  return world.Dup();
}

// ---- lowercase value collectives ----
let comm = fresh();
assert.equal(await inTurn(() => comm.ibcast(rank === 0 ? { from: 0 } : null, 0)).wait()?.from, 0, "ibcast");
comm.Free();
comm = fresh();
const gathered = inTurn(() => comm.iallgather(rank * 10));
// MPI's own nonblocking collectives on the same communicator meanwhile (Open MPI mismatches them with an
// MPI_Comm_idup still in progress: they wait until the channel is made)
const sum = new Int32Array(1);
const capitalized = [comm.Ibarrier(), comm.Iallreduce(Int32Array.of(rank), sum, MPI.SUM)];
assert.deepEqual(gathered.wait(), ranks.map((r) => r * 10), "iallgather");
MPI.Request.Waitall(capitalized);
assert.equal(sum[0], (size * (size - 1)) / 2, "Iallreduce beside it");
assert.equal(comm.allreduce(1, MPI.SUM), size, "a blocking one after it, on the same channel");
comm.Free();

// ---- freed while its first collective runs: the collective still completes, as MPI's do ----
comm = fresh();
const late = inTurn(() => comm.iallgather(rank));
comm.Free();
assert.deepEqual(late.wait(), ranks, "iallgather after Free");

// ---- started in turn, then a blocking collective on the same communicator before the first is waited ----
comm = fresh();
const total = inTurn(() => comm.ireduce(rank + 1, MPI.SUM, size - 1));
assert.deepEqual(comm.gather(rank, 0), rank === 0 ? ranks : null, "a blocking gather while the ireduce is in flight");
assert.equal(total.wait(), rank === size - 1 ? (size * (size + 1)) / 2 : null, "ireduce");
comm.Free();

// ---- a Capitalized reduction the library runs itself (REPLACE) ----
comm = fresh();
const replaced = new Int32Array(1).fill(-1);
inTurn(() => comm.Ireduce(Int32Array.of(rank), replaced, MPI.REPLACE, 0)).Wait();
if (rank === 0) assert.equal(replaced[0], size - 1, "Ireduce with REPLACE keeps the last rank's value");
comm.Free();

// ---- a neighbourhood collective on a ring ----
const ring = world.Create_cart([size], [true]);
const fromNeighbours = new Int32Array(2).fill(-1);
inTurn(() => ring.Ineighbor_allgather(Int32Array.of(rank), fromNeighbours)).Wait();
assert.deepEqual([...fromNeighbours], [(rank - 1 + size) % size, (rank + 1) % size], "Ineighbor_allgather");
ring.Free();

// ---- an intercommunicator between the even and the odd ranks ----
if (size >= 2) {
  const color = rank % 2;
  const local = world.Split(color, rank);
  const inter = local.Create_intercomm(0, world, 1 - color, 22);
  const theirs = ranks.filter((r) => r % 2 !== color);
  assert.deepEqual(inTurn(() => inter.iallgather(rank)).wait(), theirs, "intercomm iallgather");
  inTurn(() => inter.Ibarrier()).Wait();
  inter.Free();
  local.Free();
}

world.Barrier();
