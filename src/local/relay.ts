/**
 * Rank output. A rank thread's process.stdout/stderr would wait for the launcher's acknowledgement before passing
 * on more output, which a rank blocked in a receive never processes: its output would appear late or, if the job
 * is then ended, never. So ranks post every write at once on a MessagePort of their own (`captureOutput`), and the
 * launcher relays it line by line (`LineRelay`): a line is written whole, never split or interleaved with another
 * rank's, optionally prefixed with "[rank] ".
 */
import { StringDecoder } from "node:string_decoder";
import type { MessagePort } from "node:worker_threads";

/** What a rank posts: [1 | 2, text] for its output, [PROGRESS, json] for MPI.progress. */
export type OutputMessage = [fd: 1 | 2 | typeof PROGRESS, text: string];
export const PROGRESS = 3;

/** Where a relay writes whole lines: a stream, or the progress board's wrapper around one. */
export interface TextSink { write(text: string): unknown }

/** In a rank: sends everything written to process.stdout and process.stderr through `port`, synchronously. */
export function captureOutput(port: MessagePort): void {
  redirectOutput((fd, text) => port.postMessage([fd, text] satisfies OutputMessage));
}

/**
 * Hands every write to process.stdout/stderr to `deliver` at once, as text (decoded across split characters);
 * returns the function that puts the streams' own write back.
 */
export function redirectOutput(deliver: (fd: 1 | 2, text: string) => void): () => void {
  const originals = [[process.stdout, process.stdout.write], [process.stderr, process.stderr.write]] as const;
  for (const [fd, stream] of [[1, process.stdout], [2, process.stderr]] as const) {
    const decoder = new StringDecoder("utf8");
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), callback?: (e?: Error | null) => void): boolean => {
      const done = typeof encoding === "function" ? encoding : callback;
      const text = typeof chunk === "string"
        ? (typeof encoding === "string" && encoding !== "utf8" && encoding !== "utf-8" ? Buffer.from(chunk, encoding).toString("utf8") : chunk)
        : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (text) deliver(fd, text);
      if (done) queueMicrotask(() => done(null));
      return true;
    }) as typeof stream.write;
  }
  return () => { for (const [stream, write] of originals) stream.write = write; };
}

export class LineRelay {
  #pending = "";
  constructor(private readonly sink: TextSink, private readonly prefix: string) {}

  push(text: string): void {
    const last = text.lastIndexOf("\n");
    if (last < 0) {
      this.#pending += text;
      return;
    }
    const lines = (this.#pending + text.slice(0, last)).split("\n");
    this.#pending = text.slice(last + 1);
    this.sink.write(lines.map((line) => `${this.prefix}${line}\n`).join(""));
  }

  /** Writes a trailing partial line (with a newline) once the rank is done. */
  flush(): void {
    const rest = this.#pending;
    this.#pending = "";
    if (rest) this.sink.write(`${this.prefix}${rest}\n`);
  }
}
