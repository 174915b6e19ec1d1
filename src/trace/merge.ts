/**
 * Merges the parts a traced job's ranks wrote (recorder.ts) into one Chrome Trace Event file: one process per
 * rank ("rank R on HOST"), timestamps in µs from the job's start on rank 0's clock, and every message arrow
 * drawn forwards (a receive end that the measured clock offsets would place before its send is moved to it).
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname } from "node:path";
import { KILLED_FROM_OUTSIDE, mayStillWrite, partFile, recoverPart, rowsFile, type TraceEvent, type TracePart } from "./recorder.js";
import { ranksText } from "../local/supervise.js";

/** An event of the merged file: a rank's event placed on the job's clock. */
export interface JobEvent extends TraceEvent {
  pid: number;
  tid: number;
}

export interface TraceMetadata {
  readonly format: "mpi4ts-trace";
  readonly version: string;
  readonly engine: string;
  readonly size: number;
  readonly hosts: readonly string[];
  readonly command: readonly string[];
  readonly jobId: string;
  /** Events each rank dropped past its cap. */
  readonly dropped: readonly number[];
  /** How each rank ended ("exit 0", "uncaught exception: ..."), or "no trace part" for a rank that left none. */
  readonly endings: readonly string[];
  /** Receive ends moved forward to their send because the clock offsets placed them earlier. */
  readonly clockCorrections: number;
}

export interface Trace {
  traceEvents: JobEvent[];
  displayTimeUnit: "ms";
  otherData: Record<string, string>;
  mpi4ts: TraceMetadata;
}

/** Reads the parts of the job traced to `file` (ranks 0..size-1; without `size`, as many as the parts there say). */
export function readParts(file: string, size?: number): (TracePart | undefined)[] {
  // A rank killed from outside wrote no JSON part, but may have left its rows in a mapped file.
  const read = (rank: number): TracePart | undefined => {
    const path = partFile(file, rank);
    if (!existsSync(path)) return recoverPart(file, rank);
    try {
      return JSON.parse(readFileSync(path, "utf8")) as TracePart;
    } catch {
      return recoverPart(file, rank);
    }
  };
  // Ranks 0..size-1 are expected (a missing one is reported); any other part is a rank spawned during the job.
  const found = new Map(partRanks(file).map((r) => [r, read(r)]));
  const n = Math.max(size ?? 0, ...[...found.keys()].map((r) => r + 1), ...(size === undefined ? [...found.values()].map((p) => p?.size ?? 0) : []));
  return Array.from({ length: n }, (_, r) => found.get(r) ?? (r < (size ?? 0) ? read(r) : undefined));
}

/** The ranks whose parts (or rows files) of `file` are in its folder. */
function partRanks(file: string): number[] {
  const prefix = `${basename(file)}.part-`;
  const ranks = existsSync(dirname(file)) ? readdirSync(dirname(file)).flatMap((name) => {
    const m = name.startsWith(prefix) ? /^(\d+)\.(json|rows)$/.exec(name.slice(prefix.length)) : null;
    return m ? [Number(m[1])] : [];
  }) : [];
  return [...new Set(ranks)];
}

/** Removes rank `rank`'s part of `file` and its rows file. */
function removePart(file: string, rank: number): void {
  rmSync(partFile(file, rank), { force: true });
  rmSync(rowsFile(file, rank), { force: true });
}

/** Removes every part of `file` (an earlier job's, before a new one records). */
export function removeParts(file: string): void {
  for (const rank of partRanks(file)) removePart(file, rank);
}

export function mergeParts(parts: readonly (TracePart | undefined)[]): Trace {
  const present = parts.filter((p): p is TracePart => p !== undefined);
  // The job starts at the earliest recorded moment of any rank (its "trace start"), on rank 0's clock.
  const starts = present.map((p) => p.originUs - p.offsetUs + p.events.reduce((m, e) => Math.min(m, e.ts), Infinity));
  const t0 = Math.min(...starts.filter(Number.isFinite));
  const events: JobEvent[] = [];
  parts.forEach((part, rank) => {
    const host = part?.host ?? "?";
    events.push(
      { name: "process_name", cat: "__metadata", ph: "M", ts: 0, pid: rank, tid: rank, args: { name: `rank ${rank} on ${host}` } },
      { name: "process_sort_index", cat: "__metadata", ph: "M", ts: 0, pid: rank, tid: rank, args: { sort_index: rank } },
      { name: "thread_name", cat: "__metadata", ph: "M", ts: 0, pid: rank, tid: rank, args: { name: "MPI calls" } },
    );
    if (!part) return;
    const shift = part.originUs - part.offsetUs - t0;
    // (max: the rounding of µs since the epoch must not put the first event a hair before 0)
    for (const e of part.events) events.push({ ...e, ts: Math.max(0, e.ts + shift), pid: rank, tid: rank });
  });
  // A call a killed rank was inside (recorder.ts, recoverPart) lasts until the job's last recorded moment.
  const end = events.reduce((m, e) => Math.max(m, e.ts + (e.dur ?? 0)), 0);
  for (const e of events) if (e.args?.unfinished !== undefined) e.dur = Math.max(0, end - e.ts);
  const clockCorrections = forwardArrows(events);
  events.sort((a, b) => a.ts - b.ts);
  const any = present[0];
  const metadata: TraceMetadata = {
    format: "mpi4ts-trace", version: any?.version ?? "?", engine: any?.engine ?? "?", size: parts.length,
    hosts: parts.map((p) => p?.host ?? "?"), command: any?.argv ?? [], jobId: any?.jobId ?? "?",
    dropped: parts.map((p) => p?.dropped ?? 0), endings: parts.map((p) => p?.ending ?? "no trace part"), clockCorrections,
  };
  return {
    traceEvents: events, displayTimeUnit: "ms", mpi4ts: metadata,
    otherData: {
      engine: metadata.engine, version: `mpi4ts ${metadata.version}`, hosts: [...new Set(metadata.hosts)].join(", "),
      command: metadata.command.join(" "), ranks: String(metadata.size), dropped: String(metadata.dropped.reduce((a, b) => a + b, 0)),
    },
  };
}

/** Moves each receive end that lies before its send to the send's time; returns how many moved. */
function forwardArrows(events: JobEvent[]): number {
  const sends = new Map<string, number>();
  for (const e of events) if (e.ph === "s" && e.id !== undefined) sends.set(e.id, e.ts);
  let moved = 0;
  for (const e of events) {
    if (e.ph !== "f" || e.id === undefined) continue;
    const sentAt = sends.get(e.id);
    if (sentAt !== undefined && e.ts < sentAt) {
      e.ts = sentAt;
      moved++;
    }
  }
  return moved;
}

/** Writes `trace` to `file`, one event per line (files of millions of events stay writable and diffable). */
export function writeTrace(file: string, trace: Trace): void {
  const fd = openSync(file, "w");
  try {
    const { traceEvents, ...rest } = trace;
    const head = JSON.stringify(rest);
    writeSync(fd, `${head.slice(0, -1)},"traceEvents":[\n`);
    const CHUNK = 10_000;
    for (let i = 0; i < traceEvents.length; i += CHUNK) {
      const lines = traceEvents.slice(i, i + CHUNK).map((e) => JSON.stringify(e));
      writeSync(fd, `${lines.join(",\n")}${i + CHUNK < traceEvents.length ? ",\n" : "\n"}`);
    }
    writeSync(fd, "]}\n");
  } finally {
    closeSync(fd);
  }
}

/** How long the merge waits for ranks that left no JSON part and whose processes still run. */
const STRAGGLER_WAIT_MS = 2000;

/** Merges the parts of the job traced to `file` into `file` and removes them; returns the trace (undefined: no parts). */
export function mergeJobTrace(file: string, size?: number): Trace | undefined {
  // A rank killed by another's MPI_Abort may still be ending (or still making its rows file) after mpiexec
  // returned: read its rows only once its process is gone, or the merge would miss them and leave the file.
  const host = hostname();
  const deadline = Date.now() + STRAGGLER_WAIT_MS;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const ranks = Array.from({ length: size ?? 0 }, (_, r) => r);
  while (Date.now() < deadline && ranks.some((r) => !existsSync(partFile(file, r)) && mayStillWrite(file, r, host))) Atomics.wait(nap, 0, 0, 20);
  const parts = readParts(file, size);
  if (parts.every((p) => p === undefined)) return undefined;
  const trace = mergeParts(parts);
  writeTrace(file, trace);
  removeParts(file); // (a rows file from a rank killed before it recorded anything holds nothing to keep either)
  const dropped = trace.mpi4ts.dropped.reduce((a, b) => a + b, 0);
  if (dropped > 0) process.stderr.write(`mpi4ts: the trace lacks ${dropped} events dropped past the per-rank cap\n`);
  const ranksWhose = (ended: (ending: string) => boolean) => trace.mpi4ts.endings.flatMap((e, r) => (ended(e) ? [r] : []));
  const recovered = ranksWhose((e) => e.startsWith(KILLED_FROM_OUTSIDE));
  if (recovered.length > 0) {
    process.stderr.write(`mpi4ts: ${ranksText(recovered)} ended from outside; the trace holds what ${recovered.length > 1 ? "they" : "it"} recorded until then\n`);
  }
  const missing = ranksWhose((e) => e === "no trace part");
  if (missing.length > 0) process.stderr.write(`mpi4ts: ${ranksText(missing)} left no trace (ended from outside before writing it)\n`);
  return trace;
}

export function readTrace(file: string): Trace {
  return JSON.parse(readFileSync(file, "utf8")) as Trace;
}
