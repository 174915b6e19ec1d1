import type { Engine, EngineRequest, WaitCall, Waitable } from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
import { PROC_NULL, UNDEFINED } from "./constants.js";
import { MPIError } from "./errors.js";
import { Status } from "./status.js";

/**
 * Something a Request completes: a point-to-point transfer, or a schedule of them (nonblocking collectives).
 * `finish` runs once, after completion, and turns the raw outcome into the user's value (or throws its error).
 */
export interface Operation<T> {
  /** Makes progress; true once complete. */
  test(): boolean;
  /** Blocks until complete (never throws: the outcome is reported by `finish`). */
  wait(): void;
  cancel(): void;
  finish(status: Status | undefined): T;
  /** While incomplete: what it waits for (see EngineRequest.blockedOn). */
  blockedOn?(): object | undefined;
}

/** An Operation over one engine request, finished by `deliver` (decode a value, fill a status...). */
export class EngineOperation<T> implements Operation<T> {
  constructor(
    private readonly request: EngineRequest,
    private readonly deliver: (request: EngineRequest, status: Status | undefined) => T,
  ) {}
  test(): boolean { return this.request.test(); }
  wait(): void { this.request.wait(); }
  cancel(): void { this.request.cancel(); }
  blockedOn(): object | undefined { return this.request.blockedOn?.(); }
  finish(status: Status | undefined): T {
    if (this.request.cancelled) {
      if (status) { status.fillEmpty(status.source); status.cancelled = true; }
      return undefined as T;
    }
    if (this.request.error !== undefined) throw this.request.error;
    return this.deliver(this.request, status);
  }
}

/** An operation that is already complete with a known value (PROC_NULL transfers, sizes of one). */
export class CompletedOperation<T> implements Operation<T> {
  constructor(private readonly value: T, private readonly fillStatus?: (status: Status) => void) {}
  test(): boolean { return true; }
  wait(): void {}
  cancel(): void {}
  finish(status: Status | undefined): T {
    if (status && this.fillStatus) this.fillStatus(status);
    return this.value;
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A nonblocking operation (MPI-4.0 §3.7.2), awaitable: `await comm.irecv(0)` progresses without blocking the event
 * loop, while `wait()` blocks the rank like MPI_Wait.
 *
 * As in MPI and mpi4py, a request whose completion has been reported (by `wait`, a `test` that found it done,
 * `await`, or a list helper that returned it) is *inactive*: `waitany`/`testany`/`waitsome`/`testsome` skip it,
 * so "loop on waitany until UNDEFINED" ends. Waiting on an inactive request returns at once, with the same value
 * (and status) as the first time; `await` keeps its value too.
 */
export class Request<T = unknown> implements PromiseLike<T> {
  #operation: Operation<T>;
  #outcome: Outcome<T> | undefined;
  #status: Status | undefined;
  #promise: Promise<T> | undefined;

  constructor(operation: Operation<T>) {
    this.#operation = operation;
  }

  /**
   * For persistent requests (MPI-4.0 §3.9, §6.13), whose Start() makes an inactive request active again on a new
   * operation: from then on it is pending, as a new request would be.
   */
  protected restart(operation: Operation<T>): void {
    this.#operation = operation;
    this.#outcome = undefined;
    this.#status = undefined;
    this.#promise = undefined;
  }

  /** True until the request's completion has been reported (then the list helpers skip it). */
  get active(): boolean {
    return this.#outcome === undefined;
  }

  /** Blocks until the operation completes; returns its value (the received object for `irecv`). */
  wait(status?: Status): T {
    if (!this.#outcome) this.#operation.wait();
    return this.#settle(status);
  }

  /** `[true, value]` once complete, else `[false, undefined]`; never blocks. */
  test(status?: Status): [boolean, T | undefined] {
    if (!this.#outcome && !this.#operation.test()) return [false, undefined];
    return [true, this.#settle(status)];
  }

  /** Asks to cancel: a receive that has not matched is cancelled; `wait()` then returns undefined. */
  cancel(): void {
    if (!this.#outcome) this.#operation.cancel();
  }

  /** mpi4py's MPI_Wait: blocks until complete and returns true (the value only through `wait`). */
  Wait(status?: Status): true {
    this.wait(status);
    return true;
  }
  /** mpi4py's MPI_Test: whether it is complete (the value only through `test`). */
  Test(status?: Status): boolean { return this.test(status)[0]; }
  Cancel(): void { this.cancel(); }
  /** True once complete, without consuming anything (MPI_Request_get_status). */
  Get_status(status?: Status): boolean {
    const done = this.#outcome !== undefined || this.#operation.test();
    if (done && status && this.#status) Object.assign(status, this.#status);
    return done;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.#drive();
    return this.#promise.then(onfulfilled, onrejected);
  }

  async #drive(): Promise<T> {
    const engine = currentEngine();
    if (engine.settle) {
      if (!this.#outcome) await engine.settle(this.#operation);
    } else {
      while (!this.#outcome && !this.#operation.test()) await engine.activity(100);
    }
    return this.#settle(undefined);
  }

  #complete(): boolean {
    return this.#outcome !== undefined || this.#operation.test();
  }

  /** Reports completion (the request becomes inactive): the value, or the operation's error thrown. */
  #settle(status: Status | undefined): T {
    if (!this.#outcome) {
      const own = new Status();
      try {
        this.#outcome = { ok: true, value: this.#operation.finish(own) };
      } catch (error) {
        this.#outcome = { ok: false, error };
      }
      this.#status = own;
    }
    if (status && this.#status) Object.assign(status, this.#status);
    if (!this.#outcome.ok) throw this.#outcome.error;
    return this.#outcome.value;
  }

  /** Waits for all; returns their values in order (MPI_Waitall). The first error is thrown after all completed. */
  static waitall<T>(requests: readonly Request<T>[], statuses?: Status[]): T[] {
    checkList("waitall", requests, statuses);
    Request.#waitFor(currentEngine(), "waitall", requests, true, () => {
      let all = true;
      for (const r of requests) if (!r.#complete()) all = false;
      return all;
    });
    return Request.#settleAll(requests, statuses);
  }

  static #settleAll<T>(requests: readonly Request<T>[], statuses: Status[] | undefined): T[] {
    let firstError: unknown;
    const values = requests.map((r, i) => {
      const st = statuses ? (statuses[i] ??= new Status()) : undefined;
      try { return r.#settle(st); } catch (e) { firstError ??= e; return undefined as T; }
    });
    if (firstError !== undefined) throw firstError;
    return values;
  }

  /**
   * Waits for any one active request; returns `[index, value]` (MPI_Waitany), and that request becomes
   * inactive. `[UNDEFINED, undefined]` when none is active (an empty list, or every one already reported).
   */
  static waitany<T>(requests: readonly Request<T>[], status?: Status): [number, T | undefined] {
    checkList("waitany", requests);
    const active = requests.filter((r) => r.active);
    if (active.length === 0) {
      status?.fillEmpty(PROC_NULL);
      return [UNDEFINED, undefined];
    }
    let found: Request<T> | undefined;
    Request.#waitFor(currentEngine(), "waitany", active, false, () => (found = active.find((r) => r.#complete())) !== undefined);
    return [requests.indexOf(found!), found!.#settle(status)];
  }

  /**
   * Waits until at least one active request completes; returns the indices and values of every active one that
   * has (MPI_Waitsome), which become inactive. `[[], []]` when none is active.
   */
  static waitsome<T>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] {
    checkList("waitsome", requests, statuses);
    const active = requests.filter((r) => r.active);
    if (active.length > 0) Request.#waitFor(currentEngine(), "waitsome", active, false, () => active.some((r) => r.#complete()));
    return Request.testsome(requests, statuses);
  }

  /** The indices and values of the active requests that are complete (MPI_Testsome); they become inactive. */
  static testsome<T>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] {
    checkList("testsome", requests, statuses);
    const indices: number[] = [];
    const values: T[] = [];
    requests.forEach((r, i) => {
      if (r.active && r.#operation.test()) {
        indices.push(i);
        values.push(r.#settle(statuses ? (statuses[indices.length - 1] ??= new Status()) : undefined));
      }
    });
    return [indices, values];
  }

  /** `[true, values]` when all are complete, else `[false, undefined]` (MPI_Testall). */
  static testall<T>(requests: readonly Request<T>[], statuses?: Status[]): [boolean, T[] | undefined] {
    checkList("testall", requests, statuses);
    let all = true;
    for (const r of requests) if (!r.#complete()) all = false;
    if (!all) return [false, undefined];
    return [true, Request.#settleAll(requests, statuses)];
  }

  /**
   * `[index, true, value]` for a completed active request (which becomes inactive); `[UNDEFINED, false,
   * undefined]` while none is complete; `[UNDEFINED, true, undefined]` when none is active (MPI_Testany).
   */
  static testany<T>(requests: readonly Request<T>[], status?: Status): [number, boolean, T | undefined] {
    checkList("testany", requests);
    const active = requests.filter((r) => r.active);
    if (active.length === 0) {
      status?.fillEmpty(PROC_NULL);
      return [UNDEFINED, true, undefined];
    }
    const found = active.find((r) => r.#operation.test());
    if (!found) return [UNDEFINED, false, undefined];
    return [requests.indexOf(found), true, found.#settle(status)];
  }

  /** Blocks until `done()`: through the engine's waitUntil where it has one, else a loop of waitForActivity. */
  static #waitFor(engine: Engine, call: WaitCall, requests: readonly Request<unknown>[], all: boolean, done: () => boolean): void {
    if (engine.waitUntil) {
      const pending = (): Waitable[] => requests.filter((r) => !r.#outcome).map((r) => r.#operation);
      engine.waitUntil(call, done, pending, all);
      return;
    }
    while (!done()) engine.waitForActivity(100);
  }

  // mpi4py's Capitalized helpers return what MPI returns (flags and indices); values only through the lowercase ones.
  /** MPI_Waitall: true once every request is complete. */
  static Waitall(requests: readonly Request<unknown>[], statuses?: Status[]): true {
    Request.waitall(requests, statuses);
    return true;
  }
  /** MPI_Testall: whether every request is complete. */
  static Testall(requests: readonly Request<unknown>[], statuses?: Status[]): boolean {
    return Request.testall(requests, statuses)[0];
  }
  /** MPI_Waitany: the index of the request that completed, or UNDEFINED when none is active. */
  static Waitany(requests: readonly Request<unknown>[], status?: Status): number {
    return Request.waitany(requests, status)[0];
  }
  /** MPI_Testany: `[index, flag]`. */
  static Testany(requests: readonly Request<unknown>[], status?: Status): [number, boolean] {
    const [index, flag] = Request.testany(requests, status);
    return [index, flag];
  }
  /** MPI_Waitsome: the indices that completed, or undefined when none is active. */
  static Waitsome(requests: readonly Request<unknown>[], statuses?: Status[]): number[] | undefined {
    checkList("Waitsome", requests, statuses);
    if (!requests.some((r) => r.active)) return undefined;
    return Request.waitsome(requests, statuses)[0];
  }
  /** MPI_Testsome: the indices that completed (maybe none), or undefined when none is active. */
  static Testsome(requests: readonly Request<unknown>[], statuses?: Status[]): number[] | undefined {
    checkList("Testsome", requests, statuses);
    if (!requests.some((r) => r.active)) return undefined;
    return Request.testsome(requests, statuses)[0];
  }
}

function checkList(call: string, requests: unknown, statuses?: unknown): void {
  if (!Array.isArray(requests) || !requests.every((r) => r instanceof Request)) {
    throw new MPIError("ERR_ARG", `Request.${call}: expected an array of Request objects`);
  }
  if (statuses !== undefined && statuses !== null && !Array.isArray(statuses)) {
    throw new MPIError("ERR_ARG", `Request.${call}: statuses must be an array of MPI.Status`);
  }
}
