/**
 * Large messages skip the inbox ring: the sender copies them into a SharedArrayBuffer and posts it on the
 * MessagePort it shares with the receiver, and the ring carries only a small HANDOFF record naming it. The
 * receiver pulls the buffer synchronously (receiveMessageOnPort works while its thread is blocked in a receive),
 * copies the bytes out and posts the buffer back, so a sender soon reuses warm memory instead of fresh pages.
 * A sender never waits for the receiver here: the port queues as many messages as are in flight. What a receiver
 * holds and has not taken is counted in its control words (HELD_KIB), so that a blocking send can wait for its
 * receive instead of piling up memory (LocalEngine's send; MPI's rendezvous).
 *
 * A large payload is filled in chunks, and posted after the first: the sender copies chunk k + 1 while the
 * receiver copies chunk k out, so the two copies overlap instead of adding up. And a blocking send offers its
 * own buffer: while it fills, a receiver that takes the message may claim the offer and copy everything once,
 * straight from the sender's memory (thread-helpers.ts), while the sender waits for it. The buffer's last 24
 * bytes hold the chunks filled, whether the receiver sleeps waiting for the next, the offer's state and the
 * offered address; docs/local-engine.md, "Large messages", has the protocol.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { MPIError } from "../errors.js";
import { HELD_KIB } from "./layout.js";
import type { DirectCopy } from "./thread-helpers.js";

/** `chunked`: filled CHUNK bytes at a time, FILLED counting them (else complete when posted). */
interface Delivery { id: number; sab: SharedArrayBuffer; length: number; chunked: boolean }
interface Return { ret: SharedArrayBuffer }
/** Memory given to a peer for good (a communicator's shared area), under a key both sides know. */
interface Gift { key: number; gift: SharedArrayBuffer }

const MIN_CLASS = 1 << 16;
/** The pipeline's unit: small enough that the receiver starts soon, large enough that a chunk's signal is free. */
const CHUNK = 1 << 16;
/**
 * Pooled buffers end in Int32 words (chunks filled so far, whether the receiver waits for more, the offer's
 * state) and a Float64, the address offered.
 */
const TAIL_BYTES = 24;
const FILLED = 0, AWAITED = 1, OFFER = 2, ADDRESS_AT = 16;
/** The offer of the sender's own buffer: none, open, taken by the receiver (copying), withdrawn, copied. */
const NONE = 0, OFFERED = 1, CLAIMED = 2, WITHDRAWN = 3, COPIED = 4;
/** How long a side spins for the other (a chunk takes a few µs to copy) before it sleeps. */
const SPIN_MS = 0.05;
/** Sleeps are bounded, so that an aborted job is noticed (`checkAbort`). */
const WAIT_MS = 50;

/** What Handoffs needs from its engine beyond the ports, each optional. */
export interface HandoffOptions {
  /** Fills in the ports of ranks spawned since (their ports come from the launcher before the ranks start). */
  readonly morePorts?: () => void;
  /** Throws when the job is being aborted (a bounded wait's way out). */
  readonly checkAbort?: () => void;
  /** Gives the core away while spinning (more ranks than cores). */
  readonly yieldCore?: () => void;
  /** Single copies from a peer thread's memory (blocking sends offer their buffer). */
  readonly direct?: DirectCopy;
}
/** Per rank: enough to keep a 64-deep window of 4 MiB messages warm (it only keeps what was in flight at once). */
const POOL_LIMIT_BYTES = 256 << 20;

/** The unit HELD_KIB counts in: whole KiB, so that terabytes in flight still fit an Int32 word. */
function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

function sizeClass(bytes: number): number {
  let c = MIN_CLASS;
  while (c < bytes) c *= 2;
  return c;
}

export class Handoffs {
  readonly #ports: readonly (MessagePort | undefined)[];
  readonly #self: number;
  /** Deliveries pulled off a port before the receive that wants them (by peer, then id). */
  readonly #arrived = new Map<number, Map<number, Delivery>>();
  /** Handoffs to oneself need no port. */
  readonly #toSelf = new SelfHandoffs();
  /** Gifts pulled off a port, by peer, then key. */
  readonly #gifts = new Map<number, Map<number, SharedArrayBuffer>>();
  /** Free buffers by size class, returned by receivers. */
  readonly #pool = new Map<number, SharedArrayBuffer[]>();
  #pooledBytes = 0;

  readonly #options: HandoffOptions;

  /**
   * `controls(rank)`: that rank's control words, where HELD_KIB counts what it was handed and has not taken.
   * A port a record refers to is always there to be taken (`morePorts` fetches those of spawned ranks).
   */
  constructor(
    ports: readonly (MessagePort | undefined)[], selfRank: number, private readonly controls: (rank: number) => Int32Array,
    options: HandoffOptions = {},
  ) {
    this.#ports = ports;
    this.#self = selfRank;
    this.#options = options;
  }

  /**
   * From how many bytes a blocking send offers its buffer (`post`), when it can: such sends should come here even
   * below the eager limit, since a receiver already waiting then copies once, and starts before the fill ends.
   */
  get offersAbove(): number {
    return this.#options.direct ? CHUNK : Infinity;
  }

  /** KiB of handoffs posted to world rank `peer` that it has not taken yet. */
  heldBy(peer: number): number {
    return Atomics.load(this.controls(peer), HELD_KIB);
  }

  /**
   * Copies `payload` to shared memory and posts it to world rank `peer` under `id`. A large payload is posted
   * once its first chunk is in: the caller publishes the record that names it, then calls the function returned,
   * which copies the rest while the receiver may already be copying out (null: nothing left to copy). `offer`
   * (a blocking send: `payload` stays untouched until the function returns) also offers `payload` itself; the
   * function then returns once the receiver has copied it, if it claimed it, or once the offer is withdrawn.
   */
  post(peer: number, id: number, payload: Uint8Array, offer = false): (() => void) | null {
    if (peer === this.#self) {
      this.#toSelf.post(id, payload);
      return null;
    }
    const port = this.#port(peer);
    this.#pull(peer, port);
    const length = payload.length;
    const sab = this.#take(length);
    const target = new Uint8Array(sab, 0, length);
    // Only a blocking send fills in chunks: a nonblocking one is posted whole, so that a receiver taking a stream
    // of them copies each at once instead of chasing the fill chunk by chunk (which cost 20% of the bandwidth).
    const chunked = offer && length > CHUNK && sab.byteLength >= MIN_CLASS + TAIL_BYTES;
    Atomics.add(this.controls(peer), HELD_KIB, kib(length));
    if (!chunked) {
      target.set(payload);
      port.postMessage({ id, sab, length, chunked } satisfies Delivery);
      return null;
    }
    const progress = tailOf(sab);
    const direct = this.#options.direct;
    progress[AWAITED] = 0;
    progress[OFFER] = NONE;
    if (direct) {
      new Float64Array(sab, sab.byteLength - TAIL_BYTES + ADDRESS_AT, 1)[0] = direct.address(payload);
      progress[OFFER] = OFFERED;
    }
    target.set(payload.subarray(0, CHUNK));
    Atomics.store(progress, FILLED, 1);
    // (the port's hand-over and the record's Atomics.store make the tail's plain writes visible to the receiver)
    port.postMessage({ id, sab, length, chunked } satisfies Delivery);
    return () => {
      for (let k = 1, at = CHUNK; at < length; k++, at += CHUNK) {
        if (direct && Atomics.load(progress, OFFER) === CLAIMED) break; // the receiver copies from us: stop filling
        target.set(payload.subarray(at, Math.min(length, at + CHUNK)), at);
        Atomics.store(progress, FILLED, k + 1);
        if (Atomics.load(progress, AWAITED) !== 0) Atomics.notify(progress, FILLED);
      }
      // Withdrawn, the offer is over; claimed, `payload` must stay ours until the receiver has copied it.
      if (direct && Atomics.compareExchange(progress, OFFER, OFFERED, WITHDRAWN) !== OFFERED) this.#await(progress, OFFER, CLAIMED);
    };
  }

  /** Copies the bytes of handoff `id` from `peer` into `target` (as they are filled), then releases them. */
  take(peer: number, id: number, target: Uint8Array): void {
    if (peer === this.#self) return this.#toSelf.take(id, target);
    const port = this.#port(peer);
    const waiting = this.#arrival(peer, port, id);
    this.#arrived.get(peer)!.delete(id);
    Atomics.sub(this.controls(this.#self), HELD_KIB, kib(waiting.length));
    try {
      const { sab, length } = waiting;
      if (!waiting.chunked) {
        target.set(new Uint8Array(sab, 0, length));
        return;
      }
      const progress = tailOf(sab), chunks = Math.ceil(length / CHUNK);
      const direct = this.#options.direct;
      if (direct && Atomics.load(progress, OFFER) === OFFERED && Atomics.compareExchange(progress, OFFER, OFFERED, CLAIMED) === OFFERED) {
        try {
          direct.copyFrom(new Float64Array(sab, sab.byteLength - TAIL_BYTES + ADDRESS_AT, 1)[0]!, target.subarray(0, length));
        } finally {
          Atomics.store(progress, OFFER, COPIED);
          Atomics.notify(progress, OFFER);
        }
        return;
      }
      for (let copied = 0; copied < chunks;) {
        const filled = this.#await(progress, FILLED, copied);
        const from = copied * CHUNK, to = Math.min(length, filled * CHUNK);
        target.set(new Uint8Array(sab, from, to - from), from);
        copied = filled;
      }
    } finally {
      port.postMessage({ ret: waiting.sab } satisfies Return);
    }
  }

  /**
   * Word `word` of a buffer's tail once it is no longer `was` (the other side is copying): a short spin, then
   * sleeps, which the other side's notify ends (FILLED: the sender notifies only when AWAITED is set; OFFER: the
   * receiver always does, once).
   */
  #await(progress: Int32Array, word: number, was: number): number {
    let now = Atomics.load(progress, word);
    if (now !== was) return now;
    const { yieldCore, checkAbort } = this.#options;
    const until = performance.now() + SPIN_MS;
    while ((now = Atomics.load(progress, word)) === was && performance.now() < until) yieldCore?.();
    while (now === was) {
      if (word === FILLED) Atomics.store(progress, AWAITED, 1);
      Atomics.wait(progress, word, was, WAIT_MS);
      if (word === FILLED) Atomics.store(progress, AWAITED, 0);
      now = Atomics.load(progress, word);
      if (now === was) checkAbort?.();
    }
    return now;
  }

  /** The length of handoff `id` from `peer` (for messages whose record cannot hold it: 2 GiB or more). */
  lengthOf(peer: number, id: number): number {
    if (peer === this.#self) return this.#toSelf.lengthOf(id);
    return this.#arrival(peer, this.#port(peer), id).length;
  }

  /** Handoff `id` from `peer`, pulled off the port if need be (it stays there for `take`). */
  #arrival(peer: number, port: MessagePort, id: number): Delivery {
    let waiting = this.#arrived.get(peer)?.get(id);
    while (!waiting) {
      // The sender posts before it publishes the record that led us here, so the delivery is already queued.
      if (!this.#pull(peer, port, id)) throw new MPIError("ERR_INTERN", `handoff ${id} from rank ${peer} never arrived`);
      waiting = this.#arrived.get(peer)?.get(id);
    }
    return waiting;
  }

  /** Gives `sab` to world rank `peer` under `key` (the peer takes it with `takeGift`). */
  give(peer: number, key: number, sab: SharedArrayBuffer): void {
    this.#port(peer).postMessage({ key, gift: sab } satisfies Gift);
  }

  /** The memory `peer` gave under `key`, once it has arrived (undefined until then). */
  takeGift(peer: number, key: number): SharedArrayBuffer | undefined {
    this.#pull(peer, this.#port(peer));
    const byKey = this.#gifts.get(peer);
    const sab = byKey?.get(key);
    if (sab) byKey!.delete(key);
    return sab;
  }

  #port(peer: number): MessagePort {
    let port = this.#ports[peer];
    if (!port) {
      this.#options.morePorts?.();
      port = this.#ports[peer];
    }
    if (!port) throw new MPIError("ERR_INTERN", `no channel to rank ${peer}`);
    return port;
  }

  /** Drains a port: stores deliveries, pools returned buffers. Stops early once `until` has arrived. */
  #pull(peer: number, port: MessagePort, until?: number): boolean {
    for (;;) {
      const got = receiveMessageOnPort(port);
      if (!got) return false;
      const message = got.message as Delivery | Return | Gift;
      if ("ret" in message) {
        this.#recycle(message.ret);
        continue;
      }
      if ("gift" in message) {
        let byKey = this.#gifts.get(peer);
        if (!byKey) this.#gifts.set(peer, (byKey = new Map()));
        byKey.set(message.key, message.gift);
        continue;
      }
      let byId = this.#arrived.get(peer);
      if (!byId) this.#arrived.set(peer, (byId = new Map()));
      byId.set(message.id, message);
      if (message.id === until) return true;
    }
  }

  #take(bytes: number): SharedArrayBuffer {
    // Small messages come here only when their ring was full (engine.ts's backlog): exact size, not pooled, so
    // thousands of them waiting cost their bytes, not a 64 KiB class each.
    if (bytes < MIN_CLASS) return new SharedArrayBuffer(bytes);
    const cls = sizeClass(bytes) + TAIL_BYTES;
    const free = this.#pool.get(cls);
    const sab = free?.pop();
    if (sab) {
      this.#pooledBytes -= cls;
      return sab;
    }
    return new SharedArrayBuffer(cls);
  }

  #recycle(sab: SharedArrayBuffer): void {
    const cls = sab.byteLength;
    if (cls < MIN_CLASS + TAIL_BYTES || this.#pooledBytes + cls > POOL_LIMIT_BYTES) return;
    let free = this.#pool.get(cls);
    if (!free) this.#pool.set(cls, (free = []));
    free.push(sab);
    this.#pooledBytes += cls;
  }
}

/** Large messages a rank sends itself: a copy each, kept until received, by id (both transports use it). */
export class SelfHandoffs {
  readonly #held = new Map<number, Uint8Array>();

  post(id: number, payload: Uint8Array): void {
    this.#held.set(id, payload.slice());
  }

  take(id: number, target: Uint8Array): void {
    const bytes = this.#held.get(id);
    if (!bytes) throw new MPIError("ERR_INTERN", `handoff ${id} to self is missing`);
    this.#held.delete(id);
    target.set(bytes);
  }

  lengthOf(id: number): number {
    return this.#held.get(id)?.length ?? 0;
  }
}

/** A pooled buffer's FILLED, AWAITED and OFFER words. */
function tailOf(sab: SharedArrayBuffer): Int32Array {
  return new Int32Array(sab, sab.byteLength - TAIL_BYTES, 3);
}
