/**
 * Operations the API layer runs in software over an engine's point-to-point channel (the nonblocking collectives'
 * schedules), which advance only when something steps them.
 *
 * MPI's progress rule (MPI-4.0 §3.5 and §6.12) says a started operation completes once its peers have started
 * theirs, whatever else its rank does meanwhile: a rank that starts an Iallreduce and then blocks in a Recv must
 * still play its part, or a peer waiting for the Iallreduce never gets to the Send that Recv waits for. So every
 * engine that can run JavaScript while it waits steps these operations from its progress loop (the local engine's
 * `progress()`); the mpi engine's blocking calls sit inside MPI, so the schedules that run there are built to
 * need no stepping between their start and their end (one batch of requests that MPI progresses itself).
 */

/** An operation that advances by being tested. */
export interface Steppable {
  /** Advances as far as it can without blocking; true once complete. Never throws (errors stay in the operation). */
  test(): boolean;
}

const live = new Set<Steppable>();
let stepping = false;

/** From now until it reports completion, `op` is stepped whenever an engine makes progress. */
export function runInBackground(op: Steppable): void {
  live.add(op);
}

/** `op` is complete: no more stepping. */
export function leaveBackground(op: Steppable): void {
  live.delete(op);
}

/** Whether any operation waits to be stepped (checked on every engine progress call: keep it cheap). */
export function hasBackground(): boolean {
  return live.size !== 0;
}

/**
 * Steps every live operation once, forgetting those that complete. Not re-entrant: a step that makes engine
 * progress (and so gets here again) returns at once, and each operation guards its own re-entry.
 */
export function stepBackground(): void {
  if (stepping) return;
  stepping = true;
  try {
    for (const op of live) if (op.test()) live.delete(op);
  } finally {
    stepping = false;
  }
}
