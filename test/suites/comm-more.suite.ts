// sizes: 1 2 3 4
/**
 * Communicator management beyond Dup/Split: Clone keeps the class, Idup, Split_type(COMM_TYPE_SHARED), Create_group,
 * Is_inter/Is_intra, Get_topology, attributes (keyvals, copy and delete callbacks, predefined attributes), Info,
 * error handlers (ERRORS_RETURN, user handlers, Call_errhandler), and the environment calls; on COMM_WORLD,
 * COMM_SELF and a Dup.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const rank = world.rank, size = world.size;

for (const [label, comm] of [["world", world], ["self", MPI.COMM_SELF], ["dup", world.Dup()]] as const) {
  const n = comm.size;
  // ---- Clone, Idup, queries ----
  const clone = comm.Clone();
  assert.equal(comm.Compare(clone), MPI.CONGRUENT, label);
  assert.ok(!clone.Is_inter() && clone.Is_intra() && clone.is_intra && !clone.is_inter);
  assert.equal(clone.Get_topology(), MPI.UNDEFINED);
  const [idup, req] = comm.Idup();
  req.Wait();
  assert.equal(comm.Compare(idup), MPI.CONGRUENT);
  assert.equal(idup.allreduce(1), n, "an Idup communicator works once its request completed");
  // A rank refusing its info still takes part, so the others' Idup completes.
  if (comm.rank === 0) expectError("ERR_ARG", () => comm.Idup("hints" as never), /info must be .*took part/);
  else {
    const [dup, request] = comm.Idup();
    request.Wait();
    dup.Free();
  }
  const cart = comm.Create_cart([n], [true]);
  const cartClone = cart.Clone();
  assert.ok(cartClone instanceof MPI.Cartcomm, "a Cartcomm clones to a Cartcomm");
  assert.deepEqual(cartClone.dims, [n]);
  assert.equal(cartClone.Get_topology(), MPI.CART);
  assert.ok(cart.Dup() instanceof MPI.Cartcomm);
  const withInfo = cart.Dup_with_info(MPI.Info.Create({ mpi_assert_no_any_tag: "true" }));
  assert.ok(withInfo instanceof MPI.Cartcomm && withInfo.Compare(cart) === MPI.CONGRUENT);
  if (comm.rank === n - 1) expectError("ERR_ARG", () => comm.Dup_with_info("wdir" as never), /Dup_with_info.*info must be/);
  else comm.Dup_with_info(MPI.INFO_NULL).Free();
  const [cartIdup, cartReq] = cart.Idup();
  await cartReq;
  assert.ok(cartIdup instanceof MPI.Cartcomm);

  // ---- Split_type: every rank of these jobs is on this host ----
  const shared = comm.Split_type(MPI.COMM_TYPE_SHARED, n - 1 - comm.rank);
  assert.equal(shared.size, n, "all ranks share one host");
  assert.equal(shared.rank, n - 1 - comm.rank, "ordered by key");
  assert.equal(comm.Split_type(MPI.UNDEFINED), MPI.COMM_NULL);
  // A refused split_type still takes part (as UNDEFINED): the others complete without it.
  if (comm.rank === 0) {
    expectError("ERR_ARG", () => comm.Split_type(99), /split_type 99 .*took part as UNDEFINED/);
    expectError("ERR_ARG", () => comm.Split_type(MPI.COMM_TYPE_SHARED, 0.5), /Split_type.*key 0.5 must be an integer/);
  } else {
    for (let i = 0; i < 2; i++) assert.equal(comm.Split_type(MPI.COMM_TYPE_SHARED).size, n - 1);
  }
  const info = MPI.Info.Create({ "mpi_hw_resource_type": "mpi_shared_memory" });
  assert.equal(comm.Split_type(MPI.COMM_TYPE_SHARED, 0, info).size, n);

  // ---- Create_group: collective over the group only; the two halves build theirs at the same time ----
  const g = comm.Get_group();
  const evens = g.Range_incl([[0, n - 1, 2]]), odds = g.Excl(evens.Translate_ranks(null, g));
  const half = comm.rank % 2 === 0 ? comm.Create_group(evens, 5) : comm.Create_group(odds, 6);
  const mates = [...Array(n).keys()].filter((r) => r % 2 === comm.rank % 2);
  assert.equal(half.size, mates.length, label);
  assert.equal(half.rank, mates.indexOf(comm.rank));
  assert.equal(half.allreduce(comm.rank), mates.reduce((a, b) => a + b, 0));
  assert.equal(half.Compare(comm.Split(comm.rank % 2, 0)), MPI.CONGRUENT);
  if (comm.rank === 0) {
    // Only rank 0 calls this: a group of one needs nobody else.
    assert.equal(comm.Create_group(g.Incl([0])).size, 1);
    if (n > 1) expectError("ERR_GROUP", () => comm.Create_group(g.Incl([1])), /this rank is not in the group/);
  }
  expectError("ERR_GROUP", () => comm.Create_group(MPI.GROUP_EMPTY), /not in the group/);
  expectError("ERR_GROUP", () => comm.Create_group("all" as never), /must be an MPI.Group/);
  expectError("ERR_TAG", () => comm.Create_group(g, -1), /tag -1/);

  // ---- attributes ----
  const log: string[] = [];
  const copied = MPI.Comm.Create_keyval((old, k, v) => { log.push(`copy ${String(v)}`); return `${String(v)}'`; }, (c, k, v) => { log.push(`delete ${String(v)}`); });
  const kept = MPI.Comm.Create_keyval(true);
  const dropped = MPI.Comm.Create_keyval();
  const skipped = MPI.Comm.Create_keyval(() => undefined);
  const d = comm.Dup();
  assert.equal(d.Get_attr(copied), undefined, "no value yet");
  d.Set_attr(copied, "a");
  d.Set_attr(copied, "b"); // replacing runs the delete callback on the old value
  d.Set_attr(kept, { x: 1 });
  d.Set_attr(dropped, 5);
  d.Set_attr(skipped, 6);
  assert.deepEqual(log, ["delete a"]);
  const d2 = d.Clone();
  assert.deepEqual(log, ["delete a", "copy b"]);
  assert.equal(d2.Get_attr(copied), "b'");
  assert.equal(d2.Get_attr(kept), d.Get_attr(kept), "copy_fn true copies the value itself");
  assert.equal(d2.Get_attr(dropped), undefined, "no copy_fn: not copied");
  assert.equal(d2.Get_attr(skipped), undefined, "a copy_fn returning undefined does not copy");
  d.Delete_attr(copied);
  assert.deepEqual(log, ["delete a", "copy b", "delete b"]);
  expectError("ERR_KEYVAL", () => d.Delete_attr(copied), /no attribute for keyval/);
  assert.equal(MPI.Comm.Free_keyval(copied), MPI.KEYVAL_INVALID);
  assert.equal(d2.Get_attr(copied), "b'", "a freed keyval's values stay readable until deleted");
  expectError("ERR_KEYVAL", () => d.Set_attr(copied, 1), /was freed/);
  d2.Free(); // delete callbacks run on Free
  assert.deepEqual(log, ["delete a", "copy b", "delete b", "delete b'"]);
  expectError("ERR_KEYVAL", () => d.Get_attr(copied), /not a keyval/);
  expectError("ERR_KEYVAL", () => MPI.Comm.Free_keyval(copied));
  expectError("ERR_KEYVAL", () => d.Set_attr(12345, 1), /12345 is not a keyval/);
  expectError("ERR_KEYVAL", () => d.Set_attr(MPI.TAG_UB, 1), /predefined and read-only/);
  expectError("ERR_ARG", () => MPI.Comm.Create_keyval(5 as never), /copy_fn/);
  expectError("ERR_COMM", () => MPI.COMM_NULL.Get_attr(kept));
  // predefined attributes
  const tagUb = comm.Get_attr(MPI.TAG_UB) as number;
  assert.ok(Number.isInteger(tagUb) && tagUb >= 32767 && tagUb <= MPI.TAG_UB, `TAG_UB ${tagUb}`);
  comm.send("top tag", comm.rank, tagUb);
  assert.equal(comm.recv(comm.rank, tagUb), "top tag", "the TAG_UB attribute is a usable tag");
  assert.equal(typeof comm.Get_attr(MPI.WTIME_IS_GLOBAL), "boolean");
  const universe = comm.Get_attr(MPI.UNIVERSE_SIZE);
  assert.ok(universe === undefined || (Number.isInteger(universe) && (universe as number) >= 1), `UNIVERSE_SIZE ${String(universe)}`);
  const appnum = comm.Get_attr(MPI.APPNUM);
  assert.ok(appnum === undefined || appnum === 0, `APPNUM ${String(appnum)}`);

  // ---- error handlers ----
  assert.equal(comm.Get_errhandler(), MPI.ERRORS_RETURN, "the default: errors are thrown");
  expectError("ERR_RANK", () => comm.Call_errhandler(MPI.ERR_RANK), /ERR_RANK raised by Call_errhandler/);
  expectError("ERR_ARG", () => comm.Call_errhandler(-5), /not an MPI.ERR_\* code/);
  const seen: number[] = [];
  const eh = MPI.Comm.Create_errhandler((c, code) => { assert.equal(c, e1); seen.push(code); });
  const e1 = comm.Dup();
  e1.Set_errhandler(eh);
  assert.equal(e1.Get_errhandler(), eh);
  expectError("ERR_RANK", () => e1.send(1, n + 5), /dest/);
  expectError("ERR_TAG", () => e1.Isend(new Int32Array(1), 0, -3));
  assert.deepEqual(seen, [MPI.ERR_RANK, MPI.ERR_TAG], "the user handler saw each error once, then the call threw");
  const e2 = e1.Dup();
  assert.equal(e2.Get_errhandler(), eh, "a Dup inherits the handler");
  assert.equal(comm.Get_errhandler(), MPI.ERRORS_RETURN, "others keep theirs");
  expectError("ERR_RANK", () => comm.send(1, n + 5));
  assert.equal(seen.length, 2, "a communicator without the handler does not call it");
  e1.Set_errhandler(MPI.ERRORS_RETURN);
  expectError("ERR_RANK", () => e1.send(1, n + 5));
  assert.equal(seen.length, 2);
  assert.equal(e1.recv(MPI.PROC_NULL), undefined, "routed calls still work");
  expectError("ERR_ARG", () => comm.Set_errhandler(MPI.ERRHANDLER_NULL));
  expectError("ERR_ARG", () => comm.Set_errhandler("fatal" as never));
}

// ---- Info ----
const info = MPI.Info.Create();
assert.equal(info.Get_nkeys(), 0);
info.Set("b", "2");
info.Set("a", "1");
assert.equal(info.Get("a"), "1");
assert.equal(info.Get("zz"), undefined);
assert.deepEqual([info.Get_nthkey(0), info.Get_nthkey(1)], ["b", "a"]);
assert.deepEqual(info.items(), [["b", "2"], ["a", "1"]]);
assert.deepEqual([...info], ["b", "a"]);
assert.equal(info.length, 2);
assert.ok(info.has("a") && !info.has("c"));
assert.equal(info.get("c", "dflt"), "dflt");
const dupInfo = info.Dup();
info.Delete("b");
assert.equal(dupInfo.Get("b"), "2", "Dup is a copy");
expectError("ERR_INFO_NOKEY", () => info.Delete("b"));
expectError("ERR_INFO_KEY", () => info.Set("", "x"));
expectError("ERR_INFO_KEY", () => info.Set("k".repeat(MPI.MAX_INFO_KEY + 1), "x"));
expectError("ERR_INFO_VALUE", () => info.Set("k", 5 as never));
expectError("ERR_ARG", () => info.Get_nthkey(7));
assert.equal(info.pop("a"), "1");
assert.equal(info.pop("a", "gone"), "gone");
const fromPairs = MPI.Info.Create([["x", "1"], ["y", "2"]]);
assert.deepEqual(fromPairs.toJSON(), { x: "1", y: "2" });
fromPairs.Free();
expectError("ERR_ARG", () => fromPairs.Get("x"), /freed/);
assert.ok(fromPairs.isNull && MPI.INFO_NULL.isNull);
expectError("ERR_ARG", () => MPI.INFO_NULL.Get("x"), /MPI_INFO_NULL/);
assert.ok(MPI.INFO_ENV.Get("wdir"));
expectError("ERR_ARG", () => MPI.INFO_ENV.Set("x", "y"), /read-only/);
expectError("ERR_ARG", () => world.Split_type(MPI.COMM_TYPE_SHARED, 0, fromPairs), /info/);

// ---- environment ----
MPI.Pcontrol(0);
MPI.Pcontrol(1);
expectError("ERR_ARG", () => MPI.Pcontrol(1.5));
assert.equal(MPI.Is_thread_main(), true);
const level = MPI.Query_thread();
assert.ok([MPI.THREAD_SINGLE, MPI.THREAD_FUNNELED].includes(level), `thread level ${level}`);

world.barrier();
if (rank === 0 && size > 0) console.log(`comm-more: ok on ${size} rank(s)`);
