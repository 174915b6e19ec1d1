/**
 * Late-bound constructors: cartcomm.ts and graphcomm.ts subclass Comm, so comm.ts cannot import them without a
 * module cycle. They fill this in when they load (mpi.ts always loads them).
 */
import type { Comm } from "../comm.js";
import type { Intercomm } from "../intercomm.js";

export const hooks: {
  createCart?: (comm: Comm, dims: readonly number[], periods: readonly (boolean | number)[] | undefined, reorder: boolean) => Comm;
  // graph topologies (graphcomm.ts)
  createGraph?: (comm: Comm, index: readonly number[], edges: readonly number[], reorder: boolean) => Comm;
  createDistGraph?: (comm: Comm, sources: readonly number[], degrees: readonly number[], destinations: readonly number[], weights: unknown, info: unknown, reorder: boolean) => Comm;
  createDistGraphAdjacent?: (comm: Comm, sources: readonly number[], destinations: readonly number[], sourceweights: unknown, destweights: unknown, info: unknown, reorder: boolean) => Comm;
  // intercommunicators (intercomm.ts)
  createIntercomm?: (comm: Comm, localLeader: number, peerComm: Comm, remoteLeader: number, tag: number) => Intercomm;
  // dynamic processes (spawn.ts)
  spawn?: (comm: Comm, command: unknown, args: unknown, maxprocs: unknown, info: unknown, root: unknown, errcodes: unknown) => Intercomm;
  spawnMultiple?: (comm: Comm, commands: unknown, args: unknown, maxprocs: unknown, info: unknown, root: unknown, errcodes: unknown) => Intercomm;
  getParent?: () => Intercomm;
} = {};
