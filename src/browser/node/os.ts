/** node:os in a browser rank: what the page can tell about its machine. */
import { browserNavigator } from "../web.js";

export const EOL = "\n";
export function hostname(): string { return "browser"; }
export function availableParallelism(): number { return browserNavigator().hardwareConcurrency || 1; }
/** navigator.deviceMemory (GiB, Chromium only, rounded down to a power of two), else 4 GiB. */
export function totalmem(): number {
  return (browserNavigator().deviceMemory ?? 4) * 2 ** 30;
}
export function tmpdir(): string { return "/tmp"; }
export function arch(): string { return "wasm"; }
