/**
 * The launcher's live progress lines (MPI.progress): one line per rank that reported, kept at the bottom of the
 * terminal below the ranks' output. Before relayed output is written the board is erased, and it is drawn again
 * after, at most ten times a second; it is erased for good when the job ends, so only the program's own output
 * stays on the screen.
 */
import type { TextSink } from "../local/relay.js";
import type { ProgressUpdate } from "../progress.js";

interface RankProgress { done: number; total: number; label?: string; since: number; firstDone: number; at: number }

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

/** Whether the launcher draws progress: its stdout is a terminal, not in CI, not switched off. */
export function progressWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stdout.isTTY === true && !env.CI && env.MPI4TS_PROGRESS !== "0";
}

export class ProgressBoard {
  readonly #ranks = new Map<number, RankProgress>();
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly terminal: NodeJS.WriteStream) {}

  update(rank: number, update: ProgressUpdate): void {
    if (this.#closed) return;
    const now = Date.now();
    const known = this.#ranks.get(rank);
    // A rank that starts over (done went down) starts a new rate.
    const restart = !known || update.done < known.done;
    this.#ranks.set(rank, {
      done: update.done, total: update.total, ...(update.label !== undefined ? { label: update.label } : {}),
      since: restart ? now : known.since, firstDone: restart ? update.done : known.firstDone, at: now,
    });
    this.#schedule();
  }

  /** A sink that writes `to` with the board erased first and drawn again after. */
  around(to: TextSink): TextSink {
    return {
      write: (text: string) => {
        this.#erase();
        to.write(text);
        this.#schedule();
        return true;
      },
    };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#erase();
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, this.#drawnLines === 0 ? 0 : REDRAW_MS);
    this.#timer.unref();
  }

  #erase(): void {
    if (this.#drawnLines === 0) return;
    this.terminal.write(`\x1b[${this.#drawnLines}A\r\x1b[J`);
    this.#drawnLines = 0;
  }

  #draw(): void {
    this.#erase();
    const width = Math.max(40, (this.terminal.columns || 80) - 1);
    const lines = [...this.#ranks.entries()].sort(([a], [b]) => a - b).map(([rank, p]) => progressLine(rank, p).slice(0, width));
    if (lines.length === 0) return;
    this.terminal.write(`${lines.join("\n")}\n`);
    this.#drawnLines = lines.length;
  }
}

function progressLine(rank: number, p: RankProgress): string {
  const fraction = Math.min(1, p.done / p.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
  const seconds = (p.at - p.since) / 1000;
  const rate = seconds > 0 ? (p.done - p.firstDone) / seconds : 0;
  const eta = fraction >= 1 ? "done" : rate > 0 ? `ETA ${clock((p.total - p.done) / rate)}` : "ETA ?";
  const label = p.label ? `  ${p.label}` : "";
  return `rank ${rank} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  ${count(p.done)}/${count(p.total)}  ${count(rate)}/s  ${eta}${label}`;
}

function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
