/**
 * Persistent requests (MPI-4.0 §3.9): `comm.Send_init(buf, dest, tag)` and friends check their arguments once
 * and return an inactive Prequest; each `Start()` begins one such operation, which completes like any request's
 * (wait, test, the list helpers, await) and leaves the request inactive again, ready for the next Start.
 */
import { MPIError } from "./errors.js";
import { Request, onRank } from "./request.js";

/** The call an error at Start() names: Start, and the *_init that made the request (not the Isend it runs). */
export function startOf(init: string): string {
  return `Prequest.Start of ${init}`;
}

export class Prequest<T = void> extends Request<T> {
  /** Begins one round: the same call each time (a send reads its buffer now, so new data goes out). Null once freed. */
  #start: (() => Request<T>) | null;
  /** Throws what Start would refuse in its arguments now (a buffer detached since *_init), starting nothing. */
  readonly #check: (() => void) | undefined;

  /** @internal Made by the *_init methods of Comm. */
  constructor(start: () => Request<T>, check?: () => void) {
    super(null);
    this.#start = start;
    this.#check = check;
  }

  protected override inspectName(): string { return "Prequest"; }

  /** MPI_Start: begins the operation; ERR_REQUEST while the previous round is still active, or once freed. */
  Start(): void {
    this.#startable("Prequest.Start");
    this.adopt(this.#start!());
  }

  /** MPI_Request_free: the request can no longer be started; a round in progress still completes, unobserved. */
  override Free(): void {
    if (!this.#start) throw new MPIError("ERR_REQUEST", `${onRank("Prequest.Free")}: the persistent request was freed already`);
    this.drop();
    this.#start = null;
  }

  #startable(call: string): void {
    if (!this.#start) throw new MPIError("ERR_REQUEST", `${onRank(call)}: the persistent request was freed`);
    if (this.active) throw new MPIError("ERR_REQUEST", `${onRank(call)}: the persistent request is active (started, and its completion not reported yet); wait for it before starting it again`);
  }

  /** MPI_Startall: starts every request, after checking them all (one that cannot start starts none). */
  static Startall(requests: readonly Prequest<unknown>[]): void {
    if (!Array.isArray(requests) || !requests.every((r) => r instanceof Prequest)) {
      throw new MPIError("ERR_REQUEST", `${onRank("Prequest.Startall")}: expected an array of persistent requests (MPI.Prequest, made by Send_init, Recv_init...)`);
    }
    if (new Set(requests).size !== requests.length) throw new MPIError("ERR_REQUEST", `${onRank("Prequest.Startall")}: a request appears twice in the list`);
    requests.forEach((r, i) => r.#startable(`Prequest.Startall (request ${i})`));
    // Arguments that went bad since *_init (a detached buffer) are found before the first request starts.
    for (const r of requests) r.#check?.();
    for (const r of requests) r.Start();
  }
}
