/**
 * Neighbourhood collectives (MPI-4.0 §8.6) on every topology communicator, on every engine: point-to-point over
 * the communicator's internal channel (as the generic collectives, src/collective/transport.ts), one message per
 * edge, tagged with the call's number in the communicator's collective sequence. Each rank receives from its
 * in-neighbours and sends to its out-neighbours in the order its Neighbourhood gives, so between two ranks the
 * k-th message lands in the k-th block (what MPI prescribes for multigraphs and for Cartesian shifts).
 *
 * The persistent forms (MPI-4.0 §8.8, `Neighbor_allgather_init`...) run the nonblocking exchange at each Start, on
 * a tag their init took (SoftwareRounds), so they match by init as the other persistent collectives do.
 *
 * On the mpi engine these run over mpi4ts's communicators, which carry no MPI topology: a C or Python rank of the
 * same job calling MPI_Neighbor_* on its own topology communicator does not meet them (out of scope).
 */
import { PROC_NULL } from "./constants.js";
import { type Buffer, bytesOf, checkBuffer, describe, elementSize, isBuffer } from "./datatype.js";
import { MPIError } from "./errors.js";
import type { Request } from "./request.js";
import { type BufSpecW, bufferArgW } from "./datatype/message.js";
import type { EngineRequest } from "./engine/engine.js";
import { BLOCKING, NONBLOCKING, PERSISTENT, type Mode, callName, operation, request } from "./collective/api.js";
import { CollectivePrequest, SoftwareRounds } from "./collective/persistent.js";
import {
  Kind, Schedule, VALUE_FAMILY, checkLeftovers, inPersistentOrder, packet, receive, runBlocking, sendPacket, startCall, withWhere,
  type Algorithm, type Packet,
} from "./collective/transport.js";
import type { Neighbourhood, Topocomm } from "./topocomm.js";

/** `[buf, counts]` or `[buf, counts, displs]`: one count (and displacement) per neighbour, in elements of buf's type. */
export type NeighborSpec = readonly [Buffer, readonly number[], (readonly number[] | null | undefined)?];

const ALLGATHER = Kind.NeighborAllgather;
const ALLTOALL = Kind.NeighborAlltoall;

/** The neighbourhood, once it is known to run collectives. */
function hood(comm: Topocomm, call: string): Neighbourhood {
  comm.engineComm(call);
  const h = comm.neighbourhood();
  if (h.refusal) throw new MPIError("ERR_TOPOLOGY", `${comm.where(call)}: ${h.refusal}`);
  return h;
}

/**
 * One exchange: `out(j)` goes to destination j, source i's message lands in `into(i)` (exact length) or in fresh
 * memory. Returns what arrived, by source (undefined for PROC_NULL).
 */
function* exchange(comm: Topocomm, h: Neighbourhood, kind: number, out: (j: number) => Uint8Array,
  into: ((i: number) => Uint8Array) | null): Algorithm<(Uint8Array | undefined)[]> {
  const call = startCall(comm.engineComm("neighbor").internal, kind);
  const incoming = h.sources.map((src, i) => (src === PROC_NULL ? undefined : receive(call, src, into ? into(i) : undefined)));
  const step: EngineRequest[] = incoming.filter((r) => r !== undefined);
  // Allgather sends one payload to every destination: frame it once.
  const framed = new Map<Uint8Array, Packet>();
  for (const j of h.sendOrder) {
    const dest = h.destinations[j]!;
    if (dest === PROC_NULL) continue;
    const payload = out(j);
    let p = framed.get(payload);
    if (!p) framed.set(payload, (p = packet(call, payload)));
    step.push(sendPacket(call, dest, p));
  }
  if (step.length) yield step;
  checkLeftovers(call);
  return incoming.map((r) => r?.data);
}

function run<R>(comm: Topocomm, call: string, algorithm: Algorithm<R>): R {
  try {
    return runBlocking(algorithm);
  } catch (e) {
    throw withWhere(comm.where(call), e);
  }
}

/**
 * Runs a buffer exchange to completion, starts it as the Request of the nonblocking form, or makes the persistent
 * request that starts it anew (`algorithm()` each round, reading the buffers as they are then) on its init's tag.
 */
function perform(comm: Topocomm, call: string, mode: Mode, algorithm: () => Algorithm<unknown>): Request<void> | void {
  if (mode === NONBLOCKING) return request(comm, call, () => new Schedule(algorithm()));
  if (mode === BLOCKING) {
    run(comm, call, algorithm());
    return;
  }
  const rounds = new SoftwareRounds(comm.engineComm(call).internal);
  return new CollectivePrequest(call, () => operation(comm, call, () => rounds.start(() => new Schedule(algorithm()))));
}

/**
 * A neighbourhood collective's `*_init` (`make`: the call in PERSISTENT mode): a rank that refuses its arguments
 * still takes the init's tag, as the others' inits did (inPersistentOrder).
 */
export function init(comm: Topocomm, call: string, make: (mode: Mode) => Request<void> | void): CollectivePrequest {
  return inPersistentOrder(comm.engineComm(call).internal, () => make(PERSISTENT)) as CollectivePrequest;
}

function buffer(comm: Topocomm, call: string, name: string, buf: unknown): Uint8Array {
  return bytesOf(checkBuffer(() => comm.where(call), name, buf));
}

/** The byte size of each of `n` equal blocks of whole elements of `buf`, or null when n is 0. */
function blockBytes(comm: Topocomm, call: string, name: string, buf: Buffer, n: number, what: string): number | null {
  if (n === 0) return null;
  const esize = elementSize(buf), elements = bytesOf(buf).length / esize;
  if (elements % n !== 0) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: ${name} has ${elements} elements, which do not split into ${n} equal blocks (one per ${what})`);
  }
  return (elements / n) * esize;
}

/** A NeighborSpec's buffer cut into its `n` blocks (views). */
function blocks(comm: Topocomm, call: string, name: string, value: unknown, n: number): Uint8Array[] {
  const where = comm.where(call);
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !isBuffer(value[0])) {
    throw new MPIError("ERR_ARG", `${where}: ${name} must be [buffer, counts] or [buffer, counts, displs], got ${describe(value)}`);
  }
  const buf = checkBuffer(where, `${name}[0]`, value[0]);
  const bytes = bytesOf(buf), esize = elementSize(buf), length = bytes.length / esize;
  const list = (x: unknown, what: string): number[] => {
    if (!Array.isArray(x) || x.length !== n || !x.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new MPIError("ERR_COUNT", `${where}: ${name} ${what} must be an array of ${n} non-negative integers (one per neighbour), got ${describe(x)}${Array.isArray(x) ? ` [${x.join(", ")}]` : ""}`);
    }
    return x as number[];
  };
  const counts = list(value[1], "counts");
  let displs: number[];
  if (value[2] === undefined || value[2] === null) {
    let at = 0;
    displs = counts.map((c) => (at += c) - c);
  } else {
    displs = list(value[2], "displs");
  }
  return counts.map((c, i) => {
    const d = displs[i]!;
    if (d + c > length) {
      throw new MPIError("ERR_BUFFER", `${where}: ${name} block ${i} (displacement ${d}, count ${c}) runs past the end of the buffer (${length} elements)`);
    }
    return bytes.subarray(d * esize, (d + c) * esize);
  });
}

function split(bytes: Uint8Array, block: number | null, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => bytes.subarray(i * block!, (i + 1) * block!));
}

// ---- buffers ---------------------------------------------------------------------------------------------

export function Neighbor_allgather(comm: Topocomm, sendbuf: Buffer, recvbuf: Buffer, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Neighbor_allgather", mode);
  const h = hood(comm, call);
  const mine = buffer(comm, call, "sendbuf", sendbuf);
  buffer(comm, call, "recvbuf", recvbuf);
  const block = blockBytes(comm, call, "recvbuf", recvbuf, h.sources.length, "in-neighbour");
  if (block !== null && block !== mine.length) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: recvbuf has ${block} bytes per in-neighbour but sendbuf has ${mine.length}`);
  }
  const into = split(bytesOf(recvbuf), block, h.sources.length);
  return perform(comm, call, mode, () => exchange(comm, h, ALLGATHER, () => mine, (i) => into[i]!));
}

export function Neighbor_allgatherv(comm: Topocomm, sendbuf: Buffer, recvspec: NeighborSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Neighbor_allgatherv", mode);
  const h = hood(comm, call);
  const mine = buffer(comm, call, "sendbuf", sendbuf);
  const into = blocks(comm, call, "recvbuf", recvspec, h.sources.length);
  return perform(comm, call, mode, () => exchange(comm, h, ALLGATHER, () => mine, (i) => into[i]!));
}

export function Neighbor_alltoall(comm: Topocomm, sendbuf: Buffer, recvbuf: Buffer, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Neighbor_alltoall", mode);
  const h = hood(comm, call);
  const send = buffer(comm, call, "sendbuf", sendbuf), recv = buffer(comm, call, "recvbuf", recvbuf);
  const sblock = blockBytes(comm, call, "sendbuf", sendbuf, h.destinations.length, "out-neighbour");
  const rblock = blockBytes(comm, call, "recvbuf", recvbuf, h.sources.length, "in-neighbour");
  if (sblock !== null && rblock !== null && sblock !== rblock) {
    throw new MPIError("ERR_COUNT", `${comm.where(call)}: sendbuf has ${sblock} bytes per out-neighbour but recvbuf has ${rblock} per in-neighbour`);
  }
  const out = split(send, sblock, h.destinations.length), into = split(recv, rblock, h.sources.length);
  return perform(comm, call, mode, () => exchange(comm, h, ALLTOALL, (j) => out[j]!, (i) => into[i]!));
}

export function Neighbor_alltoallv(comm: Topocomm, sendspec: NeighborSpec, recvspec: NeighborSpec, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Neighbor_alltoallv", mode);
  const h = hood(comm, call);
  const out = blocks(comm, call, "sendbuf", sendspec, h.destinations.length);
  const into = blocks(comm, call, "recvbuf", recvspec, h.sources.length);
  return perform(comm, call, mode, () => exchange(comm, h, ALLTOALL, (j) => out[j]!, (i) => into[i]!));
}

/** Per-neighbour counts, datatypes and byte displacements (MPI_Neighbor_alltoallw); blocks move as Alltoallw's. */
export function Neighbor_alltoallw(comm: Topocomm, sendspec: BufSpecW, recvspec: BufSpecW, mode: Mode = BLOCKING): Request<void> | void {
  const call = callName("Neighbor_alltoallw", mode);
  const h = hood(comm, call);
  const where = () => comm.where(call);
  const from = bufferArgW(where, "sendbuf", sendspec, h.destinations.length, "neighbour");
  const into = bufferArgW(where, "recvbuf", recvspec, h.sources.length, "neighbour");
  // (packed as each exchange starts: a persistent request's rounds each send the buffers' contents then)
  return perform(comm, call, mode, () => {
    const out = from.map((b) => b.outgoing()), landing = into.map((b) => b.incoming(true));
    return andThen(exchange(comm, h, ALLTOALL, (j) => out[j]!, (i) => landing[i]!), () => into.forEach((b, i) => b.land(landing[i]!)));
  });
}

function* andThen<R>(algorithm: Algorithm<R>, after: () => void): Algorithm<R> {
  const result = yield* algorithm;
  after();
  return result;
}

// ---- values ----------------------------------------------------------------------------------------------

export function neighbor_allgather<T>(comm: Topocomm, obj: T): (T | undefined)[] {
  const call = "neighbor_allgather";
  const h = hood(comm, call);
  const bytes = comm.encode(call, obj);
  const got = run(comm, call, exchange(comm, h, ALLGATHER | VALUE_FAMILY, () => bytes, null));
  return got.map((b) => (b === undefined ? undefined : comm.decode<T>(call, b)));
}

export function neighbor_alltoall<T>(comm: Topocomm, seq: readonly T[]): (T | undefined)[] {
  const call = "neighbor_alltoall";
  const h = hood(comm, call);
  if (!Array.isArray(seq) || seq.length !== h.destinations.length) {
    throw new MPIError(Array.isArray(seq) ? "ERR_COUNT" : "ERR_ARG", `${comm.where(call)}: seq must be an array of ${h.destinations.length} items (one per out-neighbour), got ${describe(seq)}`);
  }
  const out = seq.map((item) => comm.encode(call, item));
  const got = run(comm, call, exchange(comm, h, ALLTOALL | VALUE_FAMILY, (j) => out[j]!, null));
  return got.map((b) => (b === undefined ? undefined : comm.decode<T>(call, b)));
}
