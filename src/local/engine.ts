/**
 * The local engine: ranks are threads of one process, each with a private heap, exchanging messages through the
 * shared inboxes of layout.ts. Matching follows MPI-4.0 §3.5 exactly: (context, source, tag) with wildcards,
 * posted receives served in the order they were posted, unexpected messages kept in arrival order, and per-pair
 * order preserved because one sender's records enter an inbox in program order.
 */
import type { MessagePort } from "node:worker_threads";
import { ANY_SOURCE, ANY_TAG, TAG_UB } from "../constants.js";
import {
  BUFFER, COMPLETED, SHARED_MAX_RANKS, STANDARD, SYNCHRONOUS,
  type Engine, type EngineComm, type EngineRequest, type Envelope, type MatchedMessage, type PayloadKind, type PendingComm, type Unreceived,
  type PointToPoint, type SendMode, type Sink, type WaitCall, type Waitable, type WorldAttributes,
} from "../engine/engine.js";
import { MPIError } from "../errors.js";
import { Handoffs } from "./handoff.js";
import { PipeHandoffs } from "./pipes.js";
import { allocate, ownBytes, type SharedBytes } from "./heap.js";
import { LauncherLink, type SpawnedWorld } from "./control.js";
import { LocalDynamic } from "./spawn.js";
import {
  BLOCKED, BLOCKING_CALLS, CALL_COLLECTIVE, CALL_IRECV, CALL_ISSEND, CALL_PROBE, CALL_RECV, CALL_SEND_FULL,
  CALL_SEND_HELD, CALL_SSEND, CALL_WAIT, DOORBELL, EXIT_FLAGS, EXPENDABLE, FAILED, FINISHED, HEADER_BYTES, JOB_ABORT, JOB_CONTEXTS, R_CONTEXT, R_ID, R_LENGTH, R_SENDER,
  R_SOURCE, R_TAG, R_TYPE, RECORD_ACK, RECORD_EAGER, RECORD_HANDOFF, RUNNING, SLEEPING, STATE, STATE_CALL,
  STATE_CONTEXT, STATE_PEER, STATE_TAG, STATE_VIA, SYNC_FLAG, TYPE_MASK, WAIT_CALLS, abortWord, endedInbox, inboxView,
  jobHeader, rankInSlot, readAbortWord, type InboxView, type JobLayout,
} from "./layout.js";
import { InboxReader, copyBytes, fitsRing, tryAppend, ringDoorbell } from "./mailbox.js";
import { Arena, EVERYONE, arenaBytes, type ArenaHost } from "./arena.js";
import type { RankHost } from "./host.js";
import { LocalRma } from "../win/local.js";
import { hasBackground, stepBackground } from "../engine/background.js";

/** What a rank needs to join a job (built by the launcher, or by the self engine for a world of one). */
export interface LocalJob {
  readonly sab: SharedArrayBuffer;
  readonly layout: JobLayout;
  readonly rank: number;
  /**
   * The rank's inbox slot, and the slots of the ranks whose slot is not their number (slots.ts); by default (no
   * slot ever recycled) every rank's slot is its number.
   */
  readonly slot?: number;
  readonly movedPeers?: readonly (readonly [rank: number, slot: number])[];
  /** One port per peer job rank (undefined for oneself), for handoffs of large messages; spawned ranks' come later. */
  readonly ports: (MessagePort | undefined)[];
  /** The rank's control port to its launcher (control.ts); none in a web page's job made without one. */
  readonly control?: MessagePort;
  /** The self engine's: starts its launcher at the first Spawn (src/local/in-process.ts). */
  readonly connectLauncher?: () => void;
  /** For a rank started by Spawn: its COMM_WORLD and its parents (control.ts). */
  readonly spawned?: SpawnedWorld;
  /** The runtime the rank lives in: Node's threads or a browser's workers. */
  readonly host: RankHost;
  /** With pipes (a browser job): the job's heap, where memory shared after the start is carved (heap.ts). */
  readonly heap?: SharedArrayBuffer;
  readonly name: "local" | "self";
}

/** Tags on the internal channel reserved for communicator management. */
const TAG_COMM_MANAGEMENT = 0x7ffffff0;
/** Idup's one message, the new communicator's base, from the communicator's rank 0 to the others. */
const TAG_IDUP = TAG_COMM_MANAGEMENT + 1;
/**
 * Create_group's tags on the internal channel start here, above the collective sequence's and the persistent
 * collectives' (transport.ts: 0 .. 2^28).
 */
const TAG_CREATE_GROUP = 0x10000000;
/** Base contexts: each communicator uses base (user traffic) and base+1 (its internal channel). */
const WORLD_BASE = 0;
const SELF_BASE = 2;
const FIRST_FREE_BASE = 4;
/**
 * Bases from here on are handed out job-wide (jobWideBase), for Idup, which cannot wait for the members to agree.
 * Agreed bases (claimBase) stay below it: they grow by 2 per communicator made, from FIRST_FREE_BASE.
 */
const JOB_WIDE_BASES = 2 ** 30;

/**
 * How much of not-yet-received large messages one rank may hold before blocking sends to it wait for their
 * receives: 1/16 of the machine's memory, at most 256 MiB (so a 4 GiB Raspberry Pi keeps 256 MiB per rank).
 */
function heldLimitKib(memoryBytes: number): number {
  return Math.min(256 * 1024, Math.floor(memoryBytes / 16 / 1024));
}

/** How long a waiting rank polls before it sleeps, when it has a core of its own (DESIGN.md §2). */
const SPIN_MS = 0.02;
/** How long it yields its core before it sleeps, when ranks outnumber cores (and the yield helper is built). */
const YIELD_MS = 0.2;
const WAIT_SLICE_MS = 250;
/** How often a rank waiting for its launcher (Spawn) looks for the answer (the launcher also rings its doorbell). */
const LAUNCHER_POLL_MS = 20;
/** How soon a blocked rank with backlogged records looks whether their inboxes have room. */
const BACKLOG_POLL_MS = 1;
/**
 * A record's length word (R_LENGTH) is an Int32: a longer message (2 GiB or more, always a handoff) has LARGE
 * there, and the receiver reads its length from the handoff itself.
 */
const MAX_RECORD_LENGTH = 0x7fffffff;
const LARGE = -1;

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

/**
 * What a waiting operation waits for: published while its rank is blocked (the launcher's deadlock reports), and
 * checked for waits that can never end (the peer has finished).
 */
interface Blocker {
  /** CALL_* of layout.ts. */
  readonly call: number;
  /** Receives: the source (a rank of `channel`, or ANY_SOURCE). Sends: the destination's world rank. */
  readonly peer: number;
  readonly tag: number;
  readonly context: number;
  /** Receives: the channel whose ranks `peer` names; null for sends. */
  readonly channel: Channel | null;
  /** Sends: the destination's world rank; -1 for receives. */
  readonly peerWorld: number;
}

function matches(context: number, source: number, tag: number, c: number, s: number, t: number): boolean {
  return c === context && (source === ANY_SOURCE || s === source) && (tag === ANY_TAG || t === tag);
}

class RecvRequest implements EngineRequest, Blocker {
  done = false;
  cancelled = false;
  envelope: Envelope | undefined;
  error: unknown;
  readonly context: number;
  readonly call = CALL_IRECV;
  readonly peerWorld = -1;
  constructor(
    private readonly engine: LocalEngine,
    readonly channel: Channel,
    readonly source: number,
    readonly tag: number,
    readonly sink: Sink,
  ) {
    this.context = channel.context;
  }
  get peer(): number { return this.source; }
  test(): boolean {
    if (!this.done) this.engine.progress();
    return this.done;
  }
  wait(): void {
    this.engine.block(() => this.done, CALL_WAIT, this.source, this.tag, this.context, this.channel);
  }
  blockedOn(): Blocker | undefined {
    return this.done ? undefined : this;
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
  constructor(
    private readonly engine: LocalEngine, private readonly ackId: number, private readonly destWorld: number,
    private readonly tag: number, private readonly context: number,
  ) {
    this.#done = ackId === 0;
  }
  blockedOn(): Blocker | undefined {
    if (this.#done) return undefined;
    const dest = this.destWorld;
    return { call: CALL_ISSEND, peer: dest, tag: this.tag, context: this.context, channel: null, peerWorld: dest };
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
      this.engine.awaitAck(this.ackId, this.destWorld, this.tag, this.context);
    } catch (e) {
      this.error = e;
    }
    this.#done = true;
  }
  cancel(): void {}
}

/** One matching space of a communicator. */
export class Channel implements PointToPoint {
  constructor(
    protected readonly engine: LocalEngine,
    readonly context: number,
    readonly rank: number,
    readonly worldRanks: readonly number[],
  ) {}
  get size(): number { return this.worldRanks.length; }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void {
    const destWorld = this.worldRanks[dest]!;
    // Once the receiver holds too many large messages it has not received, a blocking send waits for its receive
    // (standard mode may: MPI's rendezvous), so a sender that outruns its receiver does not pile up memory.
    const held = mode === STANDARD && this.engine.receiverHoldsTooMuch(destWorld, data.length);
    const id = this.engine.deposit(this, data, kind, dest, tag, held ? SYNCHRONOUS : mode, true);
    if (mode === SYNCHRONOUS || held) this.engine.awaitAck(id, destWorld, tag, this.context, held ? CALL_SEND_HELD : CALL_SSEND);
  }
  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest {
    const id = this.engine.deposit(this, data, kind, dest, tag, mode);
    return new SendRequest(this.engine, mode === SYNCHRONOUS ? id : 0, this.worldRanks[dest]!, tag, this.context);
  }
  recv(sink: Sink, source: number, tag: number): Envelope {
    const request = this.engine.post(this, source, tag, sink);
    if (!request.done) this.engine.block(() => request.done, CALL_RECV, source, tag, this.context, this);
    if (request.error !== undefined) throw request.error;
    return request.envelope!;
  }
  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    return this.engine.post(this, source, tag, sink);
  }
  /** Blocks, as a probe, until `find` finds something. */
  #probeUntil<T>(source: number, tag: number, find: () => T | undefined): T {
    let found: T | undefined;
    this.engine.block(() => (found = find()) !== undefined, CALL_PROBE, source, tag, this.context, this);
    return found!;
  }
  probe(source: number, tag: number): Envelope {
    return this.#probeUntil(source, tag, () => this.engine.peek(this.context, source, tag));
  }
  iprobe(source: number, tag: number): Envelope | undefined {
    this.engine.progress();
    return this.engine.peek(this.context, source, tag);
  }
  mprobe(source: number, tag: number): MatchedMessage {
    return this.#probeUntil(source, tag, () => this.engine.takeMatched(this.context, source, tag));
  }
  improbe(source: number, tag: number): MatchedMessage | undefined {
    this.engine.progress();
    return this.engine.takeMatched(this.context, source, tag);
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
  /**
   * Rank 0 takes a base no rank of the job has used (jobWideBase) and sends it to the others; nobody waits for
   * anybody, so the call returns at once, and a member's request completes when the base arrives.
   */
  idup(): PendingComm {
    const make = (base: number) => new LocalComm(this.engine, base, this.rank, this.worldRanks);
    if (this.rank === 0) {
      const base = this.engine.jobWideBase();
      const bytes = new Uint8Array(Int32Array.of(base).buffer);
      // Standard sends complete at once on this engine: the base is in each member's inbox (or its backlog).
      for (let r = 1; r < this.size; r++) this.internal.isend(bytes, BUFFER, r, TAG_IDUP, STANDARD);
      return { request: COMPLETED, made: () => make(base) };
    }
    const base = new Int32Array(1);
    const into = new Uint8Array(base.buffer);
    const request = this.internal.irecv(() => into, 0, TAG_IDUP);
    return { request, made: () => make(base[0]!) };
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
  createGroup(worldRanks: readonly number[], tag: number): EngineComm {
    const members = worldRanks.map((w) => this.worldRanks.indexOf(w));
    // Between the collective sequence's tags and TAG_COMM_MANAGEMENT: user tags that differ by a multiple of the
    // span share one, which only matters for concurrent calls over overlapping groups with such tags.
    const wire = TAG_CREATE_GROUP + (tag % (TAG_COMM_MANAGEMENT - TAG_CREATE_GROUP));
    const base = this.engine.claimBase(this.engine.allgatherInts(this.internal, [this.engine.nextBase], members, wire).map((v) => v[0]!));
    return new LocalComm(this.engine, base, worldRanks.indexOf(this.worldRanks[this.rank]!), [...worldRanks]);
  }
  free(): void {}
}

export class LocalEngine implements Engine {
  readonly name: "local" | "self";
  readonly world: LocalComm;
  readonly self: LocalComm;
  /** This rank's number in the job (its inbox), which is its COMM_WORLD rank unless it was spawned. */
  readonly worldRank: number;
  readonly worldSize: number;
  finalized = false;
  nextBase = FIRST_FREE_BASE;

  readonly #job: LocalJob;
  /** Every slot's inbox: views are cheap, and the slots' memory is only mapped. */
  readonly #slots: InboxView[];
  /** By job rank: the inbox of each rank this rank knows of (sparse once slots are recycled); see #inbox. */
  readonly #inboxes: InboxView[];
  readonly #launcher: LauncherLink | undefined;
  #ended: InboxView | undefined;
  readonly #mine: InboxView;
  readonly #reader: InboxReader;
  readonly #header: Int32Array;
  /** How large messages travel: over ports (Node), or through pipes in the job's memory (browsers). */
  readonly #handoffs: Handoffs | PipeHandoffs;
  readonly #pipes: PipeHandoffs | undefined;
  readonly #spin: boolean;
  readonly #yield: (() => void) | undefined;
  /** Blocking sends above this go as handoffs, which a waiting receiver copies once (at most the eager limit). */
  readonly #blockingEager: number;
  readonly #heldLimitKib: number;
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
  /**
   * Per destination world rank: records that found its ring full, in send order, appended by progress once it has
   * room. While a destination has a backlog, every later message to it joins the backlog (non-overtaking).
   */
  readonly #backlogs: (Backlogged[] | undefined)[] = [];
  #backlogged = 0;
  readonly #pendingAcks: { to: number; id: number }[] = [];
  #nextId = 1;
  readonly #clockOffsetMs: number;
  /** One-sided communication (src/win/local.ts). */
  readonly rma = new LocalRma(this);
  /** Spawn and Get_parent (spawn.ts), for ranks a launcher started. */
  readonly dynamic: LocalDynamic | undefined;
  /** Whether this rank's COMM_WORLD is the job's first, whose shared area lies in the job's memory. */
  readonly #firstWorld: boolean;

  constructor(job: LocalJob) {
    this.#job = job;
    this.name = job.name;
    this.worldRank = job.rank;
    const world = job.spawned?.world ?? Array.from({ length: job.layout.size }, (_, r) => r);
    this.worldSize = world.length;
    this.#firstWorld = job.spawned === undefined;
    this.#slots = Array.from({ length: job.layout.capacity }, (_, slot) => inboxView(job.sab, job.layout, slot));
    this.#inboxes = [...this.#slots];
    for (const [rank, slot] of job.movedPeers ?? []) this.#inboxes[rank] = this.#slots[slot]!;
    this.#mine = this.#slots[job.slot ?? job.rank]!;
    this.#inboxes[job.rank] = this.#mine;
    this.#reader = new InboxReader(this.#mine);
    this.#header = jobHeader(job.sab);
    const launcher = job.control && new LauncherLink(job.control, (rank, port, slot) => {
      job.ports[rank] = port;
      this.#inboxes[rank] = this.#slots[slot]!;
    }, job.connectLauncher);
    this.#launcher = launcher;
    const host = job.host;
    this.#spin = job.layout.size <= host.cores;
    // A core of its own, as MPI binds a job no larger than the machine: unbound, two ranks that wake each other
    // drift onto one core and every round trip becomes two context switches (native/threads/threads.c).
    if (job.layout.size > 1 && this.#spin && job.rank < host.cores) host.bindToCore?.(job.rank);
    this.#yield = this.#spin ? undefined : host.yieldCore;
    this.#heldLimitKib = heldLimitKib(host.memoryBytes);
    const controls = (rank: number) => this.#inbox(rank).control;
    this.#pipes = job.layout.pipeBytes > 0
      ? new PipeHandoffs(job.sab, job.layout, job.rank, controls, { checkAbort: () => this.#checkAbort(), ...(job.heap ? { heap: job.heap } : {}) })
      : undefined;
    this.#handoffs = this.#pipes ?? new Handoffs(job.ports, job.rank, controls, {
      morePorts: () => launcher?.drain(), checkAbort: () => this.#checkAbort(), yieldCore: this.#yield, direct: host.directCopy,
    });
    this.#blockingEager = Math.min(job.layout.eagerLimit, this.#handoffs.offersAbove);
    this.dynamic = launcher && new LocalDynamic(this, launcher, job.spawned);
    this.#clockOffsetMs = host.clockOffsetMs;
    host.onExit(this.#flushBacklogsBeforeExit);
    this.world = new LocalComm(this, WORLD_BASE, world.indexOf(job.rank), world);
    this.self = new LocalComm(this, SELF_BASE, 0, [job.rank]);
  }

  get jobRank(): number { return this.worldRank; }

  /**
   * Job rank `rank`'s inbox. A slot is taken to hold the rank it names (slots.ts) only after the launcher's news
   * is in: a rank spawned into a recycled slot may be heard of (from its parents' root) before that news is read.
   * For a rank whose slot went to another (it ended), or one never heard of, a stand-in that has FINISHED and
   * drops what it is sent.
   */
  #inbox(rank: number): InboxView {
    const inbox = this.#inboxes[rank];
    if (inbox !== undefined && rankInSlot(inbox) === rank) return inbox;
    this.#launcher?.drain();
    const known = this.#inboxes[rank];
    return known !== undefined && rankInSlot(known) === rank ? known : (this.#ended ??= endedInbox());
  }

  #hasEnded(rank: number): boolean {
    return Atomics.load(this.#inbox(rank).control, STATE) === FINISHED;
  }

  expendable(on: boolean): void {
    Atomics.store(this.#mine.control, EXIT_FLAGS, on ? EXPENDABLE : 0);
  }

  failure(worldRank: number): number | undefined {
    const flags = Atomics.load(this.#inbox(worldRank).control, EXIT_FLAGS);
    return flags & FAILED ? flags >>> 8 : undefined;
  }
  processorName(): string { return this.#job.host.hostName; }
  libraryVersion(): string {
    return `mpi4ts ${this.name} engine (shared memory between worker threads, ${this.#job.host.runtime})`;
  }
  version(): [number, number] { return [4, 0]; }
  /** Seconds on a clock shared by every rank of the job (the process's monotonic clock). */
  wtime(): number { return (this.#clockOffsetMs + performance.now()) / 1000; }
  wtick(): number { return 1e-9; }
  /** Every rank reads the one process clock; a world of one (self) was started by no launcher, so has no APPNUM. */
  worldAttributes(): WorldAttributes {
    const universeSize = this.#job.layout.capacity;
    const appnum = this.name === "self" ? undefined : this.#job.spawned?.appnum ?? 0;
    return { tagUb: TAG_UB, universeSize, appnum, wtimeIsGlobal: true };
  }

  abort(code: number, reason?: string): never {
    const exitCode = Number.isInteger(code) && code > 0 && code < 256 ? code : code === 0 ? 0 : 1;
    if (reason) this.#job.host.writeError(reason);
    if (Atomics.compareExchange(this.#header, JOB_ABORT, 0, abortWord(this.worldRank, exitCode)) === 0) {
      for (const inbox of this.#slots) Atomics.notify(inbox.control, DOORBELL);
    }
    return this.#job.host.exit(exitCode);
  }

  finalize(): void { this.finalized = true; }

  nameCommunicator(comm: object, name: string): void {
    // A communicator's channel, or a spawn intercommunicator's (spawn.ts), whose internal channel is base + 1.
    const internal = (comm as { internal?: unknown }).internal;
    const base = comm instanceof Channel ? comm.context : internal instanceof Channel ? internal.context - 1 : -1;
    if (base >= 0) this.#launcher?.name(base >> 1, name);
  }

  unreceived(): Unreceived[] {
    this.progress();
    const out: Unreceived[] = [];
    for (let i = this.#unexpectedHead; i < this.#unexpected.length; i++) {
      const m = this.#unexpected[i];
      if (!m) continue;
      const base = m.context - (m.context % 2);
      const communicator = base === WORLD_BASE ? "MPI_COMM_WORLD" : base === SELF_BASE ? "MPI_COMM_SELF" : "another communicator";
      out.push({ source: base === WORLD_BASE ? m.sender : m.source, tag: m.tag, bytes: m.length, communicator, collective: m.context !== base });
    }
    return out;
  }

  // ---- sending -------------------------------------------------------------------------------------------

  /**
   * Puts a message into the destination's inbox (inline or as a handoff) and returns its id. `blocking`: `data`
   * stays untouched until this returns, so a large one is offered for the receiver to copy once (handoff.ts).
   */
  deposit(channel: Channel, data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode, blocking = false): number {
    const destWorld = channel.worldRanks[dest]!;
    const inbox = this.#inbox(destWorld);
    const id = this.#nextId;
    this.#nextId = this.#nextId === 0x7fffffff ? 1 : this.#nextId + 1;
    const sync = mode === SYNCHRONOUS ? SYNC_FLAG : 0;
    const { context, rank: source } = channel;
    const flags = (kind << 4) | sync;
    const backlog = this.#backlogs[destWorld];
    const length = data.length > MAX_RECORD_LENGTH ? LARGE : data.length;
    const eager = blocking ? this.#blockingEager : this.#job.layout.eagerLimit;
    const inline = !backlog && data.length <= eager && fitsRing(inbox, data.length);
    if (inline && tryAppend(inbox, destWorld, RECORD_EAGER | flags, context, source, tag, data.length, id, this.worldRank, data)) {
      return id;
    }
    // Too big for the ring, or no room in it now: the bytes go to the port (which queues without limit), and the
    // small HANDOFF record to the ring, or, when even that does not fit or records wait already, to the backlog.
    // A large payload is posted part-filled: the record goes out first, so the receiver copies while we fill.
    const fill = this.#handoffs.post(destWorld, id, data, blocking);
    const type = RECORD_HANDOFF | flags;
    if (backlog || !tryAppend(inbox, destWorld, type, context, source, tag, length, id, this.worldRank, null)) {
      const record: Backlogged = { type, context, source, tag, length, id };
      if (backlog) backlog.push(record);
      else this.#backlogs[destWorld] = [record];
      this.#backlogged++;
    }
    fill?.();
    return id;
  }

  /** Appends backlogged records in order, as long as their inboxes have room (progress calls it). */
  #flushBacklogs(): void {
    const backlogs = this.#backlogs;
    for (let dest = 0; dest < backlogs.length; dest++) {
      const backlog = backlogs[dest];
      if (!backlog) continue;
      const inbox = this.#inbox(dest);
      let sent = 0;
      while (sent < backlog.length) {
        const r = backlog[sent]!;
        if (!tryAppend(inbox, dest, r.type, r.context, r.source, r.tag, r.length, r.id, this.worldRank, null)) break;
        sent++;
      }
      if (sent === 0) continue;
      this.#backlogged -= sent;
      if (sent === backlog.length) backlogs[dest] = undefined;
      else backlog.splice(0, sent);
    }
  }

  /**
   * Before the thread ends: waits until every backlogged record is in its inbox (the receiver drains it while it
   * lives). Records for a rank that has finished are dropped: nobody can receive them any more.
   */
  #flushBacklogsBeforeExit = (): void => {
    const pipes = this.#pipes;
    const queued = () => this.#backlogged > 0 || pipes?.sending === true;
    if (!queued() || Atomics.load(this.#header, JOB_ABORT) !== 0) return;
    const first = Math.max(0, this.#backlogs.findIndex((b) => b !== undefined));
    try {
      this.block(() => !queued(), CALL_SEND_FULL, first, 0, -1, null, first, () => {
        for (let dest = 0; dest < this.#backlogs.length; dest++) {
          const backlog = this.#backlogs[dest];
          if (!backlog || !this.#hasEnded(dest)) continue;
          this.#backlogged -= backlog.length;
          this.#backlogs[dest] = undefined;
        }
        pipes?.dropForFinished();
      });
    } catch {
      // The job is being aborted: nothing is to be delivered any more.
    }
  };

  /** True (once) when the synchronous send `id` has been matched. */
  takeAck(id: number): boolean {
    return this.#acks.delete(id);
  }

  /**
   * Whether a blocking standard send of `bytes` to world rank `dest` must wait for its receive: it is a handoff
   * (larger than the eager limit) and `dest` already holds heldLimitKib() of handoffs it has not received.
   */
  receiverHoldsTooMuch(dest: number, bytes: number): boolean {
    return bytes > this.#job.layout.eagerLimit && dest !== this.worldRank && this.#handoffs.heldBy(dest) >= this.#heldLimitKib;
  }

  awaitAck(id: number, destWorld: number, tag: number, context: number, call: number = CALL_SSEND): void {
    this.block(() => this.#acks.has(id), call, destWorld, tag, context, null, destWorld);
    this.#acks.delete(id);
  }

  // ---- receiving -----------------------------------------------------------------------------------------

  post(channel: Channel, source: number, tag: number, sink: Sink): RecvRequest {
    const request = new RecvRequest(this, channel, source, tag, sink);
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

  /** Takes the first matching unexpected message out of matching (mprobe); its bytes are delivered later, once. */
  takeMatched(context: number, source: number, tag: number): MatchedMessage | undefined {
    const i = this.#findUnexpected(context, source, tag);
    if (i < 0) return undefined;
    const m = this.#unexpected[i]!;
    this.#removeUnexpected(i);
    return { envelope: { source: m.source, tag: m.tag, byteLength: m.length, kind: m.kind }, receive: (sink) => this.#deliverUnexpected(m, sink) };
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
    if (m.handoff) this.#handoffs.take(m.sender, m.id, target);
    else target.set(m.data!);
    if (m.sync) this.#ack(m.sender, m.id);
    return envelope;
  }

  /** Drains the inbox: matches arrivals against posted receives, keeps the rest; sends pending acks. */
  progress(): void {
    if (this.#reader.pending()) this.#reader.drain(this.#visit);
    if (this.#pendingAcks.length) this.#flushAcks();
    if (this.#backlogged) this.#flushBacklogs();
    if (this.#pipes) this.#pipes.pump();
    if (hasBackground()) stepBackground();
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
    const id = words[w + R_ID]!;
    const sender = words[w + R_SENDER]!;
    let length = words[w + R_LENGTH]!;
    if (length === LARGE) length = this.#handoffs.lengthOf(sender, id);
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
      if (handoff) this.#handoffs.take(sender, id, target);
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
      if (!tryAppend(this.#inbox(ack.to), ack.to, RECORD_ACK, -1, -1, 0, 0, ack.id, this.worldRank, null)) this.#pendingAcks.push(ack);
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
    hopeless = (): void => this.#checkPeers(call, peer, channel, peerWorld, tag), via = 0,
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
    this.#setState(BLOCKED, call, peer, tag, context, via);
    Atomics.add(control, SLEEPING, 1);
    try {
      for (;;) {
        const bell = Atomics.load(control, DOORBELL);
        this.progress();
        if (done()) return;
        this.#checkAbort();
        hopeless();
        if (done()) return; // `hopeless` may have settled what we wait for (awaits it rejected)
        // A receiver freeing ring space does not ring our doorbell: with a backlog, look again soon.
        Atomics.wait(control, DOORBELL, bell, this.#backlogged ? BACKLOG_POLL_MS : WAIT_SLICE_MS);
      }
    } finally {
      Atomics.sub(control, SLEEPING, 1);
      this.#setState(RUNNING, 0, 0, 0, 0);
    }
  }

  /**
   * Waits until `done()` while the launcher works for this rank (Spawn): messages keep moving, and the rank counts
   * as running, not blocked, so the deadlock watch does not take the wait for one.
   */
  waitForLauncher(done: () => boolean): void {
    while (!done()) this.waitForActivity(LAUNCHER_POLL_MS);
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
    return this.#activity(timeoutMs, true);
  }

  /** Resolves on a doorbell or after `timeoutMs`; with `keepAlive`, its timer keeps the event loop alive. */
  #activity(timeoutMs: number, keepAlive: boolean): Promise<void> {
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
      // (a browser's timers are numbers, and keep nothing alive)
      if (!keepAlive && typeof timer === "object") timer.unref();
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

  #setState(state: number, call: number, peer: number, tag: number, context: number, via = 0): void {
    const c = this.#mine.control;
    c[STATE_VIA] = via;
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
    const why = this.#neverEnds(call, peer, channel, peerWorld, tag);
    if (why) throw new MPIError("ERR_DEADLOCK", `${BLOCKING_CALLS[call] ?? "wait"} on rank ${this.worldRank}: ${why}`);
  }

  /**
   * Why a wait for `call` (to or from `peer`) can never end, or undefined if it may. Waits on oneself are hopeless
   * only while this rank is `blocked` (an awaiting rank may still send to itself from a timer).
   */
  #neverEnds(call: number, peer: number, channel: Channel | null, peerWorld: number, tag: number, blocked = true): string | undefined {
    const finished = (world: number) => this.#hasEnded(world);
    const tagText = tag === ANY_TAG ? "ANY_TAG" : String(tag);
    if (peerWorld >= 0) {
      if (peerWorld === this.worldRank) {
        return blocked && (call === CALL_SSEND || call === CALL_ISSEND)
          ? "a synchronous send to oneself can never be matched while blocked" : undefined;
      }
      if (finished(peerWorld)) return `rank ${peerWorld} has finished without receiving the message (tag ${tagText})`;
      return undefined;
    }
    if (!channel) return undefined;
    const others = peer === ANY_SOURCE
      ? channel.worldRanks.filter((w) => w !== this.worldRank)
      : [channel.worldRanks[peer]!];
    if (others.some((w) => w === this.worldRank)) {
      if (blocked && (this.worldSize === 1 || others.length === 1)) {
        return `waiting for a message from itself (tag ${tagText}) that was never sent`;
      }
      return undefined;
    }
    if (others.every(finished)) {
      const from = peer === ANY_SOURCE ? "any rank (all others have finished)" : `rank ${peer}, which has finished`;
      return `waiting for a message (tag ${tagText}) from ${from}`;
    }
    return undefined;
  }

  /** Why `blocker` can never be satisfied, or undefined (see #neverEnds for `blocked`). */
  #blockerNeverEnds(blocker: Blocker, blocked = true): string | undefined {
    const why = this.#neverEnds(blocker.call, blocker.peer, blocker.channel, blocker.peerWorld, blocker.tag, blocked);
    return why && `${describeBlocker(blocker)} can never complete: ${why}`;
  }

  // ---- waiting for requests ------------------------------------------------------------------------------

  /**
   * Request.waitall/waitany/waitsome: one blocking wait (engine.ts's waitUntil), publishing the first pending
   * request's blocker as what this rank waits for, and failing with ERR_DEADLOCK as soon as the wait can never
   * end: one pending request that never can (`all`), or every one of them.
   */
  waitUntil(call: WaitCall, done: () => boolean, pending: () => readonly Waitable[], all: boolean): void {
    const via = WAIT_CALLS.indexOf(call);
    let shown: Blocker | undefined;
    this.block(done, 0, 0, 0, -1, null, -1, () => {
      const requests = pending();
      const blockers = blockersOf(requests);
      if (blockers[0] !== shown) {
        shown = blockers[0];
        this.#show(shown, via);
      }
      // A pending request that cannot say what it waits for may still complete: waitany is not hopeless then.
      if (!all && blockers.length < requests.length) return;
      let why: string | undefined;
      for (const b of blockers) {
        why = this.#blockerNeverEnds(b);
        if (all ? why !== undefined : why === undefined) break;
      }
      if (why) throw new MPIError("ERR_DEADLOCK", `Request.${call} on rank ${this.worldRank}: ${why}`);
    }, via);
  }

  /** Publishes what a wait over requests waits for (the rank is BLOCKED already). */
  #show(blocker: Blocker | undefined, via: number): void {
    if (blocker) this.#setState(BLOCKED, blocker.call, blocker.peer, blocker.tag, blocker.context, via);
    else this.#setState(BLOCKED, 0, 0, 0, -1, via);
  }

  readonly #awaiting = new Set<Awaiting>();
  #pumping = false;
  #idleWatch = false;

  /**
   * `await request` (engine.ts's settle). While the program has other work, a pump tests the awaited requests
   * whenever the inbox's doorbell rings (Atomics.waitAsync, on an unref'd timer so it does not keep the thread
   * alive). Once nothing else is left, the event loop empties and Node emits 'beforeExit': then the rank is
   * blocked like a waitany over its awaits (#blockWhileIdle), reported as such, until one settles.
   */
  settle(request: Waitable): Promise<void> {
    if (request.test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#awaiting.add({ request, resolve, reject });
      if (!this.#idleWatch) {
        this.#idleWatch = true;
        this.#job.host.onIdle(this.#blockWhileIdle);
      }
      if (!this.#pumping) void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#awaiting.size > 0) {
        if (!this.#settleAwaits() && !this.#rejectHopelessAwaits(false)) await this.#activity(WAIT_SLICE_MS, false);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Resolves the awaits whose requests are complete; true if any. */
  #settleAwaits(): boolean {
    let any = false;
    for (const a of this.#awaiting) {
      let complete: boolean;
      try {
        complete = a.request.test();
      } catch (e) {
        this.#awaiting.delete(a);
        a.reject(e);
        any = true;
        continue;
      }
      if (!complete) continue;
      this.#awaiting.delete(a);
      a.resolve();
      any = true;
    }
    return any;
  }

  /**
   * Rejects with ERR_DEADLOCK the awaits that can never complete (their peer has finished, or, while `idle`, they
   * wait on this rank itself); true if any.
   */
  #rejectHopelessAwaits(idle: boolean): boolean {
    let any = false;
    for (const a of this.#awaiting) {
      const blocker = a.request.blockedOn?.() as Blocker | undefined;
      const why = blocker && this.#blockerNeverEnds(blocker, idle);
      if (!why) continue;
      this.#awaiting.delete(a);
      a.reject(new MPIError("ERR_DEADLOCK", `await on rank ${this.worldRank}: ${why}`));
      any = true;
    }
    return any;
  }

  /**
   * 'beforeExit': the event loop has nothing left to do but what this rank awaits. Block until one of its
   * awaits settles; their continuations then run, and the loop goes on (or empties again and comes back here).
   */
  readonly #blockWhileIdle = (): void => {
    if (this.#awaiting.size === 0) {
      // A pump's last Atomics.waitAsync may still be pending: settle it so the thread can end now.
      Atomics.notify(this.#mine.control, DOORBELL);
      return;
    }
    const via = WAIT_CALLS.indexOf("await");
    let shown: Blocker | undefined;
    let rejected = false;
    this.block(() => rejected || this.#settleAwaits(), 0, 0, 0, -1, null, -1, () => {
      let first: Blocker | undefined;
      for (const a of this.#awaiting) if ((first = a.request.blockedOn?.() as Blocker | undefined)) break;
      if (first !== shown) this.#show((shown = first), via);
      rejected = this.#rejectHopelessAwaits(true);
    }, via);
    // The settled awaits' continuations run once we return, and may await again: keep the loop going one more
    // turn, so that it empties (and comes back here) instead of ending with those awaits unsettled.
    setImmediate(keepGoing);
  };

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
    const controls = others.map((w) => this.#inbox(w).control);
    const host: ArenaHost = {
      waitFor: (done, awaited, missing) => {
        this.block(done, CALL_COLLECTIVE, awaited, -1, context, null, -1, () => {
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
    let memory: SharedBytes;
    if (context === WORLD_BASE + 1 && this.#firstWorld) {
      const offset = this.#job.layout.arenaOffset;
      if (offset < 0) return undefined;
      memory = { sab: this.#job.sab, offset, length: arenaBytes(size) };
    } else {
      memory = this.sharedMemory(internal, context, arenaBytes(size));
    }
    return new Arena(memory.sab, memory.offset, rank, size, host);
  }

  /**
   * Collective over `channel`'s members: one SharedArrayBuffer of `bytes` that all of them map, allocated by its
   * rank 0 and given to the others under `key` (unique among the live gifts between any two members).
   */
  sharedMemory(channel: Channel, key: number, bytes: number): SharedBytes {
    const { rank, worldRanks, context } = channel;
    if (rank === 0) {
      const memory = this.newSharedMemory(bytes);
      for (const w of worldRanks) {
        if (w === this.worldRank) continue;
        this.#handoffs.give(w, key, memory);
        ringDoorbell(this.#inbox(w).control);
      }
      return memory;
    }
    const leader = worldRanks[0]!;
    let memory: SharedBytes | undefined;
    this.block(() => (memory ??= this.#handoffs.takeGift(leader, key)) !== undefined, CALL_COLLECTIVE, 0, -1, context, null, leader);
    return memory!;
  }

  /**
   * `bytes` of zeroed memory that this rank may give others (giveMemory): a SharedArrayBuffer of its own where
   * one can be posted to a blocked rank, else a region of the job's heap.
   */
  newSharedMemory(bytes: number): SharedBytes {
    return this.#job.heap && this.#pipes ? allocate(this.#job.heap, bytes) : ownBytes(bytes);
  }

  /** Gives `memory` to world rank `peer` under `key` without waiting for it (it takes it with takeMemory, when it needs it). */
  giveMemory(peer: number, key: number, memory: SharedBytes): void {
    this.#handoffs.give(peer, key, memory);
  }

  /** The memory world rank `peer` gave this rank under `key`, or undefined if it has not (yet). */
  takeMemory(peer: number, key: number): SharedBytes | undefined {
    return this.#handoffs.takeGift(peer, key);
  }

  #checkMember(world: number, member: number): void {
    if (this.#hasEnded(world)) {
      throw new MPIError("ERR_DEADLOCK",
        `collective on rank ${this.worldRank}: rank ${member} of the communicator (rank ${world} of the job) has finished without joining it`);
    }
  }

  // ---- communicator management ---------------------------------------------------------------------------

  /**
   * Gathers a few integers from every member to all members (communicator creation only: small and rare), or from
   * and to only `members` (channel ranks, Create_group's), on `tag`.
   */
  allgatherInts(channel: Channel, mine: readonly number[], members?: readonly number[], tag = TAG_COMM_MANAGEMENT): number[][] {
    const encode = (rows: number[][]) => new Uint8Array(Int32Array.from(rows.flat()).buffer);
    const width = mine.length;
    const ranks = members ?? Array.from({ length: channel.size }, (_, r) => r);
    const recvInts = (source: number): Int32Array => {
      let out = new Int32Array(0);
      channel.recv((env) => (out = new Int32Array(env.byteLength / 4), new Uint8Array(out.buffer)), source, tag);
      return out;
    };
    let all: number[][];
    if (channel.rank === ranks[0]) {
      all = [[...mine]];
      for (let i = 1; i < ranks.length; i++) all.push([...recvInts(ranks[i]!)]);
      const bytes = encode(all);
      for (let i = 1; i < ranks.length; i++) channel.send(bytes, BUFFER, ranks[i]!, tag, STANDARD);
    } else {
      channel.send(encode([[...mine]]), BUFFER, ranks[0]!, tag, STANDARD);
      const flat = recvInts(ranks[0]!);
      all = Array.from({ length: ranks.length }, (_, r) => [...flat.subarray(r * width, (r + 1) * width)]);
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
    if (base + 2 > JOB_WIDE_BASES) throw new MPIError("ERR_INTERN", `rank ${this.worldRank}: out of communicator contexts (${JOB_WIDE_BASES / 2} made)`);
    this.nextBase = base + 2;
    return base;
  }

  /** A base that no rank of the job has used or will use: counted up in the job header, above the agreed ones. */
  jobWideBase(): number {
    const n = Atomics.add(this.#header, JOB_CONTEXTS, 1);
    if (n >= JOB_WIDE_BASES / 2 - 1) throw new MPIError("ERR_INTERN", `rank ${this.worldRank}: out of job-wide communicator contexts (${n} made by Idup)`);
    return JOB_WIDE_BASES + 2 * n;
  }
}

/** A record waiting for room in its destination's ring (its bytes are handed off already). */
interface Backlogged {
  readonly type: number;
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  readonly length: number;
  readonly id: number;
}

function keepGoing(): void {}

interface Awaiting {
  readonly request: Waitable;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function blockersOf(requests: readonly Waitable[]): Blocker[] {
  const blockers: Blocker[] = [];
  for (const r of requests) {
    const b = r.blockedOn?.() as Blocker | undefined;
    if (b) blockers.push(b);
  }
  return blockers;
}

/** "irecv(source=1, tag=5)", as the launcher's reports spell a blocked call. */
function describeBlocker(b: Blocker): string {
  const tag = b.tag === ANY_TAG ? "ANY_TAG" : String(b.tag);
  if (b.peerWorld >= 0) return `${BLOCKING_CALLS[b.call]}(dest=rank ${b.peer} of the job, tag=${tag})`;
  return `${BLOCKING_CALLS[b.call]}(source=${b.peer === ANY_SOURCE ? "ANY_SOURCE" : b.peer}, tag=${tag})`;
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

