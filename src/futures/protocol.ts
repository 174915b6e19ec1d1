/**
 * What the head and its workers say to each other, on a communicator of their own (a Dup, so no user message
 * can match): the head sends on CONTROL_TAG, the workers answer on REPLY_TAG. docs/futures.md tells the story.
 */
import type { TaskRef } from "./tasks.js";

export const CONTROL_TAG = 1;
export const REPLY_TAG = 2;

/**
 * Head to worker. `start` opens an executor's session, `stop` ends it (`lost`: a worker of the pool died, so
 * nothing collective over the pool can complete), `exit` ends the worker (static mode).
 */
export type Control =
  | { kind: "start"; initializer: TaskRef | null; initargs: unknown[] }
  | { kind: "task"; id: number; fn: TaskRef; items: unknown[][] }
  | { kind: "stop"; lost: boolean }
  | { kind: "exit" };
/** What ends a worker's serving. */
export type Ending = Extract<Control, { kind: "stop" | "exit" }>;

/** An exception as it crosses: enough to rebuild it on the head with the worker's stack. */
export interface RemoteError { name: string; message: string; stack?: string }

/** Worker to head: one answer to every `start` and every `task`, so the head knows when nothing is in flight. */
export type Reply =
  | { kind: "ready"; rank: number }
  | { kind: "broken"; rank: number; error: RemoteError }
  | { kind: "done"; id: number; rank: number; values: unknown[] }
  | { kind: "failed"; id: number; rank: number; error: RemoteError };

export function remoteError(e: unknown): RemoteError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: `a task threw a non-Error value: ${String(e)}` };
}

/** True while this thread runs a task for a pool: a pool inside a task would wait on its own workers. */
let servingTask = false;
export const inTask = (): boolean => servingTask;
export async function runAsTask<T>(body: () => Promise<T>): Promise<T> {
  servingTask = true;
  try { return await body(); } finally { servingTask = false; }
}
