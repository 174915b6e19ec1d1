/**
 * Nonblocking collective accesses (Iread_all, Iwrite_all, Iread_at_all, Iwrite_at_all). As MPI's nonblocking
 * collectives, they start without waiting for the other ranks: a rank may call one and then send the message
 * another rank needs before it calls its own. So the ranks' verdicts on their arguments travel in a nonblocking
 * allgather posted at the call (one batch, which progresses wherever the rank then waits, ivalues.ts), and a
 * refusal raises on every rank when the request completes, never leaving the others waiting.
 *
 * The access itself starts in one of two ways:
 *  - "at the call" (MPI-IO, which has nonblocking collectives of its own): a rank that refused its arguments
 *    still takes part in MPI's collective, with no bytes, so that the others' complete;
 *  - "once agreed" (node:fs, whose positional calls are local): each rank does its own part when it sees that
 *    no rank refused. (Its blocking form gathers small interleaved pieces into domains first; this one writes
 *    its pieces itself, which needs no further collective step.)
 */
import type { Comm } from "../comm.js";
import { MPIError, isMPIError, type ErrorClass } from "../errors.js";
import { Request, type Operation } from "../request.js";
import type { Status } from "../status.js";
import type { Pending } from "./storage.js";

/** What a rank tells the others at the call: why it refused, if it did, and whether its part of the access began. */
type Verdict = null | { errorClass: ErrorClass; message: string; began: boolean };

export interface CollectiveAccess {
  /** The comm the file's collectives run on, and the call's name in errors ("File.Iwrite_all on rank 1 (f.bin)"). */
  readonly comm: Comm;
  readonly where: string;
  /** This rank's own refusal of its arguments (found before anything starts), if any. */
  readonly refusal: MPIError | undefined;
  /** "call": `begin` runs at the call, with no bytes after a refusal; "agreed": only once no rank refused. */
  readonly begins: "call" | "agreed";
  begin(refused: boolean): Pending;
  /** Completes the request: `moved` bytes went to or from the file (reads unpack here). */
  finish(moved: number, status: Status | undefined): void;
}

/** An access in flight, which the file completes before it closes (wait never throws; errors are the request's). */
export interface InFlight {
  readonly complete: boolean;
  wait(): void;
}

/**
 * Starts `access` and returns its request; on a rank that refused (or whose part could not begin), throws that
 * error instead, once its part is under way. `keep` receives every access, so that the file completes it before
 * it closes even when its request is never waited for.
 */
export function startCollectiveAccess(access: CollectiveAccess, keep: (access: InFlight) => void): Request<void> {
  let pending: Pending | undefined;
  let failure = access.refusal;
  if (access.begins === "call") {
    try {
      pending = access.begin(failure !== undefined);
    } catch (e) {
      if (!isMPIError(e) || failure) throw e;
      failure = e;
    }
  }
  const verdict: Verdict = failure ? { errorClass: failure.errorClass, message: failure.message, began: pending !== undefined } : null;
  const operation = new AgreedAccess(access, access.comm.iallgather(verdict), pending);
  keep(operation);
  if (failure) throw failure;
  return new Request<void>(operation, () => access.where);
}

class AgreedAccess implements Operation<void>, InFlight {
  #verdicts: Verdict[] | undefined;
  #error: unknown;
  complete = false;

  constructor(private readonly access: CollectiveAccess, private readonly agreement: Request<Verdict[]>, private pending: Pending | undefined) {}

  /** Once every verdict is in: the first refusal, or the access to wait for (started here when it begins once agreed). */
  #agreed(verdicts: Verdict[]): void {
    this.#verdicts = verdicts;
    const failed = verdicts.findIndex((v) => v !== null);
    if (failed >= 0) {
      const v = verdicts[failed]!;
      this.#error = new MPIError(v.errorClass, `${this.access.where}: rank ${failed} failed: ${v.message}`);
      // A rank whose part never began leaves MPI's collective incomplete everywhere: nobody waits for it.
      if (verdicts.some((x) => x !== null && !x.began)) this.pending = undefined;
      return;
    }
    if (this.access.begins === "agreed") {
      try {
        this.pending = this.access.begin(false);
      } catch (e) {
        this.#error = e;
      }
    }
  }

  test(): boolean {
    if (this.complete) return true;
    if (!this.#verdicts) {
      let done: boolean, verdicts: Verdict[] | undefined;
      try {
        [done, verdicts] = this.agreement.test();
      } catch (e) {
        return this.#failed(e);
      }
      if (!done) return false;
      this.#agreed(verdicts!);
    }
    return (this.complete = this.pending ? this.pending.test() : true);
  }

  wait(): void {
    if (this.complete) return;
    if (!this.#verdicts) {
      try {
        this.#agreed(this.agreement.wait());
      } catch (e) {
        this.#failed(e);
        return;
      }
    }
    this.pending?.wait();
    this.complete = true;
  }

  /** The agreement itself failed (the job is ending): nothing more to wait for. */
  #failed(e: unknown): true {
    this.#verdicts = [];
    this.#error = e;
    this.pending = undefined;
    this.complete = true;
    return true;
  }

  cancel(): void {}

  finish(status: Status | undefined): void {
    if (this.#error !== undefined) throw this.#error;
    const pending = this.pending!;
    if (pending.error !== undefined) throw pending.error;
    this.access.finish(pending.moved, status);
  }
}
