/** Special ranks, tags and colors (MPI-4.0 §3.2.4, §3.7, §7.4.2). Values match Open MPI's where it matters to nobody but readers. */
export const ANY_SOURCE = -1;
export const ANY_TAG = -1;
export const PROC_NULL = -2;
export const UNDEFINED = -32766;
/** Largest valid tag: the MPI standard guarantees at least 32767; Open MPI and MPICH both allow up to 2^31-1 on shared memory. */
export const TAG_UB = 2147483647;

/** Marker for in-place collectives (`Allreduce(IN_PLACE, buf)`). */
export const IN_PLACE: unique symbol = Symbol.for("mpi4ts.IN_PLACE");
export type InPlace = typeof IN_PLACE;

/** Results of `Comm.Compare` (MPI-4.0 §7.4.1). */
export const IDENT = 0;
export const CONGRUENT = 1;
export const SIMILAR = 2;
export const UNEQUAL = 3;
