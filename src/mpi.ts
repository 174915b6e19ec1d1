/**
 * The MPI namespace (`import { MPI } from "mpi4ts"`), mirroring mpi4py's `MPI` module: constants, the world
 * communicators, and the environment functions of MPI-4.0 chapter 11.
 */
import { currentEngine } from "./engine/select.js";
import { ERROR_CODES, MPIError } from "./errors.js";

export * from "./constants.js";
export { Comm, COMM_WORLD, COMM_SELF, COMM_NULL, type RecvOptions } from "./comm.js";
export { Status } from "./status.js";
export { Request } from "./request.js";
export { MPIError, ERROR_CODES, type ErrorClass } from "./errors.js";
export type { Buffer } from "./datatype.js";
export { Op, SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC, REPLACE, OP_NULL, NO_OP } from "./op.js";
export type { LogicalOp, LocOp, Reduced, ValueOp, Widened } from "./op.js";
export type { RequestValue } from "./request.js";
export { CollectivePrequest } from "./collective/persistent.js";
export { Group } from "./group.js";
export { Cartcomm, Compute_dims, CART } from "./cartcomm.js";
export { Intercomm } from "./intercomm.js";
import "./spawn.js";
// point-to-point additions (p2p): buffered sends, matched probes, persistent and null requests
export { Attach_buffer, Detach_buffer, BSEND_OVERHEAD } from "./bsend.js";
export { Message, MESSAGE_NULL, MESSAGE_NO_PROC } from "./message.js";
export { Prequest } from "./prequest.js";
export { REQUEST_NULL } from "./request.js";
export type { SizedDatatype } from "./status.js";
// datatypes (datatype/)
export {
  Datatype, type Contents, type ElementArray, COMBINER_NAMED, COMBINER_DUP, COMBINER_CONTIGUOUS, COMBINER_VECTOR,
  COMBINER_HVECTOR, COMBINER_INDEXED, COMBINER_HINDEXED, COMBINER_INDEXED_BLOCK, COMBINER_HINDEXED_BLOCK,
  COMBINER_STRUCT, COMBINER_SUBARRAY, COMBINER_RESIZED, COMBINER_DARRAY, DISTRIBUTE_BLOCK, DISTRIBUTE_CYCLIC,
  DISTRIBUTE_NONE, DISTRIBUTE_DFLT_DARG, ORDER_C, ORDER_FORTRAN, ORDER_F, DATATYPE_NULL, BYTE, PACKED, CHAR, WCHAR,
  SIGNED_CHAR, UNSIGNED_CHAR, SHORT, UNSIGNED_SHORT, INT, UNSIGNED, LONG, UNSIGNED_LONG, LONG_LONG,
  UNSIGNED_LONG_LONG, INT8_T, INT16_T, INT32_T, INT64_T, UINT8_T, UINT16_T, UINT32_T, UINT64_T, FLOAT, DOUBLE,
  C_BOOL, AINT, OFFSET, COUNT, C_FLOAT_COMPLEX, C_DOUBLE_COMPLEX, SIGNED_SHORT, SIGNED_INT, UNSIGNED_INT,
  SIGNED_LONG, SIGNED_LONG_LONG, BOOL, C_COMPLEX,
} from "./datatype/type.js";
export type { BufSpec, BufSpecV, BufSpecW, TypedSpec } from "./datatype/message.js";
// end datatypes
// communicators, groups, topologies, attributes, info, error handlers (issue 10)
export { GROUP_EMPTY, GROUP_NULL } from "./group.js";
export { Topocomm, GRAPH, DIST_GRAPH } from "./topocomm.js";
export type { NeighborSpec } from "./neighbor.js";
export { Graphcomm, Distgraphcomm, UNWEIGHTED, WEIGHTS_EMPTY, type Weights } from "./graphcomm.js";
export { COMM_TYPE_SHARED } from "./topology.js";
export { WTIME_IS_GLOBAL, UNIVERSE_SIZE, APPNUM, KEYVAL_INVALID, type CopyFunction, type DeleteFunction } from "./attributes.js";
export { Info, INFO_NULL, INFO_ENV, MAX_INFO_KEY, MAX_INFO_VAL } from "./info.js";
export { Errhandler, ERRORS_RETURN, ERRORS_ARE_FATAL, ERRORS_ABORT, ERRHANDLER_NULL } from "./errhandler.js";
export { Is_thread_main } from "./environment.js";
// parallel file I/O (file/)
export {
  File, FILE_NULL, MODE_RDONLY, MODE_WRONLY, MODE_RDWR, MODE_CREATE, MODE_EXCL, MODE_DELETE_ON_CLOSE,
  MODE_UNIQUE_OPEN, MODE_SEQUENTIAL, MODE_APPEND, SEEK_SET, SEEK_CUR, SEEK_END,
  type FileView,
} from "./file/file.js";

/** mpi4py's name for the error class. */
export const Exception = MPIError;

/**
 * Error classes as mpi4py's numeric constants, so `e.Get_error_class() === MPI.ERR_RANK` reads as in mpi4py
 * (`e.errorClass` is the class's name: `e.errorClass === "ERR_RANK"`).
 */
export const ERR_RANK = ERROR_CODES.ERR_RANK, ERR_TAG = ERROR_CODES.ERR_TAG, ERR_ROOT = ERROR_CODES.ERR_ROOT,
  ERR_COUNT = ERROR_CODES.ERR_COUNT, ERR_TRUNCATE = ERROR_CODES.ERR_TRUNCATE, ERR_TYPE = ERROR_CODES.ERR_TYPE,
  ERR_OP = ERROR_CODES.ERR_OP, ERR_COMM = ERROR_CODES.ERR_COMM, ERR_ARG = ERROR_CODES.ERR_ARG,
  ERR_BUFFER = ERROR_CODES.ERR_BUFFER, ERR_PENDING = ERROR_CODES.ERR_PENDING, ERR_OTHER = ERROR_CODES.ERR_OTHER,
  ERR_DEADLOCK = ERROR_CODES.ERR_DEADLOCK, ERR_ABORTED = ERROR_CODES.ERR_ABORTED, ERR_GROUP = ERROR_CODES.ERR_GROUP,
  ERR_TOPOLOGY = ERROR_CODES.ERR_TOPOLOGY, ERR_DIMS = ERROR_CODES.ERR_DIMS, ERR_INTERN = ERROR_CODES.ERR_INTERN,
  ERR_REQUEST = ERROR_CODES.ERR_REQUEST;
export const ERR_KEYVAL = ERROR_CODES.ERR_KEYVAL, ERR_INFO_KEY = ERROR_CODES.ERR_INFO_KEY, ERR_INFO_VALUE = ERROR_CODES.ERR_INFO_VALUE,
  ERR_INFO_NOKEY = ERROR_CODES.ERR_INFO_NOKEY;
export const ERR_FILE = ERROR_CODES.ERR_FILE, ERR_NOT_SAME = ERROR_CODES.ERR_NOT_SAME, ERR_AMODE = ERROR_CODES.ERR_AMODE,
  ERR_UNSUPPORTED_DATAREP = ERROR_CODES.ERR_UNSUPPORTED_DATAREP, ERR_UNSUPPORTED_OPERATION = ERROR_CODES.ERR_UNSUPPORTED_OPERATION,
  ERR_NO_SUCH_FILE = ERROR_CODES.ERR_NO_SUCH_FILE, ERR_FILE_EXISTS = ERROR_CODES.ERR_FILE_EXISTS, ERR_BAD_FILE = ERROR_CODES.ERR_BAD_FILE,
  ERR_ACCESS = ERROR_CODES.ERR_ACCESS, ERR_NO_SPACE = ERROR_CODES.ERR_NO_SPACE, ERR_QUOTA = ERROR_CODES.ERR_QUOTA,
  ERR_READ_ONLY = ERROR_CODES.ERR_READ_ONLY, ERR_FILE_IN_USE = ERROR_CODES.ERR_FILE_IN_USE, ERR_IO = ERROR_CODES.ERR_IO;
// one-sided communication (win/)
export {
  Win, LOCK_EXCLUSIVE, LOCK_SHARED, MODE_NOCHECK, MODE_NOSTORE, MODE_NOPUT, MODE_NOPRECEDE, MODE_NOSUCCEED,
  WIN_BASE, WIN_SIZE, WIN_DISP_UNIT, WIN_CREATE_FLAVOR, WIN_MODEL, WIN_FLAVOR_CREATE, WIN_FLAVOR_ALLOCATE,
  WIN_FLAVOR_DYNAMIC, WIN_FLAVOR_SHARED, WIN_SEPARATE, WIN_UNIFIED, Get_address, Aint_add, Aint_diff,
} from "./win/win.js";
export const ERR_WIN = ERROR_CODES.ERR_WIN, ERR_BASE = ERROR_CODES.ERR_BASE, ERR_SIZE = ERROR_CODES.ERR_SIZE,
  ERR_DISP = ERROR_CODES.ERR_DISP, ERR_LOCKTYPE = ERROR_CODES.ERR_LOCKTYPE, ERR_ASSERT = ERROR_CODES.ERR_ASSERT,
  ERR_RMA_SYNC = ERROR_CODES.ERR_RMA_SYNC, ERR_RMA_RANGE = ERROR_CODES.ERR_RMA_RANGE, ERR_RMA_CONFLICT = ERROR_CODES.ERR_RMA_CONFLICT,
  ERR_RMA_ATTACH = ERROR_CODES.ERR_RMA_ATTACH;
export const ERR_SPAWN = ERROR_CODES.ERR_SPAWN;

/** Seconds since an arbitrary point, monotonic, high resolution (MPI_Wtime). */
export function Wtime(): number { return currentEngine().wtime(); }
/** Resolution of Wtime in seconds (MPI_Wtick). */
export function Wtick(): number { return currentEngine().wtick(); }
/** This rank's host name (MPI_Get_processor_name). */
export function Get_processor_name(): string { return currentEngine().processorName(); }
/** The MPI standard version implemented: [major, minor] (MPI_Get_version). */
export function Get_version(): [number, number] { return currentEngine().version(); }
/** Which engine runs this rank, and on the native engine the MPI library's own version string. */
export function Get_library_version(): string { return currentEngine().libraryVersion(); }
/** mpi4py initializes MPI at import; so does mpi4ts (at first use), so this is always true. */
export function Is_initialized(): boolean { return true; }
export function Is_finalized(): boolean { return finalized; }
/** Optional: the runtime finalizes at exit. Communication after Finalize is an error. */
export function Finalize(): void {
  if (finalized) return;
  currentEngine().finalize();
  finalized = true;
}
let finalized = false;
/** A rank's progress through long work, drawn live by the launcher on a terminal (src/progress.ts). */
export { progress } from "./progress.js";

/** Number of the MPI thread level (mpi4py's `Query_thread`): each rank is single-threaded. */
export const THREAD_SINGLE = 0, THREAD_FUNNELED = 1, THREAD_SERIALIZED = 2, THREAD_MULTIPLE = 3;
/**
 * The thread level: THREAD_SINGLE on the local and self engines (a rank is one thread), on the mpi engine what
 * MPI_Init_thread provided (THREAD_FUNNELED: only the rank's main thread calls MPI).
 */
export function Query_thread(): number { return currentEngine().threadLevel?.() ?? THREAD_SINGLE; }

// ---- traces (trace/) ----
export { trace, Pcontrol } from "./trace/api.js";
