/**
 * ERR_RMA_CONFLICT where one rank can see it: two of its own operations on overlapping bytes of one target in
 * one epoch, which MPI-4.0 §12.7 leaves undefined (operations of an epoch are unordered, except accumulates
 * among themselves). Each origin keeps, per target, the byte ranges it has written and read since that target's
 * operations last completed at the target (a fence, Unlock, Complete or Flush); conflicts between different
 * origins, and with loads and stores, are not visible to one rank and stay the program's responsibility.
 */

/** How an operation touches the target: plain (Put, Get) or atomic per element (the accumulate family). */
export const WRITE = 0, READ = 1, ATOMIC_WRITE = 2, ATOMIC_READ = 3;
export type AccessKind = typeof WRITE | typeof READ | typeof ATOMIC_WRITE | typeof ATOMIC_READ;

/**
 * What each kind may not meet in the same epoch, as bit masks of kinds (atomic operations meet each other
 * safely, reads meet reads).
 */
const CONFLICTS: readonly number[] = [
  /* WRITE */ 0b1111,
  /* READ */ 1 << WRITE | 1 << ATOMIC_WRITE,
  /* ATOMIC_WRITE */ 1 << WRITE | 1 << READ,
  /* ATOMIC_READ */ 1 << WRITE,
];

/** The words for what an earlier operation of each kind was, in refusals. */
const EARLIER: readonly string[] = ["written by a Put", "read by a Get", "updated by an accumulate", "read by a NO_OP accumulate"];

/**
 * Past this many disjoint ranges of one kind on one target, that kind stops being tracked until the target's
 * operations complete: an insertion costs up to this many moves, and the check must stay cheap beside a Put.
 */
export const TRACKED_RANGES = 1024;

/** Sorted, disjoint, merged byte ranges [starts[i], ends[i]) for i < count. */
class Ranges {
  starts = EMPTY;
  ends = EMPTY;
  count = 0;
  /** Set once more than TRACKED_RANGES were added: overlaps are no longer known. */
  overflowed = false;

  /** The first range that ends after `at` (the only one that can overlap a range starting at `at`). */
  #after(at: number): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A byte range of these that overlaps [at, end), or null. */
  overlap(at: number, end: number): [number, number] | null {
    const i = this.#after(at);
    return i < this.count && this.starts[i]! < end ? [Math.max(at, this.starts[i]!), Math.min(end, this.ends[i]!)] : null;
  }

  /** Space for one more range; false once past TRACKED_RANGES (then nothing is tracked any more). */
  #room(): boolean {
    const n = this.count;
    if (n < this.starts.length) return true;
    if (n === TRACKED_RANGES) {
      this.overflowed = true;
      this.count = 0;
      return false;
    }
    const grown = Math.min(TRACKED_RANGES, Math.max(8, 2 * n));
    const starts = new Float64Array(grown), ends = new Float64Array(grown);
    starts.set(this.starts.subarray(0, n));
    ends.set(this.ends.subarray(0, n));
    this.starts = starts;
    this.ends = ends;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.overflowed = false;
  }

  add(at: number, end: number): void {
    if (this.overflowed) return;
    const n = this.count;
    if (n > 0 && at === this.ends[n - 1]) { // the commonest case: the bytes right after the last range
      this.ends[n - 1] = end;
      return;
    }
    if (n === 0 || at > this.ends[n - 1]!) {
      if (!this.#room()) return;
      this.starts[n] = at;
      this.ends[n] = end;
      this.count = n + 1;
      return;
    }
    const i = this.#after(at - 1); // ranges ending at `at` merge too
    let j = i;
    while (j < n && this.starts[j]! <= end) j++;
    const start = i < j ? Math.min(at, this.starts[i]!) : at;
    const stop = i < j ? Math.max(end, this.ends[j - 1]!) : end;
    if (i === j && !this.#room()) return;
    // Ranges i..j-1 become one: shift the rest by 1 - (j - i).
    this.starts.copyWithin(i + 1, j, n);
    this.ends.copyWithin(i + 1, j, n);
    this.starts[i] = start;
    this.ends[i] = stop;
    this.count = n + 1 - (j - i);
  }
}

const EMPTY = new Float64Array(0);

/** One target's ranges, by kind, and which kinds hold any. */
class TargetAccesses {
  readonly ranges: Ranges[] = [new Ranges(), new Ranges(), new Ranges(), new Ranges()];
  /** Bit k: kind k has ranges (or overflowed). */
  used = 0;
  /** Whether EpochAccesses lists this target among those to reset. */
  listed = false;

  reset(): void {
    for (let k = 0; this.used !== 0; k++, this.used >>>= 1) if (this.used & 1) this.ranges[k]!.clear();
  }
}

/** This rank's accesses of the current epoch, by target rank. */
export class EpochAccesses {
  readonly #targets: TargetAccesses[] = [];
  /** The targets that may hold ranges: what completed(-1) resets, so a Fence costs what the epoch touched. */
  readonly #touched: TargetAccesses[] = [];

  /**
   * Records an operation of `kind` on the byte ranges `[at, at + length)` of `rank`'s window, unless one of them
   * meets an earlier operation of this epoch that it conflicts with (or, for a Put, another of its own ranges):
   * then it records nothing and returns why. `record` false only checks: for operations whose completion at the
   * origin implies their completion at the target (Rget, Rget_accumulate), so nothing can meet them later.
   */
  claim(rank: number, kind: AccessKind, blocks: readonly { readonly at: number; readonly length: number }[], record = true): string | null {
    let target = this.#targets[rank];
    if (!target) target = this.#targets[rank] = new TargetAccesses();
    const meets = CONFLICTS[kind]! & target.used;
    for (let earlier = 0; earlier < 4; earlier++) {
      if ((meets & (1 << earlier)) === 0) continue;
      const ranges = target.ranges[earlier]!;
      for (const b of blocks) {
        if (b.length === 0) continue;
        const hit = ranges.overlap(b.at, b.at + b.length);
        if (hit) return conflict(rank, hit, EARLIER[earlier]!);
      }
    }
    if (kind === WRITE && blocks.length > 1) {
      const sorted = blocks.filter((b) => b.length > 0).sort((x, y) => x.at - y.at);
      for (let i = 1; i < sorted.length; i++) {
        const before = sorted[i - 1]!, b = sorted[i]!;
        if (b.at < before.at + before.length) return conflict(rank, [b.at, Math.min(b.at + b.length, before.at + before.length)], "written twice by this Put's target datatype");
      }
    }
    if (!record) return null;
    const ranges = target.ranges[kind]!;
    for (const b of blocks) if (b.length > 0) ranges.add(b.at, b.at + b.length);
    target.used |= 1 << kind;
    if (!target.listed) {
      target.listed = true;
      this.#touched.push(target);
    }
    return null;
  }

  /** `rank`'s operations have completed at the target (-1: every rank's): nothing of theirs can conflict any more. */
  completed(rank: number): void {
    if (rank !== -1) {
      this.#targets[rank]?.reset();
      return;
    }
    for (const target of this.#touched) {
      target.reset();
      target.listed = false;
    }
    this.#touched.length = 0;
  }
}

function conflict(rank: number, [from, to]: [number, number], what: string): string {
  return `bytes ${from}..${to} of rank ${rank}'s window were ${what} in this epoch; MPI leaves the outcome of ` +
    "such conflicting accesses undefined (complete the first with Flush, or end the epoch, before the second)";
}
