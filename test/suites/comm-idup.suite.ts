// sizes: 1 2 3 4
/**
 * Idup is a nonblocking collective (MPI_Comm_idup): it returns before the other ranks call it, so a rank can go on
 * communicating; the duplicate refuses use until its request completes, then works like a Dup (attributes, class,
 * error handler). Several Idups may be in flight and complete in any order. On COMM_WORLD, COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const n = comm.size, rank = comm.rank;

  // Rank 0 starts Idup, then receives a synchronous send that the last rank makes before it calls Idup: a blocking
  // duplicate on rank 0 would wait for the last rank, which waits in ssend for rank 0.
  const last = n - 1;
  let dup: MPI.Comm, request: MPI.Request<void>;
  if (n > 1 && rank === last) {
    comm.ssend(`before idup from ${rank}`, 0, 11);
    [dup, request] = comm.Idup();
  } else {
    [dup, request] = comm.Idup();
    if (n > 1 && rank === 0) assert.equal(comm.recv(last, 11), `before idup from ${last}`, label);
  }
  // Used before its request completes, the duplicate refuses (on every rank, whatever the request's state).
  expectError("ERR_COMM", () => dup.Get_size(), /is not usable until its Idup request completes/);
  request.Wait();
  assert.equal(dup.Get_size(), n, label);
  assert.equal(comm.Compare(dup), MPI.CONGRUENT, label);
  assert.equal(dup.allreduce(rank + 1), (n * (n + 1)) / 2, `${label}: a collective on the duplicate`);
  // Its own matching space: a message on the duplicate is not received on the parent.
  if (n > 1) {
    if (rank === 0) {
      dup.send("on dup", 1, 3);
      comm.send("on parent", 1, 3);
    } else if (rank === 1) {
      assert.equal(comm.recv(0, 3), "on parent", label);
      assert.equal(dup.recv(0, 3), "on dup", label);
    }
  }
  request.Wait(); // an inactive request: returns at once
  dup.Free();

  // Three in flight at once, completed in reverse order; each is its own communicator.
  const started = [comm.Idup(), comm.Idup(), comm.Idup()];
  MPI.Request.Waitall(started.map(([, r]) => r).reverse());
  started.forEach(([d], i) => {
    const got = d.allgather(i * 10 + rank);
    assert.deepEqual(got, Array.from({ length: n }, (_, r) => i * 10 + r), `${label}: Idup ${i}`);
  });
  started.forEach(([d]) => d.Free());

  // Attributes are copied once the request completes, the class and the error handler are kept.
  const keyval = MPI.Comm.Create_keyval(true);
  comm.Set_attr(keyval, { label });
  const cart = comm.Create_cart([n], [false]);
  cart.Set_errhandler(MPI.ERRORS_RETURN);
  const [cartDup, cartRequest] = cart.Idup();
  const [attrDup, attrRequest] = comm.Idup();
  attrRequest.Wait();
  cartRequest.Wait();
  assert.deepEqual(attrDup.Get_attr(keyval), { label }, `${label}: attribute copied`);
  assert.ok(cartDup instanceof MPI.Cartcomm, `${label}: a Cartcomm's Idup is a Cartcomm`);
  assert.deepEqual(cartDup.dims, [n]);
  assert.equal(cartDup.Get_errhandler(), MPI.ERRORS_RETURN, `${label}: the error handler is inherited`);
  attrDup.Free();
  cartDup.Free();
  cart.Free();
  comm.Delete_attr(keyval);
  MPI.Comm.Free_keyval(keyval);

  // A rank refusing its info still takes part, so the others' Idup completes.
  if (rank === 0) expectError("ERR_ARG", () => comm.Idup("hints" as never), /info must be .*took part/);
  else {
    const [d, r] = comm.Idup();
    r.Wait();
    d.Free();
  }
}
world.Barrier();
