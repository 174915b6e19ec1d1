/**
 * MPIError: every failure mpi4ts reports (MPI-4.0 §9.4, "Error codes and classes").
 * `errorClass` is stable; the message names the call, the rank and the argument.
 */
import { userStack } from "./stack.js";

export const ERROR_CLASSES = [
  "ERR_RANK", "ERR_TAG", "ERR_ROOT", "ERR_COUNT", "ERR_TRUNCATE", "ERR_TYPE", "ERR_OP",
  "ERR_COMM", "ERR_ARG", "ERR_BUFFER", "ERR_PENDING", "ERR_OTHER", "ERR_DEADLOCK", "ERR_ABORTED",
  "ERR_GROUP", "ERR_TOPOLOGY", "ERR_DIMS", "ERR_INTERN", "ERR_REQUEST",
  "ERR_KEYVAL", "ERR_INFO_KEY", "ERR_INFO_VALUE", "ERR_INFO_NOKEY",
  // parallel file I/O (MPI-4.0 §14.7)
  "ERR_FILE", "ERR_NOT_SAME", "ERR_AMODE", "ERR_UNSUPPORTED_DATAREP", "ERR_UNSUPPORTED_OPERATION",
  "ERR_NO_SUCH_FILE", "ERR_FILE_EXISTS", "ERR_BAD_FILE", "ERR_ACCESS", "ERR_NO_SPACE", "ERR_QUOTA",
  "ERR_READ_ONLY", "ERR_FILE_IN_USE", "ERR_IO",
  // one-sided communication (win/)
  "ERR_WIN", "ERR_BASE", "ERR_SIZE", "ERR_DISP", "ERR_LOCKTYPE", "ERR_ASSERT", "ERR_RMA_SYNC", "ERR_RMA_RANGE", "ERR_RMA_CONFLICT",
  "ERR_RMA_ATTACH",
  // dynamic processes (spawn.ts)
  "ERR_SPAWN",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Numeric codes, as `MPI.ERR_RANK` etc., for programs that compare codes like mpi4py's `Get_error_class()`. */
export const ERROR_CODES: Readonly<Record<ErrorClass, number>> = Object.freeze(
  Object.fromEntries(ERROR_CLASSES.map((name, i) => [name, i + 1])) as Record<ErrorClass, number>,
);

export class MPIError extends Error {
  readonly errorClass: ErrorClass;
  constructor(errorClass: ErrorClass, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errorClass = errorClass;
    this.name = `MPIError[${errorClass}]`;
    // The user's call comes first, not the frames of mpi4ts that checked it.
    if (this.stack !== undefined) this.stack = userStack(this.stack);
  }
  /** mpi4py spelling: the numeric error class. */
  Get_error_class(): number {
    return ERROR_CODES[this.errorClass];
  }
  Get_error_code(): number {
    return ERROR_CODES[this.errorClass];
  }
  Get_error_string(): string {
    return this.message;
  }
}

export function isMPIError(e: unknown): e is MPIError {
  return e instanceof Error && typeof (e as MPIError).errorClass === "string" && e.name.startsWith("MPIError[");
}
