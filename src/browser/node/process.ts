/**
 * The `process` of a browser rank (injected by the browser bundle wherever mpi4ts's code or the program names
 * `process`, and node:process): the environment is empty, output goes to the page through the rank's sink,
 * and 'exit' / 'beforeExit' listeners run when the rank's program is done (src/browser/rank.ts).
 */
import type { WebPort } from "../web.js";

type Listener = (...args: unknown[]) => void;

/** Thrown by process.exit to unwind the program: the rank has already told the page its exit code. */
export class RankExit {
  constructor(readonly code: number) {}
}

const listeners = new Map<string, Listener[]>();
let sink: (fd: 1 | 2, text: string) => void = () => {};
let exitHandler: (code: number) => void = () => {};

function stream(fd: 1 | 2) {
  return {
    isTTY: false,
    columns: 80,
    write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
      sink(fd, typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(() => (done as (e: null) => void)(null));
      return true;
    },
    on() { return this; },
    once() { return this; },
  };
}

export const argv: string[] = ["browser", "program.ts"];
export const env: Record<string, string | undefined> = {};
export function cwd(): string { return "/"; }

function add(event: string, fn: Listener, first = false): void {
  const list = listeners.get(event) ?? [];
  if (first) list.unshift(fn);
  else list.push(fn);
  listeners.set(event, list);
}

export const process = {
  argv,
  env,
  cwd,
  platform: "browser",
  version: "",
  versions: {} as Record<string, string>,
  execPath: "browser",
  exitCode: undefined as number | undefined,
  stdout: stream(1),
  stderr: stream(2),
  hrtime: Object.assign((): [number, number] => {
    const ns = hrtimeNs();
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  }, { bigint: hrtimeNs }),
  nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void { queueMicrotask(() => fn(...args)); },
  on(event: string, fn: Listener) { add(event, fn); return process; },
  once(event: string, fn: Listener) {
    const once: Listener = (...args) => { process.off(event, once); fn(...args); };
    add(event, once);
    return process;
  },
  prependListener(event: string, fn: Listener) { add(event, fn, true); return process; },
  prependOnceListener(event: string, fn: Listener) {
    const once: Listener = (...args) => { process.off(event, once); fn(...args); };
    add(event, once, true);
    return process;
  },
  off(event: string, fn: Listener) {
    const list = listeners.get(event);
    const i = list?.indexOf(fn) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    return process;
  },
  removeListener(event: string, fn: Listener) { return process.off(event, fn); },
  listenerCount(event: string): number { return listeners.get(event)?.length ?? 0; },
  emitWarning(warning: string | Error): void { sink(2, `Warning: ${String(warning)}\n`); },
  setSourceMapsEnabled(): void {},
  exit(code?: number): never {
    const status = code ?? process.exitCode ?? 0;
    exitHandler(status);
    throw new RankExit(status);
  },
};

function hrtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** The rank bootstrap's side: where output goes, what exit does, and the listeners to run at the end. */
export const rankProcess = {
  setSink(to: (fd: 1 | 2, text: string) => void): void { sink = to; },
  setExitHandler(to: (code: number) => void): void { exitHandler = to; },
  /** Runs the listeners of `event` once each, in order (a throwing listener does not stop the others). */
  emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(listeners.get(event) ?? [])]) fn(...args);
  },
};

/** Node runs setImmediate callbacks after I/O; a browser's closest is a macrotask. */
export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): { unref(): void; ref(): void } {
  const channel = new MessageChannel() as unknown as { port1: WebPort; port2: WebPort };
  channel.port1.onmessage = () => { channel.port1.close(); fn(...args); };
  channel.port2.postMessage(null);
  return { unref() {}, ref() {} };
}
