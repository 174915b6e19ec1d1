/**
 * The Run and Stop of one editor: what the page and the element share. Run clears the last run's output,
 * compiles and starts the program, shows compile errors in the report and on their lines, and the exit code;
 * Stop ends the job at once. The buttons say which of the two can be pressed.
 */
import type { ProgramEditor } from "./editor.js";
import type { OutputView } from "./output.js";
import { ProgramRunner, formatCompileError } from "./runner.js";

export interface SessionParts {
  readonly editor: ProgramEditor;
  readonly output: OutputView;
  readonly report: HTMLElement;
  readonly status: HTMLElement;
  readonly exit: HTMLElement;
  readonly runButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  /** Where the run's message timeline is drawn live, if anywhere. */
  readonly timeline?: HTMLIFrameElement;
}

export interface JobSettings {
  readonly programUrl: string;
  readonly size: number;
  readonly args: readonly string[];
  readonly timeout?: number;
  /** Record the trace and draw the timeline (needs parts.timeline). */
  readonly trace?: boolean;
}

export class RunSession {
  readonly #runner = new ProgramRunner();

  constructor(private readonly parts: SessionParts) {
    parts.stopButton.addEventListener("click", () => this.stop());
    this.#idle("Ready.");
  }

  /** Runs the editor's text; resolves with the exit code. */
  async run(settings: JobSettings): Promise<number> {
    const { editor, output, report, exit, runButton, stopButton, timeline } = this.parts;
    if (this.#runner.running) return -1;
    output.reset(settings.size);
    report.textContent = "";
    exit.textContent = "";
    editor.markErrors([]);
    if (timeline) {
      timeline.hidden = true;
      timeline.srcdoc = "";
    }
    runButton.disabled = true;
    stopButton.disabled = false;
    this.#status("Compiling…");
    const appendReport = (text: string) => { report.textContent += `${text.replace(/\n$/, "")}\n`; };
    let code: number, compiled = true;
    try {
      code = await this.#runner.run({ source: editor.text(), ...settings }, {
        output: (rank, stream, line) => output.add(rank, stream, line),
        report: appendReport,
        compileErrors: (errors) => {
          compiled = false;
          for (const error of errors) appendReport(formatCompileError(error));
          editor.markErrors(errors.filter((e) => e.inProgram).map((e) => e.line));
        },
        started: () => this.#status(`Running on ${settings.size} rank${settings.size === 1 ? "" : "s"}…`),
        ...(timeline && settings.trace ? {
          timeline: (html: string) => {
            timeline.hidden = false;
            timeline.srcdoc = html;
          },
        } : {}),
      });
    } catch (e) {
      appendReport(`the playground failed: ${(e as Error).message}`);
      code = 1;
    }
    output.flush();
    exit.textContent = `exit code ${code}`;
    exit.dataset.code = String(code);
    this.#idle(!compiled ? "Not run: the program does not compile." : code === 130 ? "Stopped." : "Done.");
    return code;
  }

  stop(): void {
    this.#runner.stop();
  }

  /** Says why this program is not run (it needs Node), without running anything. */
  refuse(text: string): void {
    this.parts.report.textContent = text;
    this.parts.exit.textContent = "";
    this.#status(text, "refused");
  }

  /** A neutral word in the status line. */
  say(text: string): void {
    this.#status(text);
  }

  #idle(text: string): void {
    this.parts.runButton.disabled = false;
    this.parts.stopButton.disabled = true;
    this.#status(text);
  }

  #status(text: string, kind = ""): void {
    this.parts.status.textContent = text;
    this.parts.status.className = kind;
  }
}
