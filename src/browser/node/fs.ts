/**
 * node:fs in a browser rank: there is no file system, so whatever needs one (MPI.File, traces, Spawn's program
 * files) fails with this error; existence checks simply find nothing.
 */
import { MPIError } from "../../errors.js";

function noFiles(call: string): never {
  throw new MPIError("ERR_UNSUPPORTED_OPERATION", `${call}: there is no file system in the browser (files need mpi4ts run on Node)`);
}

export const constants = { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024 };
export function existsSync(_path: unknown): boolean { return false; }
export const openSync = (..._: unknown[]): never => noFiles("opening a file");
export const closeSync = (..._: unknown[]): never => noFiles("closing a file");
export const readSync = (..._: unknown[]): never => noFiles("reading a file");
export const writeSync = (..._: unknown[]): never => noFiles("writing a file");
export const fstatSync = (..._: unknown[]): never => noFiles("stat");
export const fsyncSync = (..._: unknown[]): never => noFiles("fsync");
export const ftruncateSync = (..._: unknown[]): never => noFiles("truncating a file");
export const statSync = (..._: unknown[]): never => noFiles("stat");
export const readFileSync = (..._: unknown[]): never => noFiles("reading a file");
export const writeFileSync = (..._: unknown[]): never => noFiles("writing a file");
export const appendFileSync = (..._: unknown[]): never => noFiles("writing a file");
export const readdirSync = (..._: unknown[]): never => noFiles("listing a directory");
export const mkdtempSync = (..._: unknown[]): never => noFiles("making a directory");
export const mkdirSync = (..._: unknown[]): never => noFiles("making a directory");
export const rmSync = (..._: unknown[]): never => noFiles("removing a file");
export const unlinkSync = (..._: unknown[]): never => noFiles("removing a file");
