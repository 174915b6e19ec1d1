/**
 * The local engine: ranks are threads of one process, each with a private heap, exchanging messages through the
 * shared inboxes of layout.ts. Matching follows MPI-4.0 §3.5 exactly: (context, source, tag) with wildcards,
 * posted receives served in the order they were posted, unexpected messages kept in arrival order, and per-pair
 * order preserved because one sender's records enter an inbox in program order.
 */
import { availableParallelism, hostname } from "node:os";
import type { MessagePort } from "node:worker_threads";
import { ANY_SOURCE, ANY_TAG } from "../constants.js";
import {
  BUFFER, SHARED_MAX_RANKS, STANDARD, SYNCHRONOUS,
  type Engine, type EngineComm, type EngineRequest, type Envelope, type PayloadKind, type PointToPoint, type SendMode,
  type Sink,
} from "../engine/engine.js";
import { MPIError } from "../errors.js";
import { Handoffs } from "./handoff.js";
import {
  BLOCKED, BLOCKING_CALLS, DOORBELL, FINISHED, HEADER_BYTES, JOB_ABORT, R_CONTEXT, R_ID, R_LENGTH, R_SENDER,
  R_SOURCE, R_TAG, R_TYPE, RECORD_ACK, RECORD_EAGER, RECORD_HANDOFF, RUNNING, SLEEPING, STATE, STATE_CALL,
  STATE_CONTEXT, STATE_PEER, STATE_TAG, SYNC_FLAG, TYPE_MASK, abortWord, inboxView, jobHeader, readAbortWord,
  type InboxView, type JobLayout,
} from "./layout.js";
import { InboxReader, copyBytes, fitsRing, tryAppend, ringDoorbell, waitForSpace } from "./mailbox.js";
import { Arena, EVERYONE, arenaBytes, type ArenaHost } from "./arena.js";
import { loadYield } from "./yield.js";

/** What a rank needs to join a job (built by the launcher, or by the self engine for a world of one). */
export interface LocalJob {
  readonly sab: SharedArrayBuffer;
  readonly layout: JobLayout;
  readonly rank: number;
  /** One port per peer world rank (undefined for oneself), for handoffs of large messages. */
  readonly ports: readonly (MessagePort | undefined)[];
  /** Called by Abort after the job header says so; ends this rank. */
  readonly exit: (code: number) => never;
  readonly name: "local" | "self";
}

/** Tags on the internal channel reserved for communicator management. */
const TAG_COMM_MANAGEMENT = 0x7ffffff0;
/** Base contexts: each communicator uses base (user traffic) and base+1 (its internal channel). */
const WORLD_BASE = 0;
const SELF_BASE = 2;
const FIRST_FREE_BASE = 4;

/** How long a waiting rank polls before it sleeps, when it has a core of its own (DESIGN.md §2). */
const SPIN_MS = 0.02;
/** How long it yields its core before it sleeps, when ranks outnumber cores (and the yield helper is built). */
const YIELD_MS = 0.2;
const WAIT_SLICE_MS = 250;

interface Unexpected {
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  readonly kind: PayloadKind;
  readonly length: number;
  /** Inline payload, copied out of the ring; null for handoffs. */
  readonly data: Uint8Array | null;
  readonly sender: number;
  readonly id: number;
  readonly handoff: boolean;
  readonly sync: boolean;
}

function matches(context: number, source: number, tag: number, c: number, s: number, t: number): boolean {
  return c === context && (source === ANY_SOURCE || s === source) && (tag === ANY_TAG || t === tag);
}

class RecvRequest implements EngineRequest {
  done = false;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  constructor(
    private readonly engine: LocalEngine,
    readonly context: number,
    readonly source: number,
    readonly tag: number,
    readonly sink: Sink,
  ) {}
  test(): boolean {
    if (!this.done) this.engine.progress();
    return this.done;
  }
  wait(): void {
    this.engine.block(() => this.done, 5, this.source, this.tag, this.context, null);
  }
  cancel(): void {
    if (!this.done && this.engine.unpost(this)) {
      this.cancelled = true;
      this.done = true;
    }
  }
}

/** A send: complete at once in standard mode (the data is already in the receiver's inbox), or once acked. */
class SendRequest implements EngineRequest {
  readonly cancelled = false;
  readonly envelope = undefined;
  error: unknown;
  #done: boolean;
  constructor(private readonly engine: LocalEngine, private readonly ackId: number, private readonly destWorld: number) {
    this.#done = ackId === 0;
  }
  test(): boolean {
    if (!this.#done) {
      this.engine.progress();
      this.#done = this.engine.takeAck(this.ackId);
    }
    return this.#done;
  }
  wait(): void {
    if (this.#done) return;
    try {
      this.engine.awaitAck(this.ackId, this.destWorld);
    } catch (e) {
      this.error = e;
    }
    this.#done = true;
  }
  cancel(): void {}
}

/** One matching space of a communicator. */
class Channel implements PointToPoint {
  constructor(
    protected readonly engine: LocalEngine,
    readonly context: number,
    readonly rank: number,
    readonly worldRanks: readonly number[],
  ) {}
  get size(): number { return this.worldRanks.length; }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void {
    const id = this.engine.deposit(this, data, kind, dest, tag, mode);
    if (mode === SYNCHRONOUS) this.engine.awaitAck(id, this.worldRanks[dest]!);
  }
  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest {
    const id = this.engine.deposit(this, data, kind, dest, tag, mode);
    return new SendRequest(this.engine, mode === SYNCHRONOUS ? id : 0, this.worldRanks[dest]!);
  }
  recv(sink: Sink, source: number, tag: number): Envelope {
    const request = this.engine.post(this.context, source, tag, sink);
    if (!request.done) this.engine.block(() => request.done, 1, source, tag, this.context, this);
    if (request.error !== undefined) throw request.error;
    return request.envelope!;
  }
  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    return this.engine.post(this.context, source, tag, sink);
  }
  probe(source: number, tag: number): Envelope {
    let found: Envelope | undefined;
    this.engine.block(() => (found = this.engine.peek(this.context, source, tag)) !== undefined, 2, source, tag, this.context, this);
    return found!;
  }
  iprobe(source: number, tag: number): Envelope | undefined {
    this.engine.progress();
    return this.engine.peek(this.context, source, tag);
  }
}

export class LocalComm extends Channel implements EngineComm {
  readonly internal: Channel;
  readonly shared: Arena | undefined;
  constructor(engine: LocalEngine, base: number, rank: number, worldRanks: readonly number[]) {
    super(engine, base, rank, worldRanks);
    this.internal = new Channel(engine, base + 1, rank, worldRanks);
    this.shared = engine.arenaFor(this.internal);
  }
  dup(): EngineComm {
    const base = this.engine.agreeOnBase(this.internal);
    return new LocalComm(this.engine, base, this.rank, this.worldRanks);
  }
  split(color: number, key: number): EngineComm | null {
    const all = this.engine.allgatherInts(this.internal, [color, key, this.engine.nextBase]);
    const base = this.engine.claimBase(all.map((v) => v[2]!));
    if (color < 0) return null;
    const members = all
      .map((v, rank) => ({ color: v[0]!, key: v[1]!, rank }))
      .filter((m) => m.color === color)
      .sort((a, b) => a.key - b.key || a.rank - b.rank);
    const worldRanks = members.map((m) => this.worldRanks[m.rank]!);
    return new LocalComm(this.engine, base, members.findIndex((m) => m.rank === this.rank), worldRanks);
  }
  create(worldRanks: readonly number[]): EngineComm | null {
    const base = this.engine.agreeOnBase(this.internal);
    const me = worldRanks.indexOf(this.worldRanks[this.rank]!);
    return me < 0 ? null : new LocalComm(this.engine, base, me, [...worldRanks]);
  }
  free(): void {}
}

export class LocalEngine implements Engine {
  readonly name: "local" | "self";
  readonly world: LocalComm;
  readonly self: LocalComm;
  readonly worldRank: number;
  readonly worldSize: number;
  finalized = false;
  nextBase = FIRST_FREE_BASE;

  readonly #job: LocalJob;
  readonly #inboxes: InboxView[];
  readonly #mine: InboxView;
  readonly #reader: InboxReader;
  readonly #header: Int32Array;
  readonly #handoffs: Handoffs;
  readonly #spin: boolean;
  readonly #yield: (() => void) | undefined;
  readonly #posted: RecvRequest[] = [];
  /** Arrival order from #unexpectedHead on; taken entries before it are cleared, and dropped in batches. */
  #unexpected: (Unexpected | undefined)[] = [];
  #unexpectedHead = 0;
  /**
   * How many unexpected messages each (context, tag) and (context, source) has, so that a search with nothing to
   * find (a collective checking for strays, a probe) costs a lookup instead of a scan of every waiting message.
   */
  readonly #waitingByTag = new Map<number, number>();
  readonly #waitingBySource = new Map<number, number>();
  readonly #acks = new Set<number>();
  readonly #pendingAcks: { to: number; id: number }[] = [];
  #nextId = 1;
  readonly #clockOffsetMs: number;

  constructor(job: LocalJob) {
    this.#job = job;
    this.name = job.name;
    this.worldRank = job.rank;
    this.worldSize = job.layout.size;
    this.#inboxes = Array.from({ length: job.layout.size }, (_, r) => inboxView(job.sab, job.layout, r));
    this.#mine = this.#inboxes[job.rank]!;
    this.#reader = new InboxReader(this.#mine);
    this.#header = jobHeader(job.sab);
    this.#handoffs = new Handoffs(job.ports, job.rank);
    this.#spin = job.layout.size <= availableParallelism();
    this.#yield = this.#spin ? undefined : loadYield();
    this.#clockOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    this.world = new LocalComm(this, WORLD_BASE, job.rank, Array.from({ length: job.layout.size }, (_, r) => r));
    this.self = new LocalComm(this, SELF_BASE, 0, [job.rank]);
  }

  processorName(): string { return hostname(); }
  libraryVersion(): string {
    return `mpi4ts ${this.name} engine (shared memory between worker threads, Node.js ${process.version})`;
  }
  version(): [number, number] { return [4, 0]; }
  /** Seconds on a clock shared by every rank of the job (the process's monotonic clock). */
  wtime(): number { return (this.#clockOffsetMs + performance.now()) / 1000; }
  wtick(): number { return 1e-9; }

  abort(code: number, reason?: string): never {
    const exitCode = Number.isInteger(code) && code > 0 && code < 256 ? code : code === 0 ? 0 : 1;
    if (reason) process.stderr.write(`${reason}\n`);
    if (Atomics.compareExchange(this.#header, JOB_ABORT, 0, abortWord(this.worldRank, exitCode)) === 0) {
      for (const inbox of this.#inboxes) Atomics.notify(inbox.control, DOORBELL);
    }
    return this.#job.exit(exitCode);
  }

  finalize(): void { this.finalized = true; }

  // ---- sending -------------------------------------------------------------------------------------------

  /** Puts a message into the destination's inbox (inline or as a handoff) and returns its id. */
  deposit(channel: Channel, data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): number {
    const destWorld = channel.worldRanks[dest]!;
    const inbox = this.#inboxes[destWorld]!;
    const id = this.#nextId;
    this.#nextId = this.#nextId === 0x7fffffff ? 1 : this.#nextId + 1;
    const sync = mode === SYNCHRONOUS ? SYNC_FLAG : 0;
    const inline = data.length <= this.#job.layout.eagerLimit && fitsRing(inbox, data.length);
    if (!inline) this.#handoffs.post(destWorld, id, data);
    const type = (inline ? RECORD_EAGER : RECORD_HANDOFF) | (kind << 4) | sync;
    const payload = inline ? data : null;
    if (!tryAppend(inbox, type, channel.context, channel.rank, tag, data.length, id, this.worldRank, payload)) {
      this.#appendWhenRoom(inbox, destWorld, type, channel.context, channel.rank, tag, data.length, id, payload);
    }
    return id;
  }

  #appendWhenRoom(
    inbox: InboxView, destWorld: number, type: number, context: number, source: number, tag: number, length: number,
    id: number, payload: Uint8Array | null,
  ): void {
    this.#setState(BLOCKED, 4, destWorld, tag, context);
    try {
      while (!tryAppend(inbox, type, context, source, tag, length, id, this.worldRank, payload)) {
        // Keep our own inbox moving while we wait, or two ranks filling each other's rings would deadlock.
        this.progress();
        this.#checkAbort();
        if (destWorld !== this.worldRank) waitForSpace(inbox, 1);
      }
    } finally {
      this.#setState(RUNNING, 0, 0, 0, 0);
    }
  }

  /** True (once) when the synchronous send `id` has been matched. */
  takeAck(id: number): boolean {
    return this.#acks.delete(id);
  }

  awaitAck(id: number, destWorld: number): void {
    this.block(() => this.#acks.has(id), 3, destWorld, 0, -1, null, destWorld);
    this.#acks.delete(id);
  }

  // ---- receiving -----------------------------------------------------------------------------------------

  post(context: number, source: number, tag: number, sink: Sink): RecvRequest {
    const request = new RecvRequest(this, context, source, tag, sink);
    if (!this.#matchUnexpected(request)) this.#posted.push(request);
    return request;
  }

  unpost(request: RecvRequest): boolean {
    const i = this.#posted.indexOf(request);
    if (i < 0) return false;
    this.#posted.splice(i, 1);
    return true;
  }

  peek(context: number, source: number, tag: number): Envelope | undefined {
    const i = this.#findUnexpected(context, source, tag);
    if (i < 0) return undefined;
    const m = this.#unexpected[i]!;
    return { source: m.source, tag: m.tag, byteLength: m.length, kind: m.kind };
  }

  #findUnexpected(context: number, source: number, tag: number): number {
    const list = this.#unexpected;
    if (list.length === this.#unexpectedHead) return -1;
    if (source !== ANY_SOURCE) {
      if (!this.#waitingBySource.get(pairKey(context, source))) return -1;
    } else if (tag !== ANY_TAG && !this.#waitingByTag.get(pairKey(context, tag))) {
      return -1;
    }
    for (let i = this.#unexpectedHead; i < list.length; i++) {
      const m = list[i]!;
      if (matches(context, source, tag, m.context, m.source, m.tag)) return i;
    }
    return -1;
  }

  /** Takes entry i out: the oldest in O(1) (the common case: receives in arrival order), others by splicing. */
  #removeUnexpected(i: number): void {
    const list = this.#unexpected;
    const m = list[i]!;
    if (i === this.#unexpectedHead) {
      list[i] = undefined;
      this.#unexpectedHead++;
      if (this.#unexpectedHead === list.length) {
        this.#unexpected = [];
        this.#unexpectedHead = 0;
      } else if (this.#unexpectedHead >= 1024 && this.#unexpectedHead * 2 >= list.length) {
        this.#unexpected = list.slice(this.#unexpectedHead);
        this.#unexpectedHead = 0;
      }
    } else {
      list.splice(i, 1);
    }
    count(this.#waitingByTag, pairKey(m.context, m.tag), -1);
    count(this.#waitingBySource, pairKey(m.context, m.source), -1);
  }

  #matchUnexpected(request: RecvRequest): boolean {
    const i = this.#findUnexpected(request.context, request.source, request.tag);
    if (i < 0) return false;
    try {
      request.envelope = this.#deliverUnexpected(this.#unexpected[i]!, request.sink);
      this.#removeUnexpected(i);
    } catch (e) {
      request.error = e;
    }
    request.done = true;
    return true;
  }

  #deliverUnexpected(m: Unexpected, sink: Sink): Envelope {
    const envelope: Envelope = { source: m.source, tag: m.tag, byteLength: m.length, kind: m.kind };
    const target = checkedTarget(sink(envelope), m.length);
    if (m.handoff) this.#handoffs.take(m.sender, m.id, (bytes) => target.set(bytes));
    else target.set(m.data!);
    if (m.sync) this.#ack(m.sender, m.id);
    return envelope;
  }

  /** Drains the inbox: matches arrivals against posted receives, keeps the rest; sends pending acks. */
  progress(): void {
    if (this.#reader.pending()) this.#reader.drain(this.#visit);
    if (this.#pendingAcks.length) this.#flushAcks();
  }

  readonly #visit = (at: number): void => {
    const words = this.#mine.ringWords;
    const w = at >> 2;
    const type = words[w + R_TYPE]!;
    const record = type & TYPE_MASK;
    if (record === RECORD_ACK) {
      this.#acks.add(words[w + R_ID]!);
      return;
    }
    const context = words[w + R_CONTEXT]!;
    const source = words[w + R_SOURCE]!;
    const tag = words[w + R_TAG]!;
    const length = words[w + R_LENGTH]!;
    const id = words[w + R_ID]!;
    const sender = words[w + R_SENDER]!;
    const kind = ((type >> 4) & 0xf) as PayloadKind;
    const sync = (type & SYNC_FLAG) !== 0;
    const handoff = record === RECORD_HANDOFF;
    const posted = this.#posted;
    for (let i = 0; i < posted.length; i++) {
      const request = posted[i]!;
      if (!matches(request.context, request.source, request.tag, context, source, tag)) continue;
      posted.splice(i, 1);
      request.done = true;
      const envelope: Envelope = { source, tag, byteLength: length, kind };
      let target: Uint8Array;
      try {
        target = checkedTarget(request.sink(envelope), length);
      } catch (e) {
        // Refused (truncation, wrong kind): the receive fails and the message stays for a later receive.
        request.error = e;
        break;
      }
      if (handoff) this.#handoffs.take(sender, id, (bytes) => target.set(bytes));
      else copyBytes(this.#mine.ring, at + HEADER_BYTES, target, 0, length);
      request.envelope = envelope;
      if (sync) this.#ack(sender, id);
      return;
    }
    const data = handoff ? null : this.#mine.ring.slice(at + HEADER_BYTES, at + HEADER_BYTES + length);
    this.#unexpected.push({ context, source, tag, kind, length, data, sender, id, handoff, sync });
    count(this.#waitingByTag, pairKey(context, tag), 1);
    count(this.#waitingBySource, pairKey(context, source), 1);
  };

  #ack(to: number, id: number): void {
    this.#pendingAcks.push({ to, id });
  }

  #flushAcks(): void {
    const pending = this.#pendingAcks.splice(0);
    for (const ack of pending) {
      if (!tryAppend(this.#inboxes[ack.to]!, RECORD_ACK, -1, -1, 0, 0, ack.id, this.worldRank, null)) this.#pendingAcks.push(ack);
    }
  }

  // ---- waiting -------------------------------------------------------------------------------------------

  /**
   * Makes progress until `done()`; spins briefly when this rank has a core, then sleeps on the doorbell.
   * Publishes what it waits for (call, peer, tag) so the launcher can report deadlocks, and fails with
   * ERR_DEADLOCK when the awaited peer has already finished, and ERR_ABORTED when the job is aborting.
   */
  block(
    done: () => boolean, call: number, peer: number, tag: number, context: number, channel: Channel | null, peerWorld = -1,
    hopeless = (): void => this.#checkPeers(call, peer, channel, peerWorld, tag),
  ): void {
    this.progress();
    if (done()) return;
    // Poll before sleeping: spinning on a core of our own, or yielding the core when ranks outnumber cores.
    const yieldCore = this.#yield;
    if (this.#spin || yieldCore) {
      const until = performance.now() + (yieldCore ? YIELD_MS : SPIN_MS);
      const clockEvery = yieldCore ? 7 : 63;
      let n = 0;
      while (true) {
        if (this.#reader.pending()) this.progress();
        if (done()) return;
        if (yieldCore) yieldCore();
        if ((++n & clockEvery) === 0 && performance.now() > until) break;
      }
    }
    const control = this.#mine.control;
    this.#setState(BLOCKED, call, peer, tag, context);
    Atomics.add(control, SLEEPING, 1);
    try {
      for (;;) {
        const bell = Atomics.load(control, DOORBELL);
        this.progress();
        if (done()) return;
        this.#checkAbort();
        hopeless();
        Atomics.wait(control, DOORBELL, bell, WAIT_SLICE_MS);
      }
    } finally {
      Atomics.sub(control, SLEEPING, 1);
      this.#setState(RUNNING, 0, 0, 0, 0);
    }
  }

  waitForActivity(timeoutMs = WAIT_SLICE_MS): void {
    const control = this.#mine.control;
    const bell = Atomics.load(control, DOORBELL);
    this.progress();
    this.#checkAbort();
    if (this.#reader.pending()) return;
    Atomics.add(control, SLEEPING, 1);
    try {
      Atomics.wait(control, DOORBELL, bell, timeoutMs);
    } finally {
      Atomics.sub(control, SLEEPING, 1);
    }
  }

  activity(timeoutMs = WAIT_SLICE_MS): Promise<void> {
    const control = this.#mine.control;
    const bell = Atomics.load(control, DOORBELL);
    if (this.#reader.pending()) return Promise.resolve();
    Atomics.add(control, SLEEPING, 1);
    const waiter = (Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
    }).waitAsync(control, DOORBELL, bell, timeoutMs);
    if (!waiter.async) {
      Atomics.sub(control, SLEEPING, 1);
      return Promise.resolve();
    }
    // The timer keeps the thread's event loop alive while we wait (a pending waitAsync alone does not).
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs + 1);
      (waiter.value as Promise<string>).then(finish);
      let finished = false;
      function finish(): void {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        Atomics.sub(control, SLEEPING, 1);
        resolve();
      }
    });
  }

  #setState(state: number, call: number, peer: number, tag: number, context: number): void {
    const c = this.#mine.control;
    c[STATE_CALL] = call;
    c[STATE_PEER] = peer;
    c[STATE_TAG] = tag;
    c[STATE_CONTEXT] = context;
    Atomics.store(c, STATE, state);
  }

  #checkAbort(): void {
    const word = Atomics.load(this.#header, JOB_ABORT);
    if (word !== 0) {
      const { aborter, code } = readAbortWord(word); // aborter -1: the launcher (a failure, a signal, a timeout)
      throw new MPIError("ERR_ABORTED", aborter >= 0
        ? `the job is being aborted: rank ${aborter} called Abort(${code})`
        : `the job is being ended by the launcher (exit code ${code})`);
    }
  }

  #checkPeers(call: number, peer: number, channel: Channel | null, peerWorld: number, tag: number): void {
    const finished = (world: number) => Atomics.load(this.#inboxes[world]!.control, STATE) === FINISHED;
    const what = BLOCKING_CALLS[call] ?? "wait";
    if (peerWorld >= 0) {
      if (peerWorld === this.worldRank && call === 3) {
        throw new MPIError("ERR_DEADLOCK", `ssend on rank ${this.worldRank}: a synchronous send to oneself can never be matched while blocked`);
      }
      if (finished(peerWorld)) {
        throw new MPIError("ERR_DEADLOCK", `${what} on rank ${this.worldRank}: rank ${peerWorld} has finished without receiving the message`);
      }
      return;
    }
    if (!channel) return;
    const others = peer === ANY_SOURCE
      ? channel.worldRanks.filter((w) => w !== this.worldRank)
      : [channel.worldRanks[peer]!];
    if (others.some((w) => w === this.worldRank)) {
      if (this.worldSize === 1 || others.length === 1) {
        throw new MPIError("ERR_DEADLOCK", `${what} on rank ${this.worldRank}: waiting for a message from itself (tag ${tag === ANY_TAG ? "ANY_TAG" : tag}) that was never sent`);
      }
      return;
    }
    if (others.every(finished)) {
      const from = peer === ANY_SOURCE ? "any rank (all others have finished)" : `rank ${peer}, which has finished`;
      throw new MPIError("ERR_DEADLOCK", `${what} on rank ${this.worldRank}: waiting for a message (tag ${tag === ANY_TAG ? "ANY_TAG" : tag}) from ${from}`);
    }
  }

  // ---- shared areas --------------------------------------------------------------------------------------

  /**
   * The shared area of the communicator whose internal channel is `internal` (collective over its members when
   * the communicator is new): COMM_WORLD's lies in the job's memory; any other's is allocated by its rank 0 and
   * given to the others over their ports. None for one rank, or for more than SHARED_MAX_RANKS.
   */
  arenaFor(internal: Channel): Arena | undefined {
    const { size, rank, worldRanks, context } = internal;
    if (size < 2 || size > SHARED_MAX_RANKS) return undefined;
    const others = worldRanks.filter((w) => w !== this.worldRank);
    const controls = others.map((w) => this.#inboxes[w]!.control);
    const host: ArenaHost = {
      waitFor: (done, awaited, missing) => {
        this.block(done, 6, awaited, -1, context, null, -1, () => {
          const member = missing();
          this.#checkMember(worldRanks[member]!, member);
        });
      },
      // Wakes only members asleep in this communicator's collective waiting for what just happened.
      wake: (member, last) => {
        for (let i = 0; i < controls.length; i++) {
          const control = controls[i]!;
          if (Atomics.load(control, SLEEPING) === 0 || control[STATE_CONTEXT] !== context) continue;
          const awaited = control[STATE_PEER];
          if (awaited === member || (last && awaited === EVERYONE)) ringDoorbell(control);
        }
      },
    };
    let sab: SharedArrayBuffer | undefined;
    let offset = 0;
    if (context === WORLD_BASE + 1) {
      sab = this.#job.sab;
      offset = this.#job.layout.arenaOffset;
      if (offset < 0) return undefined;
    } else if (rank === 0) {
      sab = new SharedArrayBuffer(arenaBytes(size));
      for (const w of others) {
        this.#handoffs.give(w, context, sab);
        ringDoorbell(this.#inboxes[w]!.control);
      }
    } else {
      const leader = worldRanks[0]!;
      this.block(() => (sab ??= this.#handoffs.takeGift(leader, context)) !== undefined, 6, 0, -1, context, null, leader);
    }
    return new Arena(sab!, offset, rank, size, host);
  }

  #checkMember(world: number, member: number): void {
    if (Atomics.load(this.#inboxes[world]!.control, STATE) === FINISHED) {
      throw new MPIError("ERR_DEADLOCK",
        `collective on rank ${this.worldRank}: rank ${member} of the communicator (rank ${world} of the job) has finished without joining it`);
    }
  }

  // ---- communicator management ---------------------------------------------------------------------------

  /** Gathers a few integers from every member to all members (communicator creation only: small and rare). */
  allgatherInts(channel: Channel, mine: readonly number[]): number[][] {
    const encode = (rows: number[][]) => new Uint8Array(Int32Array.from(rows.flat()).buffer);
    const width = mine.length;
    const recvInts = (source: number): Int32Array => {
      let out = new Int32Array(0);
      channel.recv((env) => (out = new Int32Array(env.byteLength / 4), new Uint8Array(out.buffer)), source, TAG_COMM_MANAGEMENT);
      return out;
    };
    let all: number[][];
    if (channel.rank === 0) {
      all = [[...mine]];
      for (let r = 1; r < channel.size; r++) all.push([...recvInts(r)]);
      const bytes = encode(all);
      for (let r = 1; r < channel.size; r++) channel.send(bytes, BUFFER, r, TAG_COMM_MANAGEMENT, STANDARD);
    } else {
      channel.send(encode([[...mine]]), BUFFER, 0, TAG_COMM_MANAGEMENT, STANDARD);
      const flat = recvInts(0);
      all = Array.from({ length: channel.size }, (_, r) => [...flat.subarray(r * width, (r + 1) * width)]);
    }
    return all;
  }

  /** A fresh base context, agreed by every member of `channel`'s communicator. */
  agreeOnBase(channel: Channel): number {
    return this.claimBase(this.allgatherInts(channel, [this.nextBase]).map((v) => v[0]!));
  }

  /** Takes the largest proposal: unused by every member, so unique among communicators that share a member. */
  claimBase(proposals: readonly number[]): number {
    const base = Math.max(...proposals);
    this.nextBase = base + 2;
    return base;
  }
}

/** One number for a (context, source) or (context, tag) pair; both are below 2^31 (tags may be -1). */
function pairKey(context: number, value: number): number {
  return context * 4294967296 + (value >>> 0);
}

function count(counts: Map<number, number>, key: number, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}

function checkedTarget(target: Uint8Array, length: number): Uint8Array {
  if (target.length < length) {
    throw new MPIError("ERR_TRUNCATE", `message of ${length} bytes does not fit a ${target.length}-byte buffer`);
  }
  return target.length === length ? target : target.subarray(0, length);
}

