/**
 * The communication profile (`mpi4ts run --profile`), in the manner of mpiP and IPM, computed from a merged
 * trace, so its numbers are the trace's: per rank the MPI calls, the messages and bytes sent and received, the
 * share of the rank's run time spent inside MPI, and the longest waits with their call, peer and source line.
 */
import type { JobEvent, Trace } from "./merge.js";

export interface Wait { readonly call: string; readonly peer?: number; readonly us: number; readonly site?: string }

export interface RankProfile {
  readonly rank: number;
  readonly host: string;
  readonly calls: number;
  readonly messagesSent: number;
  readonly bytesSent: number;
  readonly messagesReceived: number;
  readonly bytesReceived: number;
  /** µs inside MPI calls, and of that µs waiting (where the engine could tell). */
  readonly mpiUs: number;
  readonly waitUs: number;
  /** µs from the rank's first to its last recorded moment. */
  readonly runUs: number;
  readonly longestWaits: readonly Wait[];
}

export interface CallProfile { readonly call: string; readonly count: number; readonly us: number }

export interface Profile {
  readonly engine: string;
  readonly ranks: readonly RankProfile[];
  /** Every call name, most time first, summed over ranks. */
  readonly calls: readonly CallProfile[];
}

const LONGEST = 3;

/** Spans of MPI calls (not the program's own spans, not the markers where an awaited receive completed). */
export function isCallSpan(e: JobEvent): boolean {
  return e.ph === "X" && e.cat !== "user" && e.name !== "receive completed";
}

export function profileOf(trace: Trace): Profile {
  const meta = trace.mpi4ts;
  const byRank = Array.from({ length: meta.size }, () => [] as JobEvent[]);
  for (const e of trace.traceEvents) if (e.ph !== "M") byRank[e.pid]?.push(e);
  const calls = new Map<string, { count: number; us: number }>();
  const ranks = byRank.map((events, rank): RankProfile => {
    let n = 0, sent = 0, bytesSent = 0, received = 0, bytesReceived = 0, mpiUs = 0, waitUs = 0;
    let first = Infinity, last = -Infinity;
    const waits: Wait[] = [];
    for (const e of events) {
      first = Math.min(first, e.ts);
      last = Math.max(last, e.ts + (e.dur ?? 0));
      const bytes = Number(e.args?.bytes ?? 0);
      if (e.ph === "s") { sent++; bytesSent += bytes; }
      else if (e.ph === "f") { received++; bytesReceived += bytes; }
      else if (isCallSpan(e)) {
        n++;
        mpiUs += e.dur ?? 0;
        const c = calls.get(e.name) ?? { count: 0, us: 0 };
        c.count++;
        c.us += e.dur ?? 0;
        calls.set(e.name, c);
        const waited = e.args?.wait_us;
        if (typeof waited === "number") {
          waitUs += waited;
          waits.push({ call: e.name, us: waited, ...(typeof e.args?.peer === "number" ? { peer: e.args.peer } : {}), ...(typeof e.args?.site === "string" ? { site: e.args.site } : {}) });
        }
      }
    }
    waits.sort((a, b) => b.us - a.us);
    return {
      rank, host: meta.hosts[rank] ?? "?", calls: n, messagesSent: sent, bytesSent, messagesReceived: received, bytesReceived,
      mpiUs, waitUs, runUs: Number.isFinite(first) ? last - first : 0, longestWaits: waits.slice(0, LONGEST),
    };
  });
  const callList = [...calls].map(([call, c]) => ({ call, ...c })).sort((a, b) => b.us - a.us);
  return { engine: meta.engine, ranks, calls: callList };
}

function time(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${us.toFixed(1)} µs`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)].map((l) => `  ${l}\n`).join("");
}

export function formatProfile(p: Profile): string {
  let out = `mpi4ts profile: ${p.ranks.length} ranks, ${p.engine} engine\n`;
  out += table(
    ["rank", "host", "calls", "sent", "bytes sent", "received", "bytes recv", "in MPI", "waiting", "% MPI"],
    p.ranks.map((r) => [
      String(r.rank), r.host, String(r.calls), String(r.messagesSent), String(r.bytesSent), String(r.messagesReceived),
      String(r.bytesReceived), time(r.mpiUs), time(r.waitUs), r.runUs > 0 ? `${((100 * r.mpiUs) / r.runUs).toFixed(1)}%` : "-",
    ]),
  );
  out += "calls by time (all ranks):\n";
  out += table(["call", "count", "time"], p.calls.slice(0, 10).map((c) => [c.call, String(c.count), time(c.us)]));
  out += "longest waits:\n";
  for (const r of p.ranks) {
    for (const w of r.longestWaits) {
      out += `  rank ${r.rank}: ${time(w.us)} in ${w.call}${w.peer !== undefined ? ` (peer ${w.peer})` : ""}${w.site ? ` at ${w.site}` : ""}\n`;
    }
  }
  return out;
}
