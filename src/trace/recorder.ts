/**
 * One rank's trace recorder. Events are kept as rows of numbers in large Float64Array chunks, strings interned,
 * because a million small objects kept alive would cost the program far more than recording them (every
 * garbage collection would copy them); they become Chrome Trace Events only when the rank's part is written.
 * That happens on every exit path the rank can reach (normal exit, process.exit, uncaught exception, Abort);
 * the merge (merge.ts) turns the parts of a job into one file. See docs/trace.md. Where a file can be mapped
 * shared (the mpi engine), the rows live in one (rows-file.ts), so a rank killed from outside, which reaches
 * none of those paths, leaves them too.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { type MapFile, MappedRows, recoverRows, rowsIdentity } from "./rows-file.js";
import type { TraceSink } from "./sink.js";

/** One Chrome Trace Event as a rank records it: `ts` in µs of this thread's clock (see `now`). pid/tid come at merge. */
export interface TraceEvent {
  name: string;
  cat: string;
  ph: "X" | "i" | "s" | "f" | "M";
  ts: number;
  dur?: number;
  id?: string;
  bp?: "e";
  s?: "t";
  args?: Record<string, unknown>;
}

/** What a rank writes at exit: its events and what the merge needs to place them on the job's time axis. */
export interface TracePart extends RecorderIdentity {
  readonly format: "mpi4ts-trace-part";
  readonly argv: readonly string[];
  /** This thread's clock origin in µs since the epoch: event ts + originUs is the rank's wall clock. */
  readonly originUs: number;
  readonly dropped: number;
  /** How the rank ended: "exit 0", "uncaught exception: ...", "Abort(3)"... */
  readonly ending: string;
  readonly events: readonly TraceEvent[];
}

export const DEFAULT_CAP = 1_000_000;

export interface RecorderIdentity {
  readonly jobId: string;
  readonly rank: number;
  readonly size: number;
  readonly host: string;
  readonly engine: string;
  readonly version: string;
  /** This rank's wall clock minus rank 0's, measured at start-up (0 where ranks share one clock). */
  readonly offsetUs: number;
}

/** What a row is; each kind says how its columns read (see `decode`). */
export enum Kind { Call, Collective, Wait, UserSpan, UserMark, RankMark, Send, Receive, ReceiveCompleted }

/** Columns of a row. Unused ones are NaN. Strings are indices into the recorder's string table. */
export enum Col {
  Kind, Name, Ts, Dur,
  /** Calls: the communicator's name. Messages: the communicator's trace identity. */
  Comm,
  /** Calls: the peer (communicator rank). Messages: the sender's communicator rank. */
  Peer,
  Tag,
  /** Calls: bytes sent. Messages: the message's bytes. */
  Sent,
  /** Calls: bytes received. Messages: the receiver's communicator rank. */
  Received,
  Wait,
  /** Collectives: the root. Messages: the sender's world rank. */
  Root,
  /** Collectives: the op's name. Messages: the receiver's world rank. */
  Op,
  /** Collectives: the communicator's identity (with Seq, the collective's id). Messages: the sequence number. */
  Collective,
  Seq,
  Site,
  Error,
  /** The element type of the call's first buffer argument (Float64Array...). */
  Datatype,
}
const COLUMNS = 17;
const CHUNK_ROWS = 1 << 14;

/** Rows a mapped file holds beyond the cap: the ending's row and marks made while exiting. */
const SPARE_ROWS = 64;
/**
 * With a live sink, how often new events go out: at a call's start when this long has passed since the last
 * delivery (so a rank about to block has shown what led there), and at any event after the longer interval.
 */
const LIVE_AT_CALL_MS = 20;
const LIVE_MS = 200;

export class Recorder {
  #dropped = 0;
  /** MPI.Pcontrol / MPI.trace.off(): while false nothing is recorded (the wrappers stay, each call checks this). */
  on = true;
  #chunks: Float64Array[] = [];
  #rows = 0;
  #strings: string[] = [];
  #index = new Map<string, number>();
  #written = false;
  /** The rows' file, when they live in one; then #chunks is its one chunk. */
  readonly #mapped: MappedRows | undefined;
  readonly #chunkRows: number;
  readonly #sink: TraceSink | undefined;
  /** Rows before this one went to the live sink, the last time at #deliveredAt (performance.now()). */
  #delivered = 0;
  #deliveredAt = 0;
  /** With a live sink: the traced call this rank is in, and whether the sink has heard of it. */
  #open: OpenCall | undefined;
  #openDelivered = false;

  /**
   * `map`, where given, maps the rows' file (rowsFile) shared, so that they outlive a killed process. `sink`,
   * where given, takes the part instead of a file, and the events as they come (sink.ts).
   */
  constructor(readonly file: string, readonly identity: RecorderIdentity, readonly cap = DEFAULT_CAP, map?: MapFile, sink?: TraceSink) {
    this.#sink = sink;
    this.#mapped = map && MappedRows.open(rowsFile(file, identity.rank), cap + SPARE_ROWS, COLUMNS,
      { ...identity, argv: process.argv, originUs: performance.timeOrigin * 1000, pid: process.pid }, map);
    if (this.#mapped) this.#chunks.push(this.#mapped.rows);
    this.#chunkRows = this.#mapped?.capacity ?? CHUNK_ROWS;
    // The rank's run on the time axis starts here and ends at `flush` (the profile's % of time in MPI).
    this.mark(Kind.RankMark, "trace start");
  }

  get dropped(): number { return this.#dropped; }

  intern(text: string): number {
    let i = this.#index.get(text);
    if (i === undefined) {
      i = this.#strings.push(text) - 1;
      this.#index.set(text, i);
      this.#mapped?.addString(text);
    }
    return i;
  }

  /**
   * A new row of `kind` at `ts`, every other column NaN: returns the chunk and the row's first column, or
   * undefined past the cap (the event is counted as dropped).
   */
  row(kind: Kind, name: string, ts: number): [Float64Array, number] | undefined {
    if (this.#sink) this.#deliverLive(LIVE_MS);
    if ((this.#rows >= this.cap && !this.#written) || (this.#mapped && this.#rows >= this.#mapped.capacity)) {
      this.#dropped++;
      this.#mapped?.setDropped(this.#dropped);
      return undefined;
    }
    const nameIndex = this.intern(name); // (before the row counts: a recovered row never names a string not kept)
    const r = this.#rows++ % this.#chunkRows;
    if (r === 0 && !this.#mapped) this.#chunks.push(new Float64Array(CHUNK_ROWS * COLUMNS).fill(NaN));
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    const at = r * COLUMNS;
    if (this.#mapped) chunk.fill(NaN, at, at + COLUMNS); // (a fresh file holds zeros, and filling it all would touch every page)
    chunk[at + Col.Kind] = kind;
    chunk[at + Col.Name] = nameIndex;
    chunk[at + Col.Ts] = ts;
    this.#mapped?.setRows(this.#rows);
    return [chunk, at];
  }

  /**
   * The rank enters a traced call, whose row is written when it returns: kept in the rows file, so that a rank
   * killed inside a call shows it (nothing to do when the rows are in memory).
   */
  opened(kind: Kind, name: string, ts: number, comm: string | undefined): void {
    this.#mapped?.open(kind, this.intern(name), ts, comm === undefined ? -1 : this.intern(comm));
    if (this.#sink) {
      this.#open = { kind, name, ts, ...(comm === undefined ? {} : { comm }) };
      this.#openDelivered = false;
      this.#deliverLive(LIVE_AT_CALL_MS);
    }
  }

  /** Whether `opened` keeps anything (callers skip working out its arguments otherwise). */
  get keepsOpenCalls(): boolean { return this.#mapped !== undefined || this.#sink !== undefined; }

  /** Hands the rows recorded since the last delivery to the live sink, if `minMs` have passed since (every row before is complete). */
  #deliverLive(minMs: number): void {
    const news = this.#delivered !== this.#rows || (this.#open !== undefined && !this.#openDelivered);
    if (!news || this.#written) return;
    const at = performance.now();
    if (at - this.#deliveredAt < minMs) return;
    const events = this.events(this.#delivered);
    this.#delivered = this.#rows;
    this.#deliveredAt = at;
    this.#openDelivered = this.#open !== undefined;
    this.#sink!.live(this.#head("running"), events, this.#open);
  }

  #head(ending: string): Omit<TracePart, "events"> {
    return {
      format: "mpi4ts-trace-part", ...this.identity, argv: process.argv, originUs: performance.timeOrigin * 1000, dropped: this.dropped, ending,
    };
  }

  closed(): void {
    this.#mapped?.close();
    this.#open = undefined;
  }

  /**
   * The string index of a call site, "url-or-path:line:column" of running code, as the program's "file:line"
   * (through its source map, once per site: only this process has the map, and a killed rank's rows must hold
   * the line already).
   */
  site(site: string): number {
    return this.intern(sourceLine(site));
  }

  mark(kind: Kind.UserMark | Kind.RankMark, name: string): void {
    this.row(kind, name, now());
  }

  /** Writes this rank's part (once: the first exit path that gets here wins). Never throws. */
  flush(ending: string): void {
    try {
      const part = this.take(ending);
      if (!part) return;
      if (this.#sink) {
        this.#sink.part(part);
      } else {
        writeFileSync(partFile(this.file, this.identity.rank), JSON.stringify(part));
        this.delivered();
      }
    } catch (e) {
      process.stderr.write(`mpi4ts: rank ${this.identity.rank} could not write its trace part: ${(e as Error).message}\n`);
    }
  }

  /**
   * This rank's part, to write or to hand to rank 0 (gatherParts): once, as the first exit path that gets here
   * wins; undefined after.
   */
  take(ending: string): TracePart | undefined {
    if (this.#written) return undefined;
    this.#written = true;
    // (the ending gets its row even past the cap)
    this.mark(Kind.RankMark, ending);
    if (this.dropped > 0) {
      process.stderr.write(`mpi4ts: rank ${this.identity.rank} dropped ${this.dropped} trace events past the cap of ${this.cap} (MPI4TS_TRACE_CAP)\n`);
    }
    return { ...this.#head(ending), events: this.events() };
  }

  /** The part is safe (written, or with rank 0): the rows file kept for an end from outside is not needed. */
  delivered(): void {
    if (this.#mapped) rmSync(rowsFile(this.file, this.identity.rank), { force: true });
  }

  /** The rows (from row `from` on) as Chrome Trace Events. */
  events(from = 0): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let i = from; i < this.#rows; i++) {
      const chunk = this.#chunks[Math.floor(i / this.#chunkRows)]!;
      out.push(decodeRow(chunk, (i % this.#chunkRows) * COLUMNS, this.#strings));
    }
    return out;
  }
}

/** How the ending of a recovered part begins. */
export const KILLED_FROM_OUTSIDE = "killed from outside";

/**
 * The part of a rank that left its rows in a mapped file (rowsFile) and no JSON part: killed from outside.
 * Undefined if there is no such file.
 */
export function recoverPart(file: string, rank: number): TracePart | undefined {
  const found = recoverRows(rowsFile(file, rank));
  if (!found) return undefined;
  const events: TraceEvent[] = [];
  for (let i = 0; i < found.count; i++) {
    const at = i * COLUMNS;
    // A row is counted once its kind, name and time are in; the rest may be missing if the rank died just then.
    if (Number.isNaN(found.rows[at + Col.Kind]) || Number.isNaN(found.rows[at + Col.Ts])) continue;
    events.push(decodeRow(found.rows, at, found.strings));
  }
  const open = found.open;
  if (open) {
    const comm = open.comm >= 0 ? found.strings[open.comm] ?? "?" : undefined;
    events.push(unfinishedCall({ kind: open.kind, name: found.strings[open.name] ?? "?", ts: open.ts, ...(comm === undefined ? {} : { comm }) },
      "the rank was killed inside this call"));
  }
  const last = open ? `inside ${found.strings[open.name] ?? "?"}` : events.at(-1)?.name;
  return {
    ...(found.identity as unknown as RecorderIdentity & { argv: string[]; originUs: number }),
    format: "mpi4ts-trace-part", dropped: found.dropped, events,
    ending: `${KILLED_FROM_OUTSIDE} (recovered from its rows file${last ? `; last: ${last}` : ""})`,
  };
}

/** A traced call a rank was in, not yet recorded (its row is written when it returns). */
export interface OpenCall { readonly kind: Kind; readonly name: string; readonly ts: number; readonly comm?: string }

/** The span of a call that never returned, as far as the trace knows: the merge stretches it to the job's end. */
export function unfinishedCall(open: OpenCall, why: string): TraceEvent {
  return {
    name: open.name, cat: open.kind === Kind.Collective ? "collective" : open.kind === Kind.Wait ? "wait" : "p2p",
    ph: "X", ts: open.ts, dur: 0, args: { ...(open.comm === undefined ? {} : { comm: open.comm }), unfinished: why },
  };
}

function decodeRow(c: Float64Array, at: number, strings: readonly string[]): TraceEvent {
  const kind = c[at + Col.Kind] as Kind;
  const str = (col: Col) => strings[c[at + col]!] ?? "?";
  const has = (col: Col) => !Number.isNaN(c[at + col]);
  const num = (col: Col) => c[at + col]!;
  const name = str(Col.Name), ts = num(Col.Ts);
  switch (kind) {
    case Kind.UserMark: return { name, cat: "user", ph: "i", s: "t", ts };
    case Kind.RankMark: return { name, cat: "rank", ph: "i", s: "t", ts };
    case Kind.UserSpan: return { name, cat: "user", ph: "X", ts, dur: num(Col.Dur) };
    case Kind.Send:
    case Kind.Receive: {
      const id = `${str(Col.Comm)}:${num(Col.Peer)}>${num(Col.Received)}:${num(Col.Tag)}:${num(Col.Collective)}`;
      const args = { from: num(Col.Root), to: num(Col.Op), tag: num(Col.Tag), bytes: num(Col.Sent) };
      return kind === Kind.Send
        ? { name: "message", cat: "message", ph: "s", ts, id, args }
        : { name: "message", cat: "message", ph: "f", bp: "e", ts, id, args };
    }
    default: {
      const args: Record<string, unknown> = {};
      if (has(Col.Comm)) args.comm = str(Col.Comm);
      if (has(Col.Peer)) args.peer = num(Col.Peer);
      if (has(Col.Tag)) args.tag = num(Col.Tag);
      if (has(Col.Sent)) args.sent = num(Col.Sent);
      if (has(Col.Received)) args.received = num(Col.Received);
      if (has(Col.Root)) args.root = num(Col.Root);
      if (has(Col.Op)) args.op = str(Col.Op);
      if (has(Col.Collective)) args.collective = `${str(Col.Collective)}#${num(Col.Seq)}`;
      if (has(Col.Sent) && kind === Kind.Collective) { args.bytes = args.sent; delete args.sent; }
      if (has(Col.Wait)) args.wait_us = num(Col.Wait);
      if (has(Col.Site)) args.site = str(Col.Site);
      if (has(Col.Error)) args.error = str(Col.Error);
      if (has(Col.Datatype)) args.datatype = str(Col.Datatype);
      const cat = kind === Kind.Collective ? "collective" : kind === Kind.Call ? "p2p" : "wait";
      return { name, cat, ph: "X", ts, dur: kind === Kind.ReceiveCompleted ? 0 : num(Col.Dur), args };
    }
  }
}

/** µs on this thread's high-resolution clock. */
export function now(): number {
  return performance.now() * 1000;
}

/** Where rank `rank` of a job traced to `file` leaves its part. */
export function partFile(file: string, rank: number): string {
  return `${file}.part-${rank}.json`;
}

/**
 * Whether rank `rank` of the job traced to `file` may still write: its rows file is being made, or the process
 * that keeps it still runs on this host (a rank MPI_Abort ends can outlive mpiexec for a moment).
 */
export function mayStillWrite(file: string, rank: number, host: string): boolean {
  const path = rowsFile(file, rank);
  if (!existsSync(path)) return false;
  const identity = rowsIdentity(path);
  if (!identity) return true; // (its header is not complete yet)
  const { pid, host: owner } = identity as { pid?: number; host?: string };
  if (typeof pid !== "number" || owner !== host) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where it keeps its rows while it runs, when they live in a mapped file (removed once its part is written). */
export function rowsFile(file: string, rank: number): string {
  return `${file}.part-${rank}.rows`;
}

const sourceLines = new Map<string, string>();

/** "file:line" in the program's source for a "url-or-path:line:column" of running code (mapped once each). */
function sourceLine(site: string): string {
  let line = sourceLines.get(site);
  if (line === undefined) {
    const [, file, row, column] = /^(.*):(\d+):(\d+)$/.exec(site) ?? [undefined, site, "0", "0"];
    const entry = findSourceMap(file!)?.findEntry(Number(row) - 1, Number(column) - 1) as
      { originalSource?: string; originalLine?: number } | undefined;
    const path = (name: string) => (name.startsWith("file://") ? fileURLToPath(name) : name);
    line = entry?.originalSource ? `${path(entry.originalSource)}:${entry.originalLine! + 1}` : `${path(file!)}:${row}`;
    sourceLines.set(site, line);
  }
  return line;
}
