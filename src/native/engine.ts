/**
 * The mpi engine: the Engine interface on the system MPI library, through the native addon (native/).
 *
 * Wire format (what other MPI programs see): every message is one MPI_BYTE message with the user's tag, so C and
 * mpi4py ranks exchange typed buffers with mpi4ts ranks directly (MPI-4.0 §3.2), and every tag up to MPI_TAG_UB
 * is the user's. A BUFFER message is exactly the user's bytes; a VALUE message is the codec's bytes behind an
 * 8-byte header (the addon's valueHeader()), which is how a receive tells the two kinds apart. (A buffer whose
 * first 8 bytes equal that header would be taken for a value: the header is chosen to be unlikely data.)
 *
 * Every posted nonblocking receive is a real MPI_Irecv, so MPI matches it while this rank sits in any blocking MPI
 * call; blocking calls (send, receive, probe, wait, collectives, communicator creation) are therefore always MPI's
 * blocking calls, as a C or mpi4py rank in the same job makes them. (Choosing a blocking or a nonblocking
 * collective from local state hung jobs: MPI never matches one with the other.) A posted receive does not know the
 * size of its message, so it lands in a reserved region of address space that only the message's pages occupy
 * (see acquireLanding in the addon) and is copied out on completion.
 *
 * Blocking receives use matched probes (MPI_Mprobe, then MPI_Mrecv), so a buffer receive lands in the user's
 * buffer directly. A message that a receive refuses (too small a buffer, the wrong kind) has been taken from MPI
 * by then; it is kept in a per-communicator stash, offered to later receives and probes first, so it stays
 * receivable.
 *
 * Sends follow MPI's standard mode (buffers go straight to MPI_Send), except that a large VALUE message is sent
 * nonblocking and completed by later progress, i.e. values are buffered as on the local engine.
 *
 * Communicators map one to one onto MPI's; each has a duplicate (`internal`, made at first use with
 * MPI_Comm_idup, so that a nonblocking first use does not wait for the other ranks) for traffic that must never
 * match user receives. The collectives on buffers are MPI's own (`native`).
 */
import { join } from "node:path";
import { NativeRma } from "../win/native.js";
import { ANY_SOURCE, ANY_TAG } from "../constants.js";
import {
  BUFFER, COMPLETED, STANDARD, SYNCHRONOUS, VALUE,
  type BufferOp, type BuiltinOpName, type Collectives, type Engine, type EngineComm, type EngineRequest, type Envelope,
  type MatchedMessage, type PayloadKind, type PendingComm, type PersistentCollectives, type PersistentEngineRequest, type PointToPoint, type RefusedRoot,
  type SendMode, type Sink, type TypedArray, type Unreceived, type WaitCall, type WorldAttributes,
  type DynamicProcesses, type EngineIntercomm, type Signature, type SpawnOrder,
} from "../engine/engine.js";
import { Kind, checkStaleAfter, whenNoCallOpen } from "../collective/transport.js";
import { scratchTurn } from "../collective/root-refusal.js";
import { disagreement, opCode, packHead, refusedSignature, signature, typeCode, unpack } from "../collective/signature.js";
import { isMPIError, MPIError, type ErrorClass } from "../errors.js";
import { launchedByMpi, loadAddon, packageRoot, type NativeAddon, type Start } from "./load.js";
import { BlockedState, NO_PEER, blockingCall } from "./blocked-state.js";

const WORLD = 0;
const SELF = 1;
/** Sends up to this size usually complete inside MPI_Isend (eager): testing once frees them at once. */
const EAGER_BYTES = 4096;
/** Status array slots, as written by the addon. */
const S_SOURCE = 0;
const S_TAG = 1;
const S_COUNT = 2;
const S_CANCELLED = 4;
const S_MESSAGE = 5;
const S_VALUE = 6;
const S_COUNT_HIGH = 7;

/** The byte count of the message the status array describes (its two words: messages may pass 4 GiB). */
function countOf(st: Int32Array): number {
  return (st[S_COUNT]! >>> 0) + st[S_COUNT_HIGH]! * 2 ** 32;
}
/** Bytes of the header in front of a VALUE message's codec bytes. */
const VALUE_HEADER = 8;
/** Buffer receives from this size on are posted straight into the buffer (below it, one copy out of a landing is cheaper than making a datatype). */
const DIRECT_BYTES = 64 << 10;

export const BUILTIN_INDEX: Readonly<Record<BuiltinOpName, number>> = {
  SUM: 0, PROD: 1, MAX: 2, MIN: 3, LAND: 4, LOR: 5, LXOR: 6, BAND: 7, BOR: 8, BXOR: 9, MAXLOC: 10, MINLOC: 11, REPLACE: 12,
};

/** Turns an addon exception (an Error with `errorClass`) into an MPIError; anything else passes through. */
export function converted(e: unknown): unknown {
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

// What the launcher's report says this rank is blocked in (blocked-state.ts).
const FINALIZE_SENDS = blockingCall("the end of the program, waiting for its sends to be received");
const FINALIZE = blockingCall("MPI_Finalize, waiting for the other ranks to end");
const FIRST_INTERNAL = blockingCall("a collective (the first that makes the internal channel, MPI_Comm_idup)");
const SEND = blockingCall("send"), SSEND = blockingCall("ssend"), RECV = blockingCall("recv"), PROBE = blockingCall("probe");
const MPROBE = blockingCall("mprobe"), WAIT = blockingCall("wait");
const DUP = blockingCall("Dup"), SPLIT = blockingCall("Split"), CREATE = blockingCall("Create");
const CREATE_GROUP = blockingCall("Create_group"), SPLIT_TYPE = blockingCall("Split_type");
const SPAWN = blockingCall("Spawn"), MERGE = blockingCall("Merge");
const COLLECTIVE = {
  barrier: blockingCall("Barrier"), bcast: blockingCall("Bcast"), gather: blockingCall("Gather"),
  scatter: blockingCall("Scatter"), allgather: blockingCall("Allgather"), alltoall: blockingCall("Alltoall"),
  reduce: blockingCall("Reduce"), allreduce: blockingCall("Allreduce"), reduceScatter: blockingCall("Reduce_scatter"),
  scan: blockingCall("Scan"), exscan: blockingCall("Exscan"),
} as const;
/** The rooted collectives a root may refuse at its own root-only arguments (Collectives.refuse), by Kind. */
const COLLECTIVE_OF_KIND: Record<number, number> = {
  [Kind.Scatter]: COLLECTIVE.scatter, [Kind.Gather]: COLLECTIVE.gather, [Kind.Reduce]: COLLECTIVE.reduce,
};
const WAIT_CALLS: Readonly<Record<WaitCall, number>> = {
  waitall: blockingCall("Request.waitall"), waitany: blockingCall("Request.waitany"),
  waitsome: blockingCall("Request.waitsome"), await: WAIT,
};

function matches(envelope: Envelope, source: number, tag: number): boolean {
  return (source < 0 || envelope.source === source) && (tag === ANY_TAG || envelope.tag === tag);
}

/** A message taken from MPI whose bytes are here: one a receive refused (in the stash), or one being delivered. */
interface Held {
  readonly envelope: Envelope;
  readonly bytes: Uint8Array;
}

/** A request over one MPI request handle (sends, nonblocking collectives). */
export class MpiRequest implements EngineRequest {
  done = false;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  constructor(protected readonly engine: NativeEngine, protected id: number) {}
  test(): boolean {
    if (this.done) return true;
    if (this.engine.making.size !== 0) this.engine.postWhereMade();
    return this.testInMpi();
  }
  /**
   * MPI_Test alone, without posting what waits for channels first (how a channel's making is tested); a
   * completed request's MPI handle is gone, and may already belong to another request.
   */
  testInMpi(): boolean {
    if (this.done) return true;
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
    try {
      this.engine.blocking(WAIT, -1, NO_PEER, 0, () => this.waitInMpi());
    } catch (e) {
      if (this.done) return;
      this.error = converted(e);
      this.complete();
    }
  }
  /** MPI_Wait, inside a blocking call already entered (whose entry may have completed it). */
  waitInMpi(): void {
    if (this.done) return;
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

/** A nonblocking receive: an MPI_Irecv into a landing; on completion its message goes to the sink (or the stash). */
class RecvRequest implements EngineRequest {
  done = false;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  constructor(
    readonly channel: Channel,
    private readonly sink: Sink,
    readonly source: number,
    readonly tag: number,
    private readonly id: number,
    private readonly direct: Uint8Array | undefined,
  ) {}
  test(): boolean {
    if (this.done) return true;
    if (this.channel.engine.making.size !== 0) this.channel.engine.postWhereMade();
    if (this.done) return true; // (a queued send to oneself, posted just now, may have landed here)
    let complete: boolean;
    try {
      complete = this.channel.engine.addon.test(this.id);
    } catch (e) {
      return this.#fail(e);
    }
    if (complete) this.#landed();
    return complete;
  }
  wait(): void {
    if (this.done) return;
    try {
      this.channel.engine.blocking(WAIT, this.channel.handle, this.source, this.tag, () => { if (!this.done) this.channel.engine.addon.wait(this.id); });
    } catch (e) {
      this.#fail(e);
      return;
    }
    if (!this.done) this.#landed();
  }
  /** MPI_Cancel, then MPI_Wait, which returns at once for a cancelled receive: cancelled, or matched just before. */
  cancel(): void {
    if (this.done) return;
    try {
      this.channel.engine.addon.cancel(this.id);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.wait();
  }
  #fail(e: unknown): true {
    this.error = converted(e);
    this.#finish();
    return true;
  }
  #landed(): void {
    const status = this.channel.engine.status;
    if (status[S_CANCELLED]) {
      this.cancelled = true;
    } else {
      try {
        this.envelope = this.channel.deliverLanded(this.sink, status[S_MESSAGE]!, this.direct);
      } catch (e) {
        this.error = converted(e);
      }
    }
    this.#finish();
  }
  #finish(): void {
    this.done = true;
    this.channel.engine.openReceives.delete(this);
    this.channel.engine.completions++;
  }
}

/** A nonblocking receive satisfied from the stash when it was posted. */
class HeldRecv implements EngineRequest {
  readonly cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  constructor(deliver: () => Envelope) {
    try {
      this.envelope = deliver();
    } catch (e) {
      this.error = converted(e);
    }
  }
  test(): boolean { return true; }
  wait(): void {}
  cancel(): void {}
}

/** A communicator that MPI_Comm_idup is still making: an internal channel, from its first use until MPI is done. */
interface Making {
  readonly request: MpiRequest;
  /** The communicator it duplicates, for the launcher's report of a rank that waits for it. */
  readonly parent: number;
  /** The nonblocking operations started on it meanwhile, to post in this order once it is made. */
  readonly queue: QueuedPost[];
}

/**
 * A send or receive started on a channel still in the making: MPI may not see the communicator before MPI_Comm_idup
 * completes, so the operation is posted then, by whichever test or wait (of it, or of anything on the channel)
 * first finds the communicator made.
 */
class QueuedPost implements EngineRequest {
  #posted: EngineRequest | undefined;
  #error: unknown;
  #withdrawn = false;
  constructor(private readonly channel: Channel, private readonly start: () => EngineRequest, private readonly receive: boolean) {}

  /** Posts it now that the channel is made, or fails it with the error that ended the making. */
  post(makingError: unknown): void {
    if (this.#withdrawn) return;
    if (makingError !== undefined) {
      this.#error = makingError;
      return;
    }
    try {
      this.#posted = this.start();
    } catch (e) {
      this.#error = converted(e);
    }
  }
  get #settled(): boolean { return this.#withdrawn || this.#error !== undefined; }
  test(): boolean {
    if (!this.#posted && !this.#settled && !this.channel.made(false)) return false;
    return this.#posted ? this.#posted.test() : true;
  }
  wait(): void {
    if (!this.#posted && !this.#settled) this.channel.made(true);
    this.#posted?.wait();
  }
  /** A receive never posted is withdrawn (nothing can have matched it); a send goes out as MPI's would. */
  cancel(): void {
    if (this.#posted) this.#posted.cancel();
    else if (this.receive) this.#withdrawn = true;
  }
  get cancelled(): boolean { return this.#withdrawn || (this.#posted?.cancelled ?? false); }
  get envelope(): Envelope | undefined { return this.#posted?.envelope; }
  get error(): unknown { return this.#posted ? this.#posted.error : this.#error; }
}

/** One matching space: an MPI communicator. */
class Channel implements PointToPoint {
  readonly rank: number;
  readonly size: number;
  /** Messages taken from MPI that a receive refused, oldest first; offered to receives and probes before MPI's queue. */
  readonly stash: Held[] = [];
  readonly #status: Int32Array;
  #making: Making | undefined;
  #makingError: unknown;

  /**
   * `inter`: an MPI intercommunicator, whose ranks are the remote group's (no send is to oneself). `sameGroupAs`:
   * the communicator this one duplicates, whose rank and size it has (MPI may not be asked while it is made).
   */
  constructor(readonly engine: NativeEngine, readonly handle: number, readonly inter = false, sameGroupAs?: Channel) {
    this.rank = sameGroupAs?.rank ?? engine.addon.commRank(handle);
    this.size = sameGroupAs?.size ?? engine.addon.commSize(handle);
    this.#status = engine.status;
  }

  /**
   * The internal channel of `parent`, made by MPI_Comm_idup: collective, yet it never waits for the other ranks
   * in the call that makes it, which may be a nonblocking collective (a rank may start one and only then send
   * what another rank needs before starting its own). Blocking operations on it wait until it is made;
   * nonblocking ones are queued until then.
   */
  static duplicating(parent: Channel): Channel {
    const engine = parent.engine;
    let request: number, handle: number;
    try {
      [request, handle] = engine.addon.commIdup(parent.handle);
    } catch (e) {
      throw converted(e);
    }
    const channel = new Channel(engine, handle, parent.inter, parent);
    channel.#making = { request: new MpiRequest(engine, request), parent: parent.handle, queue: [] };
    engine.making.add(channel);
    return channel;
  }

  /**
   * Whether MPI has made this communicator (posting, in order, what was started on it before); `block` waits
   * until it has.
   */
  made(block: boolean): boolean {
    const making = this.#making;
    if (!making) return true;
    if (block) this.engine.blocking(FIRST_INTERNAL, making.parent, NO_PEER, 0, () => making.request.waitInMpi());
    else if (!making.request.testInMpi()) return false;
    if (this.#making !== making) return true; // the wait's own engine call found it made, and posted the queue
    this.#making = undefined;
    this.engine.making.delete(this);
    this.#makingError = making.request.error;
    for (const queued of making.queue) queued.post(this.#makingError);
    return true;
  }

  /**
   * Frees an internal channel whose communicator is freed: once MPI has made it, and once the collectives
   * running on it have ended (MPI lets them complete; ours still probe it at their end).
   */
  release(): void {
    this.made(true);
    if (this.#makingError !== undefined) return;
    whenNoCallOpen(this, () => {
      if (!this.engine.finalized) this.engine.addon.commFree(this.handle);
    });
  }

  /** The communicator MPI_Comm_idup is duplicating into this one, until it has. */
  get duplicatingFrom(): number | undefined { return this.#making?.parent; }

  /** Before a blocking operation: waits until the communicator is made; throws if making it failed. */
  #usable(): void {
    if (this.#making) this.made(true);
    if (this.#makingError !== undefined) throw this.#makingError;
  }

  /** A nonblocking operation: started now if the communicator is made, else queued until it is. */
  #startWhenMade(start: () => EngineRequest, receive: boolean): EngineRequest {
    if (!this.#making || this.made(false)) {
      if (this.#makingError !== undefined) throw this.#makingError;
      return start();
    }
    const queued = new QueuedPost(this, start, receive);
    this.#making.queue.push(queued);
    return queued;
  }

  #checkTag(tag: number): void {
    if (tag > this.engine.tagUb) throw new MPIError("ERR_TAG", `tag ${tag} is above this MPI's MPI_TAG_UB (${this.engine.tagUb})`);
  }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void {
    this.#checkTag(tag);
    this.#usable();
    this.engine.reapDetached();
    if (dest === this.rank && !this.inter) {
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
    // (a send waits for no other rank's progress: a rank may send what another needs to start its first collective)
    if (this.engine.making.size !== 0) this.engine.postWhereMade();
    const state = this.engine.blocked;
    state?.enter(mode === SYNCHRONOUS ? SSEND : SEND, this.handle, dest, tag);
    try {
      this.engine.addon.send(this.handle, data, dest, tag, mode === SYNCHRONOUS, kind === VALUE);
    } catch (e) {
      throw converted(e);
    } finally {
      state?.leave();
    }
  }

  /**
   * A blocking send to oneself can only complete through one of our own receives. Standard mode is buffered
   * (a copy goes out as a nonblocking send, completed later by progress), as MPI implementations do for small
   * messages; synchronous mode needs a posted nonblocking receive that matches it, and without one it could
   * never complete, so it fails at once.
   */
  #sendToSelf(data: Uint8Array, kind: PayloadKind, tag: number, mode: SendMode): void {
    if (mode === SYNCHRONOUS) {
      const envelope: Envelope = { source: this.rank, tag, byteLength: data.length, kind };
      if (![...this.engine.openReceives].some((r) => r.channel === this && matches(envelope, r.source, r.tag))) {
        throw new MPIError("ERR_DEADLOCK", `ssend on rank ${this.rank}: a synchronous send to oneself can never be matched while blocked (no matching receive is posted)`);
      }
      const request = this.isend(data, kind, this.rank, tag, mode);
      request.wait();
      if (request.error !== undefined) throw request.error;
      return;
    }
    const request = this.isend(data.slice(), kind, this.rank, tag, mode);
    if (!request.test()) this.engine.detach(request);
  }

  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest {
    this.#checkTag(tag);
    if (this.#making) return this.#startWhenMade(() => this.isend(data, kind, dest, tag, mode), false);
    let id: number;
    try {
      id = this.engine.addon.isend(this.handle, data, dest, tag, mode === SYNCHRONOUS, kind === VALUE);
    } catch (e) {
      throw converted(e);
    }
    const request = new MpiRequest(this.engine, id);
    // Small standard sends usually complete at once; testing now frees the MPI request early.
    return mode !== SYNCHRONOUS && data.length <= EAGER_BYTES && request.test() && request.error === undefined ? COMPLETED : request;
  }

  recv(sink: Sink, source: number, tag: number): Envelope {
    this.#usable();
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return this.#offer(sink, this.stash[held]!);
    const addon = this.engine.addon;
    try {
      const message = this.#mprobe(RECV, source, tag);
      const st = this.#status;
      const from = st[S_SOURCE]!, wireTag = st[S_TAG]!, length = countOf(st);
      if (sink.expects === VALUE) {
        const bytes = new Uint8Array(length);
        addon.mrecv(message, bytes);
        return this.#offer(sink, this.#held(from, wireTag, bytes));
      }
      // A buffer receive: the message lands in the caller's buffer, and only then can it be told from a value.
      let target: Uint8Array;
      try {
        target = checkedTarget(sink({ source: from, tag: wireTag, byteLength: length, kind: BUFFER }), length);
      } catch {
        // Refused (too small, or it wants a value): take the message, so that the sink judges it by its real
        // envelope and a refused one stays receivable from the stash.
        const bytes = new Uint8Array(length);
        addon.mrecv(message, bytes);
        return this.#offer(sink, this.#held(from, wireTag, bytes));
      }
      addon.mrecv(message, target);
      if (!this.engine.isValueMessage(target)) return { source: from, tag: wireTag, byteLength: length, kind: BUFFER };
      return this.#offer(sink, this.#held(from, wireTag, target.slice()));
    } catch (e) {
      throw converted(e);
    }
  }

  /** A message's bytes as taken from MPI, classified by its header. */
  #held(source: number, tag: number, bytes: Uint8Array): Held {
    if (this.engine.isValueMessage(bytes)) {
      return { envelope: { source, tag, byteLength: bytes.length - VALUE_HEADER, kind: VALUE }, bytes: bytes.subarray(VALUE_HEADER) };
    }
    return { envelope: { source, tag, byteLength: bytes.length, kind: BUFFER }, bytes };
  }

  /**
   * Gives a held message to a sink; a refused one is (or stays) in the stash, and the refusal is thrown. A
   * matched probe's message (`stashRefused` false) stays with its handle instead, out of every other receive's reach.
   */
  #offer(sink: Sink, held: Held, stashRefused = true): Envelope {
    let target: Uint8Array;
    try {
      target = checkedTarget(sink(held.envelope, held.bytes), held.bytes.length);
    } catch (e) {
      if (stashRefused && !this.stash.includes(held)) this.stash.push(held);
      throw e;
    }
    if (target !== held.bytes) target.set(held.bytes);
    const i = this.stash.indexOf(held);
    if (i >= 0) this.stash.splice(i, 1);
    return held.envelope;
  }

  #heldIndex(source: number, tag: number): number {
    const stash = this.stash;
    for (let i = 0; i < stash.length; i++) if (matches(stash[i]!.envelope, source, tag)) return i;
    return -1;
  }

  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    if (this.#making) return this.#startWhenMade(() => this.irecv(sink, source, tag), true);
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return new HeldRecv(() => this.#offer(sink, this.stash[held]!));
    const direct = sink.into !== undefined && sink.into.length >= DIRECT_BYTES ? sink.into : undefined;
    let id: number;
    try {
      id = direct ? this.engine.addon.irecvInto(this.handle, source, tag, direct) : this.engine.addon.irecvLanded(this.handle, source, tag);
    } catch (e) {
      throw converted(e);
    }
    const request = new RecvRequest(this, sink, source, tag, id, direct);
    this.engine.openReceives.add(request);
    return request;
  }

  /**
   * Hands a landed message (the status array describes it) to its sink: copied out of the landing once, or, for a
   * receive posted into the sink's buffer (`direct`), already there unless it was longer or a value.
   */
  deliverLanded(sink: Sink, landed: number, direct?: Uint8Array): Envelope {
    const st = this.#status;
    const isValue = st[S_VALUE] === 1;
    const addon = this.engine.addon;
    if (direct) {
      const length = countOf(st);
      if (!isValue && length <= direct.length) {
        addon.takeLanded(landed, null, 0);
        return { source: st[S_SOURCE]!, tag: st[S_TAG]!, byteLength: length, kind: BUFFER };
      }
      // Not for this buffer after all: the whole message, from the buffer and the landing behind it, is offered
      // as a blocking receive's would be (refused, it stays receivable from the stash).
      const bytes = new Uint8Array(length);
      bytes.set(direct.subarray(0, Math.min(length, direct.length)));
      addon.takeLanded(landed, length > direct.length ? bytes.subarray(direct.length) : null, 0);
      return this.#offer(sink, this.#held(st[S_SOURCE]!, st[S_TAG]!, bytes));
    }
    const offset = isValue ? VALUE_HEADER : 0;
    const envelope: Envelope = { source: st[S_SOURCE]!, tag: st[S_TAG]!, byteLength: countOf(st) - offset, kind: isValue ? VALUE : BUFFER };
    let target: Uint8Array;
    try {
      target = checkedTarget(sink(envelope), envelope.byteLength);
    } catch (refusal) {
      const bytes = new Uint8Array(envelope.byteLength);
      addon.takeLanded(landed, bytes, offset);
      this.stash.push({ envelope, bytes });
      throw refusal;
    }
    addon.takeLanded(landed, target, offset);
    return envelope;
  }

  /**
   * Probes take the message from MPI into the stash (where the next matching receive finds it first, as MPI's
   * queue would give it): only its bytes tell a value from a buffer, and so the exact length of a value.
   */
  probe(source: number, tag: number): Envelope {
    this.#usable();
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return this.stash[held]!.envelope;
    try {
      return this.#stashProbed(this.#mprobe(PROBE, source, tag));
    } catch (e) {
      throw converted(e);
    }
  }

  iprobe(source: number, tag: number): Envelope | undefined {
    if (this.#making && !this.made(false)) return undefined; // nothing can have come on a communicator not yet made
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return this.stash[held]!.envelope;
    try {
      const message = this.engine.addon.improbe(this.handle, source, tag);
      return message < 0 ? undefined : this.#stashProbed(message);
    } catch (e) {
      throw converted(e);
    }
  }

  /** MPI_Mprobe, the blocking point of receives and probes, recorded as `call`. */
  #mprobe(call: number, source: number, tag: number): number {
    if (this.engine.making.size !== 0) this.engine.settleMaking();
    const state = this.engine.blocked;
    if (!state) return this.engine.addon.mprobe(this.handle, source, tag);
    state.enter(call, this.handle, source, tag);
    try {
      return this.engine.addon.mprobe(this.handle, source, tag);
    } finally {
      state.leave();
    }
  }

  #stashProbed(message: number): Envelope {
    const held = this.#takeProbed(message);
    this.stash.push(held);
    return held.envelope;
  }

  /** Receives an MPI_Mprobe'd message (the status array describes it) into memory of its own. */
  #takeProbed(message: number): Held {
    const st = this.#status;
    const from = st[S_SOURCE]!, tag = st[S_TAG]!;
    const bytes = new Uint8Array(countOf(st));
    this.engine.addon.mrecv(message, bytes);
    return this.#held(from, tag, bytes);
  }

  /**
   * Matched probes: MPI_Mprobe/MPI_Improbe, and the message is received from MPI at once (only its bytes tell a
   * value from a buffer, so the envelope's length and kind), held by the handle until the program receives it.
   * A refused message in the stash is offered first, as to every probe.
   */
  mprobe(source: number, tag: number): MatchedMessage {
    this.#usable();
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return this.#matched(this.stash.splice(held, 1)[0]!);
    try {
      return this.#matched(this.#takeProbed(this.#mprobe(MPROBE, source, tag)));
    } catch (e) {
      throw converted(e);
    }
  }

  improbe(source: number, tag: number): MatchedMessage | undefined {
    if (this.#making && !this.made(false)) return undefined;
    const held = this.#heldIndex(source, tag);
    if (held >= 0) return this.#matched(this.stash.splice(held, 1)[0]!);
    try {
      const message = this.engine.addon.improbe(this.handle, source, tag);
      return message < 0 ? undefined : this.#matched(this.#takeProbed(message));
    } catch (e) {
      throw converted(e);
    }
  }

  #matched(held: Held): MatchedMessage {
    return { envelope: held.envelope, receive: (sink) => this.#offer(sink, held, false) };
  }
}

export class NativeComm extends Channel implements EngineComm {
  readonly native: Collectives;
  #internal: Channel | undefined;
  #worldRanks: readonly number[] | undefined;

  constructor(engine: NativeEngine, handle: number) {
    super(engine, handle);
    // After a barrier every rank has finished its earlier collectives: a value collective's message still waiting on
    // the internal channel (if it was ever made) comes from a rank that disagreed about that collective.
    this.native = new NativeCollectives(engine, handle, this.rank, () => {
      if (this.#internal) checkStaleAfter(this.#internal, "Barrier");
    }, engine.checkCollectives ? () => this.internal : undefined);
  }

  /** The internal channel if a collective has made it (or started to; never making it: that is collective). */
  internalIfMade(): Channel | undefined { return this.#internal; }

  /**
   * The duplicate communicator for internal traffic, made (MPI_Comm_idup, collective) at first use. It is made
   * lazily because the API uses it only inside collectives, which every rank of the communicator enters, while
   * a duplicate made up front would be a collective that C or Python ranks sharing MPI_COMM_WORLD never join.
   */
  get internal(): Channel {
    return (this.#internal ??= Channel.duplicating(this));
  }

  get worldRanks(): readonly number[] {
    return (this.#worldRanks ??= Object.freeze(Array.from(this.engine.addon.commWorldRanks(this.handle))));
  }

  dup(): EngineComm {
    return this.#wrap(DUP, () => this.engine.addon.commDup(this.handle))!;
  }

  idup(): PendingComm {
    try {
      this.engine.settleMakingOn(this.handle);
      const [request, handle] = this.engine.addon.commIdup(this.handle);
      return { request: new MpiRequest(this.engine, request), made: () => new NativeComm(this.engine, handle) };
    } catch (e) {
      throw converted(e);
    }
  }

  split(color: number, key: number): EngineComm | null {
    return this.#wrap(SPLIT, () => this.engine.addon.commSplit(this.handle, color < 0 ? -1 : color, key));
  }

  create(worldRanks: readonly number[]): EngineComm | null {
    return this.#wrap(CREATE, () => this.engine.addon.commCreate(this.handle, Int32Array.from(worldRanks)));
  }

  createGroup(worldRanks: readonly number[], tag: number): EngineComm {
    return this.#wrap(CREATE_GROUP, () => this.engine.addon.commCreateGroup(this.handle, Int32Array.from(worldRanks), tag))!;
  }

  splitShared(take: boolean, key: number): EngineComm | null {
    return this.#wrap(SPLIT_TYPE, () => this.engine.addon.commSplitShared(this.handle, take, key));
  }

  free(): void {
    if (this.handle === WORLD || this.handle === SELF || this.engine.finalized) return;
    try {
      this.#internal?.release();
      this.engine.addon.commFree(this.handle);
    } catch (e) {
      throw converted(e);
    }
  }

  #wrap(call: number, make: () => number): NativeComm | null {
    let handle: number;
    try {
      handle = this.engine.blocking(call, this.handle, NO_PEER, 0, make);
      return handle < 0 ? null : new NativeComm(this.engine, handle);
    } catch (e) {
      throw converted(e);
    }
  }
}

/**
 * An MPI intercommunicator from MPI_Comm_spawn or MPI_Comm_get_parent. Its duplicate for the intercommunicator
 * protocol is made at first use, as NativeComm's: making it is collective over both groups, and Get_parent is not.
 */
class NativeIntercomm extends Channel implements EngineIntercomm {
  #internal: Channel | undefined;
  #worldRanks: readonly number[] | undefined;
  #remoteWorldRanks: readonly number[] | undefined;

  constructor(engine: NativeEngine, handle: number) {
    super(engine, handle, true);
  }

  get internal(): Channel {
    return (this.#internal ??= Channel.duplicating(this));
  }

  get worldRanks(): readonly number[] {
    return (this.#worldRanks ??= Object.freeze(Array.from(this.engine.addon.commWorldRanks(this.handle))));
  }

  get remoteWorldRanks(): readonly number[] {
    return (this.#remoteWorldRanks ??= Object.freeze(Array.from(this.engine.addon.commRemoteWorldRanks(this.handle))));
  }

  dup(): EngineIntercomm {
    try {
      return new NativeIntercomm(this.engine, this.engine.blocking(DUP, this.handle, NO_PEER, 0, () => this.engine.addon.commDup(this.handle)));
    } catch (e) {
      throw converted(e);
    }
  }

  idup(): { request: EngineRequest; made(): EngineIntercomm } {
    try {
      this.engine.settleMakingOn(this.handle);
      const [request, handle] = this.engine.addon.commIdup(this.handle);
      return { request: new MpiRequest(this.engine, request), made: () => new NativeIntercomm(this.engine, handle) };
    } catch (e) {
      throw converted(e);
    }
  }

  merge(high: boolean): EngineComm {
    try {
      return new NativeComm(this.engine, this.engine.blocking(MERGE, this.handle, NO_PEER, 0, () => this.engine.addon.commMerge(this.handle, high)));
    } catch (e) {
      throw converted(e);
    }
  }

  free(): void { this.#release((handle) => this.engine.addon.commFree(handle)); }

  /** MPI_Comm_disconnect: collective over both groups, so a C or mpi4py peer's Disconnect matches it. */
  disconnect(): void { this.#release((handle) => this.engine.addon.commDisconnect(handle)); }

  #release(end: (handle: number) => void): void {
    if (this.engine.finalized) return;
    try {
      this.#internal?.release();
      end(this.handle);
    } catch (e) {
      throw converted(e);
    }
  }
}

class NativeDynamic implements DynamicProcesses {
  #parent: NativeIntercomm | null | undefined;
  constructor(private readonly engine: NativeEngine) {}

  spawn(comm: EngineComm, root: number, maxprocs: readonly number[], orders: readonly SpawnOrder[] | undefined): { inter: EngineIntercomm; errcodes: number[] } {
    if (!(comm instanceof NativeComm)) throw new MPIError("ERR_COMM", "Spawn: not a communicator of the mpi engine");
    const { addon } = this.engine;
    // A program file runs as mpi4ts runs programs under MPI: `mpi4ts exec --spawned FILE ARGS` (cli/exec.ts).
    const cli = join(packageRoot(), "bin", "mpi4ts.js");
    const commands = orders?.map((o) => (o.program === undefined ? o.command : process.execPath)) ?? [];
    const args = orders?.map((o) => (o.program === undefined ? [...o.args] : [cli, "exec", "--spawned", o.program, ...o.args])) ?? [];
    const infos = orders?.map((o) => o.info.flat()) ?? [];
    try {
      const [handle, codes] = this.engine.blocking(SPAWN, comm.handle, NO_PEER, 0, () => addon.commSpawn(comm.handle, root, commands, args, maxprocs, infos));
      return { inter: new NativeIntercomm(this.engine, handle), errcodes: Array.from(codes) };
    } catch (e) {
      const error = converted(e);
      if (!isMPIError(error) || error.errorClass === "ERR_SPAWN") throw error;
      // MPICH reports a failed spawn as MPI_ERR_OTHER; it is a spawn that failed all the same (MPI-4.0 §11.8.2).
      const hint = addon.flavour === "mpich" ? " (MPICH's ch4:ucx builds, such as Debian's MPICH 4.0, may not support spawning; Open MPI does)" : "";
      const lines = error.message.split("\n").map((l) => l.trim()).filter((l) => l !== "");
      const text = lines.length > 1 ? `MPI_Comm_spawn: ${lines.at(-1)!}` : error.message;
      throw new MPIError("ERR_SPAWN", `${text}${hint}`, { cause: error });
    }
  }

  parent(): EngineIntercomm | undefined {
    if (this.#parent === undefined) {
      const handle = this.engine.addon.commGetParent();
      this.#parent = handle < 0 ? null : new NativeIntercomm(this.engine, handle);
    }
    return this.#parent ?? undefined;
  }
}

/** MPI's own collectives (MPI-4.0 chapter 6) on one communicator. */
class NativeCollectives implements Collectives {
  readonly persistent: PersistentCollectives | undefined;

  /**
   * `start` is how the nonblocking methods start: true (MPI_IX), or "init" (MPI-4's MPI_X_init: the instance that
   * is `persistent` of the other, whose methods return inactive PersistentMpiRequests).
   */
  constructor(
    private readonly engine: NativeEngine,
    private readonly handle: number,
    private readonly rank: number,
    private readonly afterBarrier: () => void,
    /** With MPI4TS_CHECK_COLLECTIVES=1: the channel on which blocking collectives first agree on their signature. */
    private readonly checkOn: (() => Channel) | undefined,
    private readonly start: true | "init" = true,
  ) {
    // The "init" instance's methods return PersistentMpiRequests (see #request): the PersistentCollectives shape.
    this.persistent = start === true && engine.addon.persistentCollectives
      ? new NativeCollectives(engine, handle, rank, afterBarrier, undefined, "init") as unknown as PersistentCollectives
      : undefined;
  }

  /**
   * Calls the addon. A blocking collective is MPI's blocking call on every rank alike, as C and mpi4py ranks make
   * it: MPI matches this rank's posted receives meanwhile, so no peer is left waiting on us.
   */
  #run<T>(f: (addon: NativeAddon) => T): T {
    try {
      return f(this.engine.addon);
    } catch (e) {
      throw converted(e);
    }
  }

  /** A blocking collective: `#run`, recorded as what this rank is blocked in; checked first when asked (`sig`). */
  #blocking(call: number, f: (addon: NativeAddon) => void, sig?: Signature): void {
    if (this.checkOn && sig) this.#agree(call, sig);
    this.engine.blocking(call, this.handle, NO_PEER, 0, () => this.#run(f));
  }

  /**
   * The check mode (MPI4TS_CHECK_COLLECTIVES=1): every rank's signature of the call, gathered on the internal
   * channel before MPI's collective runs, so a mismatch is an MPIError on every rank, as the local engine's
   * shared-area check gives, instead of a hang or garbage. It costs one small Allgather per call, and C or mpi4py
   * ranks in the same communicator do not take part (they would wait): a mode for debugging mpi4ts programs.
   */
  #agree(call: number, sig: Signature): void {
    const wire = this.checkOn!();
    wire.made(true); // (its handle goes to MPI directly)
    const size = wire.size;
    const mine = Int32Array.of(packHead(sig), sig.root, sig.bytes);
    const all = new Int32Array(3 * size);
    const counts = new Float64Array(size).fill(12), displs = Float64Array.from({ length: size }, (_, r) => 12 * r);
    this.engine.blocking(call, wire.handle, NO_PEER, 0, () =>
      this.#run((a) => a.allgatherv(wire.handle, new Uint8Array(mine.buffer), new Uint8Array(all.buffer), counts, displs, false)));
    for (let r = 0; r < size; r++) {
      const error = disagreement(sig, unpack(all[3 * r]!, all[3 * r + 1]!, all[3 * r + 2]!), r);
      if (error) throw error;
    }
  }
  /**
   * Starts `f` (nonblocking), or makes its persistent request. `rounds` run before each round begins and after it
   * completes: what MPI may overwrite is saved and written back, a copy of an overlapping send buffer refreshed.
   */
  #request(f: (addon: NativeAddon, start: Start) => number | undefined, ...rounds: Round[]): EngineRequest {
    this.engine.settleMakingOn(this.handle);
    if (this.start === "init") return new PersistentMpiRequest(this.engine, this.handle, this.#run((a) => f(a, "init"))!, rounds);
    for (const r of rounds) r.before();
    const request = new MpiRequest(this.engine, this.#run((a) => f(a, true))!);
    return rounds.length ? new AfterRounds(request, rounds) : request;
  }

  refuse(refusal: RefusedRoot): void {
    const { kind, root, error, mode } = refusal;
    if (this.checkOn && mode === "blocking") {
      // The others' check finds the refusal; this rank's own sees their calls disagree with it, and raises its own.
      try { this.#agree(COLLECTIVE_OF_KIND[kind] ?? COLLECTIVE.barrier, refusedSignature(kind, root, error.errorClass)); } catch { /* its own error follows */ }
      return;
    }
    // MPI gives a root no way to tell ranks already inside its collective that it has no data for them. A Gather's
    // or Reduce's senders need nothing from the root: it collects their parts into scratch memory and drops them.
    if (this.#collectIntoScratch(refusal)) return;
    const instead = mode === "blocking" ? " (with --check-collectives they fail instead)" : "";
    this.engine.abort(1, `mpi4ts: ${error.message}\nmpi4ts: rank ${this.rank}, the root, refused its own arguments, and MPI cannot tell ` +
      `the other ranks, which may wait inside ${refusal.call} for ever${instead}; ending the job (MPI_Abort)`);
  }
  /** A refusing root's turn in a Gather or Reduce, into scratch memory (root-refusal.ts); false where it has none. */
  #collectIntoScratch(refusal: RefusedRoot): boolean {
    // A persistent request's turn is each of the others' starts.
    if (refusal.mode === "persistent") return false;
    const turn = scratchTurn(this, refusal);
    if (!turn) return false;
    try {
      if (refusal.mode === "blocking") turn.blocking();
      else this.engine.detach(turn.nonblocking());
    } catch { /* this rank raises its own error */ }
    return true;
  }

  barrier(): void {
    this.#blocking(COLLECTIVE.barrier, (a) => a.barrier(this.handle), signature(Kind.Barrier));
    this.afterBarrier();
  }
  bcast(buf: Uint8Array, root: number): void {
    this.#blocking(COLLECTIVE.bcast, (a) => a.bcast(this.handle, buf, root), signature(Kind.Bcast, root, buf.byteLength));
  }
  gatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): void {
    this.#blocking(COLLECTIVE.gather, (a) => a.gatherv(this.handle, send, recv, countArray(counts), countArray(displs), root, false), signature(Kind.Gather, root));
  }
  scatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): void {
    this.#blocking(COLLECTIVE.scatter, (a) => a.scatterv(this.handle, send, countArray(counts), countArray(displs), recv, root, false), signature(Kind.Scatter, root));
  }
  allgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): void {
    this.#blocking(COLLECTIVE.allgather, (a) => a.allgatherv(this.handle, send, recv, countArray(counts), countArray(displs), false), signature(Kind.Allgather, -1, recv.byteLength));
  }
  alltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): void {
    const sc = countArray(sendCounts), sd = countArray(sendDispls), rc = countArray(recvCounts), rd = countArray(recvDispls);
    this.#blocking(COLLECTIVE.alltoall, (a) => a.alltoallv(this.handle, send, sc, sd, recv, rc, rd, false), signature(Kind.Alltoall));
  }
  reduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): void {
    const [o, c] = opArgs(op);
    send = unaliased(send, recv);
    this.#blocking(COLLECTIVE.reduce, (a) => a.reduce(this.handle, send, recv, o, c, root, false), reduction(Kind.Reduce, send ?? recv!, op, root));
  }
  allreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    send = unaliased(send, recv);
    this.#blocking(COLLECTIVE.allreduce, (a) => a.allreduce(this.handle, send, recv, o, c, 0, false), reduction(Kind.Allreduce, recv, op));
  }
  reduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp, block = false): void {
    const [o, c] = opArgs(op);
    const n = countArray(counts);
    send = unaliased(send, recv);
    // With IN_PLACE MPI may use the whole buffer as scratch; the interface promises all past this rank's block kept.
    const tail = send === null ? recv.slice(counts[this.rank]) : undefined;
    this.#blocking(COLLECTIVE.reduceScatter, (a) => a.reduceScatter(this.handle, send, recv, n, o, c, block, false), reduction(Kind.ReduceScatter, send ?? recv, op));
    if (tail) (recv as Uint8Array).set(tail as Uint8Array, counts[this.rank]);
  }
  scan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    send = unaliased(send, recv);
    this.#blocking(COLLECTIVE.scan, (a) => a.scan(this.handle, send, recv, o, c, 0, false), reduction(Kind.Scan, recv, op));
  }
  exscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void {
    const [o, c] = opArgs(op);
    send = unaliased(send, recv);
    // MPI leaves rank 0's buffer undefined; the interface promises it unchanged.
    const keep = this.rank === 0 ? recv.slice() : undefined;
    this.#blocking(COLLECTIVE.exscan, (a) => a.exscan(this.handle, send, recv, o, c, 0, false), reduction(Kind.Exscan, recv, op));
    if (keep) (recv as Uint8Array).set(keep as Uint8Array);
  }
  ibarrier(): EngineRequest { return this.#request((a, s) => a.ibarrier(this.handle, ...initArg(s))); }
  ibcast(buf: Uint8Array, root: number): EngineRequest { return this.#request((a, s) => a.ibcast(this.handle, buf, root, ...initArg(s))); }
  ireduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): EngineRequest {
    const [o, c] = opArgs(op);
    const [sent, fresh] = this.#sendable(send, recv);
    return this.#request((a, s) => a.reduce(this.handle, sent, recv, o, c, root, s), ...fresh);
  }
  iallreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    const [o, c] = opArgs(op);
    const [sent, fresh] = this.#sendable(send, recv);
    return this.#request((a, s) => a.allreduce(this.handle, sent, recv, o, c, 0, s), ...fresh);
  }
  igatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): EngineRequest {
    return this.#request((a, s) => a.gatherv(this.handle, send, recv, countArray(counts), countArray(displs), root, s));
  }
  iscatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): EngineRequest {
    return this.#request((a, s) => a.scatterv(this.handle, send, countArray(counts), countArray(displs), recv, root, s));
  }
  iallgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): EngineRequest {
    return this.#request((a, s) => a.allgatherv(this.handle, send, recv, countArray(counts), countArray(displs), s));
  }
  ialltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): EngineRequest {
    return this.#request((a, s) => a.alltoallv(this.handle, send, countArray(sendCounts), countArray(sendDispls), recv, countArray(recvCounts), countArray(recvDispls), s));
  }
  // The nonblocking forms keep the blocking ones' promises (IN_PLACE tail, rank 0 of exscan) once complete.
  ireduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp, block = false): EngineRequest {
    const [o, c] = opArgs(op);
    const n = countArray(counts);
    const [sent, fresh] = this.#sendable(send, recv);
    const tail = sent === null ? [kept(recv, counts[this.rank]!)] : [];
    return this.#request((a, s) => a.reduceScatter(this.handle, sent, recv, n, o, c, block, s), ...fresh, ...tail);
  }
  iscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    const [o, c] = opArgs(op);
    const [sent, fresh] = this.#sendable(send, recv);
    return this.#request((a, s) => a.scan(this.handle, sent, recv, o, c, 0, s), ...fresh);
  }
  iexscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest {
    const [o, c] = opArgs(op);
    const [sent, fresh] = this.#sendable(send, recv);
    const whole = this.rank === 0 ? [kept(recv, 0)] : [];
    return this.#request((a, s) => a.exscan(this.handle, sent, recv, o, c, 0, s), ...fresh, ...whole);
  }

  /** The send buffer MPI may take (see unaliased), and the round that refreshes its copy when it is one. */
  #sendable(send: TypedArray | null, recv: TypedArray | null): [TypedArray | null, Round[]] {
    const sent = unaliased(send, recv);
    if (sent === send || sent === null) return [sent, []];
    return [sent, [{ before: () => (sent as Uint8Array).set(send as Uint8Array), after: () => {} }]];
  }
}

function initArg(start: Start): [] | ["init"] {
  return start === "init" ? ["init"] : [];
}

/** What a nonblocking or persistent collective does around each of its rounds (see NativeCollectives.#request). */
interface Round {
  before(): void;
  after(): void;
}

/** Keeps `buf` from element `at` on as it was before the round (MPI may use it as scratch, or leave it undefined). */
function kept(buf: TypedArray, at: number): Round {
  let saved: TypedArray | undefined;
  return {
    before: () => { saved = buf.slice(at); },
    after: () => { (buf as Uint8Array).set(saved as Uint8Array, at); },
  };
}

/** A nonblocking collective that runs its rounds' `after` once complete. */
class AfterRounds implements EngineRequest {
  #finished = false;
  constructor(private readonly inner: EngineRequest, private readonly rounds: readonly Round[]) {}
  get cancelled(): boolean { return false; }
  get envelope(): Envelope | undefined { return undefined; }
  get error(): unknown { return this.inner.error; }
  test(): boolean { return this.inner.test() && this.#finish(); }
  wait(): void { this.inner.wait(); this.#finish(); }
  cancel(): void {}
  #finish(): true {
    if (!this.#finished) {
      this.#finished = true;
      for (const r of this.rounds) r.after();
    }
    return true;
  }
}

/** A persistent collective (MPI_X_init): each `start()` is one round (MPI_Start), ended by test/wait. */
class PersistentMpiRequest extends MpiRequest implements PersistentEngineRequest {
  constructor(engine: NativeEngine, private readonly comm: number, id: number, private readonly rounds: readonly Round[]) {
    super(engine, id);
    this.done = true; // inactive until started
  }
  start(): void {
    this.engine.settleMakingOn(this.comm);
    for (const r of this.rounds) r.before();
    try {
      this.engine.addon.start(this.id);
    } catch (e) {
      throw converted(e);
    }
    this.done = false;
    this.error = undefined;
  }
  protected override complete(): void {
    super.complete();
    for (const r of this.rounds) r.after();
  }
  free(): void {
    try {
      this.engine.addon.requestFree(this.id);
    } catch (e) {
      throw converted(e);
    }
  }
}

/**
 * A reduction's send buffer that MPI may take: MPI forbids a send buffer that overlaps the receive buffer (it fails
 * with an aliasing error, on the root alone for Reduce, leaving the others waiting). The very same memory is
 * IN_PLACE (as mpi4py treats it); any other overlap is read from a copy, as the buffer was before the call.
 */
function unaliased(send: TypedArray | null, recv: TypedArray | null): TypedArray | null {
  if (send === null || recv === null || send.buffer !== recv.buffer) return send;
  const start = send.byteOffset, end = start + send.byteLength;
  if (end <= recv.byteOffset || recv.byteOffset + recv.byteLength <= start) return send;
  if (start === recv.byteOffset && send.byteLength === recv.byteLength) return null;
  return send.slice();
}

/** Counts and displacements for the addon: doubles, exact for blocks of 2 GiB and more (the addon picks the units MPI counts in). */
function countArray(values: readonly number[]): Float64Array;
function countArray(values: readonly number[] | null): Float64Array | null;
function countArray(values: readonly number[] | null): Float64Array | null {
  return values ? Float64Array.from(values) : null;
}

/** A reduction's signature: its element type, element count (as bytes of `buf`) and operation must agree. */
function reduction(kind: number, buf: TypedArray, op: BufferOp, root = -1): Signature {
  return signature(kind, root, buf.byteLength, typeCode(buf), opCode(op));
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
  #threadLevel = 0;
  /** The header in front of every VALUE message's bytes (the addon's). */
  readonly #valueHeader: Uint8Array;
  readonly world: NativeComm;
  readonly self: NativeComm;
  finalized = false;
  /** One-sided communication (src/win/native.ts). */
  readonly rma = new NativeRma(this);
  /** Spawn and Get_parent (src/spawn.ts). */
  readonly dynamic = new NativeDynamic(this);
  /** MPI4TS_CHECK_COLLECTIVES=1 (`mpi4ts run --check-collectives`): blocking collectives agree on their signature first. */
  readonly checkCollectives = process.env.MPI4TS_CHECK_COLLECTIVES === "1";
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
    // A singleton (a program run with plain `node`, no mpiexec) has one slot: Open MPI would refuse to Spawn
    // beyond it. Its processes are this machine's, as the local engine's ranks are, so more is allowed.
    if (!launchedByMpi()) process.env.OMPI_MCA_rmaps_base_oversubscribe ??= "1";
    const { addon, path } = loadAddon();
    this.addon = addon;
    this.addonPath = path;
    try {
      this.#threadLevel = addon.init();
    } catch (e) {
      throw new MPIError("ERR_OTHER", `mpi4ts: MPI_Init_thread failed in the native engine (${path}): ${(e as Error).message}`);
    }
    addon.setStatusArray(this.status);
    this.tagUb = addon.tagUb();
    this.#valueHeader = addon.valueHeader();
    this.world = new NativeComm(this, WORLD);
    this.self = new NativeComm(this, SELF);
    // A spawned process's world ranks are not the launcher's: it keeps no record (its parents' would be overwritten).
    this.blocked = addon.commGetParent() >= 0 ? undefined : BlockedState.open(this.world.rank, (file, bytes) => addon.mapShared(file, bytes));
  }

  /** Where this rank records what it is blocked in, for the launcher's report (when the launcher is on this host). */
  readonly blocked: BlockedState | undefined;

  /** Runs a blocking MPI call with it recorded as what this rank is blocked in. */
  blocking<T>(call: number, comm: number, peer: number, tag: number, f: () => T): T {
    if (this.making.size !== 0) {
      if (call === FIRST_INTERNAL) this.postWhereMade();
      else this.settleMaking();
    }
    const state = this.blocked;
    if (!state) return f();
    state.enter(call, comm, peer, tag);
    try {
      return f();
    } finally {
      state.leave();
    }
  }

  /** Internal channels that MPI_Comm_idup is still making, with operations queued for them. */
  readonly making = new Set<Channel>();

  #posting = false;

  /**
   * Posts what waits for channels MPI has made meanwhile (at every test, probe and send while any is in the
   * making): a peer may wait for those messages. Not re-entrant: testing the making is itself a test.
   */
  postWhereMade(): void {
    if (this.#posting) return;
    this.#posting = true;
    try {
      for (const channel of this.making) channel.made(false);
    } finally {
      this.#posting = false;
    }
  }

  /**
   * Before a call that may wait for other ranks (a receive, probe, wait or collective; not a send): every channel
   * in the making is made first and its queue posted, since nothing of ours runs while the rank sits inside MPI,
   * and a peer may wait for those messages (MPI's progress rule: a started collective completes whatever this
   * rank does next). This waits until every rank has started its first such collective, which is where the
   * blocking MPI_Comm_dup used to wait, only later.
   */
  settleMaking(): void {
    for (const channel of this.making) channel.made(true);
  }

  /**
   * Before any MPI collective on `comm` (blocking or not; communicator, file and window creation too): waits
   * until MPI_Comm_idup has made its internal channel, if it is making it. Open MPI mismatches an MPI_Comm_idup
   * with other collectives started on the same communicator before it completes (an error in a libnbc schedule,
   * then a hang; open-mpi/ompi#2025), so no other collective on a communicator runs beside its channel's making.
   */
  settleMakingOn(comm: number): void {
    if (this.making.size === 0) return; // (every nonblocking collective's start passes here)
    for (const channel of this.making) if (channel.duplicatingFrom === comm) channel.made(true);
  }

  /** Request.waitall and friends: a loop of tests (MPI's own waits need MPI requests), recorded as blocked. */
  waitUntil(call: WaitCall, done: () => boolean): void {
    if (done()) return;
    this.blocking(WAIT_CALLS[call], -1, NO_PEER, 0, () => {
      while (!done()) this.waitForActivity();
    });
  }

  /** Nonblocking receives posted and not yet complete (MPI_Irecvs: cancelled at finalize). */
  readonly openReceives = new Set<RecvRequest>();
  /** Buffered sends (large values, sends to oneself), completed by later progress. */
  readonly #detached: EngineRequest[] = [];

  detach(request: EngineRequest): void {
    this.#detached.push(request);
  }

  /** Frees the buffered sends that have completed. */
  reapDetached(): void {
    const detached = this.#detached;
    for (let i = detached.length - 1; i >= 0; i--) if (detached[i]!.test()) detached.splice(i, 1);
  }

  /** Whether received bytes are a VALUE message (they start with the value header). */
  isValueMessage(bytes: Uint8Array): boolean {
    const header = this.#valueHeader;
    if (bytes.length < header.length) return false;
    for (let i = 0; i < header.length; i++) if (bytes[i] !== header[i]) return false;
    return true;
  }

  processorName(): string { return this.addon.processorName(); }
  mapFile(path: string, bytes: number): ArrayBuffer | undefined { return this.addon.mapShared(path, bytes); }
  libraryVersion(): string {
    return `mpi4ts mpi engine (native addon, Node.js ${process.version}) on ${this.addon.libraryVersion()}`;
  }
  version(): [number, number] {
    const [major, minor] = this.addon.version();
    return [major, minor];
  }
  wtime(): number { return this.addon.wtime(); }
  wtick(): number { return this.addon.wtick(); }
  threadLevel(): number { return this.#threadLevel; }
  worldAttributes(): WorldAttributes {
    const attr = (which: 0 | 1 | 2) => this.addon.worldAttr(which);
    const wtimeIsGlobal = attr(2);
    return { tagUb: this.tagUb, universeSize: attr(0), appnum: attr(1), wtimeIsGlobal: wtimeIsGlobal !== undefined && wtimeIsGlobal !== 0 };
  }

  waitForActivity(_timeoutMs?: number): void {
    // MPI has no "something arrived" signal to sleep on; the callers test their requests between calls.
    // Yielding the core keeps oversubscribed jobs moving.
    this.reapDetached();
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

  /** What MPI holds for COMM_WORLD and COMM_SELF (and their internal channels) that no receive took. */
  unreceived(): Unreceived[] {
    if (this.finalized) return [];
    const out: Unreceived[] = [];
    for (const [comm, communicator] of [[this.world, "MPI_COMM_WORLD"], [this.self, "MPI_COMM_SELF"]] as const) {
      for (const [channel, collective] of [[comm, false], [comm.internalIfMade(), true]] as const) {
        for (let m = channel?.improbe(ANY_SOURCE, ANY_TAG); m; m = channel!.improbe(ANY_SOURCE, ANY_TAG)) {
          const { source, tag, byteLength } = m.envelope;
          m.receive((envelope) => new Uint8Array(envelope.byteLength)); // taken out of MPI before MPI_Finalize
          out.push({ source, tag, bytes: byteLength, communicator, collective });
        }
      }
    }
    return out;
  }

  nameCommunicator(comm: object, name: string): void {
    // (a NativeComm, or an intercommunicator's: both carry their MPI handle)
    const handle = (comm as { handle?: unknown }).handle;
    if (typeof handle === "number" && handle > 1) this.blocked?.name(handle, name);
  }

  readonly #beforeFinalize: ((ending: string) => void)[] = [];

  beforeFinalize(hook: (ending: string) => void): void {
    this.#beforeFinalize.push(hook);
  }

  finalize(ending = "MPI_Finalize"): void {
    if (this.finalized) return;
    for (const hook of this.#beforeFinalize.splice(0)) hook(ending);
    // MPI_Finalize wants all communication complete: buffered sends finish once their receivers take them, and
    // receives nobody waited for are cancelled.
    // Both waits show in the launcher's report: a send nobody receives (a bcast only its root called) hangs here.
    this.blocking(FINALIZE_SENDS, -1, NO_PEER, 0, () => {
      for (const channel of this.making) channel.made(true); // its queued sends go out, and MPI finishes making it
      for (const request of this.#detached.splice(0)) request.wait();
    });
    for (const request of [...this.openReceives]) request.cancel();
    this.finalized = true;
    this.blocking(FINALIZE, -1, NO_PEER, 0, () => this.addon.finalize());
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
  // A spawned process's world is not the job's: "rank 0 of 2" alone would name the job's rank 0.
  const rank = `${engine.addon.commGetParent() >= 0 ? "spawned " : ""}rank ${engine.world.rank} of ${engine.world.size}`;
  const fail = (what: string, error: unknown): void => {
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    process.stderr.write(`mpi4ts: ${rank} failed: ${what}\n${text}\nmpi4ts: aborting the job (MPI_Abort)\n`);
    if (!engine.finalized) engine.addon.abort(WORLD, 1);
    process.exit(1);
  };
  process.on("uncaughtException", (e) => fail("uncaught exception", e));
  process.on("unhandledRejection", (e) => fail("unhandled promise rejection", e));
  process.on("exit", (code) => {
    if (engine.finalized) return;
    if (code !== 0) {
      engine.finalized = true;
      // As on the local engine, the job says which rank ended it (mpiexec would only report that one did).
      process.stderr.write(`mpi4ts: ${rank} exited with code ${code}; ending the job (MPI_Abort)\n`);
      engine.addon.abort(WORLD, code);
    }
    engine.finalize(`exit ${code}`);
  });
  return engine;
}

/**
 * @internal For MPI.File (src/file/mpi-storage.ts): the addon and MPI handle behind a communicator of this engine,
 * for a collective on it (see NativeEngine.settleMakingOn).
 */
export function nativeHandleOf(comm: EngineComm): { addon: NativeAddon; handle: number; status: Int32Array } | null {
  if (!(comm instanceof NativeComm)) return null;
  comm.engine.settleMakingOn(comm.handle);
  return { addon: comm.engine.addon, handle: comm.handle, status: comm.engine.status };
}
