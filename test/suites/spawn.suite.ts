// sizes: 1 2 3
/**
 * Dynamic processes (MPI-4.0 chapter 11): Spawn from COMM_WORLD and from each rank's COMM_SELF, the children's
 * Get_parent, point-to-point and collectives across the intercommunicator, Dup, Merge, Disconnect, errcodes; and
 * refusals that every rank agrees on before any process is started (so none is left waiting). The children are
 * test/suites/programs/spawn-child.ts.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const n = world.size, rank = world.rank;
const child = new URL("./programs/spawn-child.ts", import.meta.url).pathname;

assert.equal(MPI.Comm.Get_parent(), MPI.COMM_NULL, "a process nobody spawned has no parent");

// Debian's MPICH (ch4:ucx) fails every MPI_Comm_spawn: that must be an ERR_SPAWN on every rank, never a hang.
const cannotSpawn = /MPICH/.test(MPI.Get_library_version());
if (cannotSpawn) {
  expectError("ERR_SPAWN", () => world.Spawn(child, ["self"], 1), /spawn/i);
  assert.equal(world.allreduce(1, MPI.SUM), n, "after the failed spawn every rank still takes part in collectives");
} else {
  spawnEverything();
}

function spawnEverything(): void {
  for (const children of [1, 3]) {
    const errcodes: number[] = [-1];
    const inter = world.Spawn(child, ["talk", String(children)], children, null, 0, errcodes);
    assert.ok(inter instanceof MPI.Intercomm && inter.Is_inter());
    assert.equal(inter.Get_remote_size(), children);
    assert.equal(inter.Get_size(), n);
    assert.equal(inter.Get_rank(), rank);
    assert.deepEqual(errcodes, new Array(children).fill(0), "one code per process, on every rank");
    for (let c = 0; c < children; c++) inter.send({ from: rank, to: c }, c, 1);
    const answers = Array.from({ length: children }, (_, c) => inter.recv(c, 2));
    assert.deepEqual(answers, Array.from({ length: children }, (_, c) => ({ child: c, of: children })));
    if (rank === 0) {
      for (let c = 0; c < children; c++) {
        const big = Float64Array.from({ length: 200_000 }, (_, i) => i + c);
        inter.Send(big, c, 9);
        const echo = new Float64Array(big.length);
        inter.Recv(echo, c, 10);
        assert.deepEqual(echo, big, "a large message to a child and back");
      }
    }
    for (let c = 0; c < children; c++) inter.Send(Int32Array.of(rank, c), c, 3);
    inter.bcast(rank === 0 ? "from the parents' rank 0" : null, rank === 0 ? MPI.ROOT : MPI.PROC_NULL);
    assert.equal(inter.bcast(null, 0), "from the children's rank 0");
    assert.equal(inter.allreduce(rank + 1, MPI.SUM), Array.from({ length: children }, (_, c) => 100 + c).reduce((a, b) => a + b));
    assert.deepEqual(inter.allgather(`p${rank}`), Array.from({ length: children }, (_, c) => `c${c}`));
    inter.Barrier();
    const dup = inter.Dup();
    if (rank === 0) assert.equal(dup.recv(0, 4), "on the duplicate");
    dup.Free();
    const [idup, idupRequest] = inter.Idup();
    idupRequest.Wait();
    if (rank === 0) assert.equal(idup.recv(0, 4), "on the Idup");
    idup.Free();
    for (const high of [false, false]) {
      const merged = inter.Merge(high);
      assert.equal(merged.rank, rank, "the parents come first");
      assert.equal(merged.size, n + children);
      merged.allgather(`p${rank}`);
      merged.Free();
    }
    const reversed = inter.Split(0, -rank) as MPI.Intercomm;
    assert.equal(reversed.rank, n - 1 - rank);
    assert.deepEqual(reversed.allgather(`p${rank}`), Array.from({ length: children }, (_, c) => `c${children - 1 - c}`));
    reversed.Free();
    assert.equal(inter.Get_remote_group().Get_size(), children);
    inter.Disconnect();
  }

  // Each rank spawns on its own COMM_SELF at the same time: n independent families.
  const errcodes: number[] = [];
  const mine = MPI.COMM_SELF.Spawn(child, ["self"], 2, MPI.INFO_NULL, 0, errcodes);
  assert.deepEqual(errcodes, [0, 0]);
  for (let c = 0; c < 2; c++) mine.send(`from ${rank}`, c, 5);
  const replies = [0, 1].map((c) => mine.recv(c, 6));
  assert.deepEqual(replies, [0, 1].map((c) => ({ child: c, size: 2, question: `from ${rank}` })));
  expectError("ERR_COMM", () => mine.Spawn(child), /not defined on an intercommunicator/);
  mine.Disconnect();

  // Spawn_multiple: two commands (the same file, told apart by their arguments) in one world of three.
  const multiErrcodes: number[] = [];
  const multi = world.Spawn_multiple([child, child], [["multi", "first"], ["multi", "second"]], [1, 2], null, 0, multiErrcodes);
  assert.deepEqual(multiErrcodes, [0, 0, 0]);
  assert.equal(multi.Get_remote_size(), 3);
  if (rank === 0) {
    const reports = [0, 1, 2].map((c) => multi.recv(c, 7));
    assert.deepEqual(reports, [
      { rank: 0, size: 3, appnum: 0, label: "first" },
      { rank: 1, size: 3, appnum: 1, label: "second" },
      { rank: 2, size: 3, appnum: 1, label: "second" },
    ]);
  }
  multi.Disconnect();

  // Refusals: every rank throws the same error, nothing was started, and the communicator still works.
  expectError("ERR_ARG", () => world.Spawn_multiple([child, child], [["multi"]], [1, 1]), /args must be an array of 2 \(one per command\)/);
  expectError("ERR_ARG", () => world.Spawn_multiple([], null, null), /commands must be a non-empty array/);
  expectError("ERR_ARG", () => world.Spawn_multiple([child, ""], null, [1, 1]), /command 1: command must be a non-empty string/);
  expectError("ERR_ARG", () => world.Spawn(child, ["talk"], 0), /rank 0: maxprocs must be a positive integer, got 0; no process was started/);
  expectError("ERR_ARG", () => world.Spawn(`${child}.missing.ts`, [], 1), /names a program file that does not exist/);
  expectError("ERR_ARG", () => world.Spawn(child, [1 as unknown as string], 1), /args must be an array of strings/);
  expectError("ERR_ARG", () => world.Spawn("", [], 1), /command must be a non-empty string/);
  expectError("ERR_ROOT", () => world.Spawn(child, [], 1, null, n), new RegExp(`root ${n} is not a rank of the communicator`));
  if (n > 1) expectError("ERR_ROOT", () => world.Spawn(child, [], 1, null, rank), /the ranks passed different roots/);
  // Only the root's arguments count: the others' may be anything.
  if (n > 1) {
    const inter = world.Spawn(rank === 0 ? child : "ignored", rank === 0 ? ["self"] : null, rank === 0 ? 1 : -5, null, 0);
    if (rank === 0) {
      inter.send("from 0", 0, 5);
      assert.equal((inter.recv(0, 6) as { question: string }).question, "from 0");
    }
    inter.Disconnect();
  }
  assert.equal(world.allreduce(1, MPI.SUM), n, "after the refusals every rank still takes part in collectives");
}
