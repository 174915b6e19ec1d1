/**
 * The nonblocking value collectives (mpi4py 4's `ibcast igather iscatter iallgather ialltoall ireduce
 * iallreduce`): the same checks and results as the blocking forms of api.ts, returned as a Request whose
 * `wait()` (or `await`) gives the value. Each is a Schedule over the communicator's internal channel, on every
 * engine, so it takes its place in the communicator's sequence of collectives when it is called, as MPI orders
 * nonblocking collectives.
 *
 * Each is one batch of sends and receives posted at the call (direct, not the blocking forms' trees), and the
 * reductions fold at the end: nothing of ours has to run between start and completion, so MPI's progress rule
 * holds even where the rank then waits inside MPI itself (the mpi engine's blocking calls, see
 * engine/background.ts). The price is p−1 messages at the root, or p(p−1) for the all- forms.
 */
import type { Comm } from "../comm.js";
import { CompletedOperation, Request } from "../request.js";
import type { Op } from "../op.js";
import type { EngineRequest } from "../engine/engine.js";
import { checkOp, checkRoot, decodeEach, foldValues, itemsContribution, operation, valueContribution } from "./api.js";
import type { MPIError } from "../errors.js";
import { Kind, Schedule, VALUE_FAMILY, checkLeftovers, receive, send, startCall, type Algorithm, type Call } from "./transport.js";

/**
 * Starts `algorithm` for a value collective of `kind` whose root is checked; `finish` turns its result into the
 * request's value once complete. A world of one completes at once with `single`. A rank that refused its own
 * arguments (`mine.error`; its algorithm carries the refusal, refusal.ts) raises at once, its part left to run in
 * the background so that no other rank waits for it.
 */
function valueRequest<R, T>(comm: Comm, call: string, kind: number, root: number, mine: { error?: MPIError } | undefined,
  algorithm: (k: Call) => Algorithm<R>, finish: (result: R) => T, single: () => T): Request<T> {
  const c = comm.engineComm(call);
  const describe = () => `${call} on ${comm.Get_name()}`;
  const out: { result?: R } = {};
  const begin = () => operation(comm, call, () => {
    const k = startCall(c.internal, kind | VALUE_FAMILY, root);
    return new Schedule(capture(k, algorithm(k), out));
  }, () => finish(out.result as R));
  if (mine?.error) {
    if (c.size > 1) begin(); // its refusal goes out; the schedule runs on in the background
    throw mine.error;
  }
  if (c.size === 1) return new Request<T>(new CompletedOperation(single()), describe);
  return new Request<T>(begin(), describe);
}

function* capture<R>(k: Call, algorithm: Algorithm<R>, out: { result?: R }): Algorithm {
  out.result = yield* algorithm;
  checkLeftovers(k);
}

/**
 * One batch: `outgoing[r]` to each other rank r that has one, and a message from each of `sources`; resolves to
 * what each source sent, by rank.
 */
function* batch(k: Call, outgoing: readonly (Uint8Array | undefined)[], sources: readonly number[]): Algorithm<Uint8Array[]> {
  const incoming = sources.map((source) => receive(k, source));
  const step: EngineRequest[] = [...incoming];
  outgoing.forEach((bytes, dest) => { if (bytes && dest !== k.p2p.rank) step.push(send(k, dest, bytes)); });
  if (step.length) yield step;
  const got: Uint8Array[] = [];
  sources.forEach((source, i) => { got[source] = incoming[i]!.data; });
  return got;
}

/** The ranks other than this one (from the call's channel: its communicator may be freed before it completes). */
function others(k: Call): number[] {
  return [...Array(k.p2p.size).keys()].filter((r) => r !== k.p2p.rank);
}

export function ibcast<T>(comm: Comm, obj: T, root: number): Request<T> {
  const call = "ibcast";
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  const mine = atRoot ? valueContribution(comm, call, obj) : undefined;
  return valueRequest(comm, call, Kind.Bcast, root, mine,
    (k) => batch(k, atRoot ? new Array<Uint8Array>(comm.size).fill(mine!.data) : [], atRoot ? [] : [root]),
    (got) => (atRoot ? obj : comm.decode<T>(call, got[root]!)), () => obj);
}

export function iscatter<T>(comm: Comm, seq: readonly T[] | null, root: number): Request<T> {
  const call = "iscatter";
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  const mine = atRoot ? itemsContribution(comm, call, seq) : undefined;
  return valueRequest(comm, call, Kind.Scatter, root, mine, (k) => batch(k, mine?.data ?? [], atRoot ? [] : [root]),
    (got) => (atRoot ? seq![root]! : comm.decode<T>(call, got[root]!)), () => seq![0]!);
}

export function igather<T>(comm: Comm, obj: T, root: number): Request<T[] | null> {
  const call = "igather";
  root = checkRoot(comm, call, root);
  const mine = valueContribution(comm, call, obj);
  const atRoot = comm.rank === root, size = comm.size;
  return valueRequest(comm, call, Kind.Gather, root, mine, (k) => gatherTo(k, root, mine.data),
    (got) => (atRoot ? decodeEach(comm, call, got, size, root, () => obj) : null), () => [obj]);
}

export function iallgather<T>(comm: Comm, obj: T): Request<T[]> {
  const call = "iallgather";
  const mine = valueContribution(comm, call, obj);
  const { rank, size } = comm;
  return valueRequest(comm, call, Kind.Allgather, 0, mine, (k) => allgather(k, mine.data),
    (all) => decodeEach(comm, call, all, size, rank, () => obj), () => [obj]);
}

export function ialltoall<T>(comm: Comm, seq: readonly T[]): Request<T[]> {
  const call = "ialltoall";
  const mine = itemsContribution(comm, call, seq);
  const { rank, size } = comm;
  return valueRequest(comm, call, Kind.Alltoall, -1, mine, (k) => batch(k, mine.data, others(k)),
    (got) => decodeEach(comm, call, got, size, rank, (r) => seq[r]!), () => [seq[0]!]);
}

export function ireduce<T>(comm: Comm, obj: T, op: Op, root: number): Request<T | null> {
  const call = "ireduce";
  op = checkOp(comm, call, op);
  root = checkRoot(comm, call, root);
  const atRoot = comm.rank === root;
  const mine = valueContribution(comm, call, obj);
  return valueRequest(comm, call, Kind.Reduce, root, mine, (k) => gatherTo(k, root, mine.data),
    (got) => (atRoot ? (foldValues(comm, call, op, got) as T) : null), () => op.single(obj) as T);
}

export function iallreduce<T>(comm: Comm, obj: T, op: Op): Request<T> {
  const call = "iallreduce";
  op = checkOp(comm, call, op);
  const mine = valueContribution(comm, call, obj);
  return valueRequest(comm, call, Kind.Allreduce, -1, mine, (k) => allgather(k, mine.data),
    (all) => foldValues(comm, call, op, all) as T, () => op.single(obj) as T);
}

/** Every rank's encoded value at the root, by rank (the root's own included); elsewhere an empty list. */
function* gatherTo(k: Call, root: number, bytes: Uint8Array): Algorithm<Uint8Array[]> {
  if (k.p2p.rank !== root) {
    const toRoot: Uint8Array[] = [];
    toRoot[root] = bytes;
    return yield* batch(k, toRoot, []);
  }
  const got = yield* batch(k, [], others(k));
  got[root] = bytes;
  return got;
}

/** Every rank's encoded value on every rank, by rank. */
function* allgather(k: Call, bytes: Uint8Array): Algorithm<Uint8Array[]> {
  const got = yield* batch(k, new Array<Uint8Array>(k.p2p.size).fill(bytes), others(k));
  got[k.p2p.rank] = bytes;
  return got;
}
