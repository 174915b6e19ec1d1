/**
 * Persistent collective requests (MPI-4.0 §6.13): `comm.Bcast_init(buf)` and the other `*_init` calls check
 * their arguments once and return an inactive request; each `Start()` begins the collective anew on the current
 * contents of the same buffers, and `Wait`/`Test`/`await`/the list helpers complete it as any request.
 *
 * MPI-4 matches persistent collectives by the order of their inits: the ranks may start them in different orders.
 * On the mpi engine the request is the library's own (MPICH 4's MPI_Bcast_init..., Open MPI 4.1's extension
 * MPIX_Bcast_init...), begun by MPI_Start, so it matches a C or mpi4py rank's persistent collective. Where the
 * collectives run in software (the local and self engines) each round runs the nonblocking algorithm on a tag the
 * init took (SoftwareRounds). On an MPI with neither, every Start runs MPI's nonblocking one (MPI_Ibcast...),
 * which takes its place among the communicator's collectives at the Start.
 */
import type { EngineRequest, PointToPoint } from "../engine/engine.js";
import { type ErrorClass, MPIError } from "../errors.js";
import { Prequest } from "../prequest.js";
import { Request, type Operation } from "../request.js";
import { checked } from "./generic.js";
import { refuseSubtree, scatterBlocks } from "./movement.js";
import { Schedule, onTag, reserveTag, startCall, type Algorithm } from "./transport.js";

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

/** The kind and root of a rooted persistent collective, whose root alone checks some of its arguments. */
export interface Rooted {
  readonly kind: number;
  readonly root: number;
}

/**
 * The rounds of a persistent collective that runs in software, over the communicator's internal channel: each
 * runs the nonblocking algorithm on the tag this init took (reserveTag), so rounds match by init whatever the
 * ranks start in between. A rooted one's init also sends the root's verdict down a tree on that tag: nothing, or
 * that it refused its root-only arguments. A rank's first round waits for the verdict before it sends anything,
 * so a refused root, which never starts the request, leaves no rank waiting for it and no message unreceived:
 * every round of the others raises its refusal (ERR class of the root's error, naming the root).
 */
export class SoftwareRounds {
  readonly #p2p: PointToPoint;
  readonly #tag: number;
  /** The root's verdict while it has not arrived, or once it said the root refused. */
  #verdict: EngineRequest | undefined;

  /** `refused`: this rank is the root, and refused its arguments with this class (the request is never started). */
  constructor(p2p: PointToPoint, rooted?: Rooted, refused?: ErrorClass) {
    this.#p2p = p2p;
    this.#tag = reserveTag(p2p);
    if (rooted && p2p.size > 1) this.#verdict = this.#sendVerdict(rooted, refused);
  }

  #sendVerdict({ kind, root }: Rooted, refused: ErrorClass | undefined): EngineRequest | undefined {
    const call = onTag(this.#p2p, this.#tag, () => startCall(this.#p2p, kind, root));
    let algorithm: Algorithm<unknown>;
    if (this.#p2p.rank !== root) algorithm = scatterBlocks(call, null);
    else if (refused) algorithm = refuseSubtree(call, refused);
    else algorithm = scatterBlocks(call, new Array<Uint8Array>(this.#p2p.size).fill(NOTHING));
    const verdict = new Schedule(checked(call, algorithm));
    // The root's rounds need not wait: its verdict goes out first, and messages between two ranks keep their order.
    return this.#p2p.rank === root ? undefined : verdict;
  }

  /** Starts a round: `start` (one nonblocking collective) on this request's tag, once the verdict is in. */
  start(start: () => EngineRequest): EngineRequest {
    const verdict = this.#verdict;
    if (verdict && verdict.test() && verdict.error === undefined) this.#verdict = undefined;
    const round = () => onTag(this.#p2p, this.#tag, start);
    if (!this.#verdict) return round();
    return new Schedule(afterVerdict(this.#verdict, round));
  }
}

const NOTHING = new Uint8Array(0);

function* afterVerdict(verdict: EngineRequest, round: () => EngineRequest): Algorithm {
  yield [verdict];
  // (A refusal fails this schedule at the step above.)
  yield [round()];
}
