/**
 * A file view (MPI-4.0 §14.3): the file seen from `disp` on as the filetype tiled end to end, of which only the
 * filetype's data bytes are visible, counted in etypes. A view maps a range of visible bytes to the file byte
 * ranges that hold them, in order, adjacent ranges merged; every data access goes through that one mapping.
 */
import { MPIError } from "../errors.js";
import { BYTE, type Datatype } from "../datatype/type.js";

/** A byte range of the file: `length` bytes from byte `offset`. */
export interface Extent { offset: number; length: number }

export class View {
  /** The data blocks of one filetype item, in type-map order: byte offsets from the item's origin and lengths. */
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  /** Visible bytes before block i of an item (for finding the block a visible position falls in). */
  readonly #before: number[] = [];
  /** Whether the view shows every byte from disp on (the filetype is dense): positions map by addition. */
  readonly #contiguous: boolean;

  constructor(
    readonly disp: number,
    readonly etype: Datatype,
    readonly filetype: Datatype,
    readonly datarep: string,
  ) {
    let seen = 0, end = -Infinity;
    for (const run of filetype.plan) {
      for (let r = 0; r < run.repeat; r++) {
        const offset = run.offset + r * run.stride;
        if (offset < end) {
          throw new MPIError("ERR_TYPE", `File.Set_view: the filetype ${filetype.name}'s displacements must be non-decreasing and its blocks must not overlap (MPI-4.0 §14.3)`);
        }
        const last = this.#offsets.length - 1;
        if (last >= 0 && this.#offsets[last]! + this.#lengths[last]! === offset) this.#lengths[last]! += run.length;
        else { this.#offsets.push(offset); this.#lengths.push(run.length); this.#before.push(seen); }
        seen += run.length;
        end = offset + run.length;
      }
    }
    if (filetype.extent <= 0 || filetype.size === 0) {
      throw new MPIError("ERR_TYPE", `File.Set_view: the filetype ${filetype.name} must hold data and have a positive extent (size ${filetype.size}, extent ${filetype.extent})`);
    }
    this.#contiguous = this.#offsets.length === 1 && this.#offsets[0] === 0 && this.#lengths[0] === filetype.extent;
  }

  /** The data blocks of one filetype item: byte offsets from its origin, and lengths (what MPI-IO is given). */
  blocks(): { offsets: readonly number[]; lengths: readonly number[] } {
    return { offsets: this.#offsets, lengths: this.#lengths };
  }

  /** The default view: every byte of the file, as bytes. */
  static readonly DEFAULT = new View(0, BYTE, BYTE, "native");

  /** File byte ranges of the `length` visible bytes from visible byte `start`, in order, adjacent ones merged. */
  extents(start: number, length: number): Extent[] {
    if (length === 0) return [];
    if (this.#contiguous) return [{ offset: this.disp + start, length }];
    const size = this.filetype.size, extent = this.filetype.extent;
    const out: Extent[] = [];
    let item = Math.floor(start / size);
    let within = start - item * size;
    let block = this.#blockOf(within);
    let remaining = length;
    while (remaining > 0) {
      const skip = within - this.#before[block]!;
      const take = Math.min(this.#lengths[block]! - skip, remaining);
      const offset = this.disp + item * extent + this.#offsets[block]! + skip;
      const last = out[out.length - 1];
      if (last && last.offset + last.length === offset) last.length += take;
      else out.push({ offset, length: take });
      remaining -= take;
      within += take;
      if (++block === this.#offsets.length) { block = 0; item += 1; within = 0; }
    }
    return out;
  }

  /** The file byte a visible byte sits at (MPI_File_get_byte_offset, in bytes). */
  byteOffset(visible: number): number {
    if (this.#contiguous) return this.disp + visible;
    const size = this.filetype.size;
    const item = Math.floor(visible / size), within = visible - item * size;
    const block = this.#blockOf(within);
    return this.disp + item * this.filetype.extent + this.#offsets[block]! + within - this.#before[block]!;
  }

  /**
   * Visible bytes that lie before file byte `fileEnd` (how much of the file's data the view shows): a file of
   * that size ends the view's data there, which is where reads stop and where SEEK_END points.
   */
  visibleBefore(fileEnd: number): number {
    const from = fileEnd - this.disp;
    if (from <= 0) return 0;
    if (this.#contiguous) return from;
    const extent = this.filetype.extent, size = this.filetype.size;
    const items = Math.floor(from / extent), rest = from - items * extent;
    let visible = items * size;
    for (let b = 0; b < this.#offsets.length; b++) {
      visible += Math.max(0, Math.min(this.#lengths[b]!, rest - this.#offsets[b]!));
    }
    return visible;
  }

  /** The block of an item that holds its `within`-th visible byte (binary search over the blocks). */
  #blockOf(within: number): number {
    let lo = 0, hi = this.#before.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#before[mid]! <= within) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
}
