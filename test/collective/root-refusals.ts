/**
 * A root that refuses its own root-only buffer arguments (Scatter's sendbuf, Gather's and Reduce's recvbuf, the
 * v-variants' specs) still takes its turn (Collectives.refuse), so that no rank waits for ever (mismatch.test.ts).
 * Throws on any other outcome. The argument says what the engine can do:
 * - "told" (the local engine, the mpi engine with --check-collectives): every case; the ranks that needed the
 *   root's data fail with the same error class, and the communicator works on;
 * - "untold" (the mpi engine without it): the Gather and Reduce cases, whose senders need nothing from the root
 *   and complete while it collects into scratch memory;
 * - "abort <call>": a root refusal no rank can be told of; the job must end (MPI_Abort) with the reason.
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
  worksOn();
}

function worksOn(): void {
  const sum = new Float64Array(1);
  world.Allreduce(Float64Array.of(rank), sum);
  assert.equal(sum[0], (size * (size - 1)) / 2, "the communicator works on");
}

/**
 * A nonblocking call refused at the root: the root raises at the call; the others' requests complete, or fail
 * with its error class when they need its data (`needsRoot`).
 */
function checkRequest(errorClass: string, needsRoot: boolean, start: () => { wait(): unknown }): void {
  check(errorClass, needsRoot, () => (atRoot ? start() : start().wait()));
}

/** A persistent request refused at the root's init: the others' inits succeed and every round of theirs fails. */
function checkPersistent(errorClass: string, init: () => MPI.Prequest): void {
  if (atRoot) {
    expectError(errorClass, init);
  } else {
    const request = init();
    for (let round = 0; round < 2; round++) {
      request.Start();
      expectError(errorClass, () => request.Wait(), refused);
    }
    request.Free();
  }
  worksOn();
}

/** A Gather and a Reduce of 50 000 doubles after refused ones: their data are not taken by the refused calls' leftovers. */
function nextGatherAndReduce(): void {
  const big = new Float64Array(50_000).fill(rank), all = atRoot ? new Float64Array(50_000 * size) : null;
  world.Gather(big, all, root);
  if (all) for (let r = 0; r < size; r++) assert.equal(all[50_000 * r + 49_999], r, `block ${r} of the next Gather`);
  const total = atRoot ? new Float64Array(50_000) : null;
  world.Reduce(new Float64Array(50_000).fill(rank), total, MPI.SUM, root);
  if (total) assert.equal(total[49_999], (size * (size - 1)) / 2, "the next Reduce");
}

const mode = process.argv[2] ?? "told";
if (mode === "abort") {
  // Rooted calls whose non-roots wait for the root's part, or whose root cannot collect into scratch memory.
  const call = process.argv[3];
  if (call === "Scatter") world.Scatter(atRoot ? new Float64Array(2 * size + 1) : null, block, root);
  else if (call === "Iscatter") world.Iscatter(atRoot ? new Float64Array(2 * size + 1) : null, block, root).wait();
  else if (call === "Gatherv") world.Gatherv(new Float64Array(50_000), atRoot ? ("no spec" as never) : null, root);
  else if (call === "Reduce_init") world.Reduce_init(new Float64Array(50_000), atRoot ? new Int32Array(2) : null, MPI.SUM, root).Start();
  else throw new Error(`no abort case ${String(call)}`);
  world.Barrier();
  console.log(`${call}: every rank went on after the refusal`);
} else {
  const told = mode === "told";
  if (told) {
    check("ERR_COUNT", true, () => world.Scatter(atRoot ? new Float64Array(2 * size + 1) : null, block, root));
    check("ERR_BUFFER", true, () => world.Scatterv(atRoot ? [new Float64Array(2), new Array<number>(size).fill(2)] : null, block, root));
  }
  check("ERR_TRUNCATE", false, () => world.Gather(block, atRoot ? new Float64Array(size) : null, root));
  check("ERR_TRUNCATE", false, () => world.Gather(new Float64Array(50_000), atRoot ? new Float64Array(size) : null, root));
  // Reduce: the root's recvbuf of another type, small and too big for the local engine's area.
  check("ERR_TYPE", false, () => world.Reduce(block, atRoot ? new Int32Array(2) : null, MPI.SUM, root));
  check("ERR_TRUNCATE", false, () => world.Reduce(new Float64Array(50_000).fill(1), atRoot ? new Float64Array(3) : null, MPI.SUM, root));
  // REPLACE, which runs outside MPI's Reduce on the mpi engine: the root's turn is taken where the others' calls are.
  check("ERR_TYPE", false, () => world.Reduce(block, atRoot ? new Int32Array(2) : null, MPI.REPLACE, root));
  nextGatherAndReduce();
  if (told) {
    check("ERR_ARG", false, () => world.Gatherv(block, atRoot ? ("no spec" as never) : null, root));
    // A Reduce root with IN_PLACE and a recvbuf it refuses has no operand to take part with: small and too big
    // for the local engine's area (the others then wait for the root's word before sending).
    for (const n of [2, 50_000]) {
      const detached = new Float64Array(n);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      check("ERR_BUFFER", false, () => world.Reduce(atRoot ? MPI.IN_PLACE : new Float64Array(n), atRoot ? detached : null, MPI.SUM, root));
    }
    nextGatherAndReduce();
  }
  // The nonblocking forms, small and big.
  checkRequest("ERR_TRUNCATE", false, () => world.Igather(block, atRoot ? new Float64Array(size) : null, root));
  checkRequest("ERR_TRUNCATE", false, () => world.Igather(new Float64Array(50_000), atRoot ? new Float64Array(size) : null, root));
  checkRequest("ERR_TYPE", false, () => world.Ireduce(block, atRoot ? new Int32Array(2) : null, MPI.SUM, root));
  checkRequest("ERR_TRUNCATE", false, () => world.Ireduce(new Float64Array(50_000).fill(1), atRoot ? new Float64Array(3) : null, MPI.SUM, root));
  nextGatherAndReduce();
  // A nonblocking Scatter's root sends its refusal down the schedule's tree (the local engine; MPI's Iscatter has
  // no way to, so the mpi engine ends the job: "abort Iscatter").
  if (MPI.Get_library_version().split(" ")[1] === "local") {
    checkRequest("ERR_COUNT", true, () => world.Iscatter(atRoot ? new Float64Array(2 * size + 1) : null, block, root));
    checkRequest("ERR_BUFFER", true, () => world.Iscatterv(atRoot ? [new Float64Array(2), new Array<number>(size).fill(2)] : null, block, root));
    const spread = new Float64Array(2 * size).map((_, i) => i), mine = new Float64Array(2);
    world.Scatter(atRoot ? spread : null, mine, root);
    assert.deepEqual([...mine], [2 * rank, 2 * rank + 1], "the next Scatter");
    // A persistent call refused at its root's init: the root's verdict reaches the others' rounds, which all
    // fail; nothing of theirs is left for the root's next calls (which took their messages before).
    // Roots that have nothing to take part with (Igatherv's counts, Ireduce's IN_PLACE recvbuf) take their call's
    // place in the order, so that their next calls never take the others' messages of this one.
    checkRequest("ERR_ARG", false, () => world.Igatherv(block, atRoot ? ("no spec" as never) : null, root));
    const gathered = atRoot ? new Float64Array(2 * size) : null;
    world.Igather(Float64Array.of(rank, rank), gathered, root).Wait();
    if (gathered) assert.deepEqual([...gathered], Array.from({ length: 2 * size }, (_, i) => Math.floor(i / 2)), "the next Igather");
    // Root 0 drops its children's parts of an Ireduce it has no operand for, and its next Ireduce is right.
    const none = new Float64Array(2);
    structuredClone(none.buffer, { transfer: [none.buffer] });
    if (rank === 0) expectError("ERR_BUFFER", () => world.Ireduce(MPI.IN_PLACE, none, MPI.SUM, 0));
    else world.Ireduce(block, null, MPI.SUM, 0).Wait();
    const atZero = rank === 0 ? new Float64Array(2) : null;
    world.Ireduce(Float64Array.of(rank + 1, rank + 1), atZero, MPI.SUM, 0).Wait();
    if (atZero) assert.deepEqual([...atZero], [(size * (size + 1)) / 2, (size * (size + 1)) / 2], "the next Ireduce to root 0");
    // Another root sends its refusal up the tree in place of its part: the ranks below it complete.
    if (atRoot) expectError("ERR_BUFFER", () => world.Ireduce(MPI.IN_PLACE, none, MPI.SUM, root));
    else world.Ireduce(block, null, MPI.SUM, root).Wait();
    const atLast = atRoot ? new Float64Array(2) : null;
    world.Ireduce(Float64Array.of(rank + 1, rank + 1), atLast, MPI.SUM, root).Wait();
    if (atLast) assert.deepEqual([...atLast], [(size * (size + 1)) / 2, (size * (size + 1)) / 2], "the next Ireduce to the last rank");
    checkPersistent("ERR_COUNT", () => world.Scatter_init(atRoot ? new Float64Array(2 * size + 1) : null, block, root));
    checkPersistent("ERR_TRUNCATE", () => world.Gather_init(block, atRoot ? new Float64Array(size) : null, root));
    checkPersistent("ERR_ARG", () => world.Gatherv_init(block, atRoot ? ("no spec" as never) : null, root));
    checkPersistent("ERR_TYPE", () => world.Reduce_init(block, atRoot ? new Int32Array(2) : null, MPI.SUM, root));
    const detached = new Float64Array(2);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    checkPersistent("ERR_BUFFER", () => world.Reduce_init(atRoot ? MPI.IN_PLACE : block, atRoot ? detached : null, MPI.SUM, root));
    const sum = atRoot ? new Float64Array(2) : null;
    world.Ireduce(new Float64Array(2).fill(rank + 1), sum, MPI.SUM, root).Wait();
    if (sum) assert.deepEqual([...sum], [(size * (size + 1)) / 2, (size * (size + 1)) / 2], "the next Ireduce");
  }
  world.Barrier();
  if (rank === 0) console.log("root refusals: every rank failed or finished, none waits");
}
