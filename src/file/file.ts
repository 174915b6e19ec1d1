/**
 * MPI.File (MPI-4.0 chapter 14, mpi4py's `MPI.File`): a file opened collectively by the ranks of a communicator,
 * read and written at explicit offsets, through each rank's own file pointer or through one shared pointer, as
 * seen through a view built from the project's datatypes. This module checks arguments, agrees on them over the
 * file's own duplicate of the communicator and keeps the individual pointer; the bytes move through a Storage:
 * node:fs positional I/O on the local and self engines, the MPI library's MPI-IO on the mpi engine (docs/io.md).
 */
import * as path from "node:path";
import { COMM_WORLD, type Comm } from "../comm.js";
import { MPIError, isMPIError } from "../errors.js";
import { describe } from "../datatype.js";
import { bufferArg, type BufSpec, type Message } from "../datatype/message.js";
import { BYTE, Datatype } from "../datatype/type.js";
import type { Group } from "../group.js";
import { INFO_NULL, Info, infoRefusal } from "../info.js";
import { CompletedOperation, Request } from "../request.js";
import { Status } from "../status.js";
import { agree } from "../agree.js";
import { startCollectiveAccess, type InFlight } from "./collective-request.js";
import { MpiStorage } from "./mpi-storage.js";
import { PosixStorage } from "./posix-storage.js";
import type { Storage } from "./storage.js";
import { View } from "./view.js";

import {
  MODE_APPEND, MODE_CREATE, MODE_DELETE_ON_CLOSE, MODE_EXCL, MODE_RDONLY, MODE_RDWR, MODE_SEQUENTIAL, MODE_UNIQUE_OPEN, MODE_WRONLY,
} from "./modes.js";

export {
  MODE_APPEND, MODE_CREATE, MODE_DELETE_ON_CLOSE, MODE_EXCL, MODE_RDONLY, MODE_RDWR, MODE_SEQUENTIAL, MODE_UNIQUE_OPEN, MODE_WRONLY,
};
/** Whence of Seek and Seek_shared. */
export const SEEK_SET = 600, SEEK_CUR = 602, SEEK_END = 604;

const ALL_MODES = MODE_CREATE | MODE_RDONLY | MODE_WRONLY | MODE_RDWR | MODE_DELETE_ON_CLOSE | MODE_UNIQUE_OPEN
  | MODE_EXCL | MODE_APPEND | MODE_SEQUENTIAL;

/** What Get_view returns: the displacement in bytes, the etype, the filetype and the data representation. */
export type FileView = [disp: number, etype: Datatype, filetype: Datatype, datarep: string];

/** An open file's state; FILE_NULL and closed files have none. */
interface Opened {
  readonly comm: Comm;
  readonly path: string;
  readonly storage: Storage;
  readonly amode: number;
  info: Info;
  view: View;
  /** The individual file pointer, in etypes of the view. */
  pointer: number;
  atomicity: boolean;
  /** Nonblocking collective accesses that may still be in flight, completed before the file closes. */
  readonly inFlight: Set<InFlight>;
}

/** Why `amode` is not a valid access mode (MPI-4.0 §14.2.1), or undefined. */
function amodeRefusal(amode: unknown): string | undefined {
  if (!Number.isInteger(amode)) return `amode must be an integer (MPI.MODE_* combined with |), got ${describe(amode)}`;
  const a = amode as number;
  if ((a & ~ALL_MODES) !== 0) return `amode ${a} has bits that are no MPI.MODE_* flag`;
  const access = [MODE_RDONLY, MODE_WRONLY, MODE_RDWR].filter((m) => a & m).length;
  if (access !== 1) return `amode must have exactly one of MODE_RDONLY, MODE_WRONLY, MODE_RDWR (got ${a})`;
  if (a & MODE_RDONLY && a & (MODE_CREATE | MODE_EXCL)) return "MODE_RDONLY cannot be combined with MODE_CREATE or MODE_EXCL";
  if (a & MODE_RDWR && a & MODE_SEQUENTIAL) return "MODE_RDWR cannot be combined with MODE_SEQUENTIAL";
  return undefined;
}

function filename(where: string, name: unknown): string {
  if (typeof name === "string" && name.length > 0) return path.resolve(name);
  if (name instanceof URL && name.protocol === "file:") return path.resolve(decodeURIComponent(name.pathname));
  throw new MPIError("ERR_BAD_FILE", `${where}: filename must be a non-empty string or a file: URL, got ${describe(name)}`);
}

/** The file's own copy of the hints, so the caller may free theirs. */
function keptInfo(info: Info | null | undefined): Info {
  return info === undefined || info === null || info === INFO_NULL ? INFO_NULL : info.Dup();
}

function fillStatus(status: Status | undefined, bytes: number): void {
  if (!status) return;
  status.byteCount = bytes;
  status.count = bytes;
  status.error = 0;
  status.cancelled = false;
}

function nonNegative(where: string, name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new MPIError("ERR_ARG", `${where}: ${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value as number;
}

export class File {
  #state: Opened | null;

  private constructor(state: Opened | null) {
    this.#state = state;
  }

  /** @internal MPI_FILE_NULL. */
  static nullFile(): File { return new File(null); }

  // ---- opening and closing ----------------------------------------------------------------------------

  /**
   * Opens `filename` on every rank of `comm` (collective; every rank passes the same name and amode). The
   * arguments are agreed before the storage opens anything; a failure on any rank raises on every rank, with the
   * failing rank's error class (ERR_NO_SUCH_FILE, ERR_ACCESS, ERR_AMODE, ...).
   */
  static Open(comm: Comm, filename_: string | URL, amode: number = MODE_RDONLY, info: Info = INFO_NULL): File {
    const call = "File.Open";
    const where = comm.where(call);
    const own = comm.Dup();
    let storage: Storage | undefined;
    try {
      // Everyone's arguments first, then whether every rank names the same file with the same amode.
      const opened = agree(own, call, () => {
        const refusal = amodeRefusal(amode);
        if (refusal) throw new MPIError("ERR_AMODE", `${where}: ${refusal}`);
        const infoProblem = infoRefusal(info);
        if (infoProblem) throw new MPIError("ERR_ARG", `${where}: ${infoProblem}`);
        return { file: filename(where, filename_), amode };
      });
      const file = opened[0]!.file;
      agree(own, call, () => {
        if (!opened.every((o) => o.file === file && o.amode === amode)) {
          throw new MPIError("ERR_NOT_SAME", `${where}: every rank must open the same file with the same amode`);
        }
      });
      if (MpiStorage.available(own)) agree(own, call, () => { storage = MpiStorage.open(own, where, file, amode); });
      else storage = PosixStorage.open(own, where, file, amode);
      const state: Opened = {
        comm: own, path: file, storage: storage!, amode, info: keptInfo(info), view: View.DEFAULT, pointer: 0, atomicity: false, inFlight: new Set(),
      };
      // MODE_APPEND: the individual pointer starts at the end (the shared one too, set by the storage).
      if (amode & MODE_APPEND) state.pointer = storage!.size(where);
      return new File(state);
    } catch (e) {
      if (storage === undefined) own.Free();
      throw e;
    }
  }

  /** Closes the file on every rank (collective), deleting it first if opened with MODE_DELETE_ON_CLOSE. */
  Close(): void {
    const s = this.#open("Close");
    // MPI wants them complete already; one never waited for must still end before its file does.
    for (const access of s.inFlight) access.wait();
    s.storage.close(this.#where("Close"));
    this.#state = null;
    s.comm.Free();
  }

  /** Deletes a file (not collective): ERR_NO_SUCH_FILE when there is none, ERR_ACCESS when not allowed. */
  static Delete(filename_: string | URL, info: Info = INFO_NULL): void {
    const where = "File.Delete";
    const problem = infoRefusal(info);
    if (problem) throw new MPIError("ERR_ARG", `${where}: ${problem}`);
    const file = filename(where, filename_);
    if (!MpiStorage.delete(COMM_WORLD, where, file)) PosixStorage.delete(where, file);
  }
  get isNull(): boolean { return this.#state === null; }

  // ---- file properties --------------------------------------------------------------------------------

  /** The file's size in bytes. */
  Get_size(): number {
    const s = this.#open("Get_size");
    return s.storage.size(this.#where("Get_size"));
  }
  get size(): number { return this.Get_size(); }

  /** Truncates or extends the file to `size` bytes (collective; every rank passes the same size). */
  Set_size(size: number): void { this.#resize("Set_size", size, false); }

  /** Makes the file at least `size` bytes long, never shorter (collective). */
  Preallocate(size: number): void { this.#resize("Preallocate", size, true); }

  #resize(call: string, size: number, growOnly: boolean): void {
    const s = this.#open(call);
    const where = this.#where(call);
    const sizes = agree(s.comm, `File.${call}`, () => {
      nonNegative(where, "size", size);
      if (s.amode & MODE_RDONLY) throw new MPIError("ERR_ACCESS", `${where}: the file was opened MODE_RDONLY`);
      if (s.amode & MODE_SEQUENTIAL) throw new MPIError("ERR_UNSUPPORTED_OPERATION", `${where}: not allowed on a MODE_SEQUENTIAL file`);
      return size;
    });
    agree(s.comm, `File.${call}`, () => {
      if (sizes.some((n) => n !== size)) throw new MPIError("ERR_NOT_SAME", `${where}: every rank must pass the same size (got ${sizes.join(", ")})`);
      s.storage.resize(where, size, growOnly);
    });
  }

  /** Flushes this rank's writes to the storage device and waits for every rank's (collective). */
  Sync(): void {
    const s = this.#open("Sync");
    const where = this.#where("Sync");
    agree(s.comm, "File.Sync", () => s.storage.sync(where));
  }

  Get_amode(): number { return this.#open("Get_amode").amode; }
  get amode(): number { return this.Get_amode(); }
  /** The group of the communicator the file was opened on. */
  Get_group(): Group { return this.#open("Get_group").comm.Get_group(); }
  get group(): Group { return this.Get_group(); }
  /** A new Info holding the hints given at Open or Set_info (the caller owns and may free it). */
  Get_info(): Info {
    const info = this.#open("Get_info").info;
    return info === INFO_NULL ? Info.Create() : info.Dup();
  }
  get info(): Info { return this.Get_info(); }
  /** Hints are accepted and kept; node:fs has none to apply (collective). */
  Set_info(info: Info): void {
    const s = this.#open("Set_info");
    const where = this.#where("Set_info");
    agree(s.comm, "File.Set_info", () => {
      const problem = infoRefusal(info);
      if (problem) throw new MPIError("ERR_ARG", `${where}: ${problem}`);
    });
    s.info = keptInfo(info);
  }
  /**
   * Atomic mode (collective). Every write here is one positional system call per contiguous range, so within a
   * range accesses are atomic either way; the flag is kept for Get_atomicity.
   */
  Set_atomicity(flag: boolean): void {
    const s = this.#open("Set_atomicity");
    agree(s.comm, "File.Set_atomicity", () => undefined);
    s.atomicity = Boolean(flag);
  }
  Get_atomicity(): boolean { return this.#open("Get_atomicity").atomicity; }
  get atomicity(): boolean { return this.Get_atomicity(); }
  /** The extent of `datatype` in the file (the native representation: its extent in memory). */
  Get_type_extent(datatype: Datatype): number {
    this.#open("Get_type_extent");
    if (!(datatype instanceof Datatype) || datatype.isNull) {
      throw new MPIError("ERR_TYPE", `${this.#where("Get_type_extent")}: datatype must be a live MPI.Datatype, got ${describe(datatype)}`);
    }
    return datatype.extent;
  }

  // ---- views ------------------------------------------------------------------------------------------

  /**
   * Sets the view (collective): the file seen from byte `disp` on as `filetype` tiled, counted in `etype`s.
   * Both file pointers go back to 0. Only the "native" representation exists: the bytes as in memory.
   */
  Set_view(disp = 0, etype: Datatype = BYTE, filetype: Datatype | null = null, datarep = "native", info: Info = INFO_NULL): void {
    const s = this.#open("Set_view");
    const where = this.#where("Set_view");
    let view: View | undefined;
    const etypes = agree(s.comm, "File.Set_view", () => {
      nonNegative(where, "disp", disp);
      if (!(etype instanceof Datatype)) throw new MPIError("ERR_TYPE", `${where}: etype must be an MPI.Datatype, got ${describe(etype)}`);
      const file = filetype ?? etype;
      if (!(file instanceof Datatype)) throw new MPIError("ERR_TYPE", `${where}: filetype must be an MPI.Datatype, got ${describe(filetype)}`);
      etype.usable(`${where}: etype`);
      file.usable(`${where}: filetype`);
      if (etype.size === 0) throw new MPIError("ERR_TYPE", `${where}: etype ${etype.name} has no data`);
      if (file.size % etype.size !== 0 || file.extent % etype.size !== 0) {
        throw new MPIError("ERR_TYPE", `${where}: filetype ${file.name} (size ${file.size}, extent ${file.extent}) is not built of whole etypes ${etype.name} (size ${etype.size})`);
      }
      if (datarep !== "native") throw new MPIError("ERR_UNSUPPORTED_DATAREP", `${where}: data representation ${describe(datarep)}: only "native" is supported`);
      const problem = infoRefusal(info);
      if (problem) throw new MPIError("ERR_ARG", `${where}: ${problem}`);
      view = new View(disp, etype, file, datarep);
      return etype.size;
    });
    agree(s.comm, "File.Set_view", () => {
      if (etypes.some((n) => n !== etypes[0])) throw new MPIError("ERR_NOT_SAME", `${where}: every rank's etype must have the same size (got ${etypes.join(", ")})`);
    });
    agree(s.comm, "File.Set_view", () => s.storage.setView(where, view!));
    s.view = view!;
    s.pointer = 0;
  }

  Get_view(): FileView {
    const v = this.#open("Get_view").view;
    return [v.disp, v.etype, v.filetype, v.datarep];
  }

  /** The absolute byte position in the file of `offset` etypes of the view. */
  Get_byte_offset(offset: number): number {
    const s = this.#open("Get_byte_offset");
    return s.view.byteOffset(nonNegative(this.#where("Get_byte_offset"), "offset", offset) * s.view.etype.size);
  }

  // ---- explicit offsets -------------------------------------------------------------------------------

  Read_at(offset: number, buf: BufSpec, status?: Status): void { this.#readAt("Read_at", offset, buf, status); }
  Write_at(offset: number, buf: BufSpec, status?: Status): void { this.#writeAt("Write_at", offset, buf, status); }
  Read_at_all(offset: number, buf: BufSpec, status?: Status): void { this.#readAll("Read_at_all", () => offset, buf, status); }
  Write_at_all(offset: number, buf: BufSpec, status?: Status): void { this.#writeAll("Write_at_all", () => offset, buf, status); }
  /** Nonblocking forms: MPI's own on the mpi engine; on node:fs the transfer is done within the call (docs/io.md). */
  Iread_at(offset: number, buf: BufSpec): Request<void> { return this.#nonblocking("Iread_at", offset, buf, false, false, (st) => this.Read_at(offset, buf, st)); }
  Iwrite_at(offset: number, buf: BufSpec): Request<void> { return this.#nonblocking("Iwrite_at", offset, buf, true, false, (st) => this.Write_at(offset, buf, st)); }
  Iread_at_all(offset: number, buf: BufSpec): Request<void> { return this.#nonblocking("Iread_at_all", offset, buf, false, true, (st) => this.Read_at_all(offset, buf, st)); }
  Iwrite_at_all(offset: number, buf: BufSpec): Request<void> { return this.#nonblocking("Iwrite_at_all", offset, buf, true, true, (st) => this.Write_at_all(offset, buf, st)); }

  // ---- individual file pointer ------------------------------------------------------------------------

  Read(buf: BufSpec, status?: Status): void { this.#readAt("Read", null, buf, status); }
  Write(buf: BufSpec, status?: Status): void { this.#writeAt("Write", null, buf, status); }
  Read_all(buf: BufSpec, status?: Status): void { this.#readAll("Read_all", null, buf, status); }
  Write_all(buf: BufSpec, status?: Status): void { this.#writeAll("Write_all", null, buf, status); }
  Iread(buf: BufSpec): Request<void> { return this.#nonblocking("Iread", "pointer", buf, false, false, (st) => this.Read(buf, st)); }
  Iwrite(buf: BufSpec): Request<void> { return this.#nonblocking("Iwrite", "pointer", buf, true, false, (st) => this.Write(buf, st)); }
  Iread_all(buf: BufSpec): Request<void> { return this.#nonblocking("Iread_all", "pointer", buf, false, true, (st) => this.Read_all(buf, st)); }
  Iwrite_all(buf: BufSpec): Request<void> { return this.#nonblocking("Iwrite_all", "pointer", buf, true, true, (st) => this.Write_all(buf, st)); }

  /** Moves this rank's file pointer (in etypes): to `offset`, by `offset` (SEEK_CUR), or from the end (SEEK_END). */
  Seek(offset: number, whence = SEEK_SET): void {
    const s = this.#open("Seek");
    s.pointer = this.#sought("Seek", s, offset, whence, s.pointer);
  }
  /** This rank's file pointer, in etypes of the view. */
  Get_position(): number { return this.#open("Get_position").pointer; }

  // ---- shared file pointer ----------------------------------------------------------------------------

  Read_shared(buf: BufSpec, status?: Status): void { this.#shared("Read_shared", buf, status, false); }
  Write_shared(buf: BufSpec, status?: Status): void { this.#shared("Write_shared", buf, status, true); }
  Iread_shared(buf: BufSpec): Request<void> { return this.#nonblocking("Iread_shared", "shared", buf, false, false, (st) => this.Read_shared(buf, st)); }
  Iwrite_shared(buf: BufSpec): Request<void> { return this.#nonblocking("Iwrite_shared", "shared", buf, true, false, (st) => this.Write_shared(buf, st)); }

  /** Collective: the ranks' data in rank order from the shared pointer, which then points past all of it. */
  Read_ordered(buf: BufSpec, status?: Status): void { this.#ordered("Read_ordered", buf, status, false); }
  Write_ordered(buf: BufSpec, status?: Status): void { this.#ordered("Write_ordered", buf, status, true); }

  /** Moves the shared pointer (collective; every rank passes the same offset and whence). */
  Seek_shared(offset: number, whence = SEEK_SET): void {
    const s = this.#open("Seek_shared");
    const where = this.#where("Seek_shared");
    const args = agree(s.comm, "File.Seek_shared", () => {
      this.#notSequential("Seek_shared", s);
      if (!Number.isSafeInteger(offset)) throw new MPIError("ERR_ARG", `${where}: offset must be an integer, got ${describe(offset)}`);
      if (whence !== SEEK_SET && whence !== SEEK_CUR && whence !== SEEK_END) throw new MPIError("ERR_ARG", `${where}: whence must be SEEK_SET, SEEK_CUR or SEEK_END, got ${describe(whence)}`);
      return [offset, whence];
    });
    // Every rank computes the target before any rank moves the pointer.
    const [target] = agree(s.comm, "File.Seek_shared", () => {
      if (args.some(([o, w]) => o !== offset || w !== whence)) throw new MPIError("ERR_NOT_SAME", `${where}: every rank must pass the same offset and whence`);
      const current = whence === SEEK_CUR ? s.storage.positionShared(where) : 0;
      return this.#sought("Seek_shared", s, offset, whence, current);
    });
    agree(s.comm, "File.Seek_shared", () => s.storage.seekShared(where, target!));
  }
  /** The shared file pointer, in etypes of the view. */
  Get_position_shared(): number {
    const s = this.#open("Get_position_shared");
    this.#notSequential("Get_position_shared", s);
    return s.storage.positionShared(this.#where("Get_position_shared"));
  }

  // ---- the data paths ---------------------------------------------------------------------------------

  #open(call: string): Opened {
    if (this.#state === null) throw new MPIError("ERR_FILE", `File.${call}: ${this === FILE_NULL ? "MPI_FILE_NULL is not a file" : "the file is closed"}`);
    return this.#state;
  }

  #where(call: string): string {
    const s = this.#state;
    return s ? `File.${call} on rank ${s.comm.rank} (${s.path})` : `File.${call}`;
  }

  /** The memory side of an access, checked against the view's etype. */
  #message(call: string, s: Opened, buf: BufSpec): Message {
    const where = this.#where(call);
    const m = bufferArg(where, "buf", buf);
    if (m.byteLength % s.view.etype.size !== 0) {
      throw new MPIError("ERR_TYPE", `${where}: buf holds ${m.byteLength} bytes, not a whole number of etypes ${s.view.etype.name} (${s.view.etype.size} bytes)`);
    }
    return m;
  }

  #checkAccess(call: string, s: Opened, writing: boolean, explicit: boolean): void {
    const where = this.#where(call);
    if (writing && s.amode & MODE_RDONLY) throw new MPIError("ERR_ACCESS", `${where}: the file was opened MODE_RDONLY`);
    if (!writing && s.amode & MODE_WRONLY) throw new MPIError("ERR_ACCESS", `${where}: the file was opened MODE_WRONLY`);
    if (explicit && s.amode & MODE_SEQUENTIAL) throw new MPIError("ERR_UNSUPPORTED_OPERATION", `${where}: explicit offsets and individual pointers are not allowed on a MODE_SEQUENTIAL file`);
  }

  /** A MODE_SEQUENTIAL file's shared pointer only moves forward by accesses (ROMIO's rule, kept on every engine). */
  #notSequential(call: string, s: Opened): void {
    if (s.amode & MODE_SEQUENTIAL) throw new MPIError("ERR_UNSUPPORTED_OPERATION", `${this.#where(call)}: not allowed on a MODE_SEQUENTIAL file`);
  }

  /** Where an access starts, in etypes: the explicit offset, or the individual pointer (offset null). */
  #start(call: string, s: Opened, offset: number | null): number {
    return offset === null ? s.pointer : nonNegative(this.#where(call), "offset", offset);
  }

  /** Reads at `start` etypes into `m`; returns the bytes read (short at the end of the file). */
  #read(call: string, s: Opened, start: number, m: Message, collective: boolean): number {
    const into = m.incoming(true);
    const got = s.storage.read(this.#where(call), s.view, start, into, collective);
    m.land(into, got);
    return got;
  }

  #readAt(call: string, offset: number | null, buf: BufSpec, status: Status | undefined): void {
    const s = this.#open(call);
    this.#checkAccess(call, s, false, true);
    const start = this.#start(call, s, offset);
    const m = this.#message(call, s, buf);
    const got = this.#read(call, s, start, m, false);
    if (offset === null) s.pointer += Math.floor(got / s.view.etype.size);
    fillStatus(status, got);
  }

  #writeAt(call: string, offset: number | null, buf: BufSpec, status: Status | undefined): void {
    const s = this.#open(call);
    this.#checkAccess(call, s, true, true);
    const start = this.#start(call, s, offset);
    const data = this.#message(call, s, buf).outgoing();
    s.storage.write(this.#where(call), s.view, start, data, false);
    if (offset === null) s.pointer += data.length / s.view.etype.size;
    fillStatus(status, data.length);
  }

  /** A collective read: arguments agreed, the storage's collective read, its outcome agreed. */
  #readAll(call: string, offset: (() => number) | null, buf: BufSpec, status: Status | undefined): void {
    const s = this.#open(call);
    let start = 0, m: Message | undefined;
    agree(s.comm, `File.${call}`, () => {
      this.#checkAccess(call, s, false, true);
      start = this.#start(call, s, offset ? offset() : null);
      m = this.#message(call, s, buf);
    });
    let got = 0;
    agree(s.comm, `File.${call}`, () => { got = this.#read(call, s, start, m!, true); });
    if (!offset) s.pointer += Math.floor(got / s.view.etype.size);
    fillStatus(status, got);
  }

  /** A collective write: arguments agreed, the storage's collective write, its outcome agreed. */
  #writeAll(call: string, offset: (() => number) | null, buf: BufSpec, status: Status | undefined): void {
    const s = this.#open(call);
    let start = 0, data: Uint8Array = new Uint8Array(0);
    agree(s.comm, `File.${call}`, () => {
      this.#checkAccess(call, s, true, true);
      start = this.#start(call, s, offset ? offset() : null);
      data = this.#message(call, s, buf).outgoing();
    });
    agree(s.comm, `File.${call}`, () => s.storage.write(this.#where(call), s.view, start, data, true));
    if (!offset) s.pointer += data.length / s.view.etype.size;
    fillStatus(status, data.length);
  }

  #shared(call: string, buf: BufSpec, status: Status | undefined, writing: boolean): void {
    const s = this.#open(call);
    this.#checkAccess(call, s, writing, false);
    const m = this.#message(call, s, buf);
    fillStatus(status, this.#sharedAccess(call, s, m, writing, false));
  }

  /** Collective: arguments agreed, then the storage's ordered access (one claim of the shared pointer for all). */
  #ordered(call: string, buf: BufSpec, status: Status | undefined, writing: boolean): void {
    const s = this.#open(call);
    let m: Message | undefined;
    agree(s.comm, `File.${call}`, () => {
      this.#checkAccess(call, s, writing, false);
      m = this.#message(call, s, buf);
    });
    let moved = 0;
    agree(s.comm, `File.${call}`, () => { moved = this.#sharedAccess(call, s, m!, writing, true); });
    fillStatus(status, moved);
  }

  #sharedAccess(call: string, s: Opened, m: Message, writing: boolean, ordered: boolean): number {
    const where = this.#where(call);
    if (writing) return s.storage.writeShared(where, s.view, m.outgoing(), ordered);
    // A read past the end still moves the pointer by what was asked for, as MPI-IO does.
    const into = m.incoming(true);
    const got = s.storage.readShared(where, s.view, into, ordered);
    m.land(into, got);
    return got;
  }

  /** A pointer position after a seek, checked: never before the start of the view. */
  #sought(call: string, s: Opened, offset: number, whence: number, current: number): number {
    const where = this.#where(call);
    if (!Number.isSafeInteger(offset)) throw new MPIError("ERR_ARG", `${where}: offset must be an integer, got ${describe(offset)}`);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = current;
    else if (whence === SEEK_END) base = Math.ceil(s.view.visibleBefore(s.storage.size(where)) / s.view.etype.size);
    else throw new MPIError("ERR_ARG", `${where}: whence must be SEEK_SET, SEEK_CUR or SEEK_END, got ${describe(whence)}`);
    if (base + offset < 0) throw new MPIError("ERR_ARG", `${where}: the pointer would move before the start of the view (${base} + ${offset})`);
    return base + offset;
  }

  /**
   * A nonblocking access: checked as its blocking form, then started through the storage; the memory is unpacked
   * and the status filled when it completes. An individual pointer moves by the amount asked for at once, as MPI
   * says. A collective one starts without waiting for the other ranks (collective-request.ts). A storage without
   * nonblocking I/O does an independent access within the call.
   */
  #nonblocking(call: string, place: number | "pointer" | "shared", buf: BufSpec, writing: boolean, collective: boolean, blocking: (status: Status) => void): Request<void> {
    const s = this.#open(call);
    // (the amode is the same on every rank: a collective refused here is refused everywhere, before anything starts)
    this.#checkAccess(call, s, writing, place !== "shared");
    if (collective) return this.#nonblockingAll(call, s, place as number | "pointer", buf, writing);
    if (!s.storage.nonblocking) return this.#done(blocking);
    let start: number | "shared" = "shared";
    if (place !== "shared") start = this.#start(call, s, place === "pointer" ? null : place);
    const m = this.#message(call, s, buf);
    const bytes = writing ? m.outgoing() : m.incoming(true);
    const p = s.storage.begin(this.#where(call), start, bytes, writing, false);
    if (place === "pointer") s.pointer += bytes.length / s.view.etype.size;
    return new Request<void>({
      test: () => p.test(),
      wait: () => p.wait(),
      cancel: () => {},
      finish: (status) => {
        if (p.error !== undefined) throw p.error;
        if (!writing) m.land(bytes, p.moved);
        fillStatus(status, p.moved);
      },
    });
  }

  #nonblockingAll(call: string, s: Opened, place: number | "pointer", buf: BufSpec, writing: boolean): Request<void> {
    const where = this.#where(call);
    let start = 0, m: Message | undefined, refusal: MPIError | undefined;
    try {
      start = this.#start(call, s, place === "pointer" ? null : place);
      m = this.#message(call, s, buf);
    } catch (e) {
      if (!isMPIError(e)) throw e;
      refusal = e;
    }
    const bytes = m ? (writing ? m.outgoing() : m.incoming(true)) : new Uint8Array(0);
    const { storage, view } = s;
    const request = startCollectiveAccess({
      comm: s.comm, where, refusal,
      begins: storage.nonblocking ? "call" : "agreed",
      begin: (refused) => {
        if (storage.nonblocking) return storage.begin(where, refused ? 0 : start, refused ? new Uint8Array(0) : bytes, writing, true);
        const moved = writing ? (storage.write(where, view, start, bytes, false), bytes.length) : storage.read(where, view, start, bytes, false);
        return { moved, error: undefined, test: () => true, wait: () => {} };
      },
      finish: (moved, status) => {
        if (!writing) m!.land(bytes, moved);
        fillStatus(status, moved);
      },
    }, (access) => {
      for (const a of s.inFlight) if (a.complete) s.inFlight.delete(a);
      s.inFlight.add(access);
    });
    if (place === "pointer") s.pointer += bytes.length / s.view.etype.size;
    return request;
  }

  /** A request for an access already done: its status reports the bytes moved. */
  #done(run: (status: Status) => void): Request<void> {
    const status = new Status();
    run(status);
    return new Request<void>(new CompletedOperation<void>(undefined, (into) => {
      fillStatus(into, status.byteCount);
    }));
  }
}

/** MPI_FILE_NULL. */
export const FILE_NULL: File = File.nullFile();
