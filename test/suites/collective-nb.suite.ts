// sizes: 1 2 3 4 5
/**
 * Every nonblocking collective against its blocking form (issue 10): the Capitalized ones on buffers (every case
 * of support/collective-cases.ts: IN_PLACE, aliased buffers, v-variants, user ops) at two roots, one at a time
 * (wait, test loop, await), all outstanding at once, and mixed with blocking collectives on the same
 * communicator; the lowercase value forms (ibcast ... iallreduce); and refusals, which must send nothing.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";
import { HILO, assertSame, cases, communicators, type Case } from "../support/collective-cases.js";

const world = MPI.COMM_WORLD;
const comms = communicators();

/** Lets other ranks run between polls (busy polling starves them when ranks outnumber cores). */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Runs round k of every case blocking, for reference. */
function reference(list: Case[], k: number): void {
  for (const c of list) { c.fill(k); c.blocking(); }
}

async function buffers(label: string, comm: MPI.Comm): Promise<void> {
  for (const root of new Set([0, comm.size - 1])) {
    const ctx = `${label} rank ${comm.rank}/${comm.size} root ${root}`;
    const expected = cases(comm, root), got = cases(comm, root);

    // One at a time, completed three ways.
    reference(expected, 0);
    for (const [i, c] of got.entries()) {
      c.fill(0);
      const r = c.nonblocking();
      assert.ok(r instanceof MPI.Request);
      if (i % 3 === 0) r.wait();
      else if (i % 3 === 1) while (!r.Test()) await pause();
      else await r;
      assert.equal(r.active, false);
      assertSame(expected[i]!, c, `${ctx} one at a time`);
    }

    // All outstanding at once, completed by waitall in reverse order of starting.
    reference(expected, 1);
    for (const c of got) c.fill(1);
    const requests = got.map((c) => c.nonblocking());
    MPI.Request.Waitall([...requests].reverse());
    got.forEach((c, i) => assertSame(expected[i]!, c, `${ctx} all outstanding`));

    // Mixed with blocking collectives: each nonblocking one stays open across the next case's blocking call.
    reference(expected, 2);
    const blocking = cases(comm, root);
    let open: MPI.Request<void> | undefined;
    for (const [i, c] of got.entries()) {
      c.fill(2);
      const r = c.nonblocking();
      blocking[i]!.fill(2);
      blocking[i]!.blocking();
      open?.wait();
      open = r;
      assertSame(expected[i]!, blocking[i]!, `${ctx} blocking between nonblocking`);
    }
    open?.wait();
    got.forEach((c, i) => assertSame(expected[i]!, c, `${ctx} mixed`));
  }
}

async function values(label: string, comm: MPI.Comm): Promise<void> {
  const rank = comm.rank, size = comm.size;
  const ctx = `${label} rank ${rank}/${size}`;
  const obj = { rank, tags: ["r" + rank], at: new Map([[rank, [rank]]]) };
  for (const root of new Set([0, size - 1])) {
    assert.deepEqual(comm.ibcast(rank === root ? obj : null, root).wait(), comm.bcast(rank === root ? obj : null, root), `${ctx} ibcast`);
    const seq = rank === root ? Array.from({ length: size }, (_, i) => ({ to: i, from: root })) : null;
    assert.deepEqual(await comm.iscatter(seq, root), comm.scatter(seq, root), `${ctx} iscatter`);
    assert.deepEqual(comm.igather(obj, root).wait(), comm.gather(obj, root), `${ctx} igather`);
    assert.deepEqual(await comm.ireduce(rank + 1, MPI.SUM, root), comm.reduce(rank + 1, MPI.SUM, root), `${ctx} ireduce`);
    const r = comm.ireduce([rank, rank * 2], MPI.MAX, root);
    assert.deepEqual(r.wait(), rank === root ? [size - 1, 2 * (size - 1)] : null, `${ctx} ireduce MAX`);
  }
  assert.deepEqual(await comm.iallgather(obj), comm.allgather(obj), `${ctx} iallgather`);
  const pairs = Array.from({ length: size }, (_, j) => `${rank}->${j}`);
  assert.deepEqual(comm.ialltoall(pairs).wait(), comm.alltoall(pairs), `${ctx} ialltoall`);
  assert.deepEqual(await comm.iallreduce(`${rank}`, MPI.SUM), comm.allreduce(`${rank}`, MPI.SUM), `${ctx} iallreduce (strings, rank order)`);
  const cat = MPI.Op.Create((a: string, b: string) => `${a},${b}`, false); // associative, not commutative
  assert.equal(comm.iallreduce(`${rank}`, cat).wait(), comm.allreduce(`${rank}`, cat), `${ctx} iallreduce non-commutative`);

  // Many outstanding at once, of every kind, with a blocking collective and a buffer one among them.
  const buf = new Float64Array([rank]);
  const all = [
    comm.ibcast(rank === 0 ? "b" : null), comm.iallgather(rank), comm.ialltoall(pairs), comm.igather(rank, size - 1),
    comm.iallreduce(rank, MPI.MAX), comm.Iallreduce(MPI.IN_PLACE, buf), comm.ireduce(1, MPI.SUM, 0), comm.iscatter(rank === 0 ? pairs : null),
  ] as MPI.Request<unknown>[];
  assert.equal(comm.allreduce(1), size);
  const got = MPI.Request.waitall(all);
  assert.deepEqual(got, ["b", [...Array(size).keys()], comm.alltoall(pairs), rank === size - 1 ? [...Array(size).keys()] : null,
    size - 1, undefined, rank === 0 ? size : null, `0->${rank}`], ctx);
  assert.equal(buf[0], (size * (size - 1)) / 2);
}

function refusals(comm: MPI.Comm): void {
  const size = comm.size;
  // Every rank refuses alike: each throws before sending, and the next collective still matches.
  const f = new Float64Array(size), i32 = new Int32Array(size);
  expectError("ERR_TYPE", () => comm.Iallreduce(f, i32), /Iallreduce.*Float64Array.*Int32Array/);
  expectError("ERR_OP", () => comm.Iscan(f, new Float64Array(size), MPI.OP_NULL), /Iscan.*OP_NULL/);
  expectError("ERR_OP", () => comm.Iexscan(f, new Float64Array(size), MPI.NO_OP), /Iexscan.*NO_OP/);
  expectError("ERR_OP", () => comm.Iallreduce(f, new Float64Array(size), MPI.BAND), /Iallreduce.*integer/);
  expectError("ERR_COUNT", () => comm.Ireduce_scatter(f, new Float64Array(size), [size + 1, ...Array(size - 1).fill(0)]), /Ireduce_scatter.*add up/);
  if (size > 1) expectError("ERR_COUNT", () => comm.Ireduce_scatter_block(MPI.IN_PLACE, new Float64Array(size + 1)), /Ireduce_scatter_block/);
  expectError("ERR_COUNT", () => comm.Iallgatherv(f, [new Float64Array(size), Array(size + 1).fill(1)]), /Iallgatherv.*counts has/);
  expectError("ERR_ARG", () => comm.Ialltoallv(f as never, 42 as never), /Ialltoallv.*recvbuf/);
  expectError("ERR_ROOT", () => comm.Igatherv(f, null, size), /Igatherv.*root/);
  expectError("ERR_ROOT", () => comm.Iscatterv(null, f, -1), /Iscatterv.*root/);
  expectError("ERR_ROOT", () => comm.ibcast(1, size), /ibcast.*root/);
  expectError("ERR_COUNT", () => comm.ialltoall(Array(size + 1).fill(1)), /ialltoall/);
  expectError("ERR_OP", () => comm.iallreduce(1, MPI.OP_NULL), /iallreduce.*OP_NULL/);
  expectError("ERR_TYPE", () => comm.ireduce(() => 1, MPI.SUM), /ireduce/);
  // One rank refuses its value while the others call the value collective properly: it still takes its turn, its
  // refusal in its data's place (collective/refusal.ts), so the others' requests complete with its error.
  if (comm.rank === size - 1) expectError("ERR_TYPE", () => comm.iallreduce(Symbol("x"), MPI.SUM), /iallreduce/);
  else expectError("ERR_TYPE", () => comm.iallreduce(comm.rank, MPI.SUM).wait(), new RegExp(`rank ${size - 1} refused its part`));
  // A buffer collective refused by one rank alone (the others do not call it) sends nothing and takes no turn.
  if (comm.rank === size - 1) expectError("ERR_OP", () => comm.Iscan(f, new Float64Array(size), "SUM" as never), /Iscan.*op must be an MPI.Op/);
  assert.equal(comm.allreduce(comm.rank), (size * (size - 1)) / 2);
  assert.deepEqual(comm.iallgather(comm.rank).wait(), [...Array(size).keys()]);
  comm.Barrier();
}

for (const [label, comm] of comms) {
  if (comm.isNull) continue;
  await buffers(label, comm);
  await values(label, comm);
  refusals(comm);
}
// A non-commutative user op is applied in rank order by every form (checked above through HILO's cases).
assert.equal(HILO.Is_commutative(), false);
world.Barrier();
