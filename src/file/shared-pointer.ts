/**
 * The shared file pointer (MPI-4.0 §14.4.4): one offset, in etypes of the view, that every rank of the file's
 * communicator reads and advances atomically. It lives where every rank can reach it on every engine, beside the
 * file (as ROMIO keeps it): a hidden file holding the offset, guarded by a lock file created with O_EXCL, so a
 * fetch-and-add works between threads of the local engine and between processes of an MPI job alike. Neither
 * file exists until the pointer is first moved away from zero; Close removes both.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MPIError } from "../errors.js";
import { readFully, system, systemError, writeFully } from "./posix.js";

/** How long a rank waits for the lock before it reports a stale lock file. */
const LOCK_TIMEOUT_MS = 30_000;
const nap = new Int32Array(new SharedArrayBuffer(4));

export class SharedPointer {
  readonly #value: string;
  readonly #lock: string;

  /** `file` is the data file's path; `token` is the same on every rank and unique to this open. */
  constructor(file: string, token: string) {
    const base = `.${path.basename(file)}.${token}`;
    this.#value = path.join(path.dirname(file), `${base}.shfp`);
    this.#lock = path.join(path.dirname(file), `${base}.lock`);
  }

  /** Adds `delta` etypes and returns the offset before (MPI's fetch-and-add of the shared pointer). */
  fetchAdd(where: string, delta: number): number {
    return this.#locked(where, (fd) => {
      const before = this.#read(fd);
      if (delta !== 0) this.#write(fd, before + delta);
      return before;
    });
  }

  /** Sets the offset (Seek_shared, and zero on Set_view). */
  set(where: string, value: number): void {
    this.#locked(where, (fd) => this.#write(fd, value));
  }

  /** Removes the pointer's files (at Close: every rank has passed its last shared access). */
  remove(): void {
    fs.rmSync(this.#value, { force: true });
    fs.rmSync(this.#lock, { force: true });
  }

  #read(fd: number): number {
    const bytes = new Uint8Array(8);
    if (readFully(fd, bytes, 0) < 8) return 0;
    return Number(new DataView(bytes.buffer).getBigInt64(0, true));
  }

  #write(fd: number, value: number): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
    writeFully(fd, bytes, 0);
  }

  #locked<T>(where: string, run: (fd: number) => T): T {
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    let lock: number | undefined;
    while (lock === undefined) {
      try {
        lock = fs.openSync(this.#lock, "wx");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw systemError(where, this.#lock, e);
        if (Date.now() > deadline) {
          throw new MPIError("ERR_FILE_IN_USE", `${where}: the shared file pointer's lock ${this.#lock} has been held for ${LOCK_TIMEOUT_MS / 1000} s (left by a crashed job? remove it)`);
        }
        Atomics.wait(nap, 0, 0, 0.05);
      }
    }
    try {
      const fd = system(where, this.#value, () => fs.openSync(this.#value, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
      try {
        return system(where, this.#value, () => run(fd));
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      fs.closeSync(lock);
      fs.rmSync(this.#lock, { force: true });
    }
  }
}
