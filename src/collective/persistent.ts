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
import { Prequest } from "../prequest.js";
import { Request, type Operation } from "../request.js";

/**
 * A persistent collective request: an MPI.Prequest (so `Prequest.Startall` takes point-to-point and collective
 * ones in one list) whose operation `begin` makes anew at each Start. Unlike a persistent point-to-point request
 * it cannot be freed while a round is active (MPI-4.0 §6.13).
 */
export class CollectivePrequest extends Prequest<void> {
  readonly #call: string;
  readonly #release: (() => void) | undefined;

  /**
   * @internal Made by the `*_init` calls, after every argument has been checked: `begin` starts a round (its
   * operation, or the request of a nonblocking call),
   * `release` frees what the engine holds (the MPI library's persistent request).
   */
  constructor(call: string, begin: () => Operation<void> | Request<void>, release?: () => void) {
    super(() => {
      const round = begin();
      return round instanceof Request ? round : new Request(round);
    });
    this.#call = call;
    this.#release = release;
  }

  /** MPI_Request_free; ERR_REQUEST while a round is active. */
  override Free(): void {
    if (this.active) throw new MPIError("ERR_REQUEST", `Free: this ${this.#call} request is active; complete it first`);
    super.Free();
    this.#release?.();
  }
}
