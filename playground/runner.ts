/**
 * One Run of a program in the page: compile it, load the browser runtime, start the job, pass its output on,
 * and say how it ended. Shared by the playground page and the <mpi4ts-playground> element.
 */
import type { BrowserJob, BrowserJobOptions } from "../src/browser/job.js";
import type { Trace } from "../src/trace/merge.js";
import { compileProgram, type CompileError } from "./compile.js";
import { RUNTIME_MODULES } from "./site.js";

interface Runtime {
  startJob(options: BrowserJobOptions): BrowserJob;
  /** mpi4ts view's page of a trace, as HTML (for an iframe's srcdoc). */
  timelinePage(trace: Trace): string;
}

export interface RunRequest {
  readonly source: string;
  /** The program's URL on this site (an example's), against which its relative imports resolve. */
  readonly programUrl: string;
  readonly size: number;
  readonly args: readonly string[];
  readonly timeout?: number;
}

export interface RunListener {
  output(rank: number, stream: "stdout" | "stderr", line: string): void;
  /** The launcher's messages, and the playground's own (the compile errors, a missing runtime). */
  report(text: string): void;
  compileErrors(errors: readonly CompileError[]): void;
  /** The job is running (compiled and started). */
  started(): void;
  /** When given, the job records its trace: the timeline page of the trace so far, as it grows, and complete at the end. */
  timeline?(html: string): void;
}

/** Why this page cannot run jobs at all, or undefined when it can. */
export function cannotRunHere(): string | undefined {
  if (!globalThis.crossOriginIsolated) {
    return "This page is not cross-origin isolated, so its ranks cannot share memory. The server must send " +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (npx mpi4ts playground does).";
  }
  return undefined;
}

export class ProgramRunner {
  #job: BrowserJob | undefined;
  #stopped = false;

  get running(): boolean { return this.#job !== undefined; }

  /** Resolves with the exit code: the job's, 1 when it did not compile or start, 130 when stopped. */
  async run(request: RunRequest, listener: RunListener): Promise<number> {
    this.#stopped = false;
    const refusal = cannotRunHere();
    if (refusal) {
      listener.report(refusal);
      return 1;
    }
    const compiled = await compileProgram(request.source, request.programUrl);
    if ("errors" in compiled) {
      listener.compileErrors(compiled.errors);
      return 1;
    }
    if (this.#stopped) return 130;
    let runtime: Runtime;
    try {
      runtime = (await import(RUNTIME_MODULES.mpi4ts!.href)) as Runtime;
    } catch (e) {
      listener.report(`cannot load the browser runtime (${RUNTIME_MODULES.mpi4ts!.pathname}): ${(e as Error).message}; build it with npm run build`);
      return 1;
    }
    const programUrl = URL.createObjectURL(new Blob([compiled.code], { type: "text/javascript" }));
    try {
      if (this.#stopped) return 130;
      this.#job = runtime.startJob({
        size: request.size,
        programUrl,
        programName: decodeURIComponent(new URL(request.programUrl, location.href).pathname.split("/").pop() || "program.ts"),
        args: request.args,
        onOutput: (rank, stream, line) => listener.output(rank, stream, line),
        onReport: (text) => listener.report(text),
        ...(listener.timeline ? { onTrace: (trace: Trace) => listener.timeline!(runtime.timelinePage(trace)) } : {}),
        ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
      });
      if (this.#stopped) this.#job.stop();
      listener.started();
      return await this.#job.done;
    } finally {
      this.#job = undefined;
      URL.revokeObjectURL(programUrl);
    }
  }

  /** Ends the running job at once (or the one about to start). */
  stop(): void {
    this.#stopped = true;
    this.#job?.stop();
  }
}

/** A compile error as a compiler prints it: file:line:column: message. */
export function formatCompileError(error: CompileError): string {
  return `${error.file}${error.line ? `:${error.line}:${error.column}` : ""}: error: ${error.text}`;
}
