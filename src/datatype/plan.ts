/**
 * The packing plan of a datatype: its type map (MPI-4.0 §5.1) compiled to runs of contiguous bytes within one item,
 * in type-map order. A vector of doubles is one run repeated `count` times at a stride, not `count` entries, and
 * packing walks the runs once, copying bytes, with no allocation per element (docs/datatypes.md).
 */

/** `repeat` blocks of `length` bytes: the first at `offset` (from the item's origin), each `stride` after the last. */
export interface Run {
  offset: number;
  length: number;
  repeat: number;
  stride: number;
}

/**
 * Appends a run to a plan being built, merging it into the last run when the bytes continue it (one longer run)
 * or repeat it at a constant stride (one more repetition). Order is kept: the plan is the type map's order.
 */
export function appendRun(runs: Run[], offset: number, length: number, repeat = 1, stride = 0): void {
  if (length === 0 || repeat === 0) return;
  const last = runs[runs.length - 1];
  if (last && repeat === 1) {
    if (last.repeat === 1 && last.offset + last.length === offset) {
      last.length += length;
      return;
    }
    if (last.length === length) {
      if (last.repeat === 1 && offset !== last.offset) {
        last.repeat = 2;
        last.stride = offset - last.offset;
        return;
      }
      if (last.repeat > 1 && last.offset + last.repeat * last.stride === offset) {
        last.repeat += 1;
        return;
      }
    }
  }
  runs.push({ offset, length, repeat, stride: repeat === 1 ? 0 : stride });
}

/** Appends every run of `plan`, shifted by `by` bytes. */
export function appendPlan(runs: Run[], plan: readonly Run[], by: number): void {
  for (const r of plan) appendRun(runs, r.offset + by, r.length, r.repeat, r.stride);
}

/** Copies below this many bytes go byte by byte: a subarray view per run costs more than the loop. */
const SMALL_COPY = 32;

function copy(from: Uint8Array, fromAt: number, to: Uint8Array, toAt: number, length: number): void {
  if (length < SMALL_COPY) {
    for (let i = 0; i < length; i++) to[toAt + i] = from[fromAt + i]!;
  } else {
    to.set(from.subarray(fromAt, fromAt + length), toAt);
  }
}

/**
 * Moves `count` items between their place in `memory` (item k's origin at byte `k * extent`) and a packed stream
 * (`packed` from byte `position`), in either direction, stopping after `limit` packed bytes (a short receive
 * unpacks only what arrived). Returns the position after the last byte moved.
 */
export function transfer(
  plan: readonly Run[], extent: number, count: number, memory: Uint8Array,
  packed: Uint8Array, position: number, limit: number, direction: "pack" | "unpack",
): number {
  let at = position;
  const end = position + limit;
  for (let k = 0; k < count && at < end; k++) {
    const origin = k * extent;
    for (const run of plan) {
      for (let r = 0, place = origin + run.offset; r < run.repeat; r++, place += run.stride) {
        const n = Math.min(run.length, end - at);
        if (direction === "pack") copy(memory, place, packed, at, n);
        else copy(packed, at, memory, place, n);
        at += n;
        if (at === end) return at;
      }
    }
  }
  return at;
}
