/**
 * A rank's trace rows kept in a file mapped shared (the mpi engine's `mapShared`), so that a rank killed from
 * outside (MPI_Abort after another rank failed, a signal) still leaves what it recorded: every store lands in
 * the page cache as it is made, and the kernel keeps it when the process dies. When no JSON part was written,
 * the merge recovers the rank's part from this file (recorder.ts, `recoverPart`).
 *
 * Layout: a 4 KiB header (Int32 words; the call the rank is inside, whose row is written only when it returns;
 * the rank's identity as JSON from byte 64), `capacity` rows of
 * Float64 columns, then the interned strings, each a Uint32 byte length and its UTF-8 bytes. The file is sparse:
 * only the pages the rows and strings reach take memory or disk. Strings past the area's end are not kept (the
 * header says so); their rows still are.
 */
import { closeSync, openSync, readSync } from "node:fs";

const HEADER_BYTES = 4096;
const IDENTITY_AT = 64;
const MAGIC = 0x7274346d; // "m4tr", little-endian
const W_MAGIC = 0, W_CAPACITY = 1, W_COLUMNS = 2, W_ROWS = 3, W_DROPPED = 4, W_STRING_END = 5, W_STRINGS_LOST = 6, W_IDENTITY_BYTES = 7;
/** The open call: its row kind, name and communicator (string indices, -1: none), and its start (Float64 at byte 40). */
const W_OPEN_KIND = 8, W_OPEN_NAME = 9, W_OPEN_COMM = 10, F_OPEN_TS = 6;
const STRING_BYTES = 8 << 20;
/** mapShared maps at most 4 GiB − 1 bytes. */
const MAX_FILE_BYTES = 2 ** 32 - 1;

export type MapFile = (path: string, bytes: number) => ArrayBuffer | undefined;

export class MappedRows {
  readonly rows: Float64Array;
  readonly capacity: number;
  readonly #header: Int32Array;
  readonly #clock: Float64Array;
  readonly #strings: Uint8Array;
  readonly #encoder = new TextEncoder();

  private constructor(buffer: ArrayBuffer, capacity: number, columns: number) {
    this.capacity = capacity;
    this.#header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#clock = new Float64Array(buffer, 0, IDENTITY_AT / 8);
    this.rows = new Float64Array(buffer, HEADER_BYTES, capacity * columns);
    this.#strings = new Uint8Array(buffer, HEADER_BYTES + capacity * columns * 8, STRING_BYTES);
  }

  /** The file at `path`, made and mapped for `capacity` rows (undefined if it cannot be: the rows stay in memory). */
  static open(path: string, capacity: number, columns: number, identity: unknown, map: MapFile): MappedRows | undefined {
    const bytes = HEADER_BYTES + capacity * columns * 8 + STRING_BYTES;
    if (bytes > MAX_FILE_BYTES) return undefined;
    let buffer: ArrayBuffer | undefined;
    try {
      buffer = map(path, bytes);
    } catch {
      return undefined;
    }
    if (!buffer || buffer.byteLength !== bytes) return undefined;
    const mapped = new MappedRows(buffer, capacity, columns);
    const h = mapped.#header;
    h.fill(0);
    const text = new TextEncoder().encode(JSON.stringify(identity));
    const room = HEADER_BYTES - IDENTITY_AT;
    // An identity too long for the header (a huge argv) is kept without its argv rather than cut mid-JSON.
    const kept = text.length <= room ? text : new TextEncoder().encode(JSON.stringify({ ...(identity as object), argv: [] }));
    new Uint8Array(buffer, IDENTITY_AT, room).set(kept.subarray(0, room));
    h[W_IDENTITY_BYTES] = Math.min(kept.length, room);
    h[W_OPEN_NAME] = -1;
    h[W_CAPACITY] = capacity;
    h[W_COLUMNS] = columns;
    h[W_MAGIC] = MAGIC; // last: a reader that sees it sees the rest of the header
    return mapped;
  }

  /** The rank is inside call `name` (a string index) since `ts`, until `close`. */
  open(kind: number, name: number, ts: number, comm: number): void {
    const h = this.#header;
    h[W_OPEN_KIND] = kind;
    h[W_OPEN_COMM] = comm;
    this.#clock[F_OPEN_TS] = ts;
    h[W_OPEN_NAME] = name; // last: a reader that sees it sees the rest
  }

  close(): void { this.#header[W_OPEN_NAME] = -1; }

  /** Rows 0..n-1 are written (each row's columns are, before its count). */
  setRows(n: number): void { this.#header[W_ROWS] = n; }
  setDropped(n: number): void { this.#header[W_DROPPED] = n; }

  /** Keeps the next interned string (strings are kept in interning order: the index is the position). */
  addString(text: string): void {
    const h = this.#header;
    if (h[W_STRINGS_LOST]) return;
    const at = h[W_STRING_END]!;
    const room = this.#strings.length - at - 4;
    const { written, read } = room > 0 ? this.#encoder.encodeInto(text, this.#strings.subarray(at + 4, at + 4 + room)) : { written: 0, read: 0 };
    if (read !== text.length) {
      h[W_STRINGS_LOST] = 1;
      return;
    }
    new DataView(this.#strings.buffer, this.#strings.byteOffset + at, 4).setUint32(0, written, true);
    h[W_STRING_END] = at + 4 + written;
  }
}

/** What a rows file holds, read back (undefined: no such file, or not one). */
export interface RecoveredRows {
  readonly identity: Record<string, unknown>;
  readonly rows: Float64Array;
  readonly count: number;
  readonly dropped: number;
  /** By index; the file may lack the last ones (its string area was full). */
  readonly strings: readonly string[];
  /** The call the rank was inside when it ended, if any. */
  readonly open: { readonly kind: number; readonly name: number; readonly comm: number; readonly ts: number } | undefined;
}

/** The identity a rank wrote in its rows file's header, without reading its rows; undefined until the header is complete. */
export function rowsIdentity(path: string): Record<string, unknown> | undefined {
  return withHeader(path, (_fd, _head, _h, identity) => identity);
}

export function recoverRows(path: string): RecoveredRows | undefined {
  return withHeader(path, (fd, head, h, identity) => {
    const capacity = h[W_CAPACITY]!, columns = h[W_COLUMNS]!, count = Math.min(h[W_ROWS]!, capacity);
    const rows = new Float64Array(count * columns);
    readSync(fd, new Uint8Array(rows.buffer), 0, rows.byteLength, HEADER_BYTES);
    const end = h[W_STRING_END]!;
    const area = new Uint8Array(end);
    readSync(fd, area, 0, end, HEADER_BYTES + capacity * columns * 8);
    const strings: string[] = [];
    const decoder = new TextDecoder();
    for (let at = 0; at + 4 <= end;) {
      const length = new DataView(area.buffer, at, 4).getUint32(0, true);
      strings.push(decoder.decode(area.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    const open = h[W_OPEN_NAME]! >= 0
      ? { kind: h[W_OPEN_KIND]!, name: h[W_OPEN_NAME]!, comm: h[W_OPEN_COMM]!, ts: new Float64Array(head.buffer, 0, IDENTITY_AT / 8)[F_OPEN_TS]! }
      : undefined;
    return { identity, rows, count, dropped: h[W_DROPPED]!, strings, open };
  });
}

/** Runs `read` on a rows file whose header is complete; undefined if it is not (or cannot be read). */
function withHeader<T>(path: string, read: (fd: number, head: Uint8Array, h: Int32Array, identity: Record<string, unknown>) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const head = new Uint8Array(HEADER_BYTES);
    if (readSync(fd, head, 0, HEADER_BYTES, 0) < HEADER_BYTES) return undefined;
    const h = new Int32Array(head.buffer);
    if (h[W_MAGIC] !== MAGIC) return undefined;
    const identity = JSON.parse(new TextDecoder().decode(head.subarray(IDENTITY_AT, IDENTITY_AT + h[W_IDENTITY_BYTES]!))) as Record<string, unknown>;
    return read(fd, head, h, identity);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
