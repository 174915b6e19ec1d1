/**
 * Inbox rings (see layout.ts for the memory and its ordering rules): senders append records under the inbox's
 * lock, the owning rank drains them. Nothing here blocks for long: when a ring is full `tryAppend` says so and
 * the caller keeps the record for later (engine.ts's backlog): a sender never waits for room.
 */
import {
  DOORBELL, HEAD, HEADER_BYTES, LOCK, OWNER, R_BYTES, R_CONTEXT, R_ID, R_LENGTH, R_SENDER, R_SOURCE, R_TAG, R_TYPE,
  RECORD_PAD, SLEEPING, TAIL, TYPE_MASK, type InboxView,
} from "./layout.js";

const LOCK_SPINS = 200;

/** A futex mutex (Drepper, "Futexes are tricky", mutex2): 0 free, 1 locked, 2 locked with possible waiters. */
function lock(control: Int32Array): void {
  if (Atomics.compareExchange(control, LOCK, 0, 1) === 0) return;
  for (let i = 0; i < LOCK_SPINS; i++) {
    if (Atomics.load(control, LOCK) === 0 && Atomics.compareExchange(control, LOCK, 0, 1) === 0) return;
  }
  while (Atomics.exchange(control, LOCK, 2) !== 0) Atomics.wait(control, LOCK, 2, 50);
}

/** Takes the lock only if it is free now (the launcher's thread never waits for it). */
export function tryLock(control: Int32Array): boolean {
  return Atomics.compareExchange(control, LOCK, 0, 1) === 0;
}

export function unlock(control: Int32Array): void {
  if (Atomics.sub(control, LOCK, 1) !== 1) {
    Atomics.store(control, LOCK, 0);
    Atomics.notify(control, LOCK, 1);
  }
}

export function recordBytes(payloadBytes: number): number {
  return (HEADER_BYTES + payloadBytes + 7) & ~7;
}

/** Below this many bytes a plain loop copies faster than creating a subarray for `set`. */
const SMALL_COPY = 64;

/** Copies `length` bytes from `from[fromAt..]` to `to[toAt..]`. */
export function copyBytes(from: Uint8Array, fromAt: number, to: Uint8Array, toAt: number, length: number): void {
  if (length <= SMALL_COPY) {
    for (let i = 0; i < length; i++) to[toAt + i] = from[fromAt + i]!;
  } else {
    to.set(from.subarray(fromAt, fromAt + length), toAt);
  }
}

/**
 * Appends one record for job rank `dest` (with `payload` inline, if given; `length` is the message's length either
 * way) and rings the owner's doorbell. Returns false, having written nothing, when the ring has no room for it
 * now. When the inbox's slot no longer holds `dest` (it ended, and the slot went to a newly spawned rank) the
 * record is dropped, as a record for a rank that has finished is never read: true, and nothing written.
 */
export function tryAppend(
  inbox: InboxView, dest: number, type: number, context: number, source: number, tag: number, length: number, id: number,
  sender: number, payload: Uint8Array | null,
): boolean {
  const { control, ring, ringWords } = inbox;
  const capacity = ring.length;
  const need = recordBytes(payload ? payload.length : 0);
  lock(control);
  if (inbox.slot + control[OWNER]! !== dest) {
    unlock(control);
    return true;
  }
  let tail = control[TAIL]!; // only written under the lock we hold
  const used = (tail - Atomics.load(control, HEAD)) | 0;
  let at = tail & (capacity - 1);
  const untilEnd = capacity - at;
  const padding = untilEnd < need ? untilEnd : 0;
  if (capacity - used < need + padding) {
    unlock(control);
    return false;
  }
  if (padding) {
    ringWords[at >> 2] = padding;
    ringWords[(at >> 2) + 1] = RECORD_PAD;
    tail = (tail + padding) | 0;
    at = 0;
  }
  const w = at >> 2;
  ringWords[w + R_BYTES] = need;
  ringWords[w + R_TYPE] = type;
  ringWords[w + R_CONTEXT] = context;
  ringWords[w + R_SOURCE] = source;
  ringWords[w + R_TAG] = tag;
  ringWords[w + R_LENGTH] = length;
  ringWords[w + R_ID] = id;
  ringWords[w + R_SENDER] = sender;
  if (payload) copyBytes(payload, 0, ring, at + HEADER_BYTES, payload.length);
  Atomics.store(control, TAIL, (tail + need) | 0);
  unlock(control);
  ringDoorbell(control);
  return true;
}

/** Whether `payloadBytes` could ever fit in this ring (with room for a wrap). */
export function fitsRing(inbox: InboxView, payloadBytes: number): boolean {
  return recordBytes(payloadBytes) <= inbox.ring.length / 2;
}

/** The owner's side of an inbox. */
export class InboxReader {
  #head: number;
  readonly view: InboxView;
  constructor(view: InboxView) {
    this.view = view;
    this.#head = Atomics.load(view.control, HEAD);
  }

  /** True when a published record waits (cheap: one atomic load). */
  pending(): boolean {
    return Atomics.load(this.view.control, TAIL) !== this.#head;
  }

  /**
   * Hands each published record to `visit` (its byte offset in the ring), freeing its space as soon as `visit`
   * returns: `visit` must copy out whatever it keeps. Returns how many records it visited.
   */
  drain(visit: (offset: number) => void): number {
    const { control, ringWords } = this.view;
    const mask = this.view.ring.length - 1;
    let tail = Atomics.load(control, TAIL);
    let visited = 0;
    while (this.#head !== tail) {
      const at = this.#head & mask;
      const w = at >> 2;
      const bytes = ringWords[w + R_BYTES]!;
      if ((ringWords[w + R_TYPE]! & TYPE_MASK) !== RECORD_PAD) {
        visit(at);
        visited++;
      }
      this.#head = (this.#head + bytes) | 0;
      Atomics.store(control, HEAD, this.#head);
      if (this.#head === tail) tail = Atomics.load(control, TAIL);
    }
    return visited;
  }
}

/** Rings an inbox's doorbell (the launcher's deadlock watcher counts rings as activity) and wakes its sleeper. */
export function ringDoorbell(control: Int32Array): void {
  Atomics.add(control, DOORBELL, 1);
  if (Atomics.load(control, SLEEPING) !== 0) Atomics.notify(control, DOORBELL);
}
