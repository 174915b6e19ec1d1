/**
 * Future: the pending outcome of one task (Python's concurrent.futures.Future, as mpi4py.futures returns it), and
 * the helpers over many futures (asCompleted, wait). The head settles futures; user code only observes them.
 */
import { MPIError } from "../errors.js";

export type FutureState = "PENDING" | "RUNNING" | "CANCELLED" | "FINISHED";

/** A wait that took longer than its `timeout` (Python's TimeoutError). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** The result of a cancelled future (Python's CancelledError). */
export class CancelledError extends Error {
  override name = "CancelledError";
}

/**
 * The pool cannot run tasks any more (mpi4py.futures.BrokenExecutor): a worker's initializer failed, or the
 * workers are gone. `rank` names the worker that broke it, when one did.
 */
export class BrokenExecutor extends Error {
  override name = "BrokenExecutor";
  constructor(message: string, readonly rank?: number) { super(message); }
}

/**
 * A task's own exception, as the worker saw it: the same name and message, the worker's stack (source-mapped to
 * the user's .ts lines there) and the worker's rank.
 */
export class TaskError extends Error {
  constructor(name: string, message: string, readonly rank: number, remoteStack: string | undefined) {
    super(message);
    this.name = name;
    this.stack = `${remoteStack ?? `${name}: ${message}`}\n    (raised by the task on worker rank ${rank})`;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Seconds of a `timeout` argument, checked (undefined: no limit). */
export function checkTimeout(call: string, timeout: number | undefined): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new MPIError("ERR_ARG", `${call}: timeout must be a number of seconds >= 0 or undefined, got ${String(timeout)}`);
  }
  return timeout;
}

/** `promise`, or a TimeoutError after `timeout` seconds (the promise itself goes on). */
export function withTimeout<T>(promise: Promise<T>, timeout: number | undefined, what: string): Promise<T> {
  if (timeout === undefined || timeout === Infinity) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what} did not complete within ${timeout} s`)), timeout * 1000);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

export class Future<T = unknown> implements PromiseLike<T> {
  #state: FutureState = "PENDING";
  #outcome: Outcome<T> | undefined;
  #callbacks: (() => void)[] = [];
  #settled: Promise<void>;
  #settle!: () => void;
  /** Called when the future is cancelled before it started (the executor drops it from its queue). */
  readonly #onCancel: (() => void) | undefined;

  /** @internal Futures are made by an executor's submit/map. */
  constructor(onCancel?: () => void) {
    this.#onCancel = onCancel;
    this.#settled = new Promise<void>((resolve) => { this.#settle = resolve; });
  }

  done(): boolean { return this.#state === "CANCELLED" || this.#state === "FINISHED"; }
  running(): boolean { return this.#state === "RUNNING"; }
  cancelled(): boolean { return this.#state === "CANCELLED"; }

  /** Cancels a task that has not started: true if it is (now) cancelled, false once it runs or ran. */
  cancel(): boolean {
    if (this.#state === "RUNNING" || this.#state === "FINISHED") return false;
    if (this.#state === "CANCELLED") return true;
    this.#state = "CANCELLED";
    this.#onCancel?.();
    this.#finish();
    return true;
  }

  /** The task's value; rejects with its exception, CancelledError, or TimeoutError after `timeout` seconds. */
  async result(timeout?: number): Promise<T> {
    await withTimeout(this.#settled, checkTimeout("Future.result", timeout), "Future.result");
    if (this.#state === "CANCELLED") throw new CancelledError("the future was cancelled");
    const outcome = this.#outcome!;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** The task's exception (undefined if it succeeded); rejects with CancelledError or TimeoutError. */
  async exception(timeout?: number): Promise<unknown> {
    await withTimeout(this.#settled, checkTimeout("Future.exception", timeout), "Future.exception");
    if (this.#state === "CANCELLED") throw new CancelledError("the future was cancelled");
    return this.#outcome!.ok ? undefined : this.#outcome!.error;
  }

  /** Calls `fn(future)` once the future is done (at once if it is). */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== "function") throw new MPIError("ERR_ARG", `Future.addDoneCallback: fn must be a function, got ${typeof fn}`);
    if (this.done()) fn(this);
    else this.#callbacks.push(() => fn(this));
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }

  /** @internal The executor sent the task to a worker: it can no longer be cancelled. */
  setRunning(): boolean {
    if (this.#state !== "PENDING") return false;
    this.#state = "RUNNING";
    return true;
  }
  /** @internal */
  setResult(value: T): void { this.#complete({ ok: true, value }); }
  /** @internal */
  setException(error: unknown): void { this.#complete({ ok: false, error }); }

  /** @internal Resolves when the future is done, whatever its outcome. */
  whenDone(): Promise<void> { return this.#settled; }

  #complete(outcome: Outcome<T>): void {
    if (this.done()) return;
    this.#state = "FINISHED";
    this.#outcome = outcome;
    this.#finish();
  }

  #finish(): void {
    this.#settle();
    for (const fn of this.#callbacks.splice(0)) {
      try { fn(); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }
}

/** A future as asCompleted yields it: done, its value through result(). */
export type CompletedFuture<T> = Omit<Future<T>, "then">;

function checkFutures(call: string, futures: Iterable<Future<unknown>>): Future<unknown>[] {
  if (futures === null || typeof (futures as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
    throw new MPIError("ERR_ARG", `${call}: futures must be an iterable of Future, got ${typeof futures}`);
  }
  const list = [...new Set(futures)];
  const stranger = list.findIndex((f) => !(f instanceof Future));
  if (stranger >= 0) throw new MPIError("ERR_ARG", `${call}: futures[${stranger}] is not a Future`);
  return list;
}

/**
 * Yields each future as it completes (finished or cancelled); TimeoutError if some are not done `timeout` seconds
 * after the call. (A hand-made iterator: an async generator would await each yielded future, since it is awaitable;
 * and the futures are typed without `then`, since TypeScript's `for await` types would unwrap them too: read each
 * one's value with `result()`.)
 */
export function asCompleted<T>(futures: Iterable<Future<T>>, timeout?: number): AsyncIterableIterator<CompletedFuture<T>> {
  const pending = new Set(checkFutures("asCompleted", futures as Iterable<Future<unknown>>) as Future<T>[]);
  const limit = checkTimeout("asCompleted", timeout);
  const end = limit === undefined ? Infinity : Date.now() + limit * 1000;
  const ready: Future<T>[] = [];
  const iterator: AsyncIterableIterator<CompletedFuture<T>> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<CompletedFuture<T>, undefined>> {
      if (ready.length === 0 && pending.size > 0) {
        const left = end === Infinity ? undefined : Math.max(0, (end - Date.now()) / 1000);
        await withTimeout(Promise.race([...pending].map((f) => f.whenDone())), left, `asCompleted: ${pending.size} of the futures`);
        for (const f of pending) if (f.done()) { pending.delete(f); ready.push(f); }
      }
      const f = ready.shift();
      return f === undefined ? { done: true, value: undefined } : { done: false, value: f };
    },
    async return(): Promise<IteratorResult<CompletedFuture<T>, undefined>> {
      pending.clear();
      ready.length = 0;
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED";
export const FIRST_COMPLETED = "FIRST_COMPLETED", FIRST_EXCEPTION = "FIRST_EXCEPTION", ALL_COMPLETED = "ALL_COMPLETED";

export interface WaitOptions { timeout?: number; returnWhen?: ReturnWhen }
export interface DoneAndNotDone<T> { done: Set<Future<T>>; notDone: Set<Future<T>> }

/**
 * Waits until the futures meet `returnWhen` (default ALL_COMPLETED) or `timeout` seconds pass, and returns which
 * are done and which are not (concurrent.futures.wait); a timeout is not an error here.
 */
export async function wait<T>(futures: Iterable<Future<T>>, options: WaitOptions = {}): Promise<DoneAndNotDone<T>> {
  const list = checkFutures("wait", futures as Iterable<Future<unknown>>) as Future<T>[];
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen)) {
    throw new MPIError("ERR_ARG", `wait: returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`);
  }
  const timeout = checkTimeout("wait", options.timeout);
  // One callback per future, not a scan of the list per completion: wait over 20000 futures stays linear.
  const met = new Promise<void>((resolve) => {
    let left = list.length;
    if (left === 0) resolve();
    for (const f of list) {
      void f.whenDone().then(async () => {
        left--;
        const failed = returnWhen === FIRST_EXCEPTION && !f.cancelled() && (await f.exception()) !== undefined;
        if (left === 0 || returnWhen === FIRST_COMPLETED || failed) resolve();
      });
    }
  });
  await withTimeout(met, timeout, "wait").catch((e: unknown) => { if (!(e instanceof TimeoutError)) throw e; });
  const done = new Set(list.filter((f) => f.done()));
  return { done, notDone: new Set(list.filter((f) => !done.has(f))) };
}
