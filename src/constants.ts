/** Special ranks, tags and colors (MPI-4.0 §3.2.4, §3.7, §7.4.2). Values match Open MPI's where it matters to nobody but readers. */
export const ANY_SOURCE = -1;
export const ANY_TAG = -1;
export const PROC_NULL = -2;
/** The root argument of the root itself in an intercommunicator collective (MPI-4.0 §6.2.2). */
export const ROOT = -4;
export const UNDEFINED = -32766;
/**
 * The keyval of the TAG_UB attribute (as in mpi4py) and the largest tag of the local and self engines and of Open
 * MPI. The running engine's own bound is `COMM_WORLD.Get_attr(MPI.TAG_UB)` (2^28 - 1 on MPICH; MPI guarantees
 * at least 32767): every call accepts exactly the tags 0..that bound.
 */
export const TAG_UB = 2147483647;

/** Marker for in-place collectives (`Allreduce(IN_PLACE, buf)`). */
export const IN_PLACE: unique symbol = Symbol.for("mpi4ts.IN_PLACE");
export type InPlace = typeof IN_PLACE;

/** Results of `Comm.Compare` (MPI-4.0 §7.4.1). */
export const IDENT = 0;
export const CONGRUENT = 1;
export const SIMILAR = 2;
export const UNEQUAL = 3;
