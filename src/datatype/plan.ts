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

/** Memory read in words of 1, 2 or 4 bytes: integer words, so every bit pattern (NaN payloads too) copies exactly. */
type Words = Uint8Array | Uint16Array | Uint32Array;

/** Blocks shorter than this many words copy word by word: a subarray view per block costs more than the loop. */
const SMALL_COPY = 16;

/** Copies `repeat` blocks of `length` words, `fromStride` apart in `from`, to `toStride` apart in `to`. */
function copyBlocks(from: Words, fromAt: number, fromStride: number, to: Words, toAt: number, toStride: number, length: number, repeat: number): void {
  if (length === 2) { // a double or a 64-bit integer in 32-bit words: the commonest column
    for (let r = 0; r < repeat; r++, fromAt += fromStride, toAt += toStride) {
      to[toAt] = from[fromAt]!;
      to[toAt + 1] = from[fromAt + 1]!;
    }
  } else if (length < SMALL_COPY) {
    for (let r = 0; r < repeat; r++, fromAt += fromStride, toAt += toStride) {
      for (let i = 0; i < length; i++) to[toAt + i] = from[fromAt + i]!;
    }
  } else {
    for (let r = 0; r < repeat; r++, fromAt += fromStride, toAt += toStride) to.set(from.subarray(fromAt, fromAt + length), toAt);
  }
}

/** The widest word (4, 2 or 1 bytes) that every offset, length and stride of a transfer is a multiple of. */
function grain(plan: readonly Run[], ...bytes: number[]): 1 | 2 | 4 {
  let bits = 0;
  for (const b of bytes) bits |= b;
  for (const r of plan) bits |= r.offset | r.length | (r.repeat > 1 ? r.stride : 0);
  return bits % 4 === 0 ? 4 : bits % 2 === 0 ? 2 : 1;
}

function words(bytes: Uint8Array, w: 1 | 2 | 4): Words {
  if (w === 1) return bytes;
  const View = w === 4 ? Uint32Array : Uint16Array;
  return new View(bytes.buffer as ArrayBuffer, bytes.byteOffset, Math.floor(bytes.length / w));
}

/**
 * Moves `count` items between their place in `memory` (item k's origin at byte `k * extent`) and a packed stream
 * (`packed` from byte `position`), in either direction, stopping after `limit` packed bytes (a short receive
 * unpacks only what arrived). Returns the position after the last byte moved. Copies go in the widest integer
 * words the layout allows (a column of doubles moves as pairs of 32-bit words, not as bytes).
 */
export function transfer(
  plan: readonly Run[], extent: number, count: number, memory: Uint8Array,
  packed: Uint8Array, position: number, limit: number, direction: "pack" | "unpack",
): number {
  const w = grain(plan, extent, memory.byteOffset, packed.byteOffset, position, limit);
  const mem = words(memory, w), out = words(packed, w);
  let at = position / w;
  const end = (position + limit) / w, step = extent / w;
  for (let k = 0; k < count && at < end; k++) {
    const origin = k * step;
    for (const run of plan) {
      const length = run.length / w, stride = run.stride / w, place = origin + run.offset / w;
      // Whole repetitions that fit before `end`, then at most one cut block (a short receive).
      const whole = Math.min(run.repeat, Math.floor((end - at) / length));
      if (direction === "pack") copyBlocks(mem, place, stride, out, at, length, length, whole);
      else copyBlocks(out, at, length, mem, place, stride, length, whole);
      at += whole * length;
      if (whole < run.repeat) {
        const cut = end - at, from = place + whole * stride;
        if (direction === "pack") copyBlocks(mem, from, 0, out, at, 0, cut, 1);
        else copyBlocks(out, at, 0, mem, from, 0, cut, 1);
        return (at + cut) * w;
      }
    }
  }
  return at * w;
}
