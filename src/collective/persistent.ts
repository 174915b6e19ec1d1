/**
 * Persistent collective requests (MPI-4.0 §6.13): `comm.Bcast_init(buf)` and the other `*_init` calls check
 * their arguments once and return an inactive request; each `Start()` begins the collective anew on the current
 * contents of the same buffers, and `Wait`/`Test`/`await`/the list helpers complete it as any request.
 *
 * On the mpi engine with an MPI-4 library (MPICH 4) the request is the library's own (MPI_Bcast_init...),
 * begun by MPI_Start, so it matches a C or mpi4py rank's persistent collective. Elsewhere (the local and self
 * engines, Open MPI 4.1, which is MPI 3.1) every Start runs the nonblocking form of the collective
 * (MPI_Ibcast...), which takes its place among the communicator's collectives at the Start.
 */
import { MPIError } from "../errors.js";
import { CompletedOperation, Request, type Operation } from "../request.js";

/**
 * A persistent request (mpi4py's `Prequest`) whose operation is made anew by `begin` at each Start. Inactive
 * until started and again once its completion is reported; `Free()` releases it (only while inactive).
 */
export class CollectivePrequest extends Request<void> {
  readonly #call: string;
  readonly #begin: () => Operation<void>;
  #freed = false;

  readonly #release: (() => void) | undefined;

  /**
   * @internal Made by the `*_init` calls, after every argument has been checked: `begin` starts a round,
   * `release` frees what the engine holds (the MPI library's persistent request).
   */
  constructor(call: string, begin: () => Operation<void>, release?: () => void) {
    super(new CompletedOperation(undefined));
    this.wait(); // born inactive, like MPI's persistent requests before their first MPI_Start
    this.#call = call;
    this.#begin = begin;
    this.#release = release;
  }

  /** Begins one round of the collective (MPI_Start); ERR_REQUEST while the last one is still active. */
  Start(): void {
    if (this.#freed) throw new MPIError("ERR_REQUEST", `Start: this ${this.#call} request was freed`);
    if (this.active) throw new MPIError("ERR_REQUEST", `Start: this ${this.#call} request is still active; complete it (Wait, Test...) before starting it again`);
    this.restart(this.#begin());
  }
  start(): void { this.Start(); }

  /** Starts every request of the list in order (MPI_Startall); checks them all first. */
  static Startall(requests: readonly CollectivePrequest[]): void {
    if (!Array.isArray(requests) || !requests.every((r) => r instanceof CollectivePrequest)) {
      throw new MPIError("ERR_REQUEST", "Startall: expected an array of persistent requests (from *_init)");
    }
    const blocked = requests.find((r) => r.#freed || r.active);
    if (blocked) blocked.Start(); // throws its reason before any request of the list is started
    for (const r of requests) r.Start();
  }
  static startall(requests: readonly CollectivePrequest[]): void { CollectivePrequest.Startall(requests); }

  /** Releases the request (MPI_Request_free); ERR_REQUEST while a round is active, as MPI-4.0 §6.13 requires. */
  Free(): void {
    if (this.active) throw new MPIError("ERR_REQUEST", `Free: this ${this.#call} request is active; complete it first`);
    if (this.#freed) return;
    this.#freed = true;
    this.#release?.();
  }
}
