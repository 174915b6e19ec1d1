/**
 * The job's output: one pane per rank, or one pane with every line tagged [rank] in arrival order (a toggle that
 * redraws from the lines kept). Lines reach the DOM as text nodes only, a frame's worth at a time and each pane
 * holding its last lines only, so a rank that prints in a loop neither injects markup nor floods the page.
 */
export type OutputMode = "ranks" | "interleaved";

interface Line {
  readonly rank: number;
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** Lines kept for a redraw, and shown per pane: a program printing forever shows its last ones. */
const KEPT_LINES = 20_000;
const PANE_LINES = 5_000;

export class OutputView {
  #lines: Line[] = [];
  #pending: Line[] = [];
  #frame = 0;
  #panes: { title: HTMLElement; body: HTMLElement; label: string }[] = [];
  #size = 1;

  constructor(private readonly container: HTMLElement, private mode: OutputMode) {}

  /** Empties the view for a job of size ranks. */
  reset(size: number): void {
    this.#lines = [];
    this.#pending = [];
    this.#size = size;
    this.#redraw();
  }

  setMode(mode: OutputMode): void {
    this.flush();
    this.mode = mode;
    this.#redraw();
  }

  add(rank: number, stream: "stdout" | "stderr", text: string): void {
    this.#pending.push({ rank, stream, text });
    this.#frame ||= requestAnimationFrame(() => this.flush());
  }

  /** Shows the lines still waiting for the next frame (before the exit code, which comes after them). */
  flush(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    const fresh = this.#pending;
    this.#pending = [];
    this.#lines.push(...fresh);
    if (this.#lines.length > KEPT_LINES) this.#lines.splice(0, this.#lines.length - KEPT_LINES);
    this.#show(fresh);
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
      const label = this.mode === "ranks" ? `rank ${rank}` : "all ranks";
      title.textContent = label;
      const body = document.createElement("pre");
      body.className = "pane-body";
      body.dataset.rank = this.mode === "ranks" ? String(rank) : "all";
      pane.append(title, body);
      this.container.append(pane);
      return { title, body, label };
    });
    this.#show(this.#lines);
  }

  /** Appends lines to their panes: one DOM insertion and one scroll per pane. */
  #show(lines: readonly Line[]): void {
    const batches = new Map<number, DocumentFragment>();
    for (const line of lines) {
      const index = this.mode === "ranks" ? line.rank : 0;
      if (!this.#panes[index]) continue;
      let batch = batches.get(index);
      if (!batch) batches.set(index, (batch = document.createDocumentFragment()));
      const row = document.createElement("div");
      row.className = `line ${line.stream}`;
      row.textContent = this.mode === "ranks" ? line.text : `[${line.rank}] ${line.text}`;
      batch.append(row);
    }
    for (const [index, batch] of batches) {
      const pane = this.#panes[index]!;
      pane.body.append(batch);
      if (pane.body.childElementCount > PANE_LINES) {
        while (pane.body.childElementCount > PANE_LINES) pane.body.firstElementChild!.remove();
        pane.title.textContent = `${pane.label} (the last ${PANE_LINES} lines)`;
      }
      pane.body.scrollTop = pane.body.scrollHeight;
    }
  }
}
