/**
 * Large messages skip the inbox ring: the sender copies them into a SharedArrayBuffer and posts it on the
 * MessagePort it shares with the receiver, and the ring carries only a small HANDOFF record naming it. The
 * receiver pulls the buffer synchronously (receiveMessageOnPort works while its thread is blocked in a receive),
 * copies the bytes out and posts the buffer back, so a sender soon reuses warm memory instead of fresh pages.
 * A sender never waits for the receiver here: the port queues as many messages as are in flight. What a receiver
 * holds and has not taken is counted in its control words (HELD_KIB), so that a blocking send can wait for its
 * receive instead of piling up memory (LocalEngine's send; MPI's rendezvous).
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { MPIError } from "../errors.js";
import { HELD_KIB } from "./layout.js";

interface Delivery { id: number; sab: SharedArrayBuffer; length: number }
interface Return { ret: SharedArrayBuffer }
/** Memory given to a peer for good (a communicator's shared area), under a key both sides know. */
interface Gift { key: number; gift: SharedArrayBuffer }

const MIN_CLASS = 1 << 16;
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
  readonly #toSelf = new Map<number, Uint8Array>();
  /** Gifts pulled off a port, by peer, then key. */
  readonly #gifts = new Map<number, Map<number, SharedArrayBuffer>>();
  /** Free buffers by size class, returned by receivers. */
  readonly #pool = new Map<number, SharedArrayBuffer[]>();
  #pooledBytes = 0;

  /**
   * `controls(rank)`: that rank's control words, where HELD_KIB counts what it was handed and has not taken.
   * `morePorts()` fills in `ports` for ranks spawned since (their ports come from the launcher, posted before
   * the ranks start, so a port a record refers to is always there to be taken).
   */
  constructor(
    ports: readonly (MessagePort | undefined)[], selfRank: number, private readonly controls: (rank: number) => Int32Array,
    private readonly morePorts: () => void = () => {},
  ) {
    this.#ports = ports;
    this.#self = selfRank;
  }

  /** KiB of handoffs posted to world rank `peer` that it has not taken yet. */
  heldBy(peer: number): number {
    return Atomics.load(this.controls(peer), HELD_KIB);
  }

  /** Copies `payload` to shared memory and posts it to world rank `peer` under `id`. */
  post(peer: number, id: number, payload: Uint8Array): void {
    if (peer === this.#self) {
      this.#toSelf.set(id, payload.slice());
      return;
    }
    const port = this.#port(peer);
    this.#pull(peer, port);
    const sab = this.#take(payload.length);
    new Uint8Array(sab, 0, payload.length).set(payload);
    Atomics.add(this.controls(peer), HELD_KIB, kib(payload.length));
    port.postMessage({ id, sab, length: payload.length } satisfies Delivery);
  }

  /** Gives the bytes of handoff `id` from `peer` to `consume` (which copies what it keeps), then releases them. */
  take(peer: number, id: number, consume: (bytes: Uint8Array) => void): void {
    if (peer === this.#self) {
      const bytes = this.#toSelf.get(id);
      if (!bytes) throw new MPIError("ERR_INTERN", `handoff ${id} to self is missing`);
      this.#toSelf.delete(id);
      consume(bytes);
      return;
    }
    const port = this.#port(peer);
    const waiting = this.#arrival(peer, port, id);
    this.#arrived.get(peer)!.delete(id);
    Atomics.sub(this.controls(this.#self), HELD_KIB, kib(waiting.length));
    try {
      consume(new Uint8Array(waiting.sab, 0, waiting.length));
    } finally {
      port.postMessage({ ret: waiting.sab } satisfies Return);
    }
  }

  /** The length of handoff `id` from `peer` (for messages whose record cannot hold it: 2 GiB or more). */
  lengthOf(peer: number, id: number): number {
    if (peer === this.#self) return this.#toSelf.get(id)?.length ?? 0;
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
      this.morePorts();
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
    const cls = sizeClass(bytes);
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
    if (cls < MIN_CLASS || this.#pooledBytes + cls > POOL_LIMIT_BYTES) return;
    let free = this.#pool.get(cls);
    if (!free) this.#pool.set(cls, (free = []));
    free.push(sab);
    this.#pooledBytes += cls;
  }
}
