/** node:string_decoder in a browser: UTF-8 only, decoded across split characters. */
export class StringDecoder {
  readonly #decoder = new TextDecoder("utf-8");
  constructor(_encoding = "utf8") {}
  write(bytes: Uint8Array): string { return this.#decoder.decode(bytes, { stream: true }); }
  end(): string { return this.#decoder.decode(); }
}
