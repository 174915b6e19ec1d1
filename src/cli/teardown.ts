/**
 * Ending a job leaves nothing running. A rank blocked in `execSync` cannot be stopped from JavaScript (its thread
 * or process waits inside the child), and mpirun's ranks sit in process groups of their own, so the launcher ends
 * every process it descends from: SIGTERM first, SIGKILL for whatever is left after a grace period. The tree is
 * read before anything is signalled because an orphaned grandchild is re-parented to init and cannot be found
 * from the launcher afterwards.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/** The signals that end a job, with the exit code the launcher then returns (128 + the signal's number). */
export const JOB_SIGNALS = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGTERM: 143 } as const;
export type JobSignal = keyof typeof JOB_SIGNALS;

/** Calls `handler` on any of JOB_SIGNALS instead of dying at once; returns the function that stops listening. */
export function onJobSignals(handler: (signal: JobSignal, exitCode: number) => void): () => void {
  const listeners = (Object.keys(JOB_SIGNALS) as JobSignal[]).map((signal) => {
    const listener = () => handler(signal, JOB_SIGNALS[signal]);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => { for (const [signal, listener] of listeners) process.off(signal, listener); };
}

/** The exit code when the launcher's output is closed under it (128 + SIGPIPE, as a shell pipeline reports). */
export const OUTPUT_CLOSED = 141;

/**
 * Calls `handler` once when the reader of the launcher's stdout or stderr goes away (EPIPE, e.g. `| head`): the job
 * then ends, as a program in a pipeline ends on SIGPIPE, instead of the launcher dying of an unhandled stream
 * error with its ranks left behind. Returns the function that stops listening.
 */
export function onOutputClosed(handler: () => void): () => void {
  let closed = false;
  const listener = (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    if (!closed) { closed = true; handler(); }
  };
  process.stdout.on("error", listener);
  process.stderr.on("error", listener);
  return () => { process.stdout.off("error", listener); process.stderr.off("error", listener); };
}

/** A process as seen once: its start time tells it apart from a later process that reuses the pid. */
interface ProcessEntry { pid: number; ppid: number; started: string; zombie?: boolean }

function processTable(): ProcessEntry[] {
  if (process.platform === "linux") {
    const table: ProcessEntry[] = [];
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const entry = readProcStat(Number(name));
      if (entry) table.push(entry);
    }
    return table;
  }
  const text = execFileSync("ps", ["-A", "-o", "pid=,ppid=,lstart="], { encoding: "utf8" });
  return text.split("\n").filter((l) => l.trim()).map((line) => {
    const [pid, ppid, ...started] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), started: started.join(" ") };
  });
}

function readProcStat(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses; the fields after its last ")" are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(fields[1]), started: fields[19]!, zombie: fields[0] === "Z" };
  } catch {
    return undefined; // it ended while the table was read
  }
}

function descendantsOf(root: number): ProcessEntry[] {
  const table = processTable();
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table) children.set(entry.ppid, [...(children.get(entry.ppid) ?? []), entry]);
  const found: ProcessEntry[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const next: number[] = [];
    for (const pid of queue) for (const child of children.get(pid) ?? []) { found.push(child); next.push(child.pid); }
    queue = next;
  }
  return found;
}

function stillRunning(entry: ProcessEntry): boolean {
  if (process.platform !== "linux") {
    try { process.kill(entry.pid, 0); return true; } catch { return false; }
  }
  const now = readProcStat(entry.pid);
  // An ended child stays a zombie until Node reaps it: it runs nothing.
  return now !== undefined && now.started === entry.started && !now.zombie;
}

function signal(entry: ProcessEntry, name: NodeJS.Signals): void {
  try { process.kill(entry.pid, name); } catch { /* already gone */ }
}

const POLL_MS = 25;

/**
 * Ends every process descended from this one: SIGTERM now, SIGKILL to those still running (including any they
 * started meanwhile) after `graceMs`, or `childGraceMs` for this process's own children. mpirun, a child, exits by
 * itself once its ranks are gone and removes its session directory from the temporary directory, which a SIGKILL
 * would leave behind. Resolves once none of them runs.
 */
export async function endDescendants(graceMs: number, childGraceMs = graceMs): Promise<void> {
  const known = new Map<string, ProcessEntry & { killAt: number }>();
  const started = Date.now();
  const remember = () => {
    for (const e of descendantsOf(process.pid)) {
      const key = `${e.pid}/${e.started}`;
      if (!known.has(key)) known.set(key, { ...e, killAt: started + (e.ppid === process.pid ? childGraceMs : graceMs) });
    }
  };
  remember();
  for (const entry of known.values()) signal(entry, "SIGTERM");
  for (;;) {
    remember();
    for (const [key, entry] of known) if (!stillRunning(entry)) known.delete(key);
    if (known.size === 0) return;
    const now = Date.now();
    for (const entry of known.values()) {
      if (now >= entry.killAt) { signal(entry, "SIGKILL"); entry.killAt = Infinity; }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
