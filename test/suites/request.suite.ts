// sizes: 1 2 3 4
/**
 * Requests as in MPI and mpi4py: once its completion is reported a request is inactive, the list helpers skip it
 * ("loop on waitany until UNDEFINED" ends), and the Capitalized helpers return flags and indices, not values.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;
const next = (rank + 1) % size;
const prev = (rank - 1 + size) % size;
const N = 5;

function post(base: number): MPI.Request<number>[] {
  const requests = Array.from({ length: N }, (_, k) => comm.irecv<number>(prev, base + k));
  for (let k = N - 1; k >= 0; k--) comm.send(base + k, next, base + k);
  return requests;
}

// waitany until UNDEFINED: every request reported exactly once, then the loop ends.
{
  const requests = post(100);
  const seen: number[] = [];
  for (;;) {
    const [index, value] = MPI.Request.waitany(requests);
    if (index === MPI.UNDEFINED) {
      assert.equal(value, undefined);
      break;
    }
    assert.equal(requests[index]!.active, false);
    assert.equal(value, 100 + index);
    seen.push(index);
  }
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(MPI.Request.testany(requests), [MPI.UNDEFINED, true, undefined]);
  assert.deepEqual(MPI.Request.testsome(requests), [[], []]);
  assert.deepEqual(MPI.Request.waitsome(requests), [[], []]);
  // an inactive request returns at once, with its value again; await too
  assert.equal(requests[2]!.wait(), 102);
  assert.deepEqual(requests[3]!.test(), [true, 103]);
  assert.equal(await requests[4]!, 104);
}

// waitsome until nothing is active: each index once.
{
  const requests = post(200);
  const seen: number[] = [];
  for (let [indices, values] = MPI.Request.waitsome(requests); indices.length > 0; [indices, values] = MPI.Request.waitsome(requests)) {
    indices.forEach((i, k) => assert.equal(values[k], 200 + i));
    seen.push(...indices);
  }
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
}

// testany skips what it already reported.
{
  const requests = post(300);
  const seen = new Set<number>();
  while (seen.size < N) {
    const [index, flag, value] = MPI.Request.testany(requests);
    if (index === MPI.UNDEFINED) {
      assert.equal(flag, false);
      continue;
    }
    assert.equal(flag, true);
    assert.equal(value, 300 + index);
    assert.ok(!seen.has(index), `testany reported ${index} twice`);
    seen.add(index);
  }
}

// Capitalized helpers: flags and indices.
{
  let requests = post(400);
  const indices: number[] = [];
  for (let i = MPI.Request.Waitany(requests); i !== MPI.UNDEFINED; i = MPI.Request.Waitany(requests)) indices.push(i);
  assert.deepEqual(indices.sort(), [0, 1, 2, 3, 4]);
  assert.equal(MPI.Request.Waitsome(requests), undefined);
  assert.equal(MPI.Request.Testsome(requests), undefined);
  assert.deepEqual(MPI.Request.Testany(requests), [MPI.UNDEFINED, true]);

  requests = post(500);
  assert.equal(MPI.Request.Waitall(requests), true);
  assert.equal(MPI.Request.Testall(requests), true);

  requests = post(600);
  const some: number[] = [];
  for (let got = MPI.Request.Waitsome(requests); got !== undefined; got = MPI.Request.Waitsome(requests)) some.push(...got);
  assert.deepEqual(some.sort(), [0, 1, 2, 3, 4]);

  const one = comm.irecv<string>(prev, 700);
  assert.equal(typeof one.Test(), "boolean");
  comm.send("x", next, 700);
  assert.equal(one.Wait(), true);
  assert.equal(one.Test(), true);
  assert.equal(one.wait(), "x");
}

// With no active request, the *any helpers fill MPI's empty status (MPI-4.0 §3.7.3): source ANY_SOURCE, tag
// ANY_TAG, count 0, as REQUEST_NULL's wait does (they once gave source PROC_NULL).
{
  const noneActive: MPI.Request<unknown>[][] = [[], [MPI.REQUEST_NULL]];
  const fillers: [string, (requests: MPI.Request<unknown>[], status: MPI.Status) => unknown][] = [
    ["waitany", (r, s) => MPI.Request.waitany(r, s)],
    ["testany", (r, s) => MPI.Request.testany(r, s)],
    ["Waitany", (r, s) => MPI.Request.Waitany(r, s)],
    ["Testany", (r, s) => MPI.Request.Testany(r, s)],
    ["Get_status_any", (r, s) => MPI.Request.Get_status_any(r, s)],
    ["REQUEST_NULL.wait", (_, s) => MPI.REQUEST_NULL.wait(s)],
  ];
  for (const requests of noneActive) {
    for (const [name, fill] of fillers) {
      const status = new MPI.Status();
      status.source = 3;
      status.tag = 5;
      fill(requests, status);
      const what = `${name} over ${requests.length} inactive request(s)`;
      assert.equal(status.Get_source(), MPI.ANY_SOURCE, `${what}: source`);
      assert.equal(status.Get_tag(), MPI.ANY_TAG, `${what}: tag`);
      assert.equal(status.Get_count(), 0, `${what}: count`);
    }
  }
}

comm.barrier();
if (rank === 0) console.log(`request ok ${size}`);
