/**
 * The processes spawn.suite.ts starts. argv[2] says what the parents will do with them:
 *  - "talk": point-to-point both ways, the intercommunicator collectives, Dup, Merge (both orders), Disconnect;
 *  - "self": the parents' rank 0 asks each child for its world size, then both sides disconnect;
 *  - "multi": started by Spawn_multiple, each child tells the parents' rank 0 its rank, world size and APPNUM.
 * Any failed check throws, which ends the job with the child's error.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const parent = MPI.Comm.Get_parent();
assert.notEqual(parent, MPI.COMM_NULL, "a spawned process has a parent");
assert.equal(MPI.Comm.Get_parent(), parent, "Get_parent gives the same intercommunicator every time");
assert.ok(parent.Is_inter());
assert.equal(parent.Get_size(), world.size, "the local group of the parent intercommunicator is the children's world");
assert.equal(parent.Get_rank(), world.rank);
const parents = parent.Get_remote_size();
const mode = process.argv[2];

if (mode === "talk") {
  assert.equal(process.argv[3], String(world.size), "the arguments reach the children");
  // Every parent rank sends each child its rank; the child answers every parent.
  for (let p = 0; p < parents; p++) {
    const status = new MPI.Status();
    assert.deepEqual(parent.recv(p, 1, status), { from: p, to: world.rank });
    assert.equal(status.Get_source(), p, "sources are ranks of the parents' group");
  }
  for (let p = 0; p < parents; p++) parent.send({ child: world.rank, of: world.size }, p, 2);
  // The children's own world works as any COMM_WORLD, collectives and large messages included.
  assert.equal(world.allreduce(world.rank, MPI.SUM), (world.size * (world.size - 1)) / 2);
  const big = new Float64Array(200_000);
  if (world.size > 1 && world.rank === 0) world.Send(big.fill(7), world.size - 1, 8);
  if (world.size > 1 && world.rank === world.size - 1) {
    world.Recv(big, 0, 8);
    assert.ok(big.every((x) => x === 7));
  }
  // A large message from the parents' rank 0, echoed back.
  parent.Recv(big, 0, 9);
  assert.ok(big.every((x, i) => x === i + world.rank));
  parent.Send(big, 0, 10);
  // Buffers too, from ANY_SOURCE.
  const got = new Int32Array(2);
  for (let p = 0; p < parents; p++) {
    const status = new MPI.Status();
    parent.Recv(got, MPI.ANY_SOURCE, 3, status);
    assert.deepEqual([...got], [status.Get_source(), world.rank]);
  }
  // Intercommunicator collectives: the parents' root 0 to the children, then the children's root 0 to the parents.
  assert.equal(parent.bcast(null, 0), "from the parents' rank 0");
  parent.bcast(world.rank === 0 ? "from the children's rank 0" : null, world.rank === 0 ? MPI.ROOT : MPI.PROC_NULL);
  assert.equal(parent.allreduce(100 + world.rank, MPI.SUM), (parents * (parents + 1)) / 2, "allreduce gives the other group's sum");
  assert.deepEqual(parent.allgather(`c${world.rank}`), Array.from({ length: parents }, (_, p) => `p${p}`));
  parent.Barrier();
  // A duplicate is its own matching space over the same groups.
  const dup = parent.Dup();
  assert.ok(dup.Is_inter());
  if (world.rank === 0) dup.send("on the duplicate", 0, 4);
  dup.Free();
  const [idup, idupRequest] = parent.Idup();
  await idupRequest;
  if (world.rank === 0) idup.send("on the Idup", 0, 4);
  idup.Free();
  // Merge: the parents pass high=false, the children true, so the parents come first; passing the same puts
  // the spawning side first.
  for (const high of [true, false]) {
    const merged = parent.Merge(high);
    assert.equal(merged.size, parents + world.size);
    assert.equal(merged.rank, parents + world.rank, `Merge(${high}): children after the parents`);
    assert.deepEqual(merged.allgather(`c${world.rank}`), [...Array.from({ length: parents }, (_, p) => `p${p}`), ...Array.from({ length: world.size }, (_, c) => `c${c}`)]);
    merged.Free();
  }
  // Split over an intercommunicator the engine made: both sides in reverse order.
  const reversed = parent.Split(0, -world.rank) as MPI.Intercomm;
  assert.equal(reversed.rank, world.size - 1 - world.rank);
  assert.deepEqual(reversed.allgather(`c${world.rank}`), Array.from({ length: parents }, (_, p) => `p${parents - 1 - p}`));
  reversed.Free();
  assert.equal(parent.Get_remote_group().Get_size(), parents);
  parent.Disconnect();
  assert.equal(MPI.Comm.Get_parent(), MPI.COMM_NULL, "no parent after Disconnect");
} else if (mode === "self") {
  const question = parent.recv(0, 5);
  parent.send({ child: world.rank, size: world.size, question }, 0, 6);
  parent.Disconnect();
} else if (mode === "multi") {
  // Spawn_multiple: one world of every command's processes, each knowing its command's index.
  parent.send({ rank: world.rank, size: world.size, appnum: world.Get_attr(MPI.APPNUM), label: process.argv[3] }, 0, 7);
  parent.Disconnect();
} else {
  throw new Error(`spawn-child.ts: unknown mode ${String(mode)}`);
}
