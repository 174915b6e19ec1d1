/**
 * The mpi engine: the Engine interface on the system MPI library, through the native addon (native/).
 *
 * Wire format (what other MPI programs see):
 * - A BUFFER message is exactly the user's bytes with the user's tag, sent as MPI_BYTE, so C and mpi4py ranks
 *   exchange typed buffers with mpi4ts ranks directly (MPI-4.0 §3.2).
 * - A VALUE message (codec bytes) carries its kind in one tag bit: tag | VALUE_BIT, where VALUE_BIT is the
 *   highest power of two not above (MPI_TAG_UB + 1) / 2 (2^30 on Open MPI, 2^27 on MPICH). User tags are
 *   therefore below VALUE_BIT on this engine. A receive for a specific tag t probes both t and t | VALUE_BIT;
 *   ANY_TAG probes everything. (Order between a value and a buffer sent by the same rank with the same tag is
 *   not kept when both are waiting; every other MPI ordering rule holds.)
 *
 * Receives use matched probes (MPI_Mprobe/MPI_Improbe, then MPI_Mrecv/MPI_Imrecv), so the Sink chooses the
 * destination once the size is known and wildcards stay correct. A matched message whose Sink refuses it (too
 * small a buffer, the wrong kind) is kept in a per-communicator stash and is offered to later receives and
 * probes first, so it stays receivable. Nonblocking receives are matched in the order they were posted.
 *
 * Sends follow MPI's standard mode (buffers go straight to MPI_Send), except that a large VALUE message is sent
 * nonblocking and completed by later progress, i.e. values are buffered as on the local engine.
 *
 * A posted nonblocking receive lives here, not in MPI, until a matched probe finds its message. So that a
 * large (rendezvous) message for it can never wait on a rank that is blocked elsewhere, every blocking call
 * (send, receive, probe, wait, collective) runs as its nonblocking form and polls while any nonblocking receive
 * of this process is unmatched; with none posted, blocking calls are MPI's blocking calls.
 *
 * Communicators map one to one onto MPI's; each has a duplicate (`internal`, made at first use) for traffic
 * that must never match user receives. The collectives on buffers are MPI's own (`native`).
 */
import { availableParallelism } from "node:os";
import { ANY_TAG } from "../constants.js";
import {
  BUFFER, STANDARD, SYNCHRONOUS, VALUE,
  type BufferOp, type BuiltinOpName, type Collectives, type Engine, type EngineComm, type EngineRequest, type Envelope,
  type PayloadKind, type PointToPoint, type SendMode, type Sink, type TypedArray,
} from "../engine/engine.js";
import { isMPIError, MPIError, type ErrorClass } from "../errors.js";
import { loadAddon, type NativeAddon } from "./load.js";

const WORLD = 0;
const SELF = 1;
/** Matched messages up to this size are received with blocking MPI_Mrecv (their data is already here: eager). */
const EAGER_BYTES = 4096;
/** Status array slots, as written by the addon. */
const S_SOURCE = 0;
const S_TAG = 1;
const S_COUNT = 2;

const BUILTIN_INDEX: Readonly<Record<BuiltinOpName, number>> = {
  SUM: 0, PROD: 1, MAX: 2, MIN: 3, LAND: 4, LOR: 5, LXOR: 6, BAND: 7, BOR: 8, BXOR: 9, MAXLOC: 10, MINLOC: 11, REPLACE: 12,
};

/** Turns an addon exception (an Error with `errorClass`) into an MPIError; anything else passes through. */
function converted(e: unknown): unknown {
  if (isMPIError(e)) return e;
  if (e instanceof Error && typeof (e as { errorClass?: unknown }).errorClass === "string") {
    return new MPIError((e as unknown as { errorClass: ErrorClass }).errorClass, e.message);
  }
  return e;
}

function checkedTarget(target: Uint8Array, length: number): Uint8Array {
  if (target.length < length) {
    throw new MPIError("ERR_TRUNCATE", `message of ${length} bytes does not fit a ${target.length}-byte buffer`);
  }
  return target.length === length ? target : target.subarray(0, length);
}

interface Stashed {
  readonly message: number;
  readonly envelope: Envelope;
}
type Found = Stashed;

/** A request over one MPI request handle (sends, Imrecv, nonblocking collectives). */
class MpiRequest implements EngineRequest {
  done = false;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  constructor(protected readonly engine: NativeEngine, protected id: number) {}
  test(): boolean {
    if (this.done) return true;
    if (this.engine.hasPosted) this.engine.progressPosted();
    try {
      if (!this.engine.addon.test(this.id)) return false;
    } catch (e) {
      this.error = converted(e);
    }
    this.complete();
    return true;
  }
  wait(): void {
    if (this.done) return;
    if (this.engine.hasPosted) {
      this.engine.pollUntil(() => this.test());
      return;
    }
    try {
      this.engine.addon.wait(this.id);
    } catch (e) {
      this.error = converted(e);
    }
    this.complete();
  }
  cancel(): void {}
  protected complete(): void {
    this.done = true;
    this.engine.completions++;
  }
}

/** A send that completed inside the call (nothing to wait for). */
const COMPLETED_SEND: EngineRequest = {
  test: () => true, wait: () => {}, cancel: () => {}, cancelled: false, envelope: undefined, error: undefined,
};

const enum RecvState { POSTED, RECEIVING, DONE }

/** A nonblocking receive: posted (unmatched, in its channel's queue), then receiving (Imrecv), then done. */
class RecvRequest implements EngineRequest {
  state = RecvState.POSTED;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  mpiRequest = -1;
  constructor(
    private readonly channel: Channel,
    readonly sink: Sink,
    readonly source: number,
    readonly tag: number,
  ) {}
  test(): boolean {
    if (this.state === RecvState.POSTED) this.channel.progressPosted();
    if (this.state === RecvState.RECEIVING) {
      const addon = this.channel.engine.addon;
      try {
        if (!addon.test(this.mpiRequest)) return false;
      } catch (e) {
        this.error = converted(e);
      }
      this.finish();
    }
    return this.state === RecvState.DONE;
  }
  wait(): void {
    const engine = this.channel.engine;
    for (let spins = 0; this.state === RecvState.POSTED; spins++) {
      engine.progressPosted();
      if (this.state !== RecvState.POSTED) break;
      if (engine.postedCount() === 1) {
        // The only receive posted: block in MPI for its message (no other receive can be starved).
        this.channel.blockForHead(this);
      } else if ((spins & engine.yieldMask) === engine.yieldMask) {
        engine.addon.yield();
      }
    }
    if (this.state === RecvState.RECEIVING && engine.hasPosted) engine.pollUntil(() => this.test());
    if (this.state === RecvState.RECEIVING) {
      try {
        engine.addon.wait(this.mpiRequest);
      } catch (e) {
        this.error = converted(e);
      }
      this.finish();
    }
  }
  cancel(): void {
    if (this.state === RecvState.POSTED) {
      this.channel.unpost(this);
      this.cancelled = true;
      this.finish();
    }
  }
  get done(): boolean {
    return this.state === RecvState.DONE;
  }
  finish(): void {
    this.state = RecvState.DONE;
    this.channel.engine.completions++;
  }
}

/** One matching space: an MPI communicator. */
class Channel implements PointToPoint {
  readonly rank: number;
  readonly size: number;
  /** Nonblocking receives not yet matched, in posting order. */
  readonly posted: RecvRequest[] = [];
  /** Matched messages refused by a sink, oldest first; offered to receives and probes before MPI's queue. */
  readonly stash: Stashed[] = [];
  readonly #status: Int32Array;
  readonly #valueBit: number;

  constructor(readonly engine: NativeEngine, readonly handle: number) {
    this.rank = engine.addon.commRank(handle);
    this.size = engine.addon.commSize(handle);
    this.#status = engine.status;
    this.#valueBit = engine.valueBit;
  }

  #wireTag(tag: number, kind: PayloadKind): number {
    if (kind === VALUE) {
      if (tag >= this.#valueBit) {
        throw new MPIError("ERR_TAG", `tag ${tag} is too large for a value message on the mpi engine (largest: ${this.#valueBit - 1})`);
      }
      return tag | this.#valueBit;
    }
    if (tag > this.engine.tagUb) throw new MPIError("ERR_TAG", `tag ${tag} is above this MPI's MPI_TAG_UB (${this.engine.tagUb})`);
    return tag;
  }

  /** The second tag a receive for `tag` must also match (-1: none, for ANY_TAG). */
  #altTag(tag: number): number {
    return tag === ANY_TAG ? -1 : tag | this.#valueBit;
  }

  /** The envelope of the message the addon just reported in the status array. */
  envelopeFromStatus(): Envelope {
    const st = this.#status;
    const raw = st[S_TAG]!;
    const isValue = raw >= 0 && (raw & this.#valueBit) !== 0;
    return {
      source: st[S_SOURCE]!,
      tag: isValue ? raw & ~this.#valueBit : raw,
      byteLength: st[S_COUNT]!,
      kind: isValue ? VALUE : BUFFER,
    };
  }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void {
    const wire = this.#wireTag(tag, kind);
    if (dest === this.rank) {
      this.#sendToSelf(data, kind, tag, mode);
      return;
    }
    if (kind === VALUE && mode === STANDARD && data.length > EAGER_BYTES) {
      // A large value goes out as a nonblocking send that progress completes later: values are buffered, as on
      // the local engine, so value traffic never deadlocks on two ranks sending to each other. (`data` is the
      // codec's fresh encoding, never touched again by the caller.)
      const request = this.isend(data, kind, dest, tag, mode);
      if (!request.test()) this.engine.detach(request);
      else if (request.error !== undefined) throw request.error;
      return;
    }
    if (this.engine.hasPosted) {
      // Our own posted receives (maybe the one this message is for) must keep matching while we wait.
      const request = this.isend(data, kind, dest, tag, mode);
      this.engine.pollUntil(() => request.test());
      if (request.error !== undefined) throw request.error;
      return;
    }
    try {
      this.engine.addon.send(this.handle, data, dest, wire, mode === SYNCHRONOUS);
    } catch (e) {
      throw converted(e);
    }
  }

  /**
   * A blocking send to oneself can only complete through one of our own receives. Standard mode is buffered
   * (a copy goes out as a nonblocking send, completed later by progress), as MPI implementations do for small
   * messages; synchronous mode waits for a posted nonblocking receive, and with none posted it could never
   * complete, so it fails at once.
   */
  #sendToSelf(data: Uint8Array, kind: PayloadKind, tag: number, mode: SendMode): void {
    if (mode === SYNCHRONOUS) {
      if (this.posted.length === 0) {
        throw new MPIError("ERR_DEADLOCK", `ssend on rank ${this.rank}: a synchronous send to oneself can never be matched while blocked (no receive is posted)`);
      }
      const request = this.isend(data, kind, this.rank, tag, mode);
      this.engine.pollUntil(() => request.test());
      if (request.error !== undefined) throw request.error;
      return;
    }
    const request = this.isend(data.slice(), kind, this.rank, tag, mode);
    if (!request.test()) this.engine.detach(request);
  }

  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest {
    const wire = this.#wireTag(tag, kind);
    let id: number;
    try {
      id = this.engine.addon.isend(this.handle, data, dest, wire, mode === SYNCHRONOUS);
    } catch (e) {
      throw converted(e);
    }
    const request = new MpiRequest(this.engine, id);
    // Small standard sends usually complete at once; testing now frees the MPI request early.
    return mode !== SYNCHRONOUS && data.length <= EAGER_BYTES && request.test() && request.error === undefined ? COMPLETED_SEND : request;
  }

  recv(sink: Sink, source: number, tag: number): Envelope {
    const stashed = this.#takeStashed(source, tag);
    if (stashed) return this.#deliverStashed(stashed, sink);
    const addon = this.engine.addon;
    let message: number;
    try {
      if (this.engine.hasPosted) {
        // Posted nonblocking receives come first: poll them, then take only what none of them matches.
        for (let spins = 0; ; spins++) {
          this.engine.progressPosted();
          const found = this.find(source, tag, this.posted.length);
          if (found !== undefined && typeof found !== "number") {
            this.#deliver(found.message, found.envelope, sink);
            return found.envelope;
          }
          if ((spins & this.engine.yieldMask) === this.engine.yieldMask) addon.yield();
        }
      } else {
        message = addon.mprobe(this.handle, source, tag, this.#altTag(tag));
      }
    } catch (e) {
      throw converted(e);
    }
    const envelope = this.envelopeFromStatus();
    this.#deliver(message, envelope, sink);
    return envelope;
  }

  /** Calls the sink and receives the matched message into its target; a refused message goes to the stash. */
  #deliver(message: number, envelope: Envelope, sink: Sink): void {
    let target: Uint8Array;
    try {
      target = checkedTarget(sink(envelope), envelope.byteLength);
    } catch (e) {
      this.stash.push({ message, envelope });
      throw e;
    }
    try {
      this.engine.addon.mrecv(message, target);
    } catch (e) {
      throw converted(e);
    }
  }

  #deliverStashed(entry: { index: number; item: Stashed }, sink: Sink): Envelope {
    const { envelope, message } = entry.item;
    const target = checkedTarget(sink(envelope), envelope.byteLength); // throws: stays stashed
    this.stash.splice(entry.index, 1);
    try {
      this.engine.addon.mrecv(message, target);
    } catch (e) {
      throw converted(e);
    }
    return envelope;
  }

  #takeStashed(source: number, tag: number): { index: number; item: Stashed } | undefined {
    const stash = this.stash;
    for (let i = 0; i < stash.length; i++) {
      const e = stash[i]!.envelope;
      if ((source < 0 || e.source === source) && (tag === ANY_TAG || e.tag === tag)) return { index: i, item: stash[i]! };
    }
    return undefined;
  }

  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    const request = new RecvRequest(this, sink, source, tag);
    this.posted.push(request);
    this.engine.watch(this);
    try {
      this.progressPosted();
    } catch (e) {
      throw converted(e);
    }
    return request;
  }

  /**
   * Matches posted nonblocking receives, in posting order, against stashed and arrived messages. A message is
   * given to the earliest posted receive it matches, even if it arrived while later ones were being probed.
   */
  progressPosted(): void {
    const posted = this.posted;
    let i = 0;
    while (i < posted.length) {
      const r = posted[i]!;
      let found: Found | number | undefined;
      try {
        found = this.find(r.source, r.tag, i);
      } catch (e) {
        r.error = converted(e);
        posted.splice(i, 1);
        r.finish();
        continue;
      }
      if (found === undefined) {
        i++;
      } else if (typeof found === "number") {
        i = found; // an earlier receive matches what just arrived: it goes first
      } else {
        posted.splice(i, 1);
        this.#start(r, found.message, found.envelope);
      }
    }
    if (posted.length === 0) this.engine.unwatch(this);
  }

  /**
   * Takes the first message matching (source, tag) that no posted receive before index `before` matches.
   * Returns the matched message, or the index of an earlier posted receive that matches what is waiting (it
   * must be served first), or undefined when nothing is waiting.
   */
  find(source: number, tag: number, before: number): Found | number | undefined {
    const stashed = this.#takeStashed(source, tag);
    if (stashed) {
      const k = this.#earlierMatch(stashed.item.envelope, before);
      if (k >= 0) return k;
      this.stash.splice(stashed.index, 1);
      return stashed.item;
    }
    const addon = this.engine.addon;
    if (before === 0) {
      const message = addon.improbe(this.handle, source, tag, this.#altTag(tag));
      return message < 0 ? undefined : { message, envelope: this.envelopeFromStatus() };
    }
    if (!addon.iprobe(this.handle, source, tag, this.#altTag(tag))) return undefined;
    const seen = this.envelopeFromStatus();
    const k = this.#earlierMatch(seen, before);
    if (k >= 0) return k;
    // The earliest message from that source with that wire tag is the one just seen.
    const message = addon.improbe(this.handle, seen.source, this.#wireTag(seen.tag, seen.kind), -1);
    if (message < 0) return undefined;
    return { message, envelope: this.envelopeFromStatus() };
  }

  #earlierMatch(envelope: Envelope, before: number): number {
    const posted = this.posted;
    for (let k = 0; k < before && k < posted.length; k++) {
      const r = posted[k]!;
      if ((r.source < 0 || r.source === envelope.source) && (r.tag === ANY_TAG || r.tag === envelope.tag)) return k;
    }
    return -1;
  }

  /** Blocks until the head posted receive matches (it is first in line, so this starves nobody). */
  blockForHead(r: RecvRequest): void {
    let message: number;
    try {
      message = this.engine.addon.mprobe(this.handle, r.source, r.tag, this.#altTag(r.tag));
    } catch (e) {
      this.unpost(r);
      r.error = converted(e);
      r.finish();
      return;
    }
    this.unpost(r);
    this.#start(r, message, this.envelopeFromStatus());
  }

  /** A matched message for a nonblocking receive: ask its sink, then receive (blocking when already here). */
  #start(r: RecvRequest, message: number, envelope: Envelope): void {
    let target: Uint8Array;
    try {
      target = checkedTarget(r.sink(envelope), envelope.byteLength);
    } catch (e) {
      // Refused: this receive fails, the message stays receivable.
      this.stash.push({ message, envelope });
      r.error = e;
      r.finish();
      return;
    }
    r.envelope = envelope;
    const addon = this.engine.addon;
    try {
      if (envelope.byteLength <= EAGER_BYTES) {
        addon.mrecv(message, target);
        r.finish();
      } else {
        r.mpiRequest = addon.imrecv(message, target);
        r.state = RecvState.RECEIVING;
      }
    } catch (e) {
      r.error = converted(e);
      r.finish();
    }
  }

  unpost(r: RecvRequest): void {
    const i = this.posted.indexOf(r);
    if (i >= 0) this.posted.splice(i, 1);
    if (this.posted.length === 0) this.engine.unwatch(this);
  }

  probe(source: number, tag: number): Envelope {
    const early = this.iprobe(source, tag);
    if (early) return early;
    try {
      if (this.engine.hasPosted) {
        for (let spins = 0; ; spins++) {
          this.engine.progressPosted();
          const found = this.iprobe(source, tag);
          if (found) return found;
          if ((spins & this.engine.yieldMask) === this.engine.yieldMask) this.engine.addon.yield();
        }
      }
      this.engine.addon.probe(this.handle, source, tag, this.#altTag(tag));
    } catch (e) {
      throw converted(e);
    }
    return this.envelopeFromStatus();
  }

  iprobe(source: number, tag: number): Envelope | undefined {
    try {
      if (this.posted.length > 0) this.progressPosted();
      const stashed = this.#takeStashed(source, tag);
      if (stashed) return stashed.item.envelope;
      return this.engine.addon.iprobe(this.handle, source, tag, this.#altTag(tag)) ? this.envelopeFromStatus() : undefined;
    } catch (e) {
      throw converted(e);
    }
  }
}

class NativeComm extends Channel implements EngineComm {
  readonly native: Collectives;
  #internal: Channel | undefined;
  #worldRanks: readonly number[] | undefined;

  constructor(engine: NativeEngine, handle: number) {
    super(engine, handle);
    this.native = new NativeCollectives(engine, handle, this.rank);
  }

  /**
   * The duplicate communicator for internal traffic, made (MPI_Comm_dup, collective) at first use. It is made
   * lazily because the API uses it only inside collectives, which every rank of the communicator enters, while
   * a duplicate made up front would be a collective that C or Python ranks sharing MPI_COMM_WORLD never join.
   */
  get internal(): Channel {
    if (!this.#internal) {
      try {
        this.#internal = new Channel(this.engine, this.engine.addon.commDup(this.handle));
      } catch (e) {
        throw converted(e);
      }
    }
    return this.#internal;
  }

  get worldRanks(): readonly number[] {
    return (this.#worldRanks ??= Object.freeze(Array.from(this.engine.addon.commWorldRanks(this.handle))));
  }

  dup(): EngineComm {
    return this.#wrap(() => this.engine.addon.commDup(this.handle))!;
  }

  split(color: number, key: number): EngineComm | null {
    return this.#wrap(() => this.engine.addon.commSplit(this.handle, color < 0 ? -1 : color, key));
  }

  create(worldRanks: readonly number[]): EngineComm | null {
    return this.#wrap(() => this.engine.addon.commCreate(this.handle, Int32Array.from(worldRanks)));
  }

  free(): void {
    if (this.handle === WORLD || this.handle === SELF || this.engine.finalized) return;
    try {
      if (this.#internal) this.engine.addon.commFree(this.#internal.handle);
      this.engine.addon.commFree(this.handle);
    } catch (e) {
      throw converted(e);
    }
  }

  #wrap(make: () => number): NativeComm | null {
    let handle: number;
    try {
      handle = make();
      return handle < 0 ? null : new NativeComm(this.engine, handle);
    } catch (e) {
      throw converted(e);
    }
  }
}

/** MPI's own collectives (MPI-4.0 chapter 6) on one communicator. */
class NativeCollectives implements Collectives {
  constructor(private readonly engine: NativeEngine, private readonly handle: number, private readonly rank: number) {}

  #run<T>(f: (addon: NativeAddon) => T): T {
    try {
      return f(this.engine.addon);
    } catch (e) {
      throw converted(e);
    }
  }
  /** A blocking collective: MPI's blocking call, or its nonblocking form polled while receives are posted. */
  #blocking(blocking: (addon: NativeAddon) => unknown, nonblocking: (addon: NativeAddon) => number | undefined): void {
    if (!this.engine.hasPosted) {
      this.#run(blocking);
      return;
    }
    const request = this.#request(nonblocking);
    this.engine.pollUntil(() => request.test());
    if (request.error !== undefined) throw request.error;
  }
  #request(f: (addon: NativeAddon) => number | undefined): EngineRequest {
    return new MpiRequest(this.engine, this.#run(f)!);
  }

  barrier(): void { this.#blocking((a) => a.barrier(this.handle), (a) => a.ibarrier(this.handle)); }
  bcast(buf: Uint8Array, root: number): void { this.#blocking((a) => a.bcast(this.handle, buf, root), (a) => a.ibcast(this.handle, buf, root)); }
  gatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): void {
    this.#blocking((a) => a.gatherv(this.handle, send, recv, ints(counts), ints(displs), root, false), (a) => a.gatherv(this.handle, send, recv, ints(counts), ints(displs), root, true));
  }
  scatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): void {
    this.#blocking((a) => a.scatterv(this.handle, send, ints(counts), ints(displs), recv, root, false), (a) => a.scatterv(this.handle, send, ints(counts), ints(displs), recv, root, true));
  }
  allgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): void {
    this.#blocking((a) => a.allgatherv(this.handle, send, recv, Int32Array.from(counts), Int32Array.from(displs), false), (a) => a.allgatherv(this.handle, send, recv, Int32Array.from(counts), Int32Array.from(displs), true));
  }
  alltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): void {
    const sc = Int32Array.from(sendCounts), sd = Int32Array.from(sendDispls), rc = Int32Array.from(recvCounts), rd = Int32Array.from(recvDispls);
    this.#blocking((a) => a.alltoallv(this.handle, send, sc, sd, recv, rc, rd, false), (a) => a.alltoallv(this.handle, send, sc, sd, recv, rc, rd, true));
  }
  reduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): void {
    const [o, c] = opArgs(op);
    this.#blocking((a) => a.reduce(this.handle, send, recv, o, c, root, false), (a) => a.reduce(this.handle, send, recv, o, c, root, true));
  }
  allreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    this.#blocking((a) => a.allreduce(this.handle, send, recv, o, c, 0, false), (a) => a.allreduce(this.handle, send, recv, o, c, 0, true));
  }
  reduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp): void {
    const [o, c] = opArgs(op);
    const n = Int32Array.from(counts);
    this.#blocking((a) => a.reduceScatter(this.handle, send, recv, n, o, c, false), (a) => a.reduceScatter(this.handle, send, recv, n, o, c, true));
  }
  scan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    this.#blocking((a) => a.scan(this.handle, send, recv, o, c, 0, false), (a) => a.scan(this.handle, send, recv, o, c, 0, true));
  }
  exscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    // MPI leaves rank 0's buffer undefined; the interface promises it unchanged.
    const keep = this.rank === 0 ? recv.slice() : undefined;
    this.#blocking((a) => a.exscan(this.handle, send, recv, o, c, 0, false), (a) => a.exscan(this.handle, send, recv, o, c, 0, true));
    if (keep) (recv as Uint8Array).set(keep as Uint8Array);
  }
  ibarrier(): EngineRequest { return this.#request((a) => a.ibarrier(this.handle)); }
  ibcast(buf: Uint8Array, root: number): EngineRequest { return this.#request((a) => a.ibcast(this.handle, buf, root)); }
  ireduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): EngineRequest {
    const [o, c] = opArgs(op);
    return this.#request((a) => a.reduce(this.handle, send, recv, o, c, root, true));
  }
  iallreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    const [o, c] = opArgs(op);
    return this.#request((a) => a.allreduce(this.handle, send, recv, o, c, 0, true));
  }
  igatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): EngineRequest {
    return this.#request((a) => a.gatherv(this.handle, send, recv, ints(counts), ints(displs), root, true));
  }
  iscatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): EngineRequest {
    return this.#request((a) => a.scatterv(this.handle, send, ints(counts), ints(displs), recv, root, true));
  }
  iallgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): EngineRequest {
    return this.#request((a) => a.allgatherv(this.handle, send, recv, Int32Array.from(counts), Int32Array.from(displs), true));
  }
  ialltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): EngineRequest {
    return this.#request((a) => a.alltoallv(this.handle, send, Int32Array.from(sendCounts), Int32Array.from(sendDispls), recv, Int32Array.from(recvCounts), Int32Array.from(recvDispls), true));
  }
}

function ints(values: readonly number[] | null): Int32Array | null {
  return values ? Int32Array.from(values) : null;
}

function opArgs(op: BufferOp): [number | Function, boolean] {
  if ("builtin" in op) {
    const i = BUILTIN_INDEX[op.builtin];
    if (i === undefined) throw new MPIError("ERR_OP", `unknown reduction operation ${String(op.builtin)}`);
    return [i, true];
  }
  return [op.fn, op.commute];
}

/** After this many idle `activity()` turns, poll on a timer instead of every event-loop turn. */
const HOT_TURNS = 200;

export class NativeEngine implements Engine {
  readonly name = "mpi" as const;
  readonly addon: NativeAddon;
  readonly addonPath: string;
  readonly status = new Int32Array(8);
  readonly tagUb: number;
  /** The tag bit that marks VALUE messages (see the header comment). */
  readonly valueBit: number;
  readonly world: NativeComm;
  readonly self: NativeComm;
  finalized = false;
  /**
   * Polling loops yield the core every (yieldMask + 1) turns: every turn when this host runs more ranks than it
   * has cores (the others need the core to make the progress we poll for), every 64 turns otherwise.
   */
  readonly yieldMask: number;
  /** Channels with unmatched nonblocking receives. */
  readonly #watched = new Set<Channel>();
  /** Counts completed requests, so `activity()` knows whether things are moving. */
  completions = 0;
  #seenCompletions = 0;
  #idleTurns = 0;

  constructor() {
    // UCX (under MPICH, and Open MPI's UCX components) patches mmap and malloc to track memory; inside Node
    // that crashed V8's compiler now and then (SIGSEGV in ReusableUnoptimizedCompileState). UCX reads these
    // when libmpi loads, so they are set first; a user's own settings win.
    for (const [name, value] of [["UCX_MEM_MMAP_HOOK_MODE", "none"], ["UCX_MEM_MALLOC_HOOKS", "no"], ["UCX_MEM_EVENTS", "no"]]) {
      process.env[name] ??= value;
    }
    const { addon, path } = loadAddon();
    this.addon = addon;
    this.addonPath = path;
    try {
      addon.init();
    } catch (e) {
      throw new MPIError("ERR_OTHER", `mpi4ts: MPI_Init_thread failed in the native engine (${path}): ${(e as Error).message}`);
    }
    addon.setStatusArray(this.status);
    this.tagUb = addon.tagUb();
    let bit = 1;
    while (bit * 2 <= Math.floor((this.tagUb + 1) / 2)) bit *= 2;
    this.valueBit = bit;
    const local = Number(process.env.OMPI_COMM_WORLD_LOCAL_SIZE ?? process.env.MPI_LOCALNRANKS ?? 1);
    this.yieldMask = local > availableParallelism() ? 0 : 63;
    this.world = new NativeComm(this, WORLD);
    this.self = new NativeComm(this, SELF);
  }

  /** Buffered sends to oneself, completed by progress. */
  readonly #detached: EngineRequest[] = [];
  #progressing = false;

  /** True while some nonblocking receive of this process is posted but unmatched (or a self-send is pending). */
  get hasPosted(): boolean {
    return this.#watched.size > 0 || this.#detached.length > 0;
  }

  detach(request: EngineRequest): void {
    this.#detached.push(request);
  }

  watch(channel: Channel): void {
    this.#watched.add(channel);
  }

  unwatch(channel: Channel): void {
    this.#watched.delete(channel);
  }

  postedCount(): number {
    let n = 0;
    for (const c of this.#watched) n += c.posted.length;
    return n;
  }

  /** Matches every channel's posted receives against arrived messages (posting order within a channel). */
  progressPosted(): void {
    if (this.#progressing) return;
    this.#progressing = true;
    try {
      for (const c of this.#watched) c.progressPosted();
      if (this.#detached.length > 0) {
        for (let i = this.#detached.length - 1; i >= 0; i--) if (this.#detached[i]!.test()) this.#detached.splice(i, 1);
      }
    } finally {
      this.#progressing = false;
    }
  }

  /** Polls (matching posted receives) until `done()`; yields the core now and then for oversubscribed jobs. */
  pollUntil(done: () => boolean): void {
    for (let spins = 0; ; spins++) {
      this.progressPosted();
      if (done()) return;
      if ((spins & this.yieldMask) === this.yieldMask) this.addon.yield();
    }
  }

  processorName(): string { return this.addon.processorName(); }
  libraryVersion(): string {
    return `mpi4ts mpi engine (native addon, Node.js ${process.version}) on ${this.addon.libraryVersion()}`;
  }
  version(): [number, number] {
    const [major, minor] = this.addon.version();
    return [major, minor];
  }
  wtime(): number { return this.addon.wtime(); }
  wtick(): number { return this.addon.wtick(); }

  waitForActivity(_timeoutMs?: number): void {
    // MPI has no "something arrived" signal to sleep on; the callers test their requests between calls.
    // Yielding the core keeps oversubscribed jobs moving.
    if (this.hasPosted) this.progressPosted();
    this.addon.yield();
  }

  activity(timeoutMs = 100): Promise<void> {
    if (this.completions !== this.#seenCompletions) {
      this.#seenCompletions = this.completions;
      this.#idleTurns = 0;
    }
    this.#idleTurns++;
    return new Promise<void>((resolve) => {
      if (this.#idleTurns < HOT_TURNS) setImmediate(resolve);
      else setTimeout(resolve, Math.min(timeoutMs, 1));
    });
  }

  abort(code: number, reason?: string): never {
    const exitCode = Number.isInteger(code) ? code : 1;
    if (reason) process.stderr.write(`${reason}\n`);
    return this.addon.abort(WORLD, exitCode);
  }

  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.addon.finalize();
  }
}

let created: NativeEngine | undefined;

/**
 * Starts MPI and returns the engine (once per process). Also arranges that an uncaught exception or unhandled
 * rejection prints this rank and the stack and aborts the whole job (MPI_Abort), that a non-zero exit aborts it
 * too, and that MPI is finalized at a normal exit.
 */
export function createMpiEngine(): Engine {
  if (created) return created;
  let engine: NativeEngine;
  try {
    engine = new NativeEngine();
  } catch (e) {
    // The addon is missing, built for another MPI, or MPI would not start: one line, and this rank ends
    // (its launcher then ends the job), rather than a stack trace from deep inside an import.
    if (isMPIError(e)) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  created = engine;
  const rank = engine.world.rank;
  const fail = (what: string, error: unknown): void => {
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    process.stderr.write(`mpi4ts: rank ${rank} of ${engine.world.size} failed: ${what}\n${text}\nmpi4ts: aborting the job (MPI_Abort)\n`);
    if (!engine.finalized) engine.addon.abort(WORLD, 1);
    process.exit(1);
  };
  process.on("uncaughtException", (e) => fail("uncaught exception", e));
  process.on("unhandledRejection", (e) => fail("unhandled promise rejection", e));
  process.on("exit", (code) => {
    if (engine.finalized) return;
    if (code !== 0) {
      engine.finalized = true;
      engine.addon.abort(WORLD, code);
    }
    engine.finalize();
  });
  return engine;
}
