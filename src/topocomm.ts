/**
 * What every process topology (MPI-4.0 chapter 8) shares: its neighbourhood, as mpi4py's Topocomm exposes it
 * (`degrees`, `inedges`, `outedges`), and the neighbourhood collectives over it (src/neighbor.ts). Cartcomm,
 * Graphcomm and Distgraphcomm extend it, each saying only who its neighbours are.
 */
import { Comm } from "./comm.js";
import type { Buffer } from "./datatype.js";
import type { Request } from "./request.js";
import * as nb from "./neighbor.js";
import type { NeighborSpec } from "./neighbor.js";
import type { BufSpecW } from "./datatype/message.js";
import { NONBLOCKING } from "./collective/api.js";
import type { CollectivePrequest } from "./collective/persistent.js";
import { handleErrorsOf } from "./errhandler.js";

/** Topology kinds, as `Get_topology()` returns them (UNDEFINED for a communicator without one). */
export const CART = 1;
export const GRAPH = 2;
export const DIST_GRAPH = 3;

/**
 * Who a rank exchanges with in a neighbourhood collective, in communicator ranks: receive block i comes from
 * `sources[i]`, send block j goes to `destinations[j]` (PROC_NULL: nothing moves, the block stays untouched).
 * Between two ranks, the k-th message one sends the other lands in the k-th block the other receives from it, so
 * `sendOrder` (indices into destinations) orders the sends to make that the block MPI means.
 */
export interface Neighbourhood {
  readonly sources: readonly number[];
  readonly destinations: readonly number[];
  readonly sendOrder: readonly number[];
  /** Why this topology cannot run neighbourhood collectives (a graph whose edges are not symmetric), if so. */
  readonly refusal?: string;
}

export abstract class Topocomm extends Comm {
  /** @internal This rank's neighbourhood. */
  abstract neighbourhood(): Neighbourhood;
  abstract override Get_topology(): number;

  #hood(call: string): Neighbourhood {
    this.engineComm(call); // a freed communicator has no neighbours (ERR_COMM)
    return this.neighbourhood();
  }

  /** `[indegree, outdegree]`. */
  get degrees(): [number, number] { const h = this.#hood("degrees"); return [h.sources.length, h.destinations.length]; }
  get indegree(): number { return this.#hood("indegree").sources.length; }
  get outdegree(): number { return this.#hood("outdegree").destinations.length; }
  /** The ranks receive blocks come from, in block order (PROC_NULL past a Cartesian edge). */
  get inedges(): number[] { return [...this.#hood("inedges").sources]; }
  /** The ranks send blocks go to, in block order. */
  get outedges(): number[] { return [...this.#hood("outedges").destinations]; }
  get inoutedges(): [number[], number[]] { return [this.inedges, this.outedges]; }

  // ---- neighbourhood collectives (neighbor.ts) ----
  /** Sends `sendbuf` to every out-neighbour; block i of `recvbuf` receives in-neighbour i's (MPI_Neighbor_allgather). */
  Neighbor_allgather(sendbuf: Buffer, recvbuf: Buffer): void { nb.Neighbor_allgather(this, sendbuf, recvbuf); }
  Ineighbor_allgather(sendbuf: Buffer, recvbuf: Buffer): Request<void> { return nb.Neighbor_allgather(this, sendbuf, recvbuf, NONBLOCKING) as Request<void>; }
  /** As Neighbor_allgather, with per-in-neighbour counts (and displacements) in elements of recvbuf's type. */
  Neighbor_allgatherv(sendbuf: Buffer, recvbuf: NeighborSpec): void { nb.Neighbor_allgatherv(this, sendbuf, recvbuf); }
  Ineighbor_allgatherv(sendbuf: Buffer, recvbuf: NeighborSpec): Request<void> { return nb.Neighbor_allgatherv(this, sendbuf, recvbuf, NONBLOCKING) as Request<void>; }
  /** Block j of `sendbuf` to out-neighbour j; block i of `recvbuf` from in-neighbour i (MPI_Neighbor_alltoall). */
  Neighbor_alltoall(sendbuf: Buffer, recvbuf: Buffer): void { nb.Neighbor_alltoall(this, sendbuf, recvbuf); }
  Ineighbor_alltoall(sendbuf: Buffer, recvbuf: Buffer): Request<void> { return nb.Neighbor_alltoall(this, sendbuf, recvbuf, NONBLOCKING) as Request<void>; }
  Neighbor_alltoallv(sendbuf: NeighborSpec, recvbuf: NeighborSpec): void { nb.Neighbor_alltoallv(this, sendbuf, recvbuf); }
  Ineighbor_alltoallv(sendbuf: NeighborSpec, recvbuf: NeighborSpec): Request<void> { return nb.Neighbor_alltoallv(this, sendbuf, recvbuf, NONBLOCKING) as Request<void>; }
  /** Per-neighbour counts, byte displacements and datatypes: `[buf, counts, displs, datatypes]` (MPI_Neighbor_alltoallw). */
  Neighbor_alltoallw(sendbuf: BufSpecW, recvbuf: BufSpecW): void { nb.Neighbor_alltoallw(this, sendbuf, recvbuf); }
  Ineighbor_alltoallw(sendbuf: BufSpecW, recvbuf: BufSpecW): Request<void> { return nb.Neighbor_alltoallw(this, sendbuf, recvbuf, NONBLOCKING) as Request<void>; }
  /**
   * Persistent forms (MPI_Neighbor_allgather_init...): the arguments are checked now; each Start runs the exchange
   * on the buffers' current contents. Matched by their inits, as every persistent collective.
   */
  Neighbor_allgather_init(sendbuf: Buffer, recvbuf: Buffer): CollectivePrequest { return nb.init(this, "Neighbor_allgather_init", (m) => nb.Neighbor_allgather(this, sendbuf, recvbuf, m)); }
  Neighbor_allgatherv_init(sendbuf: Buffer, recvbuf: NeighborSpec): CollectivePrequest { return nb.init(this, "Neighbor_allgatherv_init", (m) => nb.Neighbor_allgatherv(this, sendbuf, recvbuf, m)); }
  Neighbor_alltoall_init(sendbuf: Buffer, recvbuf: Buffer): CollectivePrequest { return nb.init(this, "Neighbor_alltoall_init", (m) => nb.Neighbor_alltoall(this, sendbuf, recvbuf, m)); }
  Neighbor_alltoallv_init(sendbuf: NeighborSpec, recvbuf: NeighborSpec): CollectivePrequest { return nb.init(this, "Neighbor_alltoallv_init", (m) => nb.Neighbor_alltoallv(this, sendbuf, recvbuf, m)); }
  Neighbor_alltoallw_init(sendbuf: BufSpecW, recvbuf: BufSpecW): CollectivePrequest { return nb.init(this, "Neighbor_alltoallw_init", (m) => nb.Neighbor_alltoallw(this, sendbuf, recvbuf, m)); }
  /** Every in-neighbour's value, in inedges order (undefined for a PROC_NULL neighbour). */
  neighbor_allgather<T>(obj: T): (T | undefined)[] { return nb.neighbor_allgather(this, obj); }
  /** `seq[j]` to out-neighbour j; returns what each in-neighbour sent here (undefined for PROC_NULL). */
  neighbor_alltoall<T>(seq: readonly T[]): (T | undefined)[] { return nb.neighbor_alltoall(this, seq); }
}

handleErrorsOf(Topocomm);
