/**
 * Which inbox slot of a local job's memory (layout.ts) holds which job rank: the launcher's table (world.ts).
 *
 * A job rank names one rank for the whole job and is never given again, so that whatever a rank keeps per peer
 * (ports, handoffs, acknowledgements) can never be mistaken for another's. Slots are what is scarce: the job's
 * memory has `layout.capacity` of them. A spawned rank takes the slot of a rank that ended if there is one, else
 * one never used (which, until then, holds nobody); while no slot was ever recycled, every rank's slot is its
 * number.
 *
 * A slot is recycled once every rank of its spawned world has exited with code 0 (a failed world's control
 * words keep saying how its ranks failed, for the pools that look: futures/dynamic.ts). Under the inbox's lock,
 * the launcher marks the slot vacant, so that from then on a record for the rank that ended is dropped
 * (mailbox.ts, tryAppend), and empties it; only then is it given to a new rank, before any rank hears of that one.
 */
import { CONTROL_BYTES, OWNER, inboxView, type JobLayout } from "./layout.js";
import { tryLock, unlock } from "./mailbox.js";

/** Every control word after OWNER is reset for the slot's next rank (LOCK is the launcher's while it does). */
const FIRST_RESET_WORD = OWNER + 1;

export class SlotTable {
  /** Job rank → slot, for the ranks placed and not yet recycled (sparse). */
  readonly #slotOf: number[] = [];
  /** The placed ranks whose slot is not their number (what a new rank is told: it assumes the rest). */
  readonly #moved = new Map<number, number>();
  /** Slots vacated and emptied, ready for new ranks. */
  readonly #free: number[] = [];
  #nextUnused: number;
  #nextRank: number;

  /** `recycles`: whether slots are reused (not with pipes, whose memory is laid out per pair of slots). */
  constructor(private readonly sab: SharedArrayBuffer, private readonly layout: JobLayout, readonly recycles: boolean) {
    this.#nextUnused = layout.size;
    this.#nextRank = layout.size;
    for (let rank = 0; rank < layout.size; rank++) this.#slotOf[rank] = rank;
    // Slots not yet used hold nobody: a rank's number is no proof that the slot of that number is its own.
    for (let slot = layout.size; slot < layout.capacity; slot++) inboxView(sab, layout, slot).control[OWNER] = -1 - slot;
  }

  /** How many ranks could be placed now. */
  get room(): number {
    return this.layout.capacity - this.#nextUnused + this.#free.length;
  }

  /** Places `count` new ranks (at most `room`): their job ranks, in order. */
  place(count: number): number[] {
    if (count > this.room) throw new Error(`internal: ${count} ranks for ${this.room} slots`);
    const ranks: number[] = [];
    for (let i = 0; i < count; i++) {
      const slot = this.#free.shift() ?? this.#nextUnused++;
      const rank = this.#nextRank++;
      // (the slot holds nobody, vacated under its lock if it was used, and nobody has heard of `rank` yet: no
      // sender can race this)
      Atomics.store(inboxView(this.sab, this.layout, slot).control, OWNER, rank - slot);
      this.#slotOf[rank] = slot;
      if (rank !== slot) this.#moved.set(rank, slot);
      ranks.push(rank);
    }
    return ranks;
  }

  slot(rank: number): number | undefined {
    return this.#slotOf[rank];
  }

  /** The ranks placed and not recycled whose slot is not their number, with their slots. */
  moved(): [rank: number, slot: number][] {
    return [...this.#moved];
  }

  /** The ranks placed and not recycled, with their slots. */
  placed(): [rank: number, slot: number][] {
    const out: [number, number][] = [];
    this.#slotOf.forEach((slot, rank) => out.push([rank, slot]));
    return out;
  }

  /**
   * The ranks of a spawned world that ended well give up their slots: each is vacated and emptied as soon as its
   * lock is free (a sender holds it for one record at most), then `freed` is called once for the lot.
   */
  release(ranks: readonly number[], freed: () => void): void {
    if (!this.recycles) return;
    const slots = ranks.map((rank) => this.#slotOf[rank]!);
    for (const rank of ranks) {
      delete this.#slotOf[rank];
      this.#moved.delete(rank);
    }
    let left = slots.length;
    const vacate = (slot: number) => {
      const control = inboxView(this.sab, this.layout, slot).control;
      if (!tryLock(control)) {
        setImmediate(vacate, slot);
        return;
      }
      control[OWNER] = -1 - slot; // no rank: every record for the one that ended is dropped from now on
      control.fill(0, FIRST_RESET_WORD, CONTROL_BYTES / 4);
      unlock(control);
      this.#free.push(slot);
      if (--left === 0) freed();
    };
    for (const slot of slots) vacate(slot);
  }
}
