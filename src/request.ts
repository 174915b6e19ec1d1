import type { EngineRequest } from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
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
 * loop, while `wait()` blocks the rank like MPI_Wait. Completing it twice returns the same value again.
 */
export class Request<T = unknown> implements PromiseLike<T> {
  #operation: Operation<T>;
  #outcome: Outcome<T> | undefined;
  #status: Status | undefined;
  #promise: Promise<T> | undefined;

  constructor(operation: Operation<T>) {
    this.#operation = operation;
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

  /** mpi4py spellings. */
  Wait(status?: Status): T { return this.wait(status); }
  Test(status?: Status): [boolean, T | undefined] { return this.test(status); }
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
    while (!this.#outcome && !this.#operation.test()) await engine.activity(100);
    return this.#settle(undefined);
  }

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
    const engine = currentEngine();
    for (;;) {
      let all = true;
      for (const r of requests) if (!r.#outcome && !r.#operation.test()) all = false;
      if (all) break;
      engine.waitForActivity(100);
    }
    let firstError: unknown;
    const values = requests.map((r, i) => {
      const st = statuses ? (statuses[i] ??= new Status()) : undefined;
      try { return r.#settle(st); } catch (e) { firstError ??= e; return undefined as T; }
    });
    if (firstError !== undefined) throw firstError;
    return values;
  }

  /** Waits for any one; returns `[index, value]` (MPI_Waitany); `[UNDEFINED, undefined]` for an empty list. */
  static waitany<T>(requests: readonly Request<T>[], status?: Status): [number, T | undefined] {
    checkList("waitany", requests);
    if (requests.length === 0) return [-32766, undefined];
    const engine = currentEngine();
    for (;;) {
      const i = requests.findIndex((r) => r.#outcome !== undefined || r.#operation.test());
      if (i >= 0) return [i, requests[i]!.#settle(status)];
      engine.waitForActivity(100);
    }
  }

  /** Waits until at least one completes; returns the indices and values of all completed (MPI_Waitsome). */
  static waitsome<T>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] {
    checkList("waitsome", requests, statuses);
    if (requests.length === 0) return [[], []];
    const engine = currentEngine();
    for (;;) {
      const [indices, values] = Request.testsome(requests, statuses);
      if (indices.length > 0) return [indices, values];
      engine.waitForActivity(100);
    }
  }

  static testsome<T>(requests: readonly Request<T>[], statuses?: Status[]): [number[], T[]] {
    checkList("testsome", requests, statuses);
    const indices: number[] = [];
    const values: T[] = [];
    requests.forEach((r, i) => {
      if (r.#outcome !== undefined || r.#operation.test()) {
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
    for (const r of requests) if (!r.#outcome && !r.#operation.test()) all = false;
    if (!all) return [false, undefined];
    return [true, requests.map((r, i) => r.#settle(statuses ? (statuses[i] ??= new Status()) : undefined))];
  }

  /** `[index, true, value]` for a completed request, else `[UNDEFINED, false, undefined]` (MPI_Testany). */
  static testany<T>(requests: readonly Request<T>[], status?: Status): [number, boolean, T | undefined] {
    checkList("testany", requests);
    const i = requests.findIndex((r) => r.#outcome !== undefined || r.#operation.test());
    if (i < 0) return [-32766, requests.length === 0, undefined];
    return [i, true, requests[i]!.#settle(status)];
  }

  static Waitall = Request.waitall;
  static Waitany = Request.waitany;
  static Waitsome = Request.waitsome;
  static Testall = Request.testall;
  static Testany = Request.testany;
  static Testsome = Request.testsome;
}

function checkList(call: string, requests: unknown, statuses?: unknown): void {
  if (!Array.isArray(requests) || !requests.every((r) => r instanceof Request)) {
    throw new MPIError("ERR_ARG", `Request.${call}: expected an array of Request objects`);
  }
  if (statuses !== undefined && statuses !== null && !Array.isArray(statuses)) {
    throw new MPIError("ERR_ARG", `Request.${call}: statuses must be an array of MPI.Status`);
  }
}
