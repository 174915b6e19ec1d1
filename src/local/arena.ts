/**
 * A communicator's shared area (engine.ts's SharedArea) on the local engine: one SharedArrayBuffer region that
 * every member maps, laid out as
 *
 *   [header: ARRIVALS, one counter per slot, 64 bytes] [member 0: control, 128 bytes] ... [member p-1: control]
 *   [member 0: DEPTH slots] ... [member p-1: DEPTH slots]
 *
 * Rounds are numbered from 1 by every member alike (MPI requires the same collectives in the same order); round k
 * uses slot k mod DEPTH. A member's control lines hold ARRIVE (the last round it has published) and, per slot, the
 * signature (three words) and the length it published. A member publishes with plain stores followed by
 * Atomics.store(ARRIVE), so whoever sees ARRIVE ≥ k through Atomics.load also sees round k's signature, length and
 * bytes.
 *
 * Reusing slots. A member joins round j only after it has finished reading round j - 1. So `begin` of round k,
 * which overwrites this member's slot of round k - DEPTH, first waits until every member has joined round
 * k - DEPTH + 1. A rank may thus run up to DEPTH - 1 rounds ahead of the slowest (a bcast root does not wait for
 * its readers), and a round's signature and bytes stay in place until every member has joined the next round.
 *
 * ARRIVALS[k mod DEPTH] counts the publishes of rounds k, k - DEPTH, k - 2·DEPTH ...: by the rule above nobody
 * publishes round k + DEPTH before everyone has published round k, so the counter reaches its target for round k
 * exactly when every member has published it. Waiting for everyone is one word to watch, and only the last member
 * to arrive wakes those who sleep until everyone has.
 *
 * Signatures. A rank checks the signature of every member it waits for in a round and, right after publishing,
 * of every member that has already published the round. Of two members, at least one sees the other's publish
 * (both are sequentially consistent Atomics), so two ranks that disagree about a round are told apart in that
 * round, by the later of them at least, even when neither waits for the other (a bcast root does not wait).
 *
 * Failed rounds. A mismatch fails the call, but the round still counts on every rank: a rank that fails before
 * publishing publishes "nothing" first. So rounds stay numbered alike, nothing is checked twice, and ranks that
 * caught the error go on with matching collectives in the next round.
 */
import type { Signature, SharedArea } from "../engine/engine.js";
import { disagreement, packHead, unpack } from "../collective/signature.js";

/** Slots per member: how many rounds a member may run ahead of the slowest, plus one. */
const DEPTH = 4;
const HEADER_WORDS = 16;
const LINE_WORDS = 32;
const ARRIVALS = 0; // + slot, in the header
const ARRIVE = 0;
const SIG = 1; // + 3 * slot: head, root, bytes
const LENGTH = 1 + 3 * DEPTH; // + slot

/**
 * Bytes of one slot: 2 MiB shared by the members' slots, 256 KiB at most and 16 KiB at least (pages are only
 * committed once touched). Big enough that a pipelined Bcast's rounds cost little beside its copying.
 */
function slotBytes(size: number): number {
  let bytes = 256 << 10;
  while (bytes > 16 << 10 && bytes * size * DEPTH > 2 << 20) bytes >>= 1;
  return bytes;
}

export function arenaBytes(size: number): number {
  return HEADER_WORDS * 4 + size * LINE_WORDS * 4 + size * DEPTH * slotBytes(size);
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

/**
 * Read once a job has ended (by its launcher): how many rounds each member published in the area at `byteOffset`,
 * and the signature of its last one. Members that called the same collectives published the same number.
 */
export function publishedRounds(sab: SharedArrayBuffer, byteOffset: number, size: number): { rounds: number; last: Signature | undefined }[] {
  const words = new Int32Array(sab, byteOffset + HEADER_WORDS * 4, size * LINE_WORDS);
  return Array.from({ length: size }, (_, r) => {
    const line = r * LINE_WORDS;
    const rounds = Atomics.load(words, line + ARRIVE);
    const at = line + SIG + 3 * (rounds % DEPTH);
    return { rounds, last: rounds > 0 ? unpack(words[at]!, words[at + 1]!, words[at + 2]!) : undefined };
  });
}

export class Arena implements SharedArea {
  readonly capacity: number;
  readonly #header: Int32Array;
  readonly #words: Int32Array;
  readonly #slots: Uint8Array[];
  readonly #host: ArenaHost;
  #round = 0;
  /** The last round every member is known to have joined. */
  #joined = 0;
  /** The last round this rank has published. */
  #published = 0;
  readonly #sigs: (Signature | undefined)[] = new Array<Signature | undefined>(DEPTH).fill(undefined);
  /** Word 0 of each slot's signature, packed once. */
  readonly #heads: number[] = new Array<number>(DEPTH).fill(0);

  constructor(sab: SharedArrayBuffer, byteOffset: number, readonly rank: number, readonly size: number, host: ArenaHost) {
    this.capacity = slotBytes(size);
    this.#host = host;
    this.#header = new Int32Array(sab, byteOffset, HEADER_WORDS);
    this.#words = new Int32Array(sab, byteOffset + HEADER_WORDS * 4, size * LINE_WORDS);
    const data = byteOffset + HEADER_WORDS * 4 + size * LINE_WORDS * 4;
    this.#slots = Array.from({ length: DEPTH * size }, (_, i) => new Uint8Array(sab, data + i * this.capacity, this.capacity));
  }

  begin(sig: Signature): void {
    const round = this.#round + 1;
    const reuse = round - DEPTH + 1;
    if (reuse > this.#joined) this.#everyone(reuse, false);
    this.#round = round;
    this.#sigs[round % DEPTH] = sig;
    this.#heads[round % DEPTH] = packHead(sig);
  }

  outbox(): Uint8Array {
    return this.slot(this.rank);
  }

  slot(rank: number): Uint8Array {
    return this.#slots[DEPTH * rank + (this.#round % DEPTH)]!;
  }

  publish(length: number): void {
    const words = this.#words;
    const line = this.rank * LINE_WORDS;
    const round = this.#round;
    const s = round % DEPTH;
    const sig = this.#sigs[s]!;
    words[line + SIG + 3 * s] = this.#heads[s]!;
    words[line + SIG + 3 * s + 1] = sig.root;
    words[line + SIG + 3 * s + 2] = sig.bytes;
    words[line + LENGTH + s] = length;
    Atomics.store(words, line + ARRIVE, round);
    this.#published = round;
    const arrived = Atomics.add(this.#header, ARRIVALS + s, 1) + 1;
    this.#host.wake(this.rank, arrived === this.#everyoneAt(round));
    for (let r = 0; r < this.size; r++) if (r !== this.rank && this.#arrived(r, round)) this.#check(r, round);
  }

  await(from: number, to: number): void {
    const round = this.#round;
    try {
      if (from === 0 && to === this.size) {
        this.#everyone(round, true);
        return;
      }
      for (let r = from; r < to; r++) {
        if (r === this.rank) continue;
        this.#reach(r, round);
        this.#check(r, round);
      }
    } catch (e) {
      // The round still counts (see "Failed rounds"): the others must not wait for this rank in it.
      if (this.#published !== round) {
        try { this.publish(-1); } catch { /* the same disagreement, seen again */ }
      }
      throw e;
    }
  }

  contribution(rank: number): Uint8Array | null {
    const s = this.#round % DEPTH;
    const length = this.#words[rank * LINE_WORDS + LENGTH + s]!;
    return length < 0 ? null : this.#slots[DEPTH * rank + s]!.subarray(0, length);
  }

  /** ARRIVALS[round mod DEPTH] once every member has published `round`. */
  #everyoneAt(round: number): number {
    return Math.imul(Math.floor((round - 1) / DEPTH) + 1, this.size);
  }

  /** Waits until every member has published `round`; with `check`, checks their signatures there. */
  #everyone(round: number, check: boolean): void {
    const header = this.#header;
    const at = ARRIVALS + (round % DEPTH);
    const target = this.#everyoneAt(round);
    if (((Atomics.load(header, at) - target) | 0) < 0) {
      this.#host.waitFor(() => ((Atomics.load(header, at) - target) | 0) >= 0, EVERYONE, () => this.#missing(round));
    }
    if (round > this.#joined) this.#joined = round;
    if (!check) return;
    for (let r = 0; r < this.size; r++) if (r !== this.rank) this.#check(r, round);
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
    const s = round % DEPTH;
    const mine = this.#sigs[s]!;
    const at = r * LINE_WORDS + SIG + 3 * s;
    const head = words[at]!, root = words[at + 1]!, bytes = words[at + 2]!;
    if (head === this.#heads[s] && root === mine.root && (bytes === mine.bytes || bytes < 0 || mine.bytes < 0)) return;
    const error = disagreement(mine, unpack(head, root, bytes), r);
    if (error) throw error;
  }
}
