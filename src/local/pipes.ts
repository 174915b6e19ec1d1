/**
 * Large messages where a rank cannot take a SharedArrayBuffer from a port while it blocks: a browser's Web
 * Workers have no receiveMessageOnPort, and a worker blocked in Atomics.wait never sees its message events. So
 * every ordered pair of ranks has a pipe in the job's memory (a byte ring with one writer and one reader), and a
 * handoff streams through it: the sender queues the message, and the bytes move whenever either side makes
 * progress (each side's progress writes what its queues hold while there is room, and reads what its incoming
 * pipes hold). The ring record names the message by id as with ports (handoff.ts), and the stream carries the
 * messages from one sender in the order they were posted; a receive that wants a later one first reads the
 * earlier ones into memory of their own, as MPI keeps unexpected messages. A side that moved bytes rings the
 * other's doorbell, which wakes it wherever it sleeps (engine.ts's block, or here).
 *
 * Frames are a 16-byte header (id, length as two Uint32 words) and the payload padded to 16 bytes, so that a
 * header never wraps around the ring's end and is always written whole. docs/local-engine.md, "Pipes", has more.
 */
import { MPIError } from "../errors.js";
import { DOORBELL, FINISHED, HELD_KIB, SLEEPING, STATE, type JobLayout, pipeView } from "./layout.js";
import { SelfHandoffs } from "./handoff.js";
import { ringDoorbell } from "./mailbox.js";

const FRAME_HEADER = 16;
/** The pipe's header words: bytes written and bytes read so far (mod 2^32; a pipe's size divides 2^32). */
const WRITTEN = 0, READ = 1;
/** How long a side spins for the other before it sleeps; sleeps are bounded so that an abort is noticed. */
const SPIN_MS = 0.05;
const WAIT_MS = 50;

/** `sent` and `received` count stream bytes, the padding included. */
type Pipe = ReturnType<typeof pipeView>;

interface Outgoing { readonly id: number; readonly bytes: Uint8Array; headerSent: boolean; sent: number; done: boolean }
interface Incoming { readonly id: number; readonly length: number; readonly target: Uint8Array; received: number; done: boolean; readonly own: boolean }

export interface PipeOptions {
  /** Throws when the job is being aborted. */
  readonly checkAbort?: () => void;
}

function pad(bytes: number): number {
  return (bytes + 15) & ~15;
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

export class PipeHandoffs {
  readonly #sab: SharedArrayBuffer;
  readonly #layout: JobLayout;
  readonly #self: number;
  readonly #controls: (rank: number) => Int32Array;
  readonly #options: PipeOptions;
  /** Per peer: messages posted to it, in order, the first one partly written. */
  readonly #outgoing: Outgoing[][] = [];
  #queued = 0;
  /** Per peer: messages read (or being read) from its pipe that no receive has taken yet, by id. */
  readonly #incoming: Map<number, Incoming>[] = [];
  /** Per peer: the frame its pipe is in the middle of. */
  readonly #reading: (Incoming | undefined)[] = [];
  /** A receive waiting for one message: its bytes go straight into its buffer if they have not started arriving. */
  #wanted: { peer: number; id: number; target: Uint8Array } | undefined;
  readonly #toSelf = new SelfHandoffs();
  /** Views of the pipes to and from each peer, made once. */
  readonly #pipesTo: Pipe[] = [];
  readonly #pipesFrom: Pipe[] = [];

  constructor(sab: SharedArrayBuffer, layout: JobLayout, selfRank: number, controls: (rank: number) => Int32Array, options: PipeOptions = {}) {
    this.#sab = sab;
    this.#layout = layout;
    this.#self = selfRank;
    this.#controls = controls;
    this.#options = options;
  }

  /** Blocking sends gain nothing by coming here below the eager limit (there is no single copy to offer). */
  get offersAbove(): number {
    return Infinity;
  }

  /** Whether messages wait in this rank's queues for room in their pipes. */
  get sending(): boolean {
    return this.#queued > 0;
  }

  heldBy(peer: number): number {
    return Atomics.load(this.#controls(peer), HELD_KIB);
  }

  /**
   * Queues `payload` for world rank `peer` under `id`. `blocking` (the caller keeps `payload` untouched until the
   * function returned has run): no copy is made, and the function returns once every byte is in the pipe.
   */
  post(peer: number, id: number, payload: Uint8Array, blocking = false): (() => void) | null {
    if (peer === this.#self) {
      this.#toSelf.post(id, payload);
      return null;
    }
    Atomics.add(this.#controls(peer), HELD_KIB, kib(payload.length));
    const message: Outgoing = { id, bytes: blocking ? payload : payload.slice(), headerSent: false, sent: 0, done: false };
    (this.#outgoing[peer] ??= []).push(message);
    this.#queued++;
    if (!blocking) {
      this.pump();
      return null;
    }
    return () => this.#waitUntil(() => message.done);
  }

  /** Copies message `id` from `peer` into `target`, reading the pipe (and waiting for the sender) as needed. */
  take(peer: number, id: number, target: Uint8Array): void {
    if (peer === this.#self) return this.#toSelf.take(id, target);
    this.pump();
    if (!this.#incoming[peer]?.has(id)) {
      this.#wanted = { peer, id, target };
      try {
        this.#waitUntil(() => this.#incoming[peer]?.has(id) === true);
      } finally {
        this.#wanted = undefined;
      }
    }
    const message = this.#incoming[peer]!.get(id)!;
    this.#waitUntil(() => message.done);
    this.#incoming[peer]!.delete(id);
    Atomics.sub(this.#controls(this.#self), HELD_KIB, kib(message.length));
    if (message.own) target.set(message.target.subarray(0, message.length));
  }

  /** The length of message `id` from `peer`, once its header has arrived. */
  lengthOf(peer: number, id: number): number {
    if (peer === this.#self) return this.#toSelf.lengthOf(id);
    this.#waitUntil(() => this.#incoming[peer]?.has(id) === true);
    return this.#incoming[peer]!.get(id)!.length;
  }

  give(): never {
    throw noGifts();
  }

  takeGift(): never {
    throw noGifts();
  }

  /** Writes what the queues hold while their pipes have room, and reads what the incoming pipes hold. */
  pump(): void {
    const capacity = this.#layout.capacity;
    if (this.#queued > 0) {
      for (let peer = 0; peer < capacity; peer++) if (this.#outgoing[peer]?.length) this.#write(peer);
    }
    for (let peer = 0; peer < capacity; peer++) {
      if (peer === this.#self) continue;
      const words = (this.#pipesFrom[peer] ??= pipeView(this.#sab, this.#layout, peer, this.#self)).words;
      if (Atomics.load(words, WRITTEN) !== Atomics.load(words, READ)) this.#read(peer);
    }
  }

  /** Drops what is queued for ranks that have finished: nobody can receive it any more (the rank is ending). */
  dropForFinished(): void {
    for (let peer = 0; peer < this.#outgoing.length; peer++) {
      const queue = this.#outgoing[peer];
      if (!queue?.length || Atomics.load(this.#controls(peer), STATE) !== FINISHED) continue;
      this.#queued -= queue.length;
      queue.length = 0;
    }
  }

  #write(peer: number): void {
    const queue = this.#outgoing[peer]!;
    const { words, data } = (this.#pipesTo[peer] ??= pipeView(this.#sab, this.#layout, this.#self, peer));
    const size = data.length;
    let written = Atomics.load(words, WRITTEN);
    const read = Atomics.load(words, READ);
    let room = size - ((written - read) >>> 0);
    const start = written;
    while (queue.length > 0 && room >= FRAME_HEADER) {
      const message = queue[0]!;
      if (!message.headerSent) {
        const at = (written >>> 0) % size;
        const header = new Uint32Array(data.buffer, data.byteOffset + at, 4);
        header[0] = message.id;
        header[1] = message.bytes.length % 2 ** 32;
        header[2] = Math.floor(message.bytes.length / 2 ** 32);
        message.headerSent = true;
        written = (written + FRAME_HEADER) | 0;
        room -= FRAME_HEADER;
      }
      const total = pad(message.bytes.length);
      while (message.sent < total && room > 0) {
        const at = (written >>> 0) % size;
        const n = Math.min(total - message.sent, room, size - at);
        const real = Math.max(0, Math.min(n, message.bytes.length - message.sent));
        if (real > 0) data.set(message.bytes.subarray(message.sent, message.sent + real), at);
        message.sent += n;
        written = (written + n) | 0;
        room -= n;
      }
      if (message.sent < total) break;
      message.done = true;
      queue.shift();
      this.#queued--;
    }
    if (written !== start) {
      Atomics.store(words, WRITTEN, written);
      ringDoorbell(this.#controls(peer));
    }
  }

  #read(peer: number): void {
    const { words, data } = this.#pipesFrom[peer]!;
    const size = data.length;
    let read = Atomics.load(words, READ);
    const written = Atomics.load(words, WRITTEN);
    const start = read;
    while (read !== written) {
      let message = this.#reading[peer];
      if (!message) {
        const at = (read >>> 0) % size;
        const header = new Uint32Array(data.buffer, data.byteOffset + at, 4);
        const id = header[0]! | 0;
        const length = header[1]! + header[2]! * 2 ** 32;
        const wanted = this.#wanted;
        const direct = wanted !== undefined && wanted.peer === peer && wanted.id === id && wanted.target.length >= length;
        message = { id, length, target: direct ? wanted.target : new Uint8Array(length), received: 0, done: false, own: !direct };
        this.#reading[peer] = message;
        (this.#incoming[peer] ??= new Map()).set(id, message);
        read = (read + FRAME_HEADER) | 0;
        if (length === 0) {
          message.done = true;
          this.#reading[peer] = undefined;
        }
        continue;
      }
      const total = pad(message.length);
      const at = (read >>> 0) % size;
      const available = (written - read) >>> 0;
      const n = Math.min(total - message.received, available, size - at);
      const real = Math.max(0, Math.min(n, message.length - message.received));
      if (real > 0) message.target.set(data.subarray(at, at + real), message.received);
      message.received += n;
      read = (read + n) | 0;
      if (message.received === total) {
        message.done = true;
        this.#reading[peer] = undefined;
      }
    }
    if (read !== start) {
      Atomics.store(words, READ, read);
      ringDoorbell(this.#controls(peer));
    }
  }

  /** Pumps until `done()`: a short spin, then sleeps on this rank's doorbell, which the other side rings. */
  #waitUntil(done: () => boolean): void {
    this.pump();
    if (done()) return;
    const control = this.#controls(this.#self);
    const until = performance.now() + SPIN_MS;
    while (performance.now() < until) {
      this.pump();
      if (done()) return;
    }
    for (;;) {
      const bell = Atomics.load(control, DOORBELL);
      this.pump();
      if (done()) return;
      this.#options.checkAbort?.();
      Atomics.add(control, SLEEPING, 1);
      try {
        Atomics.wait(control, DOORBELL, bell, WAIT_MS);
      } finally {
        Atomics.sub(control, SLEEPING, 1);
      }
    }
  }
}

function noGifts(): MPIError {
  return new MPIError("ERR_UNSUPPORTED_OPERATION",
    "memory shared between ranks after they start (one-sided windows, communicators' shared areas) is not available here: a browser cannot hand a rank new shared memory while it blocks");
}
