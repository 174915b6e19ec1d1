// sizes: 1 2 3 4
/**
 * Pending point-to-point across blocking calls: a rank has posted receives or unfinished sends while every rank
 * enters a blocking collective or creates a communicator. MPI matches a posted receive while its rank sits in
 * any blocking call, so none of these programs may hang on any engine (on the mpi engine they did, when posted
 * receives lived outside MPI and ranks picked blocking or nonblocking collectives from their own state).
 * Each pattern runs many rounds: the hangs it guards against showed in some runs only.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const rank = world.rank;
const size = world.size;
const last = size - 1;
const ROUNDS = 12;
const BIG = 100_000;

for (let round = 0; round < ROUNDS; round++) {
  // 1. A large value is sent, then every rank joins a barrier, then it is received.
  if (rank === 0) world.send("v".repeat(BIG) + round, last, 1);
  world.barrier();
  if (rank === last) assert.equal(world.recv(0, 1), "v".repeat(BIG) + round);

  // 2. A value receive is posted before the barrier; its message is sent after it.
  const pending = rank === 0 ? world.irecv(last, 2) : undefined;
  world.barrier();
  if (rank === last) world.send({ round }, 0, 2);
  if (pending) assert.deepEqual(await pending, { round });

  // 3. A buffer receive is posted, the sender's blocking Send of a large buffer needs it matched before the
  //    sender can reach the barrier.
  const big = new Float64Array(BIG);
  const incoming = rank === 0 ? world.Irecv(big, last, 3) : undefined;
  if (rank === last) world.Send(new Float64Array(BIG).fill(round + 0.5), 0, 3);
  world.Barrier();
  if (incoming) {
    incoming.wait();
    assert.equal(big[BIG - 1], round + 0.5);
  }

  // 4. A synchronous value send completes only once the posted receive matched it.
  const sync = rank === 0 ? world.irecv(last, 4) : undefined;
  if (rank === last) world.ssend([round, "sync"], 0, 4);
  world.barrier();
  if (sync) assert.deepEqual(sync.wait(), [round, "sync"]);

  // 5. Communicator creation and a collective with a large message for a posted receive in flight.
  const across = rank === 0 ? world.Irecv(big, last, 5) : undefined;
  if (rank === last) world.Send(new Float64Array(BIG).fill(round), 0, 5);
  const dup = world.Dup();
  const half = world.Split(rank % 2, rank);
  const sum = new Int32Array(1);
  dup.Allreduce(Int32Array.of(1), sum, MPI.SUM);
  assert.equal(sum[0], size);
  across?.wait();
  if (across) assert.equal(big[0], round);
  half.Free();
  dup.Free();

  // 6. Wildcard receives posted before a Bcast, filled by every other rank after it.
  const fanIn = rank === 0 ? Array.from({ length: size - 1 }, () => world.irecv(MPI.ANY_SOURCE, 6)) : [];
  const root = new Float64Array(4).fill(rank === 0 ? round : -1);
  world.Bcast(root, 0);
  assert.equal(root[3], round);
  if (rank !== 0) world.send("x".repeat(rank * 30_000), 0, 6);
  if (rank === 0) {
    const lengths = (await MPI.Request.waitall(fanIn)).map((s) => (s as string).length).sort((a, b) => a - b);
    assert.deepEqual(lengths, Array.from({ length: size - 1 }, (_, i) => (i + 1) * 30_000));
  }
}

// 7. A large posted receive that its message does not fit, or that gets a value, fails; the message stays
//    receivable (on the mpi engine such receives are posted straight into the buffer).
{
  const next = (rank + 1) % size, prev = (rank - 1 + size) % size;
  const small = new Float64Array(BIG / 2);
  const tooSmall = world.Irecv(small, prev, 7);
  world.Send(new Float64Array(BIG).fill(rank + 0.25), next, 7);
  assert.throws(() => tooSmall.wait(), (e: MPI.MPIError) => e.errorClass === "ERR_TRUNCATE");
  const fits = new Float64Array(BIG);
  world.Recv(fits, prev, 7);
  assert.ok(fits.every((v) => v === prev + 0.25));

  const wrongKind = world.Irecv(new Float64Array(BIG), prev, 8);
  world.send({ from: rank }, next, 8);
  assert.throws(() => wrongKind.wait(), (e: MPI.MPIError) => e.errorClass === "ERR_TYPE");
  assert.deepEqual(world.recv(prev, 8), { from: prev });
}

world.barrier();
// 8. A receive nobody waits for does not keep the job from ending (the mpi engine cancels it at finalize).
world.irecv(MPI.ANY_SOURCE, 999);
world.Irecv(new Float64Array(BIG), MPI.ANY_SOURCE, 999);
if (rank === 0) console.log(`p2p-pending ok ${size}`);
