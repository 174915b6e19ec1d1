/**
 * MPI.File on the local and self engines: each rank opens the file with node:fs and moves bytes with positional
 * system calls through the view's file ranges; collective writes go through collective.ts (few large writes),
 * the shared pointer through shared-pointer.ts. The ranks coordinate over the file's own communicator.
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Comm } from "../comm.js";
import { MPIError } from "../errors.js";
import { agree } from "../agree.js";
import { MODE_APPEND, MODE_CREATE, MODE_DELETE_ON_CLOSE, MODE_EXCL, MODE_RDONLY, MODE_WRONLY } from "./modes.js";
import { aggregatedWrite, needsAggregation, planOf, writeExtents } from "./collective.js";
import { readFully, system } from "./posix.js";
import { SharedPointer } from "./shared-pointer.js";
import type { Pending, Storage } from "./storage.js";
import type { View } from "./view.js";


/** The open(2) flags of an amode; `creating` is false for the ranks that open a file rank 0 already made. */
function openFlags(amode: number, creating: boolean): number {
  const c = fs.constants;
  let flags = amode & MODE_RDONLY ? c.O_RDONLY : amode & MODE_WRONLY ? c.O_WRONLY : c.O_RDWR;
  if (creating && amode & MODE_CREATE) flags |= c.O_CREAT;
  if (creating && amode & MODE_EXCL) flags |= c.O_EXCL;
  return flags;
}

export class PosixStorage implements Storage {
  private constructor(
    private readonly comm: Comm,
    private readonly path: string,
    private readonly fd: number,
    private readonly amode: number,
    private readonly shared: SharedPointer,
  ) {}

  /**
   * Collective. Rank 0 opens first, so MODE_CREATE | MODE_EXCL creates the file exactly once, and picks the
   * shared pointer's token; then the others open what it opened. A failure on any rank raises on every rank.
   */
  static open(comm: Comm, where: string, path: string, amode: number): PosixStorage {
    const rank = comm.rank;
    let fd: number | undefined;
    try {
      const [token] = agree(comm, "File.Open", () => {
        if (rank !== 0) return "";
        fd = system(where, path, () => fs.openSync(path, openFlags(amode, true), 0o666));
        return randomBytes(6).toString("hex");
      });
      agree(comm, "File.Open", () => {
        if (rank !== 0) fd = system(where, path, () => fs.openSync(path, openFlags(amode, false)));
      });
      const shared = new SharedPointer(path, token!);
      if (amode & MODE_APPEND) {
        // The shared pointer starts at the end too (in etypes of the default view: bytes).
        agree(comm, "File.Open", () => { if (rank === 0) shared.set(where, fs.fstatSync(fd!).size); });
      }
      return new PosixStorage(comm, path, fd!, amode, shared);
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      throw e;
    }
  }

  /** MPI_File_delete's part: unlink. */
  static delete(where: string, path: string): void {
    system(where, path, () => fs.unlinkSync(path));
  }

  size(where: string): number {
    return system(where, this.path, () => fs.fstatSync(this.fd).size);
  }

  resize(where: string, size: number, growOnly: boolean): void {
    if (this.comm.rank === 0) {
      system(where, this.path, () => {
        if (!growOnly || fs.fstatSync(this.fd).size < size) fs.ftruncateSync(this.fd, size);
      });
    }
  }

  sync(where: string): void {
    if (!(this.amode & MODE_RDONLY)) system(where, this.path, () => fs.fsyncSync(this.fd));
  }

  close(where: string): void {
    agree(this.comm, "File.Close", () => system(where, this.path, () => fs.closeSync(this.fd)));
    // Every rank has closed: no access can follow, so rank 0 removes what the open left behind.
    if (this.comm.rank === 0) {
      this.shared.remove();
      if (this.amode & MODE_DELETE_ON_CLOSE) fs.rmSync(this.path, { force: true });
    }
    this.comm.barrier();
  }

  setView(where: string, _view: View): void {
    agree(this.comm, "File.Set_view", () => { if (this.comm.rank === 0) this.shared.set(where, 0); });
  }

  read(where: string, view: View, start: number, into: Uint8Array, _collective: boolean): number {
    let got = 0;
    system(where, this.path, () => {
      for (const e of view.extents(start * view.etype.size, into.length)) {
        const n = readFully(this.fd, into.subarray(got, got + e.length), e.offset);
        got += n;
        if (n < e.length) break;
      }
    });
    return got;
  }

  write(where: string, view: View, start: number, data: Uint8Array, collective: boolean): void {
    const extents = view.extents(start * view.etype.size, data.length);
    if (collective) {
      // Every rank's plan first: one block each is written as it is, small interleaved pieces in domains.
      const plans = this.comm.allgather(planOf(extents));
      if (needsAggregation(plans)) {
        system(where, this.path, () => aggregatedWrite(this.comm, this.fd, plans, extents, data));
        return;
      }
    }
    system(where, this.path, () => writeExtents(this.fd, extents, data));
  }

  readShared(where: string, view: View, into: Uint8Array, ordered: boolean): number {
    const start = this.#claim(where, view, into.length, ordered);
    return this.read(where, view, start, into, ordered);
  }

  writeShared(where: string, view: View, data: Uint8Array, ordered: boolean): number {
    const start = this.#claim(where, view, data.length, ordered);
    this.write(where, view, start, data, ordered);
    return data.length;
  }

  /**
   * Where this rank's shared access starts: one fetch-and-add of its own, or for an ordered access one for the
   * whole call at rank 0, each rank's place following the ranks before it.
   */
  #claim(where: string, view: View, bytes: number, ordered: boolean): number {
    const etypes = bytes / view.etype.size;
    if (!ordered) return this.shared.fetchAdd(where, etypes);
    const counts = this.comm.allgather(etypes);
    const total = counts.reduce((a, b) => a + b, 0);
    const [base] = agree(this.comm, where, () => (this.comm.rank === 0 ? this.shared.fetchAdd(where, total) : 0));
    return base! + counts.slice(0, this.comm.rank).reduce((a, b) => a + b, 0);
  }

  /** node:fs's async calls would run on the event loop, which a rank blocked in MPI does not turn: done in the call. */
  readonly nonblocking = false;
  begin(where: string): Pending {
    throw new MPIError("ERR_INTERN", `${where}: node:fs storage has no nonblocking accesses`);
  }

  positionShared(where: string): number {
    return this.shared.fetchAdd(where, 0);
  }

  seekShared(where: string, position: number): void {
    agree(this.comm, "File.Seek_shared", () => { if (this.comm.rank === 0) this.shared.set(where, position); });
  }
}
