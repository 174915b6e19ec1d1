/**
 * The few browser APIs the browser runtime uses, typed here: the project compiles against Node's types only, and
 * the DOM's would leak into every Node module.
 */
export interface WebPort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown, transfer?: unknown[]): void;
  close(): void;
}

export interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "error", listener: (event: { message: string; filename?: string; lineno?: number; preventDefault(): void }) => void): void;
}

export interface WorkerScope {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(type: "error", listener: (event: { error?: unknown; message: string; preventDefault(): void }) => void): void;
  addEventListener(type: "unhandledrejection", listener: (event: { reason: unknown; preventDefault(): void }) => void): void;
}

export function browserNavigator(): { hardwareConcurrency?: number; deviceMemory?: number; userAgent?: string } {
  return (globalThis as unknown as { navigator?: { hardwareConcurrency?: number; deviceMemory?: number; userAgent?: string } }).navigator ?? {};
}

export function newModuleWorker(url: URL, name: string): WebWorker {
  const Worker = (globalThis as unknown as { Worker: new (url: URL, options: { type: "module"; name: string }) => WebWorker }).Worker;
  return new Worker(url, { type: "module", name });
}

export function workerScope(): WorkerScope {
  return globalThis as unknown as WorkerScope;
}

/** Whether this page may share memory between its threads (served cross-origin isolated). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}
