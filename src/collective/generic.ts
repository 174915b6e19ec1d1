/**
 * The generic `Collectives` of engines without native ones (the local and self engines): every operation of
 * engine.ts's interface, over a communicator's internal channel, each algorithm written once (movement.ts,
 * reduction.ts) and run blocking or as a nonblocking Schedule. Arguments arrive validated by the API layer.
 */
import type { BufferOp, Collectives, EngineRequest, PointToPoint, RefusedRoot, TypedArray } from "../engine/engine.js";
import { MPIError } from "../errors.js";
import * as move from "./movement.js";
import * as red from "./reduction.js";
import { BufferAlgebra, bytes } from "./reduction.js";
import { scratchTurn } from "./root-refusal.js";
import { Kind, Schedule, checkLeftovers, checkStale, runBlocking, skipCall, startCall, type Algorithm, type Call } from "./transport.js";

function blocksOf(buf: Uint8Array, counts: readonly number[], displs: readonly number[]): Uint8Array[] {
  return counts.map((c, i) => buf.subarray(displs[i]!, displs[i]! + c));
}

const EMPTY = new Uint8Array(0);

// ---- the algorithms, as the interface's operations -------------------------------------------------------

function* gatherv(p2p: PointToPoint, send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null,
  displs: readonly number[] | null, root: number): Algorithm {
  const call = startCall(p2p, Kind.Gather, root);
  const atRoot = p2p.rank === root;
  const mine = send ?? (atRoot ? recv!.subarray(displs![root]!, displs![root]! + counts![root]!) : new Uint8Array(0));
  const blocks = yield* move.gatherBlocks(call, mine);
  checkLeftovers(call);
  if (!atRoot) return;
  for (let r = 0; r < p2p.size; r++) {
    const b = blocks![r]!;
    if (r === root && send === null) continue;
    if (b.length > counts![r]!) {
      throw new MPIError("ERR_TRUNCATE", `rank ${r} sent ${b.length} bytes but the root receives ${counts![r]!} from it`);
    }
    recv!.set(b, displs![r]!);
  }
}

function* scatterv(p2p: PointToPoint, send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null,
  recv: Uint8Array | null, root: number): Algorithm {
  const call = startCall(p2p, Kind.Scatter, root);
  const blocks = p2p.rank === root ? blocksOf(send!, counts!, displs!) : null;
  const mine = yield* move.scatterBlocks(call, blocks);
  checkLeftovers(call);
  if (recv === null) return; // IN_PLACE at the root
  if (mine.length > recv.length) {
    throw new MPIError("ERR_TRUNCATE", `the root sends this rank ${mine.length} bytes but the receive buffer holds ${recv.length}`);
  }
  recv.set(mine);
}

function* allgatherv(p2p: PointToPoint, send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): Algorithm {
  const call = startCall(p2p, Kind.Allgather);
  if (send) recv.set(send, displs[p2p.rank]!);
  yield* move.allgatherv(call, recv, counts, displs);
  checkLeftovers(call);
}

function* alltoallv(p2p: PointToPoint, send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[],
  recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): Algorithm {
  const call = startCall(p2p, Kind.Alltoall);
  yield* move.exchange(call, blocksOf(send, sendCounts, sendDispls), blocksOf(recv, recvCounts, recvDispls));
  checkLeftovers(call);
}

function* reduce(p2p: PointToPoint, send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): Algorithm {
  const call = startCall(p2p, Kind.Reduce, root);
  const mine = send ?? recv!;
  const alg = BufferAlgebra.acquire(op, mine, p2p);
  if (mine.byteLength >= red.LARGE_REDUCE && p2p.size > 1 && mine.length >= 2 * p2p.size) {
    const acc = alg.copy(mine);
    const holds = yield* red.rabenseifner(call, alg, acc, root);
    checkLeftovers(call);
    if (holds) recv!.set(acc as never);
    alg.release();
    return;
  }
  const result = yield* red.reduce(call, alg, mine);
  checkLeftovers(call);
  if (p2p.rank === root && result !== recv) recv!.set(result as never);
  alg.release();
}

function* allreduce(p2p: PointToPoint, send: TypedArray | null, recv: TypedArray, op: BufferOp): Algorithm {
  const call = startCall(p2p, Kind.Allreduce);
  const mine = send ?? recv;
  if (p2p.size === 1) {
    if (send) recv.set(send as never);
    return;
  }
  const alg = BufferAlgebra.acquire(op, mine, p2p);
  if (mine.byteLength >= red.LARGE_REDUCE && mine.length >= 2 * p2p.size) {
    // Works in place in recv: no scratch copy of the whole vector.
    if (send) recv.set(send as never);
    yield* red.rabenseifner(call, alg, recv, null);
    checkLeftovers(call);
    alg.release();
    return;
  }
  const result = yield* red.allreduce(call, alg, alg.copy(mine));
  checkLeftovers(call);
  red.copyElements(result, recv);
  alg.release();
}

function* reduceScatter(p2p: PointToPoint, send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): Algorithm {
  const call = startCall(p2p, Kind.ReduceScatter);
  const total = counts.reduce((a, b) => a + b, 0);
  const mine = send ?? recv.subarray(0, total);
  const alg = BufferAlgebra.acquire(op, mine, p2p);
  const block = yield* red.reduceScatter(call, alg, mine, counts);
  checkLeftovers(call);
  bytes(recv).set(block);
  alg.release();
}

function* scan(p2p: PointToPoint, send: TypedArray | null, recv: TypedArray, op: BufferOp, exclusive: boolean): Algorithm {
  const call = startCall(p2p, exclusive ? Kind.Exscan : Kind.Scan);
  const mine = send ?? recv;
  const alg = BufferAlgebra.acquire(op, mine, p2p);
  const result = yield* red.scan(call, alg, alg.copy(mine), exclusive);
  checkLeftovers(call);
  if (result !== undefined) recv.set(result as never);
  alg.release();
}

export function* checked<R>(call: Call, algorithm: Algorithm<R>, stale = false): Algorithm<R> {
  const result = yield* algorithm;
  checkLeftovers(call);
  if (stale) checkStale(call);
  return result;
}

// ---- the interface ---------------------------------------------------------------------------------------

class GenericCollectives implements Collectives {
  constructor(private readonly p2p: PointToPoint) {}

  /**
   * A root's turn after refusing its root-only arguments: a Scatter root sends its refusal down the tree instead of
   * blocks, a Gather or Reduce root collects into scratch memory (root-refusal.ts) or drops the blocks. Each starts as the others'
   * calls do. (A persistent root's turn is its verdict, persistent.ts: this is never asked for one.)
   */
  refuse(refusal: RefusedRoot): void {
    const { kind, root } = refusal;
    const blocking = refusal.mode === "blocking";
    /** Takes the turn `make` plays, as the others' calls start. */
    const take = (make: (k: Call) => Algorithm<unknown>): void => {
      const k = startCall(this.p2p, kind, root);
      const algorithm = checked(k, make(k));
      if (blocking) runBlocking(algorithm);
      else void new Schedule(algorithm);
    };
    try {
      if (kind === Kind.Scatter) return take((k) => move.refuseSubtree(k, refusal.error.errorClass));
      // A Gather root without blocks of its own (IN_PLACE, a Gatherv's refused counts) takes the others' blocks,
      // whose sizes travel with them, and drops them.
      if (kind === Kind.Gather && !refusal.gather) return take((k) => move.gatherBlocks(k, EMPTY));
      const turn = scratchTurn(this, refusal);
      if (turn) return blocking ? turn.blocking() : void turn.nonblocking();
      // A Reduce root with nothing to take part with (root-refusal.ts): root 0 drops its children's parts, another
      // root sends its refusal up the tree in place of its own. (The others' large reductions, which need the root's
      // halves, wait for it.)
      if (kind === Kind.Reduce) return take(root === 0 ? red.dropPartials : (k) => red.refusedReduceTurn(k, refusal.error.errorClass));
      skipCall(this.p2p);
    } catch { /* this rank raises its own error */ }
  }

  barrier(): void { const k = startCall(this.p2p, Kind.Barrier); runBlocking(move.barrier(k), k); checkStale(k); }
  ibarrier(): EngineRequest { const k = startCall(this.p2p, Kind.Barrier); return new Schedule(checked(k, move.barrier(k), true)); }

  bcast(buf: Uint8Array, root: number): void { const k = startCall(this.p2p, Kind.Bcast, root); runBlocking(move.bcast(k, buf), k); }
  ibcast(buf: Uint8Array, root: number): EngineRequest { const k = startCall(this.p2p, Kind.Bcast, root); return new Schedule(checked(k, move.bcast(k, buf))); }

  gatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): void {
    runBlocking(gatherv(this.p2p, send, recv, counts, displs, root));
  }
  igatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): EngineRequest {
    return new Schedule(gatherv(this.p2p, send, recv, counts, displs, root));
  }

  scatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): void {
    runBlocking(scatterv(this.p2p, send, counts, displs, recv, root));
  }
  iscatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): EngineRequest {
    return new Schedule(scatterv(this.p2p, send, counts, displs, recv, root));
  }

  allgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): void {
    runBlocking(allgatherv(this.p2p, send, recv, counts, displs));
  }
  iallgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): EngineRequest {
    return new Schedule(allgatherv(this.p2p, send, recv, counts, displs));
  }

  alltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): void {
    runBlocking(alltoallv(this.p2p, send, sendCounts, sendDispls, recv, recvCounts, recvDispls));
  }
  ialltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): EngineRequest {
    return new Schedule(alltoallv(this.p2p, send, sendCounts, sendDispls, recv, recvCounts, recvDispls));
  }

  reduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): void {
    runBlocking(reduce(this.p2p, send, recv, op, root));
  }
  ireduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): EngineRequest {
    return new Schedule(reduce(this.p2p, send, recv, op, root));
  }

  allreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    runBlocking(allreduce(this.p2p, send, recv, op));
  }
  iallreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    return new Schedule(allreduce(this.p2p, send, recv, op));
  }

  reduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): void {
    runBlocking(reduceScatter(this.p2p, send, recv, counts, op));
  }
  ireduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): EngineRequest {
    return new Schedule(reduceScatter(this.p2p, send, recv, counts, op));
  }
  scan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    runBlocking(scan(this.p2p, send, recv, op, false));
  }
  exscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    runBlocking(scan(this.p2p, send, recv, op, true));
  }
  iscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    return new Schedule(scan(this.p2p, send, recv, op, false));
  }
  iexscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    return new Schedule(scan(this.p2p, send, recv, op, true));
  }
}

const cache = new WeakMap<PointToPoint, Collectives>();

/** The generic collectives over `internal` (a communicator's internal channel); one instance per channel. */
export function generic(internal: PointToPoint): Collectives {
  let c = cache.get(internal);
  if (!c) cache.set(internal, (c = new GenericCollectives(internal)));
  return c;
}

