import { ending, warnAtEnd } from "./exit-warnings.js";
import type { Engine, EngineRequest, WaitCall, Waitable } from "./engine/engine.js";
import { type Inspect, inspectAs, inspectCustom } from "./inspect.js";
import { currentEngine } from "./engine/select.js";
import { ANY_SOURCE, UNDEFINED } from "./constants.js";
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
  /** Its request was freed while it may be pending: nobody will wait for it, so whoever must (finalize) is told. */
  release?(): void;
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

/**
 * A send's operation. Freed while pending, it goes to the engine's detached sends (Engine.detach): progress
 * completes it and finalize waits for it, so the message is delivered, not dropped with its request.
 */
export class SendOperation extends EngineOperation<void> {
  /** `done`: called when the completed send is reported (a packed copy of its buffer may be reused then). */
  constructor(private readonly send: EngineRequest, done?: () => void) {
    super(send, () => done?.());
  }
  release(): void {
    if (!this.send.test()) currentEngine().detach?.(this.send);
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

/** The value a request gives (`number` for a `Request<number>`); over a list of mixed requests, the union. */
export type RequestValue<R> = R extends Request<infer T> ? T : never;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A nonblocking operation (MPI-4.0 §3.7.2), awaitable: `await comm.irecv(0)` progresses without blocking the event
 * loop, while `wait()` blocks the rank like MPI_Wait.
 *
 * As in MPI and mpi4py, a request whose completion has been reported (by `wait`, a `test` that found it done,
 * `await`, or a list helper that returned it) is *inactive*: `waitany`/`testany`/`waitsome`/`testsome` skip it,
 * so "loop on waitany until UNDEFINED" ends. Waiting on an inactive request returns at once, with the same value
 * (and status) as the first time; `await` keeps its value too.
 *
 * A request without an operation (MPI.REQUEST_NULL, a freed request, a persistent request not started) is
 * inactive from the start: waiting on it returns undefined at once, with an empty status.
 */
export class Request<T = unknown> implements PromiseLike<T> {
  #operation: Operation<T> | null;
  /** The operation's outcome, once complete (a non-destructive Get_status computes it without reporting it). */
  #outcome: Outcome<T> | undefined;
  #status: Status | undefined;
  /** Whether completion has been reported (wait, test, a list helper): the request is inactive from then on. */
  #reported: boolean;
  #promise: Promise<T> | undefined;
  /** What the warning at exit calls it, if it is never completed ("isend(dest=1, tag=5) on MPI_COMM_WORLD"). */
  #describe: (() => string) | undefined;
  /** Counted among the requests the warning at exit names, until reported, freed or awaited. */
  #counted = false;

  /** @internal Made by the calls that start operations; `describe` names the call for the warning at exit. */
  constructor(operation: Operation<T> | null, describe?: () => string) {
    this.#operation = operation;
    this.#reported = operation === null;
    this.#describe = describe;
    if (operation) this.#count();
  }

  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    // Only what is known: inspecting must not progress the operation.
    const status = this.#status ? { source: this.#status.source, tag: this.#status.tag, count: this.#status.count } : {};
    return inspectAs(this.inspectName(), { active: this.active, done: this.#outcome !== undefined || this.#operation === null, ...status }, options, inspect);
  }

  /** The class name console.log shows (explicit, as the bundler may rename classes). */
  protected inspectName(): string { return "Request"; }

  /** True until the request's completion has been reported (then the list helpers skip it). */
  get active(): boolean {
    return !this.#reported;
  }

  /** Blocks until the operation completes; returns its value (the received object for `irecv`). */
  wait(status?: Status): T {
    if (!this.#outcome) this.#operation?.wait();
    return this.#settle(status);
  }

  /** `[true, value]` once complete, else `[false, undefined]`; never blocks. */
  test(status?: Status): [boolean, T | undefined] {
    if (!this.#complete()) return [false, undefined];
    return [true, this.#settle(status)];
  }

  /** Asks to cancel: a receive that has not matched is cancelled; `wait()` then returns undefined. */
  cancel(): void {
    if (!this.#outcome) this.#operation?.cancel();
  }

  /** mpi4py's MPI_Wait: blocks until complete and returns true (the value only through `wait`). */
  Wait(status?: Status): true {
    this.wait(status);
    return true;
  }
  /** mpi4py's MPI_Test: whether it is complete (the value only through `test`). */
  Test(status?: Status): boolean { return this.test(status)[0]; }
  Cancel(): void { this.cancel(); }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.#drive();
    return this.#promise.then(onfulfilled, onrejected);
  }

  async #drive(): Promise<T> {
    this.#uncount();
    const engine = currentEngine();
    const operation = this.#operation;
    ending.awaiting++;
    try {
      if (engine.settle) {
        if (!this.#outcome && operation) await engine.settle(operation);
      } else {
        while (!this.#complete()) await engine.activity(100);
      }
    } finally {
      ending.awaiting--;
    }
    return this.#settle(undefined);
  }

  #complete(): boolean {
    return this.#outcome !== undefined || this.#operation === null || this.#operation.test();
  }

  /** The outcome of a complete operation, computed once (its value, or its error), with its status. */
  #finish(operation: Operation<T>): Outcome<T> {
    if (!this.#outcome) {
      const own = new Status();
      try {
        this.#outcome = { ok: true, value: operation.finish(own) };
      } catch (error) {
        this.#outcome = { ok: false, error };
      }
      this.#status = own;
    }
    return this.#outcome;
  }

  /** Reports completion (the request becomes inactive): the value, or the operation's error thrown. */
  #settle(status: Status | undefined): T {
    this.#markReported();
    if (!this.#operation) {
      status?.fillEmpty(ANY_SOURCE);
      return undefined as T;
    }
    const outcome = this.#finish(this.#operation);
    if (status && this.#status) Object.assign(status, this.#status);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Waits for all; returns their values in order (MPI_Waitall). The first error is thrown after all completed. */
  static waitall<R extends Request<unknown>>(requests: readonly R[], statuses?: Status[]): RequestValue<R>[] {
    checkList("waitall", requests, statuses);
    Request.#waitFor(currentEngine(), "waitall", requests, true, () => {
      let all = true;
      for (const r of requests) if (!r.#complete()) all = false;
      return all;
    });
    return Request.#settleAll(requests, statuses) as RequestValue<R>[];
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
  static waitany<R extends Request<unknown>>(requests: readonly R[], status?: Status): [number, RequestValue<R> | undefined] {
    checkList("waitany", requests);
    const active = requests.filter((r) => r.active);
    if (active.length === 0) {
      status?.fillEmpty(ANY_SOURCE);
      return [UNDEFINED, undefined];
    }
    let found: R | undefined;
    Request.#waitFor(currentEngine(), "waitany", active, false, () => (found = active.find((r) => r.#complete())) !== undefined);
    return [requests.indexOf(found!), found!.#settle(status) as RequestValue<R>];
  }

  /**
   * Waits until at least one active request completes; returns the indices and values of every active one that
   * has (MPI_Waitsome), which become inactive. `[[], []]` when none is active.
   */
  static waitsome<R extends Request<unknown>>(requests: readonly R[], statuses?: Status[]): [number[], RequestValue<R>[]] {
    checkList("waitsome", requests, statuses);
    const active = requests.filter((r) => r.active);
    if (active.length > 0) Request.#waitFor(currentEngine(), "waitsome", active, false, () => active.some((r) => r.#complete()));
    return Request.testsome(requests, statuses);
  }

  /** The indices and values of the active requests that are complete (MPI_Testsome); they become inactive. */
  static testsome<R extends Request<unknown>>(requests: readonly R[], statuses?: Status[]): [number[], RequestValue<R>[]] {
    checkList("testsome", requests, statuses);
    const indices: number[] = [];
    const values: RequestValue<R>[] = [];
    requests.forEach((r, i) => {
      if (r.active && r.#complete()) {
        indices.push(i);
        values.push(r.#settle(statuses ? (statuses[indices.length - 1] ??= new Status()) : undefined) as RequestValue<R>);
      }
    });
    return [indices, values];
  }

  /** `[true, values]` when all are complete, else `[false, undefined]` (MPI_Testall). */
  static testall<R extends Request<unknown>>(requests: readonly R[], statuses?: Status[]): [boolean, RequestValue<R>[] | undefined] {
    checkList("testall", requests, statuses);
    let all = true;
    for (const r of requests) if (!r.#complete()) all = false;
    if (!all) return [false, undefined];
    return [true, Request.#settleAll(requests, statuses) as RequestValue<R>[]];
  }

  /**
   * `[index, true, value]` for a completed active request (which becomes inactive); `[UNDEFINED, false,
   * undefined]` while none is complete; `[UNDEFINED, true, undefined]` when none is active (MPI_Testany).
   */
  static testany<R extends Request<unknown>>(requests: readonly R[], status?: Status): [number, boolean, RequestValue<R> | undefined] {
    checkList("testany", requests);
    const active = requests.filter((r) => r.active);
    if (active.length === 0) {
      status?.fillEmpty(ANY_SOURCE);
      return [UNDEFINED, true, undefined];
    }
    const found = active.find((r) => r.#complete());
    if (!found) return [UNDEFINED, false, undefined];
    return [requests.indexOf(found), true, found.#settle(status) as RequestValue<R>];
  }

  /** Blocks until `done()`: through the engine's waitUntil where it has one, else a loop of waitForActivity. */
  static #waitFor(engine: Engine, call: WaitCall, requests: readonly Request<unknown>[], all: boolean, done: () => boolean): void {
    if (engine.waitUntil) {
      const pending = (): Waitable[] => requests.flatMap((r) => (!r.#outcome && r.#operation ? [r.#operation] : []));
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

  // ---- p2p: non-destructive tests, Free, and what Prequest and Isendrecv build on ----

  /**
   * True once complete, without reporting it (MPI_Request_get_status): the request stays active, so a later
   * wait or test still returns its value. Fills `status` when complete (an inactive request's is empty).
   */
  Get_status(status?: Status): boolean {
    if (!this.active) {
      if (status) this.#statusOfInactive(status);
      return true;
    }
    if (!this.#complete()) return false;
    this.#finish(this.#operation!);
    if (status) Object.assign(status, this.#status);
    return true;
  }

  /** What a status says of an inactive request: its reported status, or an empty one. */
  #statusOfInactive(status: Status): void {
    if (this.#operation && this.#status) Object.assign(status, this.#status);
    else status.fillEmpty(ANY_SOURCE);
  }

  /**
   * MPI_Request_free: the request becomes MPI.REQUEST_NULL at once; a pending operation still completes (a
   * receive still fills its buffer), unobserved. Freeing an inactive request is ERR_REQUEST, as in MPI.
   */
  Free(): void {
    if (!this.active) throw new MPIError("ERR_REQUEST", `${onRank("Request.Free")}: the request is inactive (MPI.REQUEST_NULL, freed, or its completion was reported already)`);
    this.#release();
  }

  #release(): void {
    if (!this.#outcome) this.#operation?.release?.();
    this.#operation = null;
    this.#outcome = undefined;
    this.#status = undefined;
    this.#markReported();
  }

  #markReported(): void {
    this.#uncount();
    this.#reported = true;
  }

  #count(): void {
    this.#counted = true;
    Unreported.started(this);
  }

  #uncount(): void {
    if (this.#counted) Unreported.settled();
    this.#counted = false;
  }

  /** @internal For the warning at exit: still active and nobody awaiting it. */
  get forgotten(): boolean {
    return this.#counted;
  }

  /** @internal For the warning at exit. */
  describeCall(): string {
    return this.#describe?.() ?? "a nonblocking call";
  }

  /**
   * MPI_Request_get_status_any: `[index, true]` for the first active request that is complete (not reported:
   * it stays active), `[UNDEFINED, false]` while none is, `[UNDEFINED, true]` when none is active.
   */
  static Get_status_any(requests: readonly Request<unknown>[], status?: Status): [number, boolean] {
    checkList("Get_status_any", requests);
    if (!requests.some((r) => r.active)) {
      status?.fillEmpty(ANY_SOURCE);
      return [UNDEFINED, true];
    }
    const index = requests.findIndex((r) => r.active && r.#complete());
    if (index < 0) return [UNDEFINED, false];
    requests[index]!.Get_status(status);
    return [index, true];
  }

  /** MPI_Request_get_status_all: whether every request is complete (inactive ones count), filling `statuses` then. */
  static Get_status_all(requests: readonly Request<unknown>[], statuses?: Status[]): boolean {
    checkList("Get_status_all", requests, statuses);
    let all = true;
    for (const r of requests) if (!r.#complete()) all = false;
    if (all) requests.forEach((r, i) => r.Get_status(statuses ? (statuses[i] ??= new Status()) : undefined));
    return all;
  }

  /** MPI_Request_get_status_some: the indices of the active requests that are complete (maybe none), undefined when none is active. */
  static Get_status_some(requests: readonly Request<unknown>[], statuses?: Status[]): number[] | undefined {
    checkList("Get_status_some", requests, statuses);
    if (!requests.some((r) => r.active)) return undefined;
    const indices: number[] = [];
    requests.forEach((r, i) => {
      if (r.active && r.#complete()) {
        indices.push(i);
        r.Get_status(statuses ? (statuses[indices.length - 1] ??= new Status()) : undefined);
      }
    });
    return indices;
  }

  /** @internal For Prequest.Start: this request now stands for `started`'s operation, active again. */
  protected adopt(started: Request<T>): void {
    started.#markReported(); // this request reports it from now on
    this.#operation = started.#operation;
    this.#outcome = undefined;
    this.#status = undefined;
    this.#reported = this.#operation === null;
    this.#promise = undefined;
    this.#describe = started.#describe;
    if (this.#operation) this.#count();
  }

  /** @internal For Prequest.Free: no operation any more; a pending one completes unobserved. */
  protected drop(): void {
    this.#release();
  }

  /**
   * @internal One request over a receive and a send (Isendrecv): complete once both are; its status is the
   * receive's, and it fails with the receive's error, else the send's.
   */
  static pair(recv: Request<void>, send: Request<void>): Request<void> {
    const parts = [recv, send];
    return new Request<void>({
      test: () => parts.every((r) => r.#complete()),
      wait: () => { for (const r of parts) if (!r.#outcome) r.#operation?.wait(); },
      cancel: () => recv.cancel(),
      release: () => { if (!send.#outcome) send.#operation?.release?.(); },
      blockedOn: () => {
        for (const r of parts) {
          const waiting = r.#outcome ? undefined : r.#operation?.blockedOn?.();
          if (waiting) return waiting;
        }
        return undefined;
      },
      finish: (status) => {
        let error: unknown;
        for (const r of parts) {
          try { r.#settle(r === recv ? status : undefined); } catch (e) { error ??= e; }
        }
        if (error !== undefined) throw error;
      },
    });
  }
}

/**
 * Requests whose completion was never reported (by wait, test, a list helper, await or Free). MPI requires every
 * request to be completed or freed, and forgetting one usually means a forgotten wait: a receive whose value is
 * never used, a send whose buffer is reused too early. When the program ends, each rank that leaves any behind
 * says so once, naming the newest few; only those RECENT are kept, so a program that drops millions of requests
 * keeps no more than that alive.
 */
class UnreportedRequests {
  /** How many of the newest it keeps, to name them. */
  static readonly RECENT = 8;
  count = 0;
  readonly #recent: (Request<unknown> | undefined)[] = [];
  #next = 0;
  #armed = false;

  started(request: Request<unknown>): void {
    this.count++;
    this.#recent[this.#next] = request;
    this.#next = (this.#next + 1) % UnreportedRequests.RECENT;
    if (!this.#armed) {
      this.#armed = true;
      warnAtEnd(() => this.#warning());
    }
  }

  /** Reported, freed, or awaited (the engine settles an awaited request, or reports why it cannot, before the end). */
  settled(): void {
    this.count--;
  }

  #warning(): string | undefined {
    const forgotten = this.#recent.filter((r): r is Request<unknown> => r !== undefined && r.forgotten);
    if (this.count <= 0 || forgotten.length === 0) return undefined;
    const more = this.count > forgotten.length ? `; and ${this.count - forgotten.length} more` : "";
    return `rank ${currentEngine().world.rank} ends with ${this.count} request${this.count === 1 ? "" : "s"} never ` +
      `completed (MPI requires a wait, a test that finds it done, or Free for each): ` +
      `${forgotten.map((r) => r.describeCall()).join("; ")}${more}`;
  }
}
const Unreported = new UnreportedRequests();

/** @internal "Prequest.Start on rank 2": errors of calls bound to no communicator name the rank in COMM_WORLD. */
export function onRank(call: string): string {
  return `${call} on rank ${currentEngine().world.rank}`;
}

/** MPI_REQUEST_NULL: inactive; waiting on it returns at once with an empty status; Free on it is ERR_REQUEST. */
export const REQUEST_NULL: Request<undefined> = new Request<undefined>(null);

function checkList(call: string, requests: unknown, statuses?: unknown): void {
  if (!Array.isArray(requests) || !requests.every((r) => r instanceof Request)) {
    throw new MPIError("ERR_ARG", `Request.${call}: expected an array of Request objects`);
  }
  if (statuses !== undefined && statuses !== null && !Array.isArray(statuses)) {
    throw new MPIError("ERR_ARG", `Request.${call}: statuses must be an array of MPI.Status`);
  }
}
