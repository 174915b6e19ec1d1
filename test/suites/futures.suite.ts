// sizes: 1 2 3 4
/**
 * mpi4ts/futures' CommExecutor (mpi4py's MPICommExecutor) inside an SPMD program: the root gets an executor, the
 * others serve until it shuts down and get null; then the world goes on with ordinary collectives. On one rank
 * there is nobody to serve: a clear refusal on every rank.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { CommExecutor, TaskError } from "mpi4ts/futures";
import { add, fail, square, whoAmI } from "../futures/tasks.js";

const world = MPI.COMM_WORLD;
const expectRefusal = (errorClass: string, mentions: RegExp, run: () => Promise<unknown>) =>
  assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof MPI.MPIError && e.errorClass === errorClass, `expected ${errorClass}, got ${String(e)}`);
    assert.match(e.message, mentions);
    assert.match(e.message, new RegExp(`rank ${world.rank}`));
    return true;
  });

if (world.size === 1) {
  await expectRefusal("ERR_OTHER", /no worker ranks.*mpi4ts run -n 5 --futures/, () => CommExecutor(world));
} else {
  // Arguments are checked on every rank before the collective Dup: a bad root fails everywhere, nobody hangs.
  await expectRefusal("ERR_ROOT", /root 99/, () => CommExecutor(world, 99));
  await expectRefusal("ERR_ARG", /maxWorkers/, () => CommExecutor(world, 0, { maxWorkers: -1 }));

  const root = world.size - 1;
  const served: number[] = [];
  {
    await using executor = await CommExecutor(world, root);
    if (executor) {
      assert.equal(world.rank, root);
      assert.equal(executor.numWorkers, world.size - 1);
      const input = Array.from({ length: 40 }, (_, i) => i);
      const out: number[] = [];
      for await (const v of executor.map(square, input, { chunksize: 3 })) out.push(v);
      assert.deepEqual(out, input.map(square));
      assert.equal(await executor.submit(add, 20, 22), 42);
      const e = await executor.submit(fail, "from a worker").exception();
      assert.ok(e instanceof TaskError && e.rank !== root && e.rank < world.size);
      // ranks of the executor's communicator: every one but the root
      for (let i = 0; i < 3 * world.size; i++) served.push(await executor.submit(whoAmI));
      assert.ok(served.every((r) => r !== root));
    } else {
      assert.notEqual(world.rank, root);
    }
  }
  // Everyone is back in the SPMD program: a collective completes.
  assert.equal(world.allreduce(1, MPI.SUM), world.size);
  // A second executor on a Split communicator, root 0 of it.
  const half = world.Split(world.rank % 2, world.rank);
  if (half.size > 1) {
    const ex = await CommExecutor(half, 0);
    if (ex) {
      assert.equal(await ex.submit(square, 9), 81);
      await ex.shutdown();
    }
  } else {
    await expectRefusal("ERR_OTHER", /no worker ranks/, () => CommExecutor(half, 0));
  }
  world.barrier();
}
