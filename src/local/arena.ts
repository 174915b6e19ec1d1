/**
 * A communicator's shared area (engine.ts's SharedArea) on the local engine: one SharedArrayBuffer region that
 * every member maps, laid out as
 *
 *   [header line: ARRIVALS, 64 bytes] [member 0: control line, 64 bytes] ... [member p-1: control line]
 *   [member 0: slot for even rounds | slot for odd rounds] ... [member p-1: ...]
 *
 * ARRIVALS counts every member's publishes: it reaches round·p exactly when every member has published that round
 * (nobody publishes round k + 1 before everyone has published round k), so waiting for everyone is one word to
 * watch, and only the last member to arrive wakes those who sleep until everyone has.
 * A member's control line holds ARRIVE (the last round it has published), and per round parity its signature
 * (three words) and the length it published. Rounds are numbered from 1 by every member alike (MPI requires the
 * same collectives in the same order), and a member publishes with plain stores followed by Atomics.store(ARRIVE),
 * so whoever sees ARRIVE ≥ round through Atomics.load also sees that round's signature, length and bytes.
 *
 * Why two slots are enough: a member overwrites its slot of round k only in round k + 2, and `begin` of a round
 * first waits until every member has joined the previous round, which each does only after it has finished
 * reading everything of the round before that. The same wait checks each member's signature of the previous
 * round, so ranks that disagree are told apart even when no rank waited for another during that round (a bcast
 * root does not wait).
 */
import type { Signature, SharedArea } from "../engine/engine.js";
import { disagreement, packHead, unpack } from "../collective/signature.js";

const LINE_WORDS = 16;
const ARRIVALS = 0; // in the header line
const ARRIVE = 0;
const SIG = 1; // + 3 * parity: head, root, bytes
const LENGTH = 7; // + parity

/**
 * Bytes of a member's slot: 1 MiB shared by the members, 256 KiB at most (pages are only committed once
 * touched). Big enough that a pipelined Bcast's rounds cost little beside its copying.
 */
function slotBytes(size: number): number {
  let bytes = 256 << 10;
  while (bytes > 16 << 10 && bytes * size > 1 << 20) bytes >>= 1;
  return bytes;
}

export function arenaBytes(size: number): number {
  return (size + 1) * LINE_WORDS * 4 + size * 2 * slotBytes(size);
}

/** What a sleeping member waits for, besides one member's arrival: every member's. */
export const EVERYONE = -2;

/**
 * How an arena waits: `waitFor(done, awaited, missing)` blocks (spinning or sleeping like any blocking call of the
 * engine) until `done()`, where `awaited` is the member waited for or EVERYONE, and `missing()` names a member not
 * there yet (to report it if it has finished). `wake(rank, last)` wakes the members asleep waiting for `rank`, and,
 * when `last`, those waiting for everyone.
 */
export interface ArenaHost {
  waitFor(done: () => boolean, awaited: number, missing: () => number): void;
  wake(rank: number, last: boolean): void;
}

export class Arena implements SharedArea {
  readonly capacity: number;
  readonly #header: Int32Array;
  readonly #words: Int32Array;
  readonly #slots: Uint8Array[];
  readonly #host: ArenaHost;
  #round = 0;
  /** The last round in which this rank checked every member's signature. */
  #checked = 0;
  readonly #sigs: [Signature | undefined, Signature | undefined] = [undefined, undefined];
  /** Word 0 of each round parity's signature, packed once. */
  readonly #heads: [number, number] = [0, 0];

  constructor(sab: SharedArrayBuffer, byteOffset: number, readonly rank: number, readonly size: number, host: ArenaHost) {
    this.capacity = slotBytes(size);
    this.#host = host;
    this.#header = new Int32Array(sab, byteOffset, LINE_WORDS);
    this.#words = new Int32Array(sab, byteOffset + LINE_WORDS * 4, size * LINE_WORDS);
    const data = byteOffset + (size + 1) * LINE_WORDS * 4;
    this.#slots = Array.from({ length: 2 * size }, (_, i) => new Uint8Array(sab, data + i * this.capacity, this.capacity));
  }

  begin(sig: Signature): void {
    const previous = this.#round;
    if (previous > 0 && this.#checked !== previous) this.#everyone(previous);
    this.#round = previous + 1;
    this.#sigs[this.#round & 1] = sig;
    this.#heads[this.#round & 1] = packHead(sig);
  }

  outbox(): Uint8Array {
    return this.#slots[2 * this.rank + (this.#round & 1)]!;
  }

  publish(length: number): void {
    const words = this.#words;
    const line = this.rank * LINE_WORDS;
    const parity = this.#round & 1;
    const sig = this.#sigs[parity]!;
    words[line + SIG + 3 * parity] = this.#heads[parity];
    words[line + SIG + 3 * parity + 1] = sig.root;
    words[line + SIG + 3 * parity + 2] = sig.bytes;
    words[line + LENGTH + parity] = length;
    Atomics.store(words, line + ARRIVE, this.#round);
    const arrived = Atomics.add(this.#header, ARRIVALS, 1) + 1;
    this.#host.wake(this.rank, arrived === Math.imul(this.#round, this.size));
  }

  await(from: number, to: number): void {
    if (from === 0 && to === this.size) {
      this.#everyone(this.#round);
      return;
    }
    const round = this.#round;
    for (let r = from; r < to; r++) {
      if (r === this.rank) continue;
      this.#reach(r, round);
      this.#check(r, round);
    }
  }

  slot(rank: number): Uint8Array {
    return this.#slots[2 * rank + (this.#round & 1)]!;
  }

  contribution(rank: number): Uint8Array | null {
    const parity = this.#round & 1;
    const length = this.#words[rank * LINE_WORDS + LENGTH + parity]!;
    return length < 0 ? null : this.#slots[2 * rank + parity]!.subarray(0, length);
  }

  /** Waits until every member has published `round` and checks their signatures there. */
  #everyone(round: number): void {
    const header = this.#header;
    const all = Math.imul(round, this.size);
    if (((Atomics.load(header, ARRIVALS) - all) | 0) < 0) {
      this.#host.waitFor(() => ((Atomics.load(header, ARRIVALS) - all) | 0) >= 0, EVERYONE, () => this.#missing(round));
    }
    for (let r = 0; r < this.size; r++) if (r !== this.rank) this.#check(r, round);
    this.#checked = round;
  }

  #arrived(r: number, round: number): boolean {
    return ((Atomics.load(this.#words, r * LINE_WORDS + ARRIVE) - round) | 0) >= 0;
  }

  #missing(round: number): number {
    for (let r = 0; r < this.size; r++) if (!this.#arrived(r, round)) return r;
    return this.rank;
  }

  #reach(r: number, round: number): void {
    if (this.#arrived(r, round)) return;
    this.#host.waitFor(() => this.#arrived(r, round), r, () => r);
  }

  #check(r: number, round: number): void {
    const words = this.#words;
    const parity = round & 1;
    const mine = this.#sigs[parity]!;
    const at = r * LINE_WORDS + SIG + 3 * parity;
    const head = words[at]!, root = words[at + 1]!, bytes = words[at + 2]!;
    if (head === this.#heads[parity] && root === mine.root && (bytes === mine.bytes || bytes < 0 || mine.bytes < 0)) return;
    const error = disagreement(mine, unpack(head, root, bytes), r);
    if (error) throw error;
  }
}
