/**
 * A root that refuses its own root-only buffer arguments (Scatter's sendbuf, Gather's and Reduce's recvbuf, the
 * v-variants' specs) still takes its turn (Collectives.refuse): the ranks that needed its data fail with the
 * same error class instead of waiting, and the communicator works on (mismatch.test.ts: the local engine, and
 * the mpi engine with --check-collectives). Throws on any other outcome.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;
const root = size - 1, atRoot = rank === root;
const block = new Float64Array(2);
const refused = new RegExp(`rank ${root} refused its arguments to (Scatter|Gather|Reduce) with root ${root}`);

/** `needsRoot`: the non-roots wait for the root's data, so they must fail; else they may also return. */
function check(errorClass: string, needsRoot: boolean, run: () => void): void {
  if (atRoot) expectError(errorClass, run);
  else if (needsRoot) expectError(errorClass, run, refused);
  else {
    try { run(); } catch (e) {
      assert.ok(e instanceof MPI.MPIError && e.errorClass === errorClass && refused.test(e.message), String(e));
    }
  }
  const sum = new Float64Array(1);
  world.Allreduce(Float64Array.of(rank), sum);
  assert.equal(sum[0], (size * (size - 1)) / 2, "the communicator works on");
}

check("ERR_COUNT", true, () => world.Scatter(atRoot ? new Float64Array(2 * size + 1) : null, block, root));
check("ERR_BUFFER", true, () => world.Scatterv(atRoot ? [new Float64Array(2), new Array<number>(size).fill(2)] : null, block, root));
check("ERR_TRUNCATE", false, () => world.Gather(block, atRoot ? new Float64Array(size) : null, root));
check("ERR_TRUNCATE", false, () => world.Gather(new Float64Array(50_000), atRoot ? new Float64Array(size) : null, root));
// The big contributions the refusing root dropped are not taken by the next Gather.
const big = new Float64Array(50_000).fill(rank), all = atRoot ? new Float64Array(50_000 * size) : null;
world.Gather(big, all, root);
if (all) for (let r = 0; r < size; r++) assert.equal(all[50_000 * r + 49_999], r, `block ${r} of the next Gather`);
// Reduce: the root's recvbuf of another type, small and too big for the local engine's area; then a big one that
// must not take what the refused one's senders sent.
check("ERR_TYPE", false, () => world.Reduce(block, atRoot ? new Int32Array(2) : null, MPI.SUM, root));
check("ERR_TRUNCATE", false, () => world.Reduce(new Float64Array(50_000).fill(1), atRoot ? new Float64Array(3) : null, MPI.SUM, root));
const total = atRoot ? new Float64Array(50_000) : null;
world.Reduce(new Float64Array(50_000).fill(rank), total, MPI.SUM, root);
if (total) assert.equal(total[49_999], (size * (size - 1)) / 2, "the next Reduce");
check("ERR_ARG", false, () => world.Gatherv(block, atRoot ? ("no spec" as never) : null, root));
world.Barrier();
if (rank === 0) console.log("root refusals: every rank failed or finished, none waits");
