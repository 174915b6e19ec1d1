/**
 * MPI.File on the mpi engine: the MPI library's own MPI-IO (ROMIO in MPICH, OMPIO in Open MPI) through the addon
 * (native/file.inc.cc), so its file-system drivers, locking and collective buffering apply, and C or Python ranks
 * see the same calls. Memory travels as packed bytes; the view goes over as its byte blocks (docs/io.md).
 */
import type { Comm } from "../comm.js";
import { type ErrorClass, MPIError, isMPIError } from "../errors.js";
import type { NativeAddon } from "../native/load.js";
import { nativeHandleOf } from "../native/engine.js";
import type { Pending, Place, Storage } from "./storage.js";
import type { View } from "./view.js";

/** The addon's file functions (native/file.inc.cc). */
interface FileAddon {
  fileOpen(comm: number, path: string, amode: number): number;
  fileClose(file: number): void;
  fileDelete(path: string): void;
  fileOffset(file: number, shared: boolean): number;
  fileResize(file: number, size: number, growOnly: boolean): void;
  fileSync(file: number): void;
  fileSetView(file: number, disp: number, etypeSize: number, offsets: Float64Array, lengths: Float64Array, extent: number): void;
  fileAccess(file: number, kind: Access, offset: number, bytes: Uint8Array): number;
  fileIaccess(file: number, kind: Access, offset: number, bytes: Uint8Array): number;
  test(request: number): boolean;
  wait(request: number): void;
  fileSeekShared(file: number, position: number): void;
}

/** The kinds of fileAccess, as native/file.inc.cc numbers them. */
const enum Access { READ_AT, WRITE_AT, READ_AT_ALL, WRITE_AT_ALL, READ_SHARED, WRITE_SHARED, READ_ORDERED, WRITE_ORDERED }

function fileAddon(addon: NativeAddon): FileAddon {
  return addon as unknown as FileAddon;
}

/** The addon's errors carry their class; they become MPIErrors naming the call. */
function native<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (isMPIError(e)) throw e;
    const errorClass = (e as { errorClass?: ErrorClass }).errorClass;
    if (errorClass && e instanceof Error) throw new MPIError(errorClass, `${where}: ${e.message}`);
    throw e;
  }
}

export class MpiStorage implements Storage {
  private constructor(private readonly addon: FileAddon, private readonly status: Int32Array, private readonly file: number) {}

  /** Whether `comm` is a communicator of the mpi engine (the same answer on every rank of it). */
  static available(comm: Comm): boolean {
    return nativeHandleOf(comm.engineComm("File.Open")) !== null;
  }

  /** MPI_File_open (collective) on a communicator of the mpi engine. */
  static open(comm: Comm, where: string, path: string, amode: number): MpiStorage {
    const found = nativeHandleOf(comm.engineComm("File.Open"))!;
    const addon = fileAddon(found.addon);
    return new MpiStorage(addon, found.status, native(where, () => addon.fileOpen(found.handle, path, amode)));
  }

  /** MPI_File_delete, when this rank runs on the mpi engine; false otherwise. */
  static delete(comm: Comm, where: string, path: string): boolean {
    const found = nativeHandleOf(comm.engineComm("File.Delete"));
    if (!found) return false;
    native(where, () => fileAddon(found.addon).fileDelete(path));
    return true;
  }

  size(where: string): number { return native(where, () => this.addon.fileOffset(this.file, false)); }
  resize(where: string, size: number, growOnly: boolean): void { native(where, () => this.addon.fileResize(this.file, size, growOnly)); }
  sync(where: string): void { native(where, () => this.addon.fileSync(this.file)); }
  close(where: string): void { native(where, () => this.addon.fileClose(this.file)); }

  setView(where: string, view: View): void {
    const { offsets, lengths } = view.blocks();
    native(where, () => this.addon.fileSetView(this.file, view.disp, view.etype.size, Float64Array.from(offsets), Float64Array.from(lengths), view.filetype.extent));
  }

  read(where: string, _view: View, start: number, into: Uint8Array, collective: boolean): number {
    return native(where, () => this.addon.fileAccess(this.file, collective ? Access.READ_AT_ALL : Access.READ_AT, start, into));
  }
  write(where: string, _view: View, start: number, data: Uint8Array, collective: boolean): void {
    native(where, () => this.addon.fileAccess(this.file, collective ? Access.WRITE_AT_ALL : Access.WRITE_AT, start, data));
  }
  readShared(where: string, _view: View, into: Uint8Array, ordered: boolean): number {
    return native(where, () => this.addon.fileAccess(this.file, ordered ? Access.READ_ORDERED : Access.READ_SHARED, 0, into));
  }
  writeShared(where: string, _view: View, data: Uint8Array, ordered: boolean): number {
    return native(where, () => this.addon.fileAccess(this.file, ordered ? Access.WRITE_ORDERED : Access.WRITE_SHARED, 0, data));
  }
  readonly nonblocking = true;
  begin(where: string, place: Place, bytes: Uint8Array, writing: boolean, collective: boolean): Pending {
    const kind = place === "shared"
      ? (writing ? Access.WRITE_SHARED : Access.READ_SHARED)
      : writing ? (collective ? Access.WRITE_AT_ALL : Access.WRITE_AT) : (collective ? Access.READ_AT_ALL : Access.READ_AT);
    const id = native(where, () => this.addon.fileIaccess(this.file, kind, place === "shared" ? 0 : place, bytes));
    return new NativePending(this.addon, this.status, id, where);
  }

  positionShared(where: string): number { return native(where, () => this.addon.fileOffset(this.file, true)); }
  seekShared(where: string, position: number): void { native(where, () => this.addon.fileSeekShared(this.file, position)); }
}

/** MPI_Status's byte count in the engine's status array (src/native/engine.ts: S_COUNT). */
const STATUS_COUNT = 2;

/** An MPI_File_i* request, completed by the addon's MPI_Test/MPI_Wait, which fill the engine's status array. */
class NativePending implements Pending {
  moved = 0;
  error: unknown = undefined;
  #done = false;
  constructor(private readonly addon: FileAddon, private readonly status: Int32Array, private readonly id: number, private readonly where: string) {}
  test(): boolean {
    if (this.#done) return true;
    try {
      if (!native(this.where, () => this.addon.test(this.id))) return false;
      this.moved = this.status[STATUS_COUNT]!;
    } catch (e) {
      this.error = e;
    }
    this.#done = true;
    return true;
  }
  wait(): void {
    if (this.#done) return;
    try {
      native(this.where, () => this.addon.wait(this.id));
      this.moved = this.status[STATUS_COUNT]!;
    } catch (e) {
      this.error = e;
    }
    this.#done = true;
  }
}
