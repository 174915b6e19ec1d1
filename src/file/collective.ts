/**
 * Collective writes (Write_at_all, Write_all, Write_ordered): two-phase I/O as ROMIO does it. When every rank's
 * data already lies in one range of the file (a block per rank), each rank writes it with one system call. When
 * the ranks' data is interleaved in small pieces (a subarray or vector view), the range the ranks touch is cut
 * into one domain per rank, the pieces travel to the rank owning their domain (one Alltoallv), and each domain
 * is written as few large runs instead of every rank writing every small piece itself (docs/io.md).
 */
import type { Comm } from "../comm.js";
import { BYTE } from "../datatype/type.js";
import { writeFully } from "./posix.js";
import type { Extent } from "./view.js";

/** What each rank says about its part of a collective write before any data moves. */
export interface WritePlan { lo: number; hi: number; pieces: number; bytes: number }

export function planOf(extents: readonly Extent[]): WritePlan {
  let bytes = 0;
  for (const e of extents) bytes += e.length;
  const last = extents[extents.length - 1];
  return { lo: extents[0]?.offset ?? 0, hi: last ? last.offset + last.length : 0, pieces: extents.length, bytes };
}

/**
 * Pieces shorter than this on average are worth gathering into domains before writing. Measured with 4 ranks
 * writing 16 MiB each through an interleaved view (local engine, 2 cores): gathering wins for 64-byte pieces
 * (0.05 vs 0.03 GB/s), loses for 1 KiB (0.17 vs 0.23) and 16 KiB pieces (0.26 vs 2.07): a pwrite costs less
 * than moving its bytes to another rank once pieces reach a few hundred bytes.
 */
const SMALL_PIECE = 512;

/** Whether the ranks' pieces are small and many (gathered into domains) rather than one block each. */
export function needsAggregation(plans: readonly WritePlan[]): boolean {
  let pieces = 0, bytes = 0, many = false;
  for (const p of plans) {
    pieces += p.pieces;
    bytes += p.bytes;
    if (p.pieces > 1) many = true;
  }
  return plans.length > 1 && many && bytes / pieces < SMALL_PIECE;
}

/** Writes each extent of `extents` from `data` (the extents' bytes one after the other), merged runs as they come. */
export function writeExtents(fd: number, extents: readonly Extent[], data: Uint8Array): void {
  let at = 0;
  for (const e of extents) {
    writeFully(fd, data.subarray(at, at + e.length), e.offset);
    at += e.length;
  }
}

/**
 * The two-phase write: every rank calls it with the same `plans` (agreed beforehand), its own extents and data.
 * Domains are equal cuts of the touched range; a piece crossing a domain boundary is split there.
 */
export function aggregatedWrite(comm: Comm, fd: number, plans: readonly WritePlan[], extents: readonly Extent[], data: Uint8Array): void {
  const size = comm.size;
  let lo = Infinity, hi = -Infinity;
  for (const p of plans) if (p.bytes > 0) { lo = Math.min(lo, p.lo); hi = Math.max(hi, p.hi); }
  const domain = Math.ceil((hi - lo) / size);
  const owner = (offset: number) => Math.min(size - 1, Math.floor((offset - lo) / domain));

  // Phase one: cut this rank's extents at domain boundaries; pieces for aggregator a go as (offset, length) pairs.
  const pieces: number[][] = Array.from({ length: size }, () => []);
  const sendCounts = new Array<number>(size).fill(0);
  for (const e of extents) {
    let offset = e.offset, left = e.length;
    while (left > 0) {
      const a = owner(offset);
      const take = a === size - 1 ? left : Math.min(left, lo + (a + 1) * domain - offset);
      pieces[a]!.push(offset, take);
      sendCounts[a]! += take;
      offset += take;
      left -= take;
    }
  }
  // Extents are in file order and domains are ascending, so the data is already grouped by aggregator.
  const sendDispls = displacements(sendCounts);
  const received = comm.alltoall(pieces);
  const recvCounts = received.map((list) => { let n = 0; for (let i = 1; i < list.length; i += 2) n += list[i]!; return n; });
  const recvDispls = displacements(recvCounts);
  const inbox = new Uint8Array(recvDispls[size - 1]! + recvCounts[size - 1]!);
  comm.Alltoallv([data, sendCounts, sendDispls, BYTE], [inbox, recvCounts, recvDispls, BYTE]);

  // Phase two: this rank's domain, its pieces in file order, written as runs of touching pieces.
  const mine: { offset: number; length: number; at: number }[] = [];
  received.forEach((list, source) => {
    let at = recvDispls[source]!;
    for (let i = 0; i < list.length; i += 2) {
      mine.push({ offset: list[i]!, length: list[i + 1]!, at });
      at += list[i + 1]!;
    }
  });
  mine.sort((x, y) => x.offset - y.offset);
  for (let first = 0; first < mine.length;) {
    let last = first, end = mine[first]!.offset + mine[first]!.length;
    while (last + 1 < mine.length && mine[last + 1]!.offset <= end) {
      last += 1;
      end = Math.max(end, mine[last]!.offset + mine[last]!.length);
    }
    const start = mine[first]!.offset;
    const run = new Uint8Array(end - start);
    for (let i = first; i <= last; i++) {
      const p = mine[i]!;
      run.set(inbox.subarray(p.at, p.at + p.length), p.offset - start);
    }
    writeFully(fd, run, start);
    first = last + 1;
  }
}

function displacements(counts: readonly number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (const n of counts) { out.push(next); next += n; }
  return out;
}
