/**
 * The system calls of file I/O, with node:fs's errors turned into MPI's file error classes (MPI-4.0 §14.7):
 * positional reads and writes that finish short transfers, and the mapping of errno codes.
 */
import * as fs from "node:fs";
import { type ErrorClass, MPIError } from "../errors.js";

const ERRNO_CLASSES: Readonly<Record<string, ErrorClass>> = {
  ENOENT: "ERR_NO_SUCH_FILE", EACCES: "ERR_ACCESS", EPERM: "ERR_ACCESS", EEXIST: "ERR_FILE_EXISTS",
  EROFS: "ERR_READ_ONLY", ENOSPC: "ERR_NO_SPACE", EDQUOT: "ERR_QUOTA", EISDIR: "ERR_BAD_FILE",
  ENOTDIR: "ERR_BAD_FILE", ENAMETOOLONG: "ERR_BAD_FILE", ELOOP: "ERR_BAD_FILE", EBADF: "ERR_BAD_FILE",
  ETXTBSY: "ERR_FILE_IN_USE", EBUSY: "ERR_FILE_IN_USE", EFBIG: "ERR_IO", EIO: "ERR_IO",
};

/** An MPIError for a failed system call: the errno's class, the call and the path in the message. */
export function systemError(where: string, path: string, e: unknown): MPIError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  // A call that mpi4ts itself refused (no file system in a browser) keeps its class.
  const errorClass = e instanceof MPIError ? e.errorClass : (code !== undefined && ERRNO_CLASSES[code]) || "ERR_IO";
  const reason = e instanceof Error ? e.message : String(e);
  return new MPIError(errorClass, `${where}: ${path}: ${reason}`, { cause: e });
}

/** Runs a system call, its failure as an MPIError. */
export function system<T>(where: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw systemError(where, path, e);
  }
}

/** Writes all of `bytes` at file byte `position` (a write may move fewer bytes than asked). */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Reads into `into` from file byte `position`; returns the bytes read, fewer than asked only at the end of the file. */
export function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
