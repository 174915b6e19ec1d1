/**
 * The launcher of a browser job (job.ts), on the page's own thread, which never blocks: makes the job's shared
 * memory, starts one module Web Worker per rank (rank.ts), hands each rank's output to the page line by line,
 * and supervises as `mpi4ts run` does (src/local/world.ts): the first failure, non-zero exit or Abort ends every
 * rank; a deadlock (every rank blocked, nothing in flight) is reported with what each rank waits for. Ending a
 * job terminates its workers, so a rank that loops forever stops too.
 */
import { MPIError } from "../errors.js";
import { DOORBELL, FINISHED, JOB_ABORT, STATE, abortWord, inboxView, jobBytes, jobHeader, planLayout, readAbortWord } from "../local/layout.js";
import { LineRelay } from "../local/relay.js";
import { createHeap } from "../local/heap.js";
import { describeBlocked, unmatchedCollectives, watchForDeadlock } from "../local/supervise.js";
import { MAX_BROWSER_RANKS, type BrowserJob, type BrowserJobOptions } from "./job.js";
import type { BrowserRankStart, FromBrowserRank } from "./rank.js";
import { mergeParts, type Trace } from "../trace/merge.js";
import { type OpenCall, type TraceEvent, type TracePart, unfinishedCall } from "../trace/recorder.js";
import { canShareMemory, newModuleWorker, type WebWorker } from "./web.js";

/** What `done` resolves with after stop(), as a shell reports a job ended by Ctrl-C. */
export const STOPPED = 130;
const TIMED_OUT = 124;
/** How often a live trace is merged and handed to the page at most. */
const TRACE_EVERY_MS = 250;

export function startJob(options: BrowserJobOptions): BrowserJob {
  const { size, programUrl, onOutput } = options;
  if (!Number.isInteger(size) || size < 1 || size > MAX_BROWSER_RANKS) {
    throw new MPIError("ERR_ARG", `a browser job has 1 to ${MAX_BROWSER_RANKS} ranks, not ${String(size)}`);
  }
  if (typeof programUrl !== "string" || programUrl === "") throw new MPIError("ERR_ARG", "startJob needs the program's URL (programUrl)");
  if (typeof onOutput !== "function") throw new MPIError("ERR_ARG", "startJob needs onOutput(rank, stream, line)");
  if (!canShareMemory()) {
    throw new MPIError("ERR_UNSUPPORTED_OPERATION",
      "this page cannot share memory between threads: serve it cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)");
  }
  const report = (text: string) => options.onReport?.(text.endsWith("\n") ? text.slice(0, -1) : text);

  const layout = planLayout(size, size, true);
  const sab = new SharedArrayBuffer(jobBytes(layout));
  const heap = createHeap();
  const header = jobHeader(sab);
  const inboxes = Array.from({ length: size }, (_, r) => inboxView(sab, layout, r));
  const workers: WebWorker[] = [];
  const relays: LineRelay[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  let live = size;
  let exitCode = 0;
  let ending = false;
  let settle!: (code: number) => void;
  const done = new Promise<number>((resolve) => { settle = resolve; });
  const trace = options.onTrace && new LiveTrace(size, options.onTrace);

  const finish = (ending?: string) => {
    for (const t of timers) clearTimeout(t);
    for (const relay of relays) relay.flush();
    const unmatched = ending === undefined && exitCode === 0 ? unmatchedCollectives(sab, layout) : undefined;
    if (unmatched) report(`mpi4ts: warning: ${unmatched}`);
    trace?.complete(ending ?? "ended with the job");
    settle(exitCode);
  };

  /** Ends the whole job with `code` (the first reason wins): every rank's worker is terminated at once. */
  const endJob = (code: number, message?: string) => {
    if (ending) return;
    ending = true;
    exitCode = code;
    if (message) report(message);
    Atomics.compareExchange(header, JOB_ABORT, 0, abortWord(-1, code));
    for (const inbox of inboxes) Atomics.notify(inbox.control, DOORBELL);
    for (const worker of workers) worker.terminate();
    finish(code === STOPPED ? "stopped from the page" : `ended with the job (exit code ${code})`);
  };

  const rankEnded = (rank: number, code: number) => {
    workers[rank]!.terminate();
    Atomics.store(inboxes[rank]!.control, STATE, FINISHED);
    for (const inbox of inboxes) Atomics.notify(inbox.control, DOORBELL);
    const abortState = Atomics.load(header, JOB_ABORT);
    if (!ending && abortState !== 0) endJob(readAbortWord(abortState).code);
    else if (!ending && code !== 0) endJob(code, `mpi4ts: rank ${rank} exited with code ${code}; ending the job`);
    if (--live === 0 && !ending) finish();
  };

  const rankFailed = (rank: number, error: string) => {
    // A rank woken by another's Abort fails with ERR_ABORTED, maybe before the aborter's exit is heard: Abort's code wins.
    const abortState = Atomics.load(header, JOB_ABORT);
    if (abortState !== 0) return endJob(readAbortWord(abortState).code);
    endJob(1, `mpi4ts: rank ${rank} failed:\n${error}\nmpi4ts: ending the job (${size} rank${size === 1 ? "" : "s"})`);
  };

  const workerUrl = new URL("./rank.js", import.meta.url);
  for (let rank = 0; rank < size; rank++) {
    const line = (stream: "stdout" | "stderr") => ({
      write: (text: string) => {
        const lines = text.split("\n");
        lines.pop(); // LineRelay writes whole lines, each ending in a newline
        for (const l of lines) onOutput(rank, stream, l);
      },
    });
    const out = new LineRelay(line("stdout"), "");
    const err = new LineRelay(line("stderr"), "");
    relays.push(out, err);
    const worker = newModuleWorker(workerUrl, `rank ${rank}`);
    workers.push(worker);
    worker.addEventListener("message", ({ data }) => {
      if (ending) return;
      const message = data as FromBrowserRank;
      if (Array.isArray(message)) (message[0] === 1 ? out : err).push(message[1]);
      else if ("tracePart" in message) trace?.part(rank, message.tracePart);
      else if ("traceLive" in message) trace?.live(rank, message.traceLive.head, message.traceLive.events, message.traceLive.open);
      else if ("exit" in message) {
        out.flush();
        err.flush();
        rankEnded(rank, message.exit);
      } else {
        rankFailed(rank, message.failed);
      }
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (!ending) rankFailed(rank, `${event.message}${event.filename ? ` (${event.filename}:${event.lineno ?? 0})` : ""}`);
    });
    worker.postMessage({
      sab, heap, layout, rank, programUrl, programName: options.programName ?? "program.ts", args: [...(options.args ?? [])], ...(trace ? { traceJob: trace.jobId } : {}),
    } satisfies BrowserRankStart);
  }

  if (options.timeout !== undefined) {
    timers.push(setTimeout(() => endJob(TIMED_OUT, `mpi4ts: the job exceeded its timeout of ${options.timeout} s${describeBlocked(inboxes)}`), options.timeout * 1000));
  }
  if (options.deadlockCheck !== false) timers.push(watchForDeadlock(inboxes, (text) => endJob(1, text)));

  return {
    done,
    stop: () => endJob(STOPPED, `mpi4ts: stopped; ending every rank${describeBlocked(inboxes)}`),
  };
}

/**
 * The job's trace as the ranks' parts grow (live events, then each rank's whole part as it ends), merged for the
 * page. A call a rank is in (blocked, most often) shows as a span to the trace's end, as a killed rank's does.
 */
class LiveTrace {
  readonly jobId = crypto.randomUUID();
  readonly #parts: (TracePart | undefined)[];
  readonly #open: (OpenCall | undefined)[];
  /** The events each running rank has sent so far (its part's, grown by every delivery). */
  readonly #liveEvents: (TraceEvent[] | undefined)[];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #completed = false;

  constructor(size: number, private readonly deliver: (trace: Trace) => void) {
    this.#parts = new Array(size).fill(undefined);
    this.#open = new Array(size).fill(undefined);
    this.#liveEvents = new Array(size).fill(undefined);
  }

  live(rank: number, head: Omit<TracePart, "events">, events: TraceEvent[], open: OpenCall | undefined): void {
    // Appended in place: copying every event kept on each delivery would cost quadratic time over a long run.
    const kept = this.#liveEvents[rank];
    if (kept) for (const event of events) kept.push(event);
    else this.#liveEvents[rank] = events;
    this.#parts[rank] = { ...head, events: kept ?? events };
    this.#open[rank] = open;
    this.#soon();
  }

  part(rank: number, part: TracePart): void {
    this.#parts[rank] = part;
    this.#open[rank] = undefined;
    this.#liveEvents[rank] = undefined;
    this.#soon();
  }

  /** The last delivery: ranks that never sent their whole part end as `ending` says. */
  complete(ending: string): void {
    if (this.#completed) return;
    this.#completed = true;
    clearTimeout(this.#timer);
    this.deliver(this.#merge(ending));
  }

  #merge(ending?: string): Trace {
    return mergeParts(this.#parts.map((part, rank) => {
      if (part?.ending !== "running") return part;
      const open = this.#open[rank];
      const events = open ? [...part.events, unfinishedCall(open, ending ? `the rank was still in this call (${ending})` : "the rank is in this call now")] : part.events;
      return { ...part, events, ...(ending ? { ending } : {}) };
    }));
  }

  #soon(): void {
    if (this.#timer !== undefined || this.#completed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#completed) this.deliver(this.#merge());
    }, TRACE_EVERY_MS);
  }
}
