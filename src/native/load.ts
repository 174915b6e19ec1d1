/**
 * Finds and loads the native addon (`mpi4ts_native.node`, built by native/install.mjs at install time) and
 * fails with ONE clear MPIError when it is missing or was built against a different MPI than the launcher's.
 *
 * Where it looks, in order: `$MPI4TS_NATIVE` (the .node file, or a build directory holding Release/), then
 * `<package>/build/` (the default build) and `<package>/build/mpich/` (a second build, e.g. made with
 * `MPI4TS_MPICC=mpicc.mpich MPI4TS_BUILD_DIR=build/mpich npm rebuild mpi4ts`). When several exist, the one
 * built against the MPI that launched this process (Open MPI's or MPICH's environment) wins.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MPIError } from "../errors.js";

export type MpiFlavour = "openmpi" | "mpich" | "unknown";

/** The functions of native/mpi4ts_native.cc. Handles are small integers; see the C++ file for each call. */
/** How a collective starts: blocking (false), nonblocking (true), or persistent ("init": MPI-4's MPI_X_init). */
export type Start = boolean | "init";

export interface NativeAddon {
  readonly flavour: MpiFlavour;
  readonly mpiVersion: string;
  init(): number;
  setStatusArray(status: Int32Array): void;
  finalize(): void;
  isFinalized(): boolean;
  abort(comm: number, code: number): never;
  wtime(): number;
  /** A file mapped shared, for the launcher to read (src/native/blocked-state.ts); undefined when it cannot be made. */
  mapShared(path: string, bytes: number): ArrayBuffer | undefined;
  wtick(): number;
  processorName(): string;
  libraryVersion(): string;
  version(): [number, number];
  tagUb(): number;
  /** MPI_COMM_WORLD's MPI_UNIVERSE_SIZE (0), MPI_APPNUM (1), MPI_WTIME_IS_GLOBAL (2), if set. */
  worldAttr(which: 0 | 1 | 2): number | undefined;
  yield(): void;
  commRank(comm: number): number;
  commSize(comm: number): number;
  commDup(comm: number): number;
  /** [request, comm]: the communicator handle is usable once the request completes. */
  commIdup(comm: number): [number, number];
  commSplit(comm: number, color: number, key: number): number;
  commCreate(comm: number, worldRanks: Int32Array): number;
  commFree(comm: number): void;
  commSplitShared(comm: number, take: boolean, key: number): number;
  commCreateGroup(comm: number, worldRanks: Int32Array, tag: number): number;
  commWorldRanks(comm: number): Int32Array;
  /** MPI_Comm_spawn_multiple, collective over comm: [intercomm, errcodes]; each info is key, value, key, value... */
  commSpawn(comm: number, root: number, commands: readonly string[], args: readonly (readonly string[])[], maxprocs: readonly number[], infos: readonly (readonly string[])[]): [number, Int32Array];
  /** MPI_Comm_get_parent: the intercommunicator's handle, or -1. */
  commGetParent(): number;
  commRemoteWorldRanks(comm: number): Int32Array;
  commMerge(comm: number, high: boolean): number;
  commDisconnect(comm: number): void;
  /** `value`: the message is the value header followed by `data`. */
  send(comm: number, data: Uint8Array, dest: number, tag: number, sync: boolean, value: boolean): void;
  isend(comm: number, data: Uint8Array, dest: number, tag: number, sync: boolean, value: boolean): number;
  mprobe(comm: number, source: number, tag: number): number;
  /** A matched message's id (status array filled), or -1 when none is there. */
  improbe(comm: number, source: number, tag: number): number;
  mrecv(message: number, data: Uint8Array): void;
  /** Posts an MPI_Irecv into a landing; on completion the status array names the landed message. */
  irecvLanded(comm: number, source: number, tag: number): number;
  /** Posts an MPI_Irecv into `target` with a landing behind it for what a longer message brings. */
  irecvInto(comm: number, source: number, tag: number, target: Uint8Array): number;
  /** Copies a landed message's bytes from `offset` into `target` and releases its landing. */
  takeLanded(landed: number, target: Uint8Array | null, offset: number): void;
  valueHeader(): Uint8Array;
  test(request: number): boolean;
  /** MPI_Start of a persistent collective (made with the "init" start); its rounds end in test/wait as any request. */
  start(request: number): void;
  /** MPI_Request_free of an inactive persistent request, with the buffers and op it holds. */
  requestFree(request: number): void;
  /** Whether the MPI has MPI-4's persistent collectives (MPI_Bcast_init...). */
  readonly persistentCollectives?: boolean;
  wait(request: number): void;
  cancel(request: number): void;
  barrier(comm: number): void;
  ibarrier(comm: number, start?: "init"): number;
  bcast(comm: number, data: Uint8Array, root: number): void;
  ibcast(comm: number, data: Uint8Array, root: number, start?: "init"): number;
  gatherv(comm: number, send: Uint8Array | null, recv: Uint8Array | null, counts: Float64Array | null, displs: Float64Array | null, root: number, nonblocking: Start): number | undefined;
  scatterv(comm: number, send: Uint8Array | null, counts: Float64Array | null, displs: Float64Array | null, recv: Uint8Array | null, root: number, nonblocking: Start): number | undefined;
  allgatherv(comm: number, send: Uint8Array | null, recv: Uint8Array, counts: Float64Array, displs: Float64Array, nonblocking: Start): number | undefined;
  alltoallv(comm: number, send: Uint8Array, sendCounts: Float64Array, sendDispls: Float64Array, recv: Uint8Array, recvCounts: Float64Array, recvDispls: Float64Array, nonblocking: Start): number | undefined;
  reduce(comm: number, send: ArrayBufferView | null, recv: ArrayBufferView | null, op: number | Function, commute: boolean, root: number, nonblocking: Start): number | undefined;
  allreduce(comm: number, send: ArrayBufferView | null, recv: ArrayBufferView, op: number | Function, commute: boolean, root: number, nonblocking: Start): number | undefined;
  scan(comm: number, send: ArrayBufferView | null, recv: ArrayBufferView, op: number | Function, commute: boolean, root: number, nonblocking: Start): number | undefined;
  exscan(comm: number, send: ArrayBufferView | null, recv: ArrayBufferView, op: number | Function, commute: boolean, root: number, nonblocking: Start): number | undefined;
  reduceScatter(comm: number, send: ArrayBufferView | null, recv: ArrayBufferView, counts: Float64Array, op: number | Function, commute: boolean, block: boolean, nonblocking: Start): number | undefined;
}

export interface LoadedAddon {
  readonly addon: NativeAddon;
  readonly path: string;
}

const FIX = "install an MPI library with its headers (e.g. `apt-get install libopenmpi-dev`) and run `npm rebuild mpi4ts`";

/** The package root: this file is <root>/src/native/load.ts or <root>/dist/native/load.js. */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** Environment variables by which Open MPI, MPICH/Hydra, PMIx and Slurm tell a process it is one rank of many. */
const MPI_LAUNCHER_VARIABLES = [
  "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS", "HYDI_CONTROL_FD",
] as const;

/** Whether an MPI launcher (mpiexec, srun) started this process. */
export function launchedByMpi(env: NodeJS.ProcessEnv = process.env): boolean {
  return MPI_LAUNCHER_VARIABLES.some((name) => env[name] !== undefined);
}

/** Which MPI started this process, judged from its launcher's environment. */
export function launcherFlavour(env: NodeJS.ProcessEnv = process.env): MpiFlavour {
  if (env.OMPI_COMM_WORLD_SIZE !== undefined || env.OMPI_COMM_WORLD_RANK !== undefined) return "openmpi";
  if (env.PMI_RANK !== undefined || env.PMI_SIZE !== undefined || env.HYDI_CONTROL_FD !== undefined || env.MPI_LOCALNRANKS !== undefined) return "mpich";
  return "unknown";
}

interface Candidate {
  readonly path: string;
  readonly flavour: MpiFlavour;
}

/** The MPI an addon was built against, from the metadata install.mjs writes beside it ("unknown" without it). */
export function builtFlavour(addonPath: string): MpiFlavour {
  try {
    const meta = JSON.parse(readFileSync(addonPath.replace(/\.node$/, ".json"), "utf8")) as { flavour?: MpiFlavour };
    if (meta.flavour === "openmpi" || meta.flavour === "mpich") return meta.flavour;
  } catch {
    // No metadata: judged by the addon's own report once loaded.
  }
  return "unknown";
}

function candidateIn(dir: string): Candidate | undefined {
  const path = dir.endsWith(".node") ? dir : join(dir, "Release", "mpi4ts_native.node");
  return existsSync(path) ? { path, flavour: builtFlavour(path) } : undefined;
}

function describe(flavour: MpiFlavour): string {
  return flavour === "openmpi" ? "Open MPI" : flavour === "mpich" ? "MPICH" : "an unknown MPI";
}

/** Loads the addon, or throws one MPIError saying what is wrong and how to fix it. */
export function loadAddon(env: NodeJS.ProcessEnv = process.env): LoadedAddon {
  const root = packageRoot();
  const wanted = launcherFlavour(env);
  const candidates: Candidate[] = [];
  const explicit = env.MPI4TS_NATIVE;
  if (explicit) {
    const c = existsSync(explicit) && statSync(explicit).isFile() ? { path: resolve(explicit), flavour: "unknown" as MpiFlavour } : candidateIn(resolve(explicit));
    if (!c) throw new MPIError("ERR_OTHER", `mpi4ts: MPI4TS_NATIVE=${explicit} holds no mpi4ts_native.node; build it with \`node native/install.mjs\` or unset MPI4TS_NATIVE`);
    candidates.push(c);
  } else {
    for (const dir of [join(root, "build"), join(root, "build", "mpich"), join(root, "build", "openmpi")]) {
      const c = candidateIn(dir);
      if (c) candidates.push(c);
    }
  }
  if (candidates.length === 0) {
    throw new MPIError(
      "ERR_OTHER",
      `mpi4ts: this program was started by an MPI launcher, but the native MPI engine is not built (no ${join(root, "build", "Release", "mpi4ts_native.node")}): ${FIX}`,
    );
  }
  const chosen =
    candidates.find((c) => wanted !== "unknown" && c.flavour === wanted) ??
    (wanted === "unknown" ? candidates[0]! : candidates.find((c) => c.flavour === "unknown"));
  if (!chosen) {
    const built = candidates.map((c) => describe(c.flavour)).join(" and ");
    const how = wanted === "mpich"
      ? "`apt-get install libmpich-dev`, then `MPI4TS_MPICC=mpicc.mpich MPI4TS_BUILD_DIR=build/mpich npm rebuild mpi4ts`"
      : "`apt-get install libopenmpi-dev`, then `MPI4TS_MPICC=mpicc.openmpi MPI4TS_BUILD_DIR=build/openmpi npm rebuild mpi4ts`";
    throw new MPIError(
      "ERR_OTHER",
      `mpi4ts: this program was launched by ${describe(wanted)}'s mpiexec, but the native engine was built against ${built}; launch it with that MPI's mpiexec, or build for ${describe(wanted)}: ${how}`,
    );
  }
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(chosen.path) as NativeAddon;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new MPIError("ERR_OTHER", `mpi4ts: the native MPI engine (${chosen.path}) could not be loaded (${why}); ${FIX}`, { cause: e });
  }
  if (wanted !== "unknown" && addon.flavour !== "unknown" && addon.flavour !== wanted) {
    throw new MPIError(
      "ERR_OTHER",
      `mpi4ts: this program was launched by ${describe(wanted)}'s mpiexec, but ${chosen.path} was built against ${describe(addon.flavour)}; rebuild with the matching mpicc (MPI4TS_MPICC=...) and \`npm rebuild mpi4ts\``,
    );
  }
  return { addon, path: chosen.path };
}
