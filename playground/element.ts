/**
 * <mpi4ts-playground src="ring.ts" ranks="4" args="..."> for course pages: a runnable example (editor, Run,
 * Stop, the output with [rank] tags, the report, the exit code) from one <script type="module" src="element.js">.
 * src is relative to the page (its relative imports to src); without src the element's own text is the program
 * (or that of a <script type="text/typescript"> inside it).
 * It lives in a shadow root, so the course page's styles and this element's cannot meet.
 */
import { MAX_BROWSER_RANKS } from "../src/browser/job.js";
import { loadSource } from "./catalog.js";
import { createEditor } from "./editor.js";
import { OutputView } from "./output.js";
import { cannotRunHere } from "./runner.js";
import { RunSession } from "./session.js";

const STYLE = `
:host { display: block; font: 13px system-ui, sans-serif; border: 1px solid #ccc; margin: 1em 0; color: #222; }
.bar { display: flex; gap: 10px; align-items: center; padding: 4px 8px; background: #f6f6f6; border-bottom: 1px solid #ccc; }
button { font: inherit; padding: 2px 12px; }
.refused { color: #a40000; font-weight: 600; }
.exit { font-weight: 600; margin-left: auto; }
.editor { height: var(--mpi4ts-editor-height, 16em); }
.report { margin: 0; padding: 6px; background: #fff6e0; font: 12px ui-monospace, monospace; white-space: pre-wrap; }
.report:empty { display: none; }
.pane-title { display: none; }
.pane-body { margin: 0; padding: 4px 8px; max-height: 16em; overflow: auto; font: 12px ui-monospace, monospace; }
.line.stderr { color: #a40000; }
`;

class PlaygroundElement extends HTMLElement {
  #started = false;

  connectedCallback(): void {
    if (this.#started) return;
    this.#started = true;
    const shadow = this.attachShadow({ mode: "open" });
    const part = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ""): HTMLElementTagNameMap[K] => {
      const node = document.createElement(tag);
      node.className = className;
      node.textContent = text;
      return node;
    };
    const style = document.createElement("style");
    style.textContent = STYLE;
    const runButton = part("button", "run", "Run");
    const stopButton = part("button", "stop", "Stop");
    const size = Number(this.getAttribute("ranks") ?? 4);
    const status = part("span", "status");
    const exit = part("span", "exit");
    const bar = part("div", "bar");
    bar.append(runButton, stopButton, part("span", "ranks", `${size} ranks`), status, exit);
    const editorBox = part("div", "editor");
    const report = part("pre", "report");
    const outputBox = part("div", "output");
    shadow.append(style, bar, editorBox, report, outputBox);

    // A <script type="text/typescript"> child keeps "<" and "&" as they are; plain text works for simple programs.
    const inline = (this.querySelector("script")?.textContent ?? this.textContent ?? "").trim();
    const src = this.getAttribute("src");
    const programUrl = new URL(src ?? "program.ts", document.baseURI).href;
    const editor = createEditor(editorBox, src ? "// loading…" : inline, { onRun: () => runButton.click(), root: shadow });
    const session = new RunSession({ editor, output: new OutputView(outputBox, "interleaved"), report, status, exit, runButton, stopButton });
    const args = (this.getAttribute("args") ?? "").split(/\s+/).filter(Boolean);
    const refusal = cannotRunHere() ??
      (Number.isInteger(size) && size >= 1 && size <= MAX_BROWSER_RANKS ? undefined : `ranks="${this.getAttribute("ranks")}": expected 1 to ${MAX_BROWSER_RANKS}`);
    runButton.addEventListener("click", () => {
      if (refusal) session.refuse(refusal);
      else void session.run({ programUrl, size, args });
    });
    if (refusal) session.refuse(refusal);
    if (src) {
      loadSource(new URL(programUrl))
        .then((text) => { editor.setText(text); this.dataset.ready = "true"; })
        .catch((e: unknown) => session.refuse(`cannot load ${src}: ${(e as Error).message}`));
    } else {
      this.dataset.ready = "true";
    }
  }
}

if (!customElements.get("mpi4ts-playground")) customElements.define("mpi4ts-playground", PlaygroundElement);
