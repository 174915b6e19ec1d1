/**
 * mpi4ts/pool: mpi4py.util.pool (Python's multiprocessing.Pool interface) on top of mpi4ts/futures' PoolExecutor:
 * every call becomes the executor's submit or map, so both share one scheduler, one protocol and one set of
 * errors. Python blocks where JavaScript awaits: `apply`, `map`, `starmap` and `join` return promises.
 */
/// <reference lib="esnext.disposable" />
import { MPIError } from "./errors.js";
import { PoolExecutor, type Iterables } from "./futures/executor.js";
import { Future, TimeoutError, checkTimeout, withTimeout } from "./futures/future.js";
import type { TaskFunction } from "./futures/tasks.js";

type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

export interface AsyncCallbacks<R> {
  callback?: (value: R) => void;
  errorCallback?: (error: unknown) => void;
}

/** The pending result of applyAsync/mapAsync (multiprocessing.pool.AsyncResult). */
export class AsyncResult<R> {
  readonly #future: Future<R>;
  /** @internal */
  constructor(future: Future<R>, callbacks: AsyncCallbacks<R>) {
    this.#future = future;
    future.addDoneCallback((f) => {
      if (f.cancelled()) return;
      void f.exception().then((e) => (e === undefined ? f.result().then((v) => callbacks.callback?.(v)) : callbacks.errorCallback?.(e)));
    });
  }
  /** The value; rejects with the task's exception, or TimeoutError after `timeout` seconds. */
  get(timeout?: number): Promise<R> { return this.#future.result(timeout); }
  /** Resolves when the result is ready, or after `timeout` seconds (without an error). */
  async wait(timeout?: number): Promise<void> {
    await withTimeout(this.#future.exception().then(() => undefined, () => undefined), checkTimeout("AsyncResult.wait", timeout), "AsyncResult.wait")
      .catch((e: unknown) => { if (!(e instanceof TimeoutError)) throw e; });
  }
  ready(): boolean { return this.#future.done(); }
  /** Whether the call completed without an exception; an error (ERR_OTHER) while it is not ready, as in Python. */
  async successful(): Promise<boolean> {
    if (!this.ready()) throw new MPIError("ERR_OTHER", "AsyncResult.successful: the result is not ready");
    return (await this.#future.exception()) === undefined;
  }
}

export class Pool {
  readonly #executor: PoolExecutor;
  #state: "RUN" | "CLOSE" | "TERMINATE" = "RUN";

  /**
   * A pool of `processes` workers (default: every worker rank of a `mpi4ts run --futures` job), each running
   * `initializer(...initargs)` first. Task functions are registered with exportTasks, as for PoolExecutor.
   */
  constructor(processes?: number, initializer?: TaskFunction | null, initargs: readonly unknown[] = []) {
    this.#executor = new PoolExecutor({ maxWorkers: processes, initializer, initargs });
  }

  /** fn(...args) on a worker; resolves to its value. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args: A = [] as unknown as A): Promise<Awaited<R>> {
    return this.applyAsync(fn, args).get();
  }

  applyAsync<A extends unknown[], R>(fn: (...args: A) => R, args: A = [] as unknown as A, callbacks: AsyncCallbacks<Awaited<R>> = {}): AsyncResult<Awaited<R>> {
    this.#running("applyAsync");
    if (!Array.isArray(args)) throw new MPIError("ERR_ARG", `Pool.applyAsync: args must be an array of arguments, got ${typeof args}`);
    return new AsyncResult(this.#executor.submit(fn, ...args), callbacks);
  }

  /** fn over every item, in order; resolves to the list of values. */
  map<T, R>(fn: (item: T) => R, iterable: AnyIterable<T>, chunksize?: number): Promise<Awaited<R>[]> {
    return this.mapAsync(fn, iterable, chunksize).get();
  }

  mapAsync<T, R>(fn: (item: T) => R, iterable: AnyIterable<T>, chunksize?: number, callbacks: AsyncCallbacks<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    this.#running("mapAsync");
    return this.#collect(this.#executor.map(fn, iterable as Iterables<[T]>[0], { chunksize: chunksize ?? 1 }), callbacks);
  }

  /** fn over every item, yielded in order as the workers get through them (chunksize items per message). */
  imap<T, R>(fn: (item: T) => R, iterable: AnyIterable<T>, chunksize = 1): AsyncGenerator<Awaited<R>, void, undefined> {
    this.#running("imap");
    return this.#executor.map(fn, iterable as Iterables<[T]>[0], { chunksize });
  }

  /** Like imap, in the order the results arrive. */
  imapUnordered<T, R>(fn: (item: T) => R, iterable: AnyIterable<T>, chunksize = 1): AsyncGenerator<Awaited<R>, void, undefined> {
    this.#running("imapUnordered");
    return this.#executor.map(fn, iterable as Iterables<[T]>[0], { chunksize, unordered: true });
  }

  /** fn(...args) for every argument list, in order. */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, iterable: AnyIterable<A>, chunksize?: number): Promise<Awaited<R>[]> {
    return this.starmapAsync(fn, iterable, chunksize).get();
  }

  starmapAsync<A extends unknown[], R>(fn: (...args: A) => R, iterable: AnyIterable<A>, chunksize?: number, callbacks: AsyncCallbacks<Awaited<R>[]> = {}): AsyncResult<Awaited<R>[]> {
    this.#running("starmapAsync");
    return this.#collect(this.#executor.starmap(fn, iterable, { chunksize: chunksize ?? 1 }), callbacks);
  }

  /** No more tasks; the submitted ones still run. */
  close(): void {
    if (this.#state === "RUN") this.#state = "CLOSE";
  }

  /** No more tasks, and the ones not yet sent to a worker are cancelled. */
  terminate(): void {
    this.#state = "TERMINATE";
    void this.#executor.shutdown({ wait: false, cancelFutures: true });
  }

  /** Resolves when every task finished and the workers were released; close() or terminate() first. */
  async join(): Promise<void> {
    if (this.#state === "RUN") throw new MPIError("ERR_OTHER", "Pool.join: the pool is still running; call close() or terminate() first");
    await this.#executor.shutdown({ wait: true, cancelFutures: this.#state === "TERMINATE" });
  }

  /** `await using pool = new Pool()`: terminate() and join() at the end of the block, as Python's `with`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  #running(call: string): void {
    if (this.#state !== "RUN") throw new MPIError("ERR_OTHER", `Pool.${call}: the pool is not running (after close() or terminate())`);
  }

  /** A map's results as one list, behind the AsyncResult interface. */
  #collect<R>(results: AsyncGenerator<R, void, undefined>, callbacks: AsyncCallbacks<R[]>): AsyncResult<R[]> {
    const future = new Future<R[]>();
    future.setRunning();
    void (async () => {
      const values: R[] = [];
      for await (const value of results) values.push(value);
      return values;
    })().then((values) => future.setResult(values), (e: unknown) => future.setException(e));
    return new AsyncResult(future, callbacks);
  }
}
