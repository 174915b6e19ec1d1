/**
 * How the generic collectives use a communicator's internal channel (a `PointToPoint` whose messages never match
 * user receives), and how an algorithm runs.
 *
 * Tags. Every collective call takes the next number of a per-communicator sequence, the same on every rank because
 * MPI requires every rank to call the collectives of a communicator in the same order. All messages of that call
 * use it as their tag, so calls in flight at once (nonblocking collectives) never take each other's messages.
 * A persistent collective takes a tag of a second range, 2^27 .. 2^28 (MPICH's MPI_TAG_UB is 2^28 - 1), at its
 * init (reserveTag), as MPI-4 matches persistent collectives by the order of their inits, not of their starts;
 * each of its rounds runs on that tag (onTag). Tags stay below 0x7ffffff0, which is reserved for communicator
 * management; the local engine's Create_group uses those from 2^28.
 *
 * Framing. A message of up to FRAME_LIMIT bytes is sent as a VALUE record whose first 8 bytes are a header
 * naming the collective and its root; larger ones are sent raw as BUFFER records, checked by length only. So
 * ranks that disagree (bcast with root 0 on one rank, root 1 on another; bcast against reduce; different counts)
 * fail with an MPIError saying so, instead of silently mixing up data. A header whose kind has the REFUSED bit
 * says its sender refused its own arguments (sendRefusal): a root with no data sends it in their place.
 *
 * Algorithms are generators that yield the engine requests they need completed before going on. `runBlocking`
 * waits for each batch in turn; `Schedule` advances the generator from `test()`: when the program waits on, tests or awaits its
 * Request, and whenever the engine makes progress in any other call (engine/background.ts).
 */
import { BUFFER, STANDARD, VALUE, type EngineRequest, type Envelope, type PointToPoint } from "../engine/engine.js";
import { ERROR_CLASSES, type ErrorClass, MPIError, isMPIError } from "../errors.js";
import { ANY_SOURCE, ANY_TAG } from "../constants.js";
import { leaveBackground, runInBackground } from "../engine/background.js";

export type Step = readonly EngineRequest[];
export type Algorithm<R = void> = Generator<Step, R, void>;

/**
 * Messages up to this many payload bytes carry a header (and are copied once to add it); bigger ones go raw, with
 * no copy, checked by length (and by the leftover check).
 */
export const FRAME_LIMIT = 16 << 10;
const HEADER = 8;
const MAGIC = 0x4d500000;
/** In a header's kind byte: the sender refused its own arguments to the call (sendRefusal); the payload is why. */
const REFUSED = 0x80;
const TAG_SPACE = 0x08000000;
/**
 * The channel's tags: calls in sequence below TAG_SPACE, persistent collectives from TAG_SPACE on (reserveTag), and
 * the last PROTOCOL_TAGS below 2 * TAG_SPACE (MPICH's MPI_TAG_UB is 2^28 - 1) for protocols of the communicators
 * themselves (intercomm.ts), which no persistent collective takes.
 */
const PROTOCOL_TAGS = 16;
export const FIRST_PROTOCOL_TAG = 2 * TAG_SPACE - PROTOCOL_TAGS;

/** Collective kinds, as carried in headers (the neighbourhood ones for src/neighbor.ts). */
export const Kind = {
  Barrier: 1, Bcast: 2, Gather: 3, Scatter: 4, Allgather: 5, Alltoall: 6, Reduce: 7, Allreduce: 8, ReduceScatter: 9,
  Scan: 10, Exscan: 11, NeighborAllgather: 0x20, NeighborAlltoall: 0x21,
} as const;
/** Every kind's name in the value family's spelling; kindName capitalises it for the buffer family. */
const KIND_NAMES: Readonly<Record<number, string>> = {
  [Kind.Barrier]: "barrier", [Kind.Bcast]: "bcast", [Kind.Gather]: "gather", [Kind.Scatter]: "scatter",
  [Kind.Allgather]: "allgather", [Kind.Alltoall]: "alltoall", [Kind.Reduce]: "reduce", [Kind.Allreduce]: "allreduce",
  [Kind.ReduceScatter]: "reduce_scatter", [Kind.Scan]: "scan", [Kind.Exscan]: "exscan",
  [Kind.NeighborAllgather]: "neighbor_allgather", [Kind.NeighborAlltoall]: "neighbor_alltoall",
};
/** Added to the kind for the value (lowercase) family, so bcast and Bcast do not mix either. */
export const VALUE_FAMILY = 0x40;

/** "Bcast with root 2", "allreduce": a collective as error messages name it. */
export function describeKind(kind: number, root: number): string {
  return `${kindName(kind)}${root >= 0 ? ` with root ${root}` : ""}`;
}

/** What a rank raises whose call cannot complete because rank `rank` refused its own arguments to it. */
export function refusedArguments(rank: number, what: string, errorClass: ErrorClass): MPIError {
  return new MPIError(errorClass, `rank ${rank} refused its arguments to ${what} (${errorClass}: its own error says why), so this rank's call cannot complete`);
}

export function kindName(kind: number): string {
  const base = KIND_NAMES[kind & 0x3f] ?? `collective #${kind & 0x3f}`;
  return kind & VALUE_FAMILY ? base : base.charAt(0).toUpperCase() + base.slice(1);
}

/** What a call expects of every message it receives: the kind and root of the collective. */
export interface Call {
  readonly p2p: PointToPoint;
  readonly tag: number;
  readonly kind: number;
  readonly root: number;
}

interface Sequence {
  next: number;
  /** The next persistent collective's tag, counted from TAG_SPACE. */
  persistent: number;
  /** The tag the next call takes instead of the sequence's (onTag), or -1. */
  pinned: number;
  /** Calls started and not yet completed (nonblocking ones may overlap). */
  open: number;
  /** What to do once no call is open any more (whenNoCallOpen). */
  idle?: () => void;
}
const sequences = new WeakMap<PointToPoint, Sequence>();

/** The sequence's next tag, taken. */
function takeNext(seq: Sequence): number {
  const tag = seq.next;
  seq.next = (tag + 1) % TAG_SPACE;
  return tag;
}

function sequenceOf(p2p: PointToPoint): Sequence {
  let seq = sequences.get(p2p);
  if (!seq) sequences.set(p2p, (seq = { next: 0, persistent: 0, pinned: -1, open: 0 }));
  return seq;
}

/** Starts a collective call: takes the next tag of the communicator's sequence (or the one onTag gives). */
export function startCall(p2p: PointToPoint, kind: number, root = -1): Call {
  const seq = sequenceOf(p2p);
  let tag = seq.pinned;
  if (tag < 0) tag = takeNext(seq);
  else seq.pinned = -1;
  seq.open++;
  return { p2p, tag, kind, root };
}

/**
 * Takes the next tag of the sequence without starting a call: the place of a call this rank refused to take part
 * in (Collectives.refuse), so that its later calls never take the messages the others sent in that one.
 */
export function skipCall(p2p: PointToPoint): void {
  takeNext(sequenceOf(p2p));
}

/**
 * The tag of a persistent collective made now: the next of the persistent range, the same on every rank (their
 * inits are ordered as collective calls are). Its rounds' messages all carry it, in order between each pair of
 * ranks, so a rank whose part of a round completes early may start the next round before the others end theirs.
 */
export function reserveTag(p2p: PointToPoint): number {
  const seq = sequenceOf(p2p);
  const tag = TAG_SPACE + seq.persistent;
  seq.persistent = (seq.persistent + 1) % (TAG_SPACE - PROTOCOL_TAGS);
  return tag;
}

/**
 * Runs `init`, a persistent collective's init that may refuse its arguments: a refusing rank still takes the tag
 * the others' inits took, so that its later persistent collectives pair with theirs (MPI pairs inits by order).
 */
export function inPersistentOrder<R>(p2p: PointToPoint, init: () => R): R {
  const seq = sequenceOf(p2p), before = seq.persistent;
  try {
    return init();
  } catch (e) {
    if (seq.persistent === before) reserveTag(p2p);
    throw e;
  }
}

/** Runs `start`, whose collective call (its first startCall on `p2p`) takes `tag` (from reserveTag). */
export function onTag<R>(p2p: PointToPoint, tag: number, start: () => R): R {
  const seq = sequenceOf(p2p);
  seq.pinned = tag;
  try {
    return start();
  } finally {
    seq.pinned = -1;
  }
}

/** A buffer of `n` payload bytes with room for a header before it. */
export function framedBuffer(n: number): { framed: Uint8Array; payload: Uint8Array } {
  const framed = new Uint8Array(HEADER + n);
  return { framed, payload: framed.subarray(HEADER) };
}

function writeHeader(framed: Uint8Array, call: Call): void {
  writeInt(framed, 0, MAGIC | call.kind);
  writeInt(framed, 4, call.root);
}

/** Little-endian 32-bit integers inside byte buffers (headers, block tables). */
export function readInt(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}

export function writeInt(b: Uint8Array, at: number, v: number): void {
  b[at] = v; b[at + 1] = v >>> 8; b[at + 2] = v >>> 16; b[at + 3] = v >>> 24;
}

/** A message ready to send to one or more peers: the framed bytes, or the raw payload. */
export interface Packet {
  readonly bytes: Uint8Array;
  readonly framed: boolean;
}

/**
 * Prepares `payload` for sending. When `framed` is given it must be the same memory with HEADER bytes in front
 * (from `framedBuffer`, or a received framed message of the same call) and no copy is made.
 */
export function packet(call: Call, payload: Uint8Array, framed?: Uint8Array, always = false): Packet {
  if (payload.length > FRAME_LIMIT && !always) return { bytes: payload, framed: false };
  let bytes = framed;
  if (!bytes) {
    bytes = new Uint8Array(HEADER + payload.length);
    bytes.set(payload, HEADER);
  }
  writeHeader(bytes, call);
  return { bytes, framed: true };
}

export function sendPacket(call: Call, dest: number, p: Packet): EngineRequest {
  return call.p2p.isend(p.bytes, p.framed ? VALUE : BUFFER, dest, call.tag, STANDARD);
}

export function send(call: Call, dest: number, payload: Uint8Array, framed?: Uint8Array, always = false): EngineRequest {
  return sendPacket(call, dest, packet(call, payload, framed, always));
}

/**
 * Sends bytes whose length the receiver already knows (from an earlier message of the same call), with no header
 * but as the same payload kind as framed messages: engines that keep kinds on separate wires (the mpi engine's
 * tag bit) then still deliver it after that earlier message. Receive it with `receiveFollowUp`.
 */
export function sendFollowUp(call: Call, dest: number, payload: Uint8Array): EngineRequest {
  return call.p2p.isend(payload, VALUE, dest, call.tag, STANDARD);
}

/**
 * Tells `dest` that this rank refused its own arguments to the call (`errorClass`) and has no data for it: the
 * receive of that message completes with `refusal` set instead of data (an inner rank of a tree forwards it).
 */
export function sendRefusal(call: Call, dest: number, errorClass: ErrorClass): EngineRequest {
  const { framed, payload } = framedBuffer(4);
  writeInt(framed, 0, MAGIC | call.kind | REFUSED);
  writeInt(framed, 4, call.root);
  writeInt(payload, 0, ERROR_CLASSES.indexOf(errorClass));
  return call.p2p.isend(framed, VALUE, dest, call.tag, STANDARD);
}

/**
 * A receive of one message of a collective call. With a `target` the message must have exactly its length and
 * lands in it (through a scratch copy when framed, unless `framedTarget` gives header room in front of it);
 * without one, memory is allocated for whatever arrives. After completion `data` is the payload and, when the
 * message was framed, `framed` the whole message (to forward without copying).
 */
export class Incoming implements EngineRequest {
  data: Uint8Array = EMPTY;
  framed: Uint8Array | undefined;
  error: unknown;
  /**
   * The sender refused its own arguments to the call (sendRefusal), on a receive that may take one (`refusable`):
   * what this rank's call raises once it has passed it on. Elsewhere a refusal is a mismatch.
   */
  refusal: { readonly errorClass: ErrorClass; readonly error: MPIError } | undefined;
  #request: EngineRequest;
  #done = false;
  #scratch: Uint8Array | undefined;
  /** A message of a refusal's length where data of another length was expected. */
  #misfit: Uint8Array | undefined;

  constructor(
    private readonly call: Call,
    private readonly source: number,
    private readonly target?: Uint8Array,
    private readonly framedTarget?: Uint8Array,
    private readonly followUp = false,
    private readonly refusable = false,
  ) {
    this.#request = call.p2p.irecv(this.#sink, source, call.tag);
  }

  get cancelled(): boolean { return false; }
  get envelope(): Envelope | undefined { return this.#request.envelope; }

  readonly #sink = (env: Envelope): Uint8Array => {
    const target = this.target;
    if (this.followUp && target) {
      if (env.byteLength !== target.length) throw this.#lengthMismatch(env.byteLength);
      return target;
    }
    if (env.kind === VALUE) {
      if (env.byteLength < HEADER) throw this.#mismatch(`a ${env.byteLength}-byte message that is not a collective's`);
      if (target) {
        if (env.byteLength - HEADER !== target.length) {
          // A refusal (4 bytes) may come where data was expected: #complete tells which this is.
          if (!this.refusable || env.byteLength !== HEADER + 4) throw this.#lengthMismatch(env.byteLength - HEADER);
          return (this.#misfit = this.framed = new Uint8Array(env.byteLength));
        }
        if (this.framedTarget) return (this.framed = this.framedTarget);
        return (this.#scratch = this.framed = new Uint8Array(env.byteLength));
      }
      return (this.framed = new Uint8Array(env.byteLength));
    }
    if (target) {
      if (env.byteLength !== target.length) throw this.#lengthMismatch(env.byteLength);
      return target;
    }
    return (this.data = new Uint8Array(env.byteLength));
  };

  test(): boolean {
    if (this.#done) return true;
    if (!this.#request.test()) return false;
    this.#complete();
    return true;
  }

  wait(): void {
    if (this.#done) return;
    this.#request.wait();
    this.#complete();
  }

  blockedOn(): object | undefined {
    return this.#done ? undefined : this.#request.blockedOn?.();
  }

  cancel(): void {}

  #complete(): void {
    this.#done = true;
    if (this.#request.error !== undefined) {
      this.error = this.#request.error;
      return;
    }
    const framed = this.framed;
    if (framed) {
      const w0 = readInt(framed, 0), root = readInt(framed, 4);
      if ((w0 & 0xfff00000) !== MAGIC) {
        this.error = this.#mismatch("a message that is not a collective's");
        return;
      }
      const kind = w0 & 0xff;
      if (kind !== this.call.kind || root !== this.call.root) {
        // Looked for only here, off the path of every matching message.
        if (this.refusable && kind === (this.call.kind | REFUSED) && root === this.call.root && framed.length === HEADER + 4) {
          const errorClass = ERROR_CLASSES[readInt(framed, HEADER)] ?? "ERR_OTHER";
          this.refusal = { errorClass, error: refusedArguments(root, describeCall(this.call), errorClass) };
        } else {
          this.error = this.#mismatch(describeKind(kind, root));
        }
        return;
      }
      if (this.#misfit) {
        this.error = this.#lengthMismatch(framed.length - HEADER);
        return;
      }
      this.data = framed.subarray(HEADER);
      if (this.#scratch) this.target!.set(this.data);
    } else if (this.target) {
      this.data = this.target;
    }
  }

  #mismatch(theirs: string): MPIError {
    return new MPIError("ERR_OTHER",
      `collective mismatch: this rank called ${describeCall(this.call)} but rank ${this.source} sent it ${theirs} at the same point; ` +
      "every rank must call the same collectives in the same order, with the same root");
  }

  #lengthMismatch(got: number): MPIError {
    return new MPIError("ERR_COUNT",
      `collective mismatch in ${describeCall(this.call)}: rank ${this.source} sent ${got} bytes where this rank expects ` +
      `${this.target!.length}; the counts (or buffer sizes) given on the ranks do not agree`);
  }
}

const EMPTY = new Uint8Array(0);

function describeCall(call: Call): string {
  return describeKind(call.kind, call.root);
}

/**
 * Run when a call is complete on this rank: by then it has received every message of the call addressed to it, so
 * any other message with the call's tag comes from a rank that disagrees about the root or the collective (one
 * rank in bcast with root 0, another with root 1). Catches the mismatches that would otherwise pass unnoticed,
 * when the stray message has already arrived; later arrivals are caught by the next barrier (checkStale).
 */
export function checkLeftovers(call: Call): void {
  const seq = sequences.get(call.p2p);
  if (seq && seq.open > 0) seq.open--;
  try {
    leftovers(call);
  } finally {
    if (seq?.idle && seq.open === 0) {
      const idle = seq.idle;
      seq.idle = undefined;
      idle();
    }
  }
}

/**
 * Runs `release` once no collective call is open on `p2p` (at once if none is): a communicator freed while its
 * nonblocking collectives run keeps their channel until they end, as MPI_Comm_free lets pending operations
 * complete. (A call that fails part-way never closes, and keeps its channel.)
 */
export function whenNoCallOpen(p2p: PointToPoint, release: () => void): void {
  const seq = sequences.get(p2p);
  if (!seq || seq.open === 0) release();
  else seq.idle = release;
}

function leftovers(call: Call): void {
  // A persistent collective's next round may have messages here already.
  if (call.tag >= TAG_SPACE) return;
  const env = call.p2p.iprobe(ANY_SOURCE, call.tag);
  if (!env) return;
  throw new MPIError("ERR_OTHER",
    `collective mismatch: rank ${env.source} sent this rank a ${env.byteLength}-byte message in ${describeCall(call)} that this ` +
    "rank does not expect; every rank must call the same collectives in the same order, with the same root");
}

/** Up to this many ranks, a completed barrier also looks for stale messages from every rank (see checkStale). */
const STALE_SCAN_LIMIT = 64;

/**
 * After a barrier: every rank has finished its earlier collectives, so a message of an earlier call still waiting
 * here (the first message from its sender, by the per-pair order) was never going to be received: its sender
 * disagreed about that call. One iprobe per rank, so only on small communicators.
 */
export function checkStale(call: Call): void {
  // A persistent barrier's tag says nothing of which calls came before it.
  if (call.tag >= TAG_SPACE) return;
  staleScan(call.p2p, call.tag, describeCall(call));
}

/** The same after a barrier that sent no messages (one that met in shared memory): every tag so far is older. */
export function checkStaleAfter(p2p: PointToPoint, call: string): void {
  const seq = sequences.get(p2p);
  if (seq) staleScan(p2p, seq.next, call);
}

function staleScan(p2p: PointToPoint, now: number, call: string): void {
  // Calls still in flight here (nonblocking ones) may legitimately have older messages waiting.
  if (p2p.size > STALE_SCAN_LIMIT || (sequences.get(p2p)?.open ?? 0) > 0) return;
  for (let src = 0; src < p2p.size; src++) {
    if (src === p2p.rank) continue;
    const env = p2p.iprobe(src, ANY_TAG);
    if (!env || env.tag >= TAG_SPACE) continue; // (persistent collectives and communicator management use tags above the sequence)
    const age = (now - env.tag + TAG_SPACE) % TAG_SPACE;
    if (age > 0 && age < TAG_SPACE / 2) {
      throw new MPIError("ERR_OTHER",
        `collective mismatch: rank ${src} sent this rank a ${env.byteLength}-byte message in a collective ${age} call(s) before ` +
        `this ${call} that this rank never received; every rank must call the same collectives in the ` +
        "same order, with the same root");
    }
  }
}

/** Receives one message of the call from `source` (see Incoming). */
export function receive(call: Call, source: number, target?: Uint8Array, framedTarget?: Uint8Array): Incoming {
  return new Incoming(call, source, target, framedTarget);
}

/**
 * Receives one message of the call from `source` that may be its refusal (sendRefusal) instead of data (of
 * `target`'s length, into it, when given).
 */
export function receiveOrRefusal(call: Call, source: number, target?: Uint8Array, framedTarget?: Uint8Array): Incoming {
  return new Incoming(call, source, target, framedTarget, false, true);
}

/** Receives what `sendFollowUp` sent: exactly `target.length` bytes, no header. */
export function receiveFollowUp(call: Call, source: number, target: Uint8Array): Incoming {
  return new Incoming(call, source, target, undefined, true);
}

function failed(step: Step): unknown {
  for (const r of step) if (r.error !== undefined) return r.error;
  return undefined;
}

/** Runs an algorithm to completion, blocking the rank; returns its result or throws its first error. */
export function runBlocking<R>(algorithm: Algorithm<R>, call?: Call): R {
  for (;;) {
    const next = algorithm.next();
    if (next.done) {
      if (call) checkLeftovers(call);
      return next.value;
    }
    const step = next.value;
    for (let i = 0; i < step.length; i++) step[i]!.wait();
    const error = failed(step);
    if (error !== undefined) {
      algorithm.return(undefined as R);
      throw error;
    }
  }
}

/** An algorithm run as an engine request: progresses in `test()` and `wait()`. */
export class Schedule<R = void> implements EngineRequest {
  readonly cancelled = false;
  readonly envelope = undefined;
  error: unknown;
  #algorithm: Algorithm<R>;
  #step: Step = [];
  #done = false;
  /** Inside test() or wait(): a nested step (engine progress stepping background work) must not re-enter. */
  #busy = false;

  constructor(algorithm: Algorithm<R>) {
    this.#algorithm = algorithm;
    this.#advance();
    // Its later steps must happen while this rank waits in any other call, not only when it tests this request.
    if (!this.#done) runInBackground(this);
  }

  #advance(): void {
    try {
      const next = this.#algorithm.next();
      if (next.done) {
        this.#done = true;
        this.#step = [];
        leaveBackground(this);
      } else {
        this.#step = next.value;
      }
    } catch (e) {
      this.#fail(e);
    }
  }

  #fail(e: unknown): void {
    this.error = e;
    this.#done = true;
    this.#step = [];
    leaveBackground(this);
  }

  /** True once the step in hand is complete (and its errors handled). */
  #stepDone(block: boolean): boolean {
    const step = this.#step;
    for (let i = 0; i < step.length; i++) {
      const r = step[i]!;
      if (block) r.wait();
      else if (!r.test()) return false;
    }
    const error = failed(step);
    if (error !== undefined) {
      try { this.#algorithm.return(undefined as R); } catch { /* already failing */ }
      this.#fail(error);
    }
    return true;
  }

  test(): boolean {
    if (this.#busy) return this.#done;
    this.#busy = true;
    try {
      while (!this.#done) {
        if (!this.#stepDone(false)) return false;
        if (!this.#done) this.#advance();
      }
      return true;
    } finally {
      this.#busy = false;
    }
  }

  wait(): void {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (!this.#done) {
        this.#stepDone(true);
        if (!this.#done) this.#advance();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Collective operations cannot be cancelled (MPI-4.0 §6.12). */
  cancel(): void {}

  /** What the step in hand waits for: its first request that is still waiting. */
  blockedOn(): object | undefined {
    if (this.#done) return undefined;
    for (const r of this.#step) {
      const blocker = r.blockedOn?.();
      if (blocker) return blocker;
    }
    return undefined;
  }
}

/** Adds the call, rank and communicator to an algorithm's error (the Comm layer's `where`). */
export function withWhere(where: string, e: unknown): unknown {
  if (isMPIError(e) && !e.message.startsWith(where)) {
    return new MPIError(e.errorClass, `${where}: ${e.message}`, { cause: e });
  }
  return e;
}
