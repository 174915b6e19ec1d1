/**
 * The job's output: one pane per rank, or one pane with every line tagged [rank] in arrival order (a toggle that
 * redraws from the lines kept). Lines reach the DOM as text nodes only, a frame's worth at a time, so a rank that
 * prints in a loop neither injects markup nor floods the page.
 */
export type OutputMode = "ranks" | "interleaved";

interface Line {
  readonly rank: number;
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** Lines kept per job: a program printing forever keeps its last ones. */
const KEPT_LINES = 20_000;

export class OutputView {
  #lines: Line[] = [];
  #dropped = 0;
  #pending: Line[] = [];
  #frame = 0;
  #panes: HTMLElement[] = [];
  #size = 1;

  constructor(private readonly container: HTMLElement, private mode: OutputMode) {}

  /** Empties the view for a job of size ranks. */
  reset(size: number): void {
    this.#lines = [];
    this.#pending = [];
    this.#dropped = 0;
    this.#size = size;
    this.#redraw();
  }

  setMode(mode: OutputMode): void {
    this.#flush();
    this.mode = mode;
    this.#redraw();
  }

  add(rank: number, stream: "stdout" | "stderr", text: string): void {
    this.#pending.push({ rank, stream, text });
    this.#frame ||= requestAnimationFrame(() => this.#flush());
  }

  /** Every line so far as `mpi4ts run --tag-output` prints it, for copying. */
  text(): string {
    this.#flush();
    return this.#lines.map((l) => `[${l.rank}] ${l.text}`).join("\n");
  }

  #flush(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    const fresh = this.#pending;
    this.#pending = [];
    this.#lines.push(...fresh);
    if (this.#lines.length > KEPT_LINES) {
      this.#dropped += this.#lines.length - KEPT_LINES;
      this.#lines.splice(0, this.#lines.length - KEPT_LINES);
      this.#redraw();
    } else {
      for (const line of fresh) this.#append(line);
    }
  }

  #redraw(): void {
    this.container.replaceChildren();
    this.container.className = `output output-${this.mode}`;
    const count = this.mode === "ranks" ? this.#size : 1;
    this.#panes = Array.from({ length: count }, (_, rank) => {
      const pane = document.createElement("div");
      pane.className = "pane";
      const title = document.createElement("div");
      title.className = "pane-title";
      title.textContent = this.mode === "ranks" ? `rank ${rank}` : "all ranks";
      const body = document.createElement("pre");
      body.className = "pane-body";
      body.dataset.rank = this.mode === "ranks" ? String(rank) : "all";
      pane.append(title, body);
      this.container.append(pane);
      return body;
    });
    if (this.#dropped > 0) this.#panes[0]!.append(this.#row(`(${this.#dropped} earlier lines not kept)`, "note"));
    for (const line of this.#lines) this.#append(line);
  }

  #append(line: Line): void {
    const pane = this.mode === "ranks" ? this.#panes[line.rank] : this.#panes[0];
    if (!pane) return;
    pane.append(this.#row(this.mode === "ranks" ? line.text : `[${line.rank}] ${line.text}`, line.stream));
    pane.scrollTop = pane.scrollHeight;
  }

  #row(text: string, kind: string): HTMLElement {
    const row = document.createElement("div");
    row.className = `line ${kind}`;
    row.textContent = text;
    return row;
  }
}
