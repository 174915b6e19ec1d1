/**
 * The one seam between the public API and the engines (local, mpi, self).
 *
 * The API layer (comm.ts, request.ts, collective/) validates arguments, encodes values with the codec and
 * chooses algorithms; an engine only moves bytes between ranks of a communicator and creates communicators.
 * Everything an engine reports is in communicator ranks, never in world ranks, except `worldRanks`.
 */
import type { RmaEngine } from "../win/seam.js";
import type { MPIError } from "../errors.js";

/** What a message carries. Both kinds match the same receives (MPI matching ignores type); the kind lets the
 * receiver report a value received into a buffer, or a buffer received as a value, clearly. */
export const VALUE = 0;
export const BUFFER = 1;
export type PayloadKind = typeof VALUE | typeof BUFFER;

/** A matched message, before its bytes are delivered. */
export interface Envelope {
  readonly source: number;
  readonly tag: number;
  readonly byteLength: number;
  readonly kind: PayloadKind;
}

/**
 * Chooses where a matched message's bytes go, once its envelope is known. A sink that throws (a receive buffer too
 * small, a value sent to a buffer receive) leaves the message receivable, and the error surfaces from the receive
 * call or its request.
 *
 * An engine that already holds the message's bytes (`received`, exactly `envelope.byteLength` long) passes them:
 * a sink that only wants fresh memory may return `received` itself, otherwise the engine copies the bytes into
 * what it returns. An engine that must know where a message goes before it can tell its kind may first ask with a
 * provisional BUFFER envelope, unless the sink `expects` VALUE messages; it then asks again with the real
 * envelope before delivering anything else.
 */
export interface Sink {
  (envelope: Envelope, received?: Uint8Array): Uint8Array;
  readonly expects?: PayloadKind;
  /** The buffer a sink for one buffer always receives into, so an engine may post its receive straight into it. */
  readonly into?: Uint8Array;
}

/** Send modes (MPI-4.0 §3.4): standard may buffer; synchronous completes only once a receive has matched. */
export const STANDARD = 0;
export const SYNCHRONOUS = 1;
export type SendMode = typeof STANDARD | typeof SYNCHRONOUS;

/** An operation in flight. Engines complete it during progress (any call into the engine). */
export interface EngineRequest {
  /** Makes progress, then tells whether the operation is complete (successfully, with an error, or cancelled). */
  test(): boolean;
  /** Blocks the calling thread until complete. Does not throw: the outcome is in `error`. */
  wait(): void;
  /** Tries to cancel; a receive not yet matched is cancelled, anything else completes normally (MPI-4.0 §3.8.4). */
  cancel(): void;
  readonly cancelled: boolean;
  /** For receives, the envelope of the message delivered, once complete. */
  readonly envelope: Envelope | undefined;
  /** An error that ended the operation (an MPIError), if any. */
  readonly error: unknown;
  /**
   * While incomplete: what it waits for, in a form only its engine reads (the local engine's deadlock reports
   * and its checks for waits that can never end). Engines that cannot tell leave it out.
   */
  blockedOn?(): object | undefined;
}

/** An operation that completed in the call that started it. */
export const COMPLETED: EngineRequest = Object.freeze({
  test: () => true, wait: () => {}, cancel: () => {}, cancelled: false, envelope: undefined, error: undefined,
});

/**
 * A message taken out of matching by a matched probe (MPI_Mprobe, MPI-4.0 §3.8.2): no receive or probe can match
 * it any more; only this handle receives it. A sink that throws leaves it receivable through the handle again.
 */
export interface MatchedMessage {
  readonly envelope: Envelope;
  /** Delivers the message's bytes through `sink` (the engine holds them already: it never blocks). */
  receive(sink: Sink): Envelope;
}

/** How a rank waits for requests (Request.waitall and friends, or `await`), for engines that report it. */
export type WaitCall = "waitall" | "waitany" | "waitsome" | "await";
/** What those waits need of a request (a Request's operation offers the same as an engine request). */
export type Waitable = Pick<EngineRequest, "test" | "blockedOn">;

/** Point-to-point on one matching space (a communicator's context). Arguments are validated by the caller. */
export interface PointToPoint {
  readonly rank: number;
  readonly size: number;
  /** Sends `data` (the engine copies or finishes with it before returning). */
  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void;
  /** Starts a send; `data` must not change until the request completes. */
  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest;
  /** Receives the first matching message (source/tag may be wildcards); blocks until one arrives. */
  recv(sink: Sink, source: number, tag: number): Envelope;
  irecv(sink: Sink, source: number, tag: number): EngineRequest;
  /** Blocks until a matching message is available and returns its envelope without receiving it. */
  probe(source: number, tag: number): Envelope;
  iprobe(source: number, tag: number): Envelope | undefined;
  /** Blocks until a matching message is available and takes it out of matching (MPI_Mprobe). */
  mprobe(source: number, tag: number): MatchedMessage;
  /** The same without blocking: undefined when no matching message is there now (MPI_Improbe). */
  improbe(source: number, tag: number): MatchedMessage | undefined;
}

/** A message that arrived at this rank and was never received (Engine.unreceived). */
export interface Unreceived {
  /** The sender's rank in `communicator` (world rank where the engine knows no better). */
  readonly source: number;
  readonly tag: number;
  readonly bytes: number;
  /** "MPI_COMM_WORLD", "MPI_COMM_SELF" or "another communicator". */
  readonly communicator: string;
  /** Traffic of a collective (the internal channel) rather than a user's send. */
  readonly collective: boolean;
}

/** A communicator that a nonblocking call is making. */
export interface PendingComm {
  readonly request: EngineRequest;
  /** The new communicator; only once the request has completed without error. */
  made(): EngineComm;
}

/** A communicator as an engine sees it. */
export interface EngineComm extends PointToPoint {
  /** The same group on a separate matching space, for collective traffic that must never match user receives. */
  readonly internal: PointToPoint;
  /**
   * What the engine's reports of blocked ranks see of this communicator, where that is not itself (an
   * intercommunicator made over a link: the link's wire), for Engine.nameCommunicator.
   */
  readonly reportedAs?: object;
  /** World rank (process index in the job) of each member, indexed by communicator rank. */
  readonly worldRanks: readonly number[];
  /** Collective: a new communicator on the same group. */
  dup(): EngineComm;
  /** Nonblocking collective (MPI_Comm_idup): the same, usable once its request completes. */
  idup(): PendingComm;
  /** Collective: MPI_Comm_split. `color` < 0 (UNDEFINED) yields null on that rank. */
  split(color: number, key: number): EngineComm | null;
  /** Collective over this communicator: a communicator of exactly these world ranks (in this order); null on ranks outside it. */
  create(worldRanks: readonly number[]): EngineComm | null;
  /**
   * Collective over the members of `worldRanks` only (MPI_Comm_create_group), called by them alone: a
   * communicator of exactly those world ranks, in this order. `tag` tells concurrent calls apart.
   */
  createGroup(worldRanks: readonly number[], tag: number): EngineComm;
  /** Collective: MPI_Comm_split_type(COMM_TYPE_SHARED) where the engine has it; `take` false is UNDEFINED (null). */
  splitShared?(take: boolean, key: number): EngineComm | null;
  free(): void;
  /**
   * Engine-native collectives (the mpi engine's are MPI's own). Absent on engines where the generic algorithms of
   * src/collective/ run over `internal`; both implement the same `Collectives` interface.
   */
  readonly native?: Collectives;
  /**
   * Memory shared by the members (the local engine's, for communicators of up to SHARED_MAX_RANKS ranks), where
   * blocking collectives meet and small ones move their data directly (src/collective/shared.ts).
   */
  readonly shared?: SharedArea;
}

/**
 * An intercommunicator the engine made itself (Spawn, Get_parent: MPI's own): point-to-point addresses the
 * remote group's ranks, and sources are ranks of the remote group.
 */
export interface EngineIntercomm extends PointToPoint {
  /** A separate matching space over the same two groups (made at first use: that is collective over both). */
  readonly internal: PointToPoint;
  /** Process numbers of the local group's members, in rank order. */
  readonly worldRanks: readonly number[];
  /** Process numbers of the remote group's members, in rank order (this process's numbering). */
  readonly remoteWorldRanks: readonly number[];
  /** Collective over both groups: the same two groups on a new matching space. */
  dup(): EngineIntercomm;
  /** The same, nonblocking (MPI_Comm_idup): usable once its request completes. */
  idup(): { readonly request: EngineRequest; made(): EngineIntercomm };
  /** Collective over both groups (MPI_Intercomm_merge): the group passing `high` false comes first. */
  merge(high: boolean): EngineComm;
  free(): void;
  /** MPI_Comm_disconnect, on engines where the library has it; without it, Disconnect is a barrier and a free. */
  disconnect?(): void;
}

/** What a Spawn asks for; only the root's counts (MPI_Comm_spawn). */
export interface SpawnOrder {
  readonly command: string;
  /** The program file `command` names, resolved, when it names one (then it runs as mpi4ts runs programs). */
  readonly program?: string;
  readonly args: readonly string[];
  readonly maxprocs: number;
  /** Info hints as key/value pairs (host, wdir, ...). */
  readonly info: readonly (readonly [string, string])[];
}

/** Dynamic process management (MPI-4.0 chapter 11), on engines that have it. */
export interface DynamicProcesses {
  /**
   * Collective over `comm`: starts the root's `orders` (one world of all their processes, in order) and connects
   * `comm`'s group to it; every rank gets one error code per process, by the root's `maxprocs` (one per order).
   */
  spawn(comm: EngineComm, root: number, maxprocs: readonly number[], orders: readonly SpawnOrder[] | undefined): { inter: EngineIntercomm; errcodes: number[] };
  /** The intercommunicator to the processes that spawned this one, if they did (MPI_Comm_get_parent; local). */
  parent(): EngineIntercomm | undefined;
}

/**
 * What identifies a collective call, so ranks that disagree can be told apart: every rank of a correct program
 * calls the same kind with the same root, and, where marked, the same byte count, element type and operation.
 */
export interface Signature {
  /** transport.ts's Kind, plus VALUE_FAMILY for the value (lowercase) family. */
  readonly kind: number;
  /** The root, or -1. */
  readonly root: number;
  /** Bytes every rank must agree on, or -1 where ranks may differ (values, the v-variants). */
  readonly bytes: number;
  /** Element type and reduction op, as small codes every rank must agree on; 0 where not applicable. */
  readonly type: number;
  readonly op: number;
}

/**
 * A communicator's meeting place in shared memory. Each blocking collective call is one round: every rank
 * `begin`s it with the call's signature, `publish`es once (a contribution of up to `capacity` bytes, or none),
 * and may wait for other ranks' contributions of the same round and read them until its next `begin`.
 * Disagreeing signatures fail with an MPIError (ERR_OTHER, ERR_COUNT, ERR_TYPE or ERR_OP) naming both calls.
 */
export interface SharedArea {
  readonly rank: number;
  readonly size: number;
  /** The most bytes one rank can publish in a round. */
  readonly capacity: number;
  /** Starts this rank's next round (waits until every rank has joined the previous one). */
  begin(sig: Signature): void;
  /** The memory this rank publishes from, to fill in place before `publish(length)`: `capacity` bytes. */
  outbox(): Uint8Array;
  /** Publishes this round's contribution: `length` bytes of the outbox, or -1 for none. */
  publish(length: number): void;
  /** Blocks until ranks `from` .. `to - 1` have published in this round (checking their signatures). */
  await(from: number, to: number): void;
  /** What `rank` published in this round (after `await`ing it): its bytes, or null for none. */
  contribution(rank: number): Uint8Array | null;
  /** The whole slot `rank` publishes from in this round: the same object every other round, for cached views. */
  slot(rank: number): Uint8Array;
}

/** Communicators larger than this meet over messages instead (each rank's waits read every member's word). */
export const SHARED_MAX_RANKS = 64;

export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export type BuiltinOpName =
  | "SUM" | "PROD" | "MAX" | "MIN" | "LAND" | "LOR" | "LXOR" | "BAND" | "BOR" | "BXOR" | "MAXLOC" | "MINLOC" | "REPLACE";

/** A reduction on buffers: a predefined op, or a user function combining `invec` into `inoutvec` element-wise. */
export type BufferOp =
  | { readonly builtin: BuiltinOpName }
  | { readonly fn: (invec: TypedArray, inoutvec: TypedArray) => void; readonly commute: boolean };

/**
 * Collective operations on bytes and typed arrays (MPI-4.0 chapter 6), already validated by the API layer.
 * Counts and displacements are in BYTES for the data-movement collectives and in ELEMENTS for reductions.
 * `send === null` means MPI_IN_PLACE (the data is in `recv`). Buffers that only matter at the root are null
 * elsewhere. Every rank of the communicator calls the same operation in the same order.
 */
export interface Collectives {
  /**
   * Takes this rank's turn in the rooted collective `refusal.kind` after it refused its own root-only arguments
   * (the caller then throws `refusal.error`), so that no rank is left waiting for ever: the ranks that wait for
   * this one's data fail where the engine can tell them (a round of the shared area, the mpi engine's check mode);
   * where it cannot, a Gather or Reduce root collects into scratch memory (the senders need nothing from it), and
   * a root whose data the others need ends the job (MPI_Abort) rather than leave them inside MPI. Absent or a
   * no-op where no rank can be left waiting.
   */
  refuse?(refusal: RefusedRoot): void;
  barrier(): void;
  bcast(buf: Uint8Array, root: number): void;
  gatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): void;
  scatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): void;
  allgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): void;
  alltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): void;
  reduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): void;
  allreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): void;
  /**
   * MPI_Reduce_scatter: element counts per rank; `recv` holds this rank's block. `block`: the call is
   * Reduce_scatter_block (every count the same), which MPI matches as a collective of its own.
   */
  reduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp, block?: boolean): void;
  scan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void;
  /** On rank 0 `recv` is left unchanged (MPI leaves it undefined). */
  exscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): void;
  ibarrier(): EngineRequest;
  ibcast(buf: Uint8Array, root: number): EngineRequest;
  ireduce(send: TypedArray | null, recv: TypedArray | null, op: BufferOp, root: number): EngineRequest;
  iallreduce(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest;
  igatherv(send: Uint8Array | null, recv: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, root: number): EngineRequest;
  iscatterv(send: Uint8Array | null, counts: readonly number[] | null, displs: readonly number[] | null, recv: Uint8Array | null, root: number): EngineRequest;
  iallgatherv(send: Uint8Array | null, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): EngineRequest;
  ialltoallv(send: Uint8Array, sendCounts: readonly number[], sendDispls: readonly number[], recv: Uint8Array, recvCounts: readonly number[], recvDispls: readonly number[]): EngineRequest;
  ireduceScatter(send: TypedArray | null, recv: TypedArray, counts: readonly number[], op: BufferOp, block?: boolean): EngineRequest;
  iscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest;
  /** On rank 0 `recv` is left unchanged, as by exscan. */
  iexscan(send: TypedArray | null, recv: TypedArray, op: BufferOp): EngineRequest;
  /**
   * The MPI library's persistent collectives (MPI-4's MPI_Bcast_init...), where the engine has them: the
   * nonblocking methods, each returning an inactive request that `start()` begins (MPI_Start). Without them a
   * persistent collective runs the nonblocking one at each start.
   */
  readonly persistent?: PersistentCollectives;
}

/** A root that refused its own root-only arguments to a rooted collective, and what it can still take part with. */
export interface RefusedRoot {
  readonly kind: number;
  readonly root: number;
  readonly error: MPIError;
  /** The call that refused: "Scatter", "Igatherv", "Reduce_init"... */
  readonly call: string;
  /** How it was made: a blocking call, a nonblocking one (a request) or a persistent one (MPI_X_init). */
  readonly mode: "blocking" | "nonblocking" | "persistent";
  /** A Gather root's own sendbuf (not IN_PLACE), of which each rank sends as many bytes, and their blocks. */
  readonly gather?: { readonly send: Uint8Array; readonly counts: readonly number[]; readonly displs: readonly number[] };
  /** A Reduce root's sendbuf and op, when both are valid. */
  readonly operand?: { readonly send: TypedArray; readonly op: BufferOp };
}

export type NonblockingCollectives = Pick<Collectives, "ibarrier" | "ibcast" | "ireduce" | "iallreduce" | "igatherv" |
  "iscatterv" | "iallgatherv" | "ialltoallv" | "ireduceScatter" | "iscan" | "iexscan">;

/** A persistent collective request: inactive until `start()`, restartable once complete, `free()` at the end. */
export interface PersistentEngineRequest extends EngineRequest {
  start(): void;
  free(): void;
}

export type PersistentCollectives = {
  [K in keyof NonblockingCollectives]: (...args: Parameters<NonblockingCollectives[K]>) => PersistentEngineRequest;
};

export type EngineName = "local" | "mpi" | "self";

/** MPI_COMM_WORLD's predefined attributes (MPI-4.0 §11.2.1); undefined where the engine sets none. */
export interface WorldAttributes {
  readonly tagUb: number;
  readonly universeSize: number | undefined;
  readonly appnum: number | undefined;
  readonly wtimeIsGlobal: boolean;
}

export interface Engine {
  readonly name: EngineName;
  readonly world: EngineComm;
  readonly self: EngineComm;
  processorName(): string;
  libraryVersion(): string;
  /** MPI_Get_version of the library underneath, or the standard level mpi4ts implements. */
  version(): [number, number];
  wtime(): number;
  wtick(): number;
  worldAttributes(): WorldAttributes;
  /** The thread level MPI provided (MPI_Query_thread); absent on engines whose ranks are single-threaded. */
  threadLevel?(): number;
  /**
   * Blocks until something may have changed for this rank's requests (a message arrived, a peer acknowledged),
   * or until `timeoutMs` passes. Composite requests (nonblocking collectives) wait with it between tests.
   */
  waitForActivity(timeoutMs?: number): void;
  /** The same without blocking the thread: resolves on activity or after `timeoutMs`. */
  activity(timeoutMs?: number): Promise<void>;
  /**
   * Blocks until `done()`, where `pending()` lists the incomplete requests waited for: all of them must
   * complete (`all`), or any one. Unlike a loop of waitForActivity, the rank counts as blocked meanwhile (so a
   * deadlock is reported with what it waits for), and a wait that can never end fails with ERR_DEADLOCK.
   * Optional: without it, callers loop on waitForActivity.
   */
  waitUntil?(call: WaitCall, done: () => boolean, pending: () => readonly Waitable[], all: boolean): void;
  /**
   * Resolves once `request` completes, without blocking the thread while the program has other work (timers,
   * I/O). Once the event loop has nothing left but such awaits, the rank is blocked like a waitany over them:
   * it reports as blocked, and an await that can never end rejects with ERR_DEADLOCK. Optional: without it,
   * callers loop on `activity`.
   */
  settle?(request: Waitable): Promise<void>;
  /**
   * Keeps a send going after its caller has let go of it (buffered sends): progress completes it, and finalize
   * waits for it. Optional: engines whose standard sends complete at once need nothing.
   */
  detach?(request: EngineRequest): void;
  /** Ends every rank of the job with `code` (MPI_Abort). */
  abort(code: number, reason?: string): never;
  /**
   * Tells the engine the name of a communicator (`comm`: what the engine made it from), so that its reports of what
   * a rank is blocked in name it. Optional: engines without such reports leave it out.
   */
  nameCommunicator?(comm: object, name: string): void;
  /** `ending`: why ("exit 0" at the end of the program; MPI.Finalize otherwise), for the hooks of beforeFinalize. */
  finalize(ending?: string): void;
  /**
   * Runs `hook` when this rank finalizes MPI (a normal end), while its communicators still work: every rank of the
   * world runs its own there, so a hook may communicate with them. Engines without such an end leave it out.
   */
  beforeFinalize?(hook: (ending: string) => void): void;
  /**
   * Messages sent to this rank that no receive took (after a last progress), for the warning at the end of the
   * program (exit-warnings.ts). Engines that cannot tell leave it out.
   */
  unreceived?(): Unreceived[];
  /**
   * While `on`, a failure of this rank (an uncaught error, a non-zero exit) ends only the pool it serves: the
   * launcher reports it and the job goes on (mpi4ts/futures workers). Engines whose jobs cannot outlive a
   * failed rank (MPI's) leave it out.
   */
  expendable?(on: boolean): void;
  /** The exit code of world rank `worldRank` if it failed while expendable; undefined while it has not. */
  failure?(worldRank: number): number | undefined;
  readonly finalized: boolean;
  /** One-sided communication (src/win/seam.ts), on engines that have it. */
  readonly rma?: RmaEngine;
  /** Spawn and Get_parent (src/spawn.ts), on engines that have them. */
  readonly dynamic?: DynamicProcesses;
  /** This rank among every rank of the job, spawned ones included, where the engine numbers them (local). */
  readonly jobRank?: number;
  /**
   * Maps `bytes` of the file at `path` (made if need be) shared, so that what is stored there outlives this
   * process however it ends (mpi: the addon's mmap), or undefined where it cannot. The local engine's ranks are
   * threads whose exits the launcher sees, so it has no need.
   */
  mapFile?(path: string, bytes: number): ArrayBuffer | undefined;
}
