/**
 * Relays a rank's output stream line by line: a line is written whole, never split or interleaved with another
 * rank's, optionally prefixed with "[rank] ".
 */
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

export class LineRelay {
  #pending = "";
  readonly #decoder = new StringDecoder("utf8");
  constructor(source: Readable, private readonly sink: Writable, private readonly prefix: string) {
    source.on("data", (chunk: Buffer) => this.#take(this.#decoder.write(chunk)));
    source.on("end", () => this.flush());
  }

  #take(text: string): void {
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
    const rest = this.#pending + this.#decoder.end();
    this.#pending = "";
    if (rest) this.sink.write(`${this.prefix}${rest}\n`);
  }
}
