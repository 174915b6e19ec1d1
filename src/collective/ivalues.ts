/**
 * The nonblocking value collectives (mpi4py 4's `ibcast igather iscatter iallgather ialltoall ireduce
 * iallreduce`): the same checks and results as the blocking forms of api.ts, returned as a Request whose
 * `wait()` (or `await`) gives the value. They run the blocking forms' message algorithms as a Schedule over
 * the communicator's internal channel, on every engine, so each one takes its place in the communicator's
 * sequence of collectives when it is called, as MPI orders nonblocking collectives.
 */
import type { Comm } from "../comm.js";
import { CompletedOperation, Request } from "../request.js";
import type { Op } from "../op.js";
import { allgatherEncoded, checkOp, checkRoot, checkSeq, operation, valueAlgebra } from "./api.js";
import * as move from "./movement.js";
import * as red from "./reduction.js";
import { Kind, Schedule, VALUE_FAMILY, checkLeftovers, startCall, type Algorithm, type Call } from "./transport.js";

/**
 * Starts `algorithm` for a value collective of `kind` whose arguments are checked; `finish` turns its result
 * into the request's value once complete. A world of one completes at once with `single`.
 */
function valueRequest<R, T>(comm: Comm, call: string, kind: number, root: number, algorithm: (k: Call) => Algorithm<R>,
  finish: (result: R) => T, single: () => T): Request<T> {
  const c = comm.engineComm(call);
  if (c.size === 1) return new Request<T>(new CompletedOperation(single()));
  const out: { result?: R } = {};
  return new Request<T>(operation(comm, call, () => {
    const k = startCall(c.internal, kind | VALUE_FAMILY, root);
    return new Schedule(capture(k, algorithm(k), out));
  }, () => finish(out.result as R)));
}

function* capture<R>(k: Call, algorithm: Algorithm<R>, out: { result?: R }): Algorithm {
  out.result = yield* algorithm;
  checkLeftovers(k);
}

export function ibcast<T>(comm: Comm, obj: T, root: number): Request<T> {
  const call = "ibcast";
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  const bytes = atRoot ? comm.encode(call, obj) : null;
  return valueRequest(comm, call, Kind.Bcast, root, (k) => move.bcast(k, bytes, false),
    (got) => (atRoot ? obj : comm.decode<T>(call, got)), () => obj);
}

export function iscatter<T>(comm: Comm, seq: readonly T[] | null, root: number): Request<T> {
  const call = "iscatter";
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  const blocks = atRoot ? checkSeq(comm, call, seq, "seq").map((item) => comm.encode(call, item)) : null;
  return valueRequest(comm, call, Kind.Scatter, root, (k) => move.scatterBlocks(k, blocks),
    (mine) => (atRoot ? seq![root]! : comm.decode<T>(call, mine)), () => seq![0]!);
}

export function igather<T>(comm: Comm, obj: T, root: number): Request<T[] | null> {
  const call = "igather";
  root = checkRoot(comm, call, root);
  const bytes = comm.encode(call, obj);
  return valueRequest(comm, call, Kind.Gather, root, (k) => move.gatherBlocks(k, bytes),
    (blocks) => blocks && blocks.map((b, r) => (r === root ? obj : comm.decode<T>(call, b))), () => [obj]);
}

export function iallgather<T>(comm: Comm, obj: T): Request<T[]> {
  const call = "iallgather";
  const bytes = comm.encode(call, obj);
  const rank = comm.rank;
  return valueRequest(comm, call, Kind.Allgather, 0, (k) => allgatherEncoded(k, bytes),
    (all) => all.map((b, r) => (r === rank ? obj : comm.decode<T>(call, b))), () => [obj]);
}

export function ialltoall<T>(comm: Comm, seq: readonly T[]): Request<T[]> {
  const call = "ialltoall";
  const items = checkSeq(comm, call, seq, "seq") as T[];
  const out = items.map((item) => comm.encode(call, item));
  const rank = comm.rank;
  return valueRequest(comm, call, Kind.Alltoall, -1, (k) => move.exchange(k, out, null),
    (got) => got.map((b, r) => (r === rank ? items[r]! : comm.decode<T>(call, b))), () => [items[0]!]);
}

export function ireduce<T>(comm: Comm, obj: T, op: Op, root: number): Request<T | null> {
  const call = "ireduce";
  op = checkOp(comm, call, op);
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  comm.encode(call, obj); // refused here, before any rank starts (the algorithm encodes as it sends)
  const alg = valueAlgebra(op);
  return valueRequest(comm, call, Kind.Reduce, root, (k) => red.reduce(k, alg, obj as unknown),
    (result) => (atRoot ? (result as T) : null), () => op.single(obj) as T);
}

export function iallreduce<T>(comm: Comm, obj: T, op: Op): Request<T> {
  const call = "iallreduce";
  op = checkOp(comm, call, op);
  comm.encode(call, obj);
  const alg = valueAlgebra(op);
  return valueRequest(comm, call, Kind.Allreduce, -1, (k) => red.allreduce(k, alg, obj as unknown),
    (result) => result as T, () => op.single(obj) as T);
}
