/**
 * Agreement before a collective step: every rank contributes its verdict (an MPIError it would raise, or none)
 * with a small payload, and every rank learns all of them. A rank that refuses its arguments or whose system call
 * failed thus raises on every rank, never leaving the others waiting in the next step of the collective (the
 * collective file calls, Comm.Create).
 */
import type { Comm } from "./comm.js";
import { type ErrorClass, MPIError, isMPIError } from "./errors.js";

interface Verdict<P> { refusal: [ErrorClass, string] | null; payload: P }

/**
 * Runs `local` (the rank's own checks and system calls) and exchanges its outcome: returns every rank's payload
 * when all succeeded, else throws on every rank, the failing rank's own error there and on the others an error of
 * the same class naming the first rank that failed.
 */
export function agree<P>(comm: Comm, call: string, local: () => P): P[] {
  let mine: Verdict<P | null>;
  try {
    mine = { refusal: null, payload: local() };
  } catch (e) {
    if (!isMPIError(e)) throw e;
    mine = { refusal: [e.errorClass, e.message], payload: null };
    // This rank's own error (with its stack) is rethrown once the others know.
    comm.allgather(mine);
    throw e;
  }
  const all = comm.allgather(mine);
  const failed = all.findIndex((v) => v.refusal !== null);
  if (failed >= 0) {
    const [errorClass, message] = all[failed]!.refusal!;
    throw new MPIError(errorClass, `${call} on rank ${comm.rank}: rank ${failed} failed: ${message}`);
  }
  return all.map((v) => v.payload as P);
}
