/**
 * Late-bound constructors: cartcomm.ts subclasses Comm, so comm.ts cannot import it without a module cycle.
 * cartcomm.ts fills this in when it loads (mpi.ts always loads it).
 */
import type { Comm } from "../comm.js";

export const hooks: {
  createCart?: (comm: Comm, dims: readonly number[], periods: readonly (boolean | number)[] | undefined, reorder: boolean) => Comm;
} = {};
