/**
 * Intercommunicators (MPI-4.0 §7.6): two disjoint groups, where every rank a call names is a rank of the OTHER
 * group. mpi4ts builds one on every engine from two engine communicators made by the engine's own constructors:
 * a duplicate of the local group (its local collectives and Merge's agreement), and a "bridge" over the union
 * of both groups, ordered low group first. Point-to-point and the intercommunicator collectives run on the
 * bridge with ranks shifted by the remote group's offset in it, so a rank can only ever address the other group
 * and a message can only ever come from it (ANY_SOURCE means any remote rank). docs/intercomm.md explains it.
 */
import { ANY_SOURCE, PROC_NULL, ROOT, UNDEFINED, type InPlace } from "./constants.js";
import { COMM_NULL, Comm, type EngineBinding, splitRefusal } from "./comm.js";
import {
  BUFFER, STANDARD, VALUE,
  type EngineComm, type EngineIntercomm, type TypedArray, type EngineRequest, type Envelope, type MatchedMessage, type PayloadKind, type PendingComm, type PointToPoint, type SendMode, type Sink,
} from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
import { type ErrorClass, MPIError } from "./errors.js";
import { bytesOf, describe, isTypedArray } from "./datatype.js";
import { type BufSpec, type BufSpecW, type Message, bufferArg, bufferArgV, bufferArgW, landBlock } from "./datatype/message.js";
import type { BufferSpec } from "./collective/api.js";
import { copyAttributes } from "./attributes.js";
import { handleErrorsOf, inheritErrhandler } from "./errhandler.js";
import { Group, subgroupRefusal } from "./group.js";
import { hooks } from "./collective/hooks.js";
import { tagUpperBound } from "./tag-bound.js";
import { SUM, type Op, type Reduced } from "./op.js";
import { Request } from "./request.js";
import { checkOp, operation } from "./collective/api.js";
import { CollectivePrequest } from "./collective/persistent.js";
import { bufferOpRefusal, combineInto } from "./collective/kernels.js";
import { FIRST_PROTOCOL_TAG, Kind, Schedule, VALUE_FAMILY, onTag, receive, reserveTag, send, startCall, type Algorithm } from "./collective/transport.js";

/** An envelope as the intercommunicator reports it: the sender's rank in the remote group. */
function shifted(envelope: Envelope, offset: number): Envelope {
  return { source: envelope.source - offset, tag: envelope.tag, byteLength: envelope.byteLength, kind: envelope.kind };
}

/** A request on the bridge whose envelope names the remote rank. */
class RemoteRequest implements EngineRequest {
  constructor(private readonly inner: EngineRequest, private readonly offset: number) {}
  test(): boolean { return this.inner.test(); }
  wait(): void { this.inner.wait(); }
  cancel(): void { this.inner.cancel(); }
  blockedOn(): object | undefined { return this.inner.blockedOn?.(); }
  get cancelled(): boolean { return this.inner.cancelled; }
  get error(): unknown { return this.inner.error; }
  get envelope(): Envelope | undefined {
    const e = this.inner.envelope;
    return e && shifted(e, this.offset);
  }
}

/**
 * Point-to-point on the bridge as seen from one group: `rank` and `size` are the local group's, every rank
 * argument and every reported source is a rank of the remote group (`offset` is where it starts in the bridge).
 */
class RemotePort implements PointToPoint {
  constructor(private readonly over: PointToPoint, readonly rank: number, readonly size: number, private readonly offset: number) {}

  #source(source: number): number { return source === ANY_SOURCE ? ANY_SOURCE : source + this.offset; }
  #sink(sink: Sink): Sink {
    const wrapped = (envelope: Envelope, received?: Uint8Array) => sink(shifted(envelope, this.offset), received);
    return Object.assign(wrapped, { expects: sink.expects, into: sink.into });
  }
  #matched(m: MatchedMessage): MatchedMessage {
    return { envelope: shifted(m.envelope, this.offset), receive: (sink) => shifted(m.receive(this.#sink(sink)), this.offset) };
  }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void {
    this.over.send(data, kind, dest + this.offset, tag, mode);
  }
  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest {
    return new RemoteRequest(this.over.isend(data, kind, dest + this.offset, tag, mode), this.offset);
  }
  recv(sink: Sink, source: number, tag: number): Envelope {
    return shifted(this.over.recv(this.#sink(sink), this.#source(source), tag), this.offset);
  }
  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    return new RemoteRequest(this.over.irecv(this.#sink(sink), this.#source(source), tag), this.offset);
  }
  probe(source: number, tag: number): Envelope { return shifted(this.over.probe(this.#source(source), tag), this.offset); }
  iprobe(source: number, tag: number): Envelope | undefined {
    const e = this.over.iprobe(this.#source(source), tag);
    return e && shifted(e, this.offset);
  }
  mprobe(source: number, tag: number): MatchedMessage { return this.#matched(this.over.mprobe(this.#source(source), tag)); }
  improbe(source: number, tag: number): MatchedMessage | undefined {
    const m = this.over.improbe(this.#source(source), tag);
    return m && this.#matched(m);
  }
}

function notOnIntercomm(call: string): never {
  throw new MPIError("ERR_COMM", `${call}: not defined on an intercommunicator; Merge() it into an intracommunicator first`);
}

/**
 * How an intercommunicator reaches its remote group. Create_intercomm's runs over a communicator of the union of
 * both groups (the "bridge", remote ranks shifted by `offset`); Spawn's and Get_parent's over the engine's own
 * intercommunicator (MPI's), whose ranks already are the remote group's.
 */
interface Link {
  readonly wire: PointToPoint;
  /** The wire's separate matching space for the intercommunicator protocol (made at first use where that is collective). */
  readonly internal: PointToPoint;
  readonly offset: number;
  dup(): Link;
  /** The same, nonblocking: the new link once `request` completes. */
  idup(): { readonly request: EngineRequest; made(): Link };
  /** Both groups as one intracommunicator, `localFirst` or not (collective over both groups). */
  merge(localFirst: boolean, localWorld: readonly number[], remoteWorld: readonly number[]): EngineComm | null;
  free(): void;
  /** MPI_Comm_disconnect, where the engine has one (collective; it waits for pending communication itself). */
  readonly disconnect?: () => void;
}

class UnionLink implements Link {
  constructor(readonly bridge: EngineComm, readonly offset: number) {}
  get wire(): PointToPoint { return this.bridge; }
  get internal(): PointToPoint { return this.bridge.internal; }
  dup(): Link { return new UnionLink(this.bridge.dup(), this.offset); }
  idup(): { request: EngineRequest; made(): Link } {
    const pending = this.bridge.idup();
    return { request: pending.request, made: () => new UnionLink(pending.made(), this.offset) };
  }
  merge(localFirst: boolean, localWorld: readonly number[], remoteWorld: readonly number[]): EngineComm | null {
    return this.bridge.create(localFirst ? [...localWorld, ...remoteWorld] : [...remoteWorld, ...localWorld]);
  }
  free(): void { this.bridge.free(); }
}

class EngineLink implements Link {
  readonly offset = 0;
  constructor(readonly inter: EngineIntercomm) {}
  get wire(): PointToPoint { return this.inter; }
  get internal(): PointToPoint { return this.inter.internal; }
  dup(): Link { return new EngineLink(this.inter.dup()); }
  idup(): { request: EngineRequest; made(): Link } {
    const pending = this.inter.idup();
    return { request: pending.request, made: () => new EngineLink(pending.made()) };
  }
  merge(localFirst: boolean): EngineComm { return this.inter.merge(!localFirst); }
  free(): void { this.inter.free(); }
  get disconnect(): (() => void) | undefined {
    const { inter } = this;
    return inter.disconnect && (() => inter.disconnect!());
  }
}

/**
 * The engine communicator an Intercomm's Comm methods see: the local group's rank and size, remote ranks. The
 * local group's own communicator may be made at first use (`local` a function), where making it is collective
 * but the call that makes the intercommunicator is not (Get_parent).
 */
class InterEngineComm extends RemotePort implements EngineComm {
  #local: EngineComm | (() => EngineComm);
  #internal: RemotePort | undefined;
  constructor(readonly link: Link, local: EngineComm | (() => EngineComm), rank: number, size: number, readonly localWorld: readonly number[]) {
    super(link.wire, rank, size, link.offset);
    this.#local = local;
  }
  get local(): EngineComm {
    if (typeof this.#local === "function") this.#local = this.#local();
    return this.#local;
  }
  /** The link's wire: what the engine's reports see of a rank blocked on this intercommunicator. */
  get reportedAs(): object { return this.link.wire; }
  get internal(): PointToPoint {
    return (this.#internal ??= new RemotePort(this.link.internal, this.rank, this.size, this.link.offset));
  }
  get worldRanks(): readonly number[] { return this.localWorld; }
  dup(): EngineComm { return notOnIntercomm("dup"); }
  /**
   * Intercomm.Idup: the local group's communicator and the link, both duplicated without blocking (the same two
   * steps, in the same order, as Dup), complete together.
   */
  idup(): PendingComm {
    const local = this.local.idup();
    const link = this.link.idup();
    return {
      request: new Schedule((function* () { yield [local.request, link.request]; })()),
      made: () => new InterEngineComm(link.made(), local.made(), this.rank, this.size, this.localWorld),
    };
  }
  split(): EngineComm | null { return notOnIntercomm("Split"); }
  create(): EngineComm | null { return notOnIntercomm("Create"); }
  createGroup(): EngineComm { return notOnIntercomm("Create_group"); }
  #gone = false;
  free(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.link.free();
    if (typeof this.#local !== "function") this.#local.free();
  }
  /** Disconnects (MPI_Comm_disconnect) where the link can; false where a barrier and a free must do. */
  disconnect(): boolean {
    if (!this.link.disconnect) return false;
    this.#gone = true;
    this.link.disconnect();
    if (typeof this.#local !== "function") this.#local.free();
    return true;
  }
}

/**
 * A nonblocking buffer collective on one rank: the bytes it sends remote rank j, and what it does at completion
 * with the bytes each remote rank sent it.
 */
interface BufferPlan {
  out?: Out;
  land?: Land;
}
type Out = (j: number) => Uint8Array;
type Land = (got: Uint8Array[]) => void;

/** What a root sends the other group in a value collective: its value, or why it refused its arguments. */
interface Offer { value?: unknown; refusal?: string; errorClass?: ErrorClass }

function refusalOf(e: unknown): Offer {
  const error = e instanceof MPIError ? e : undefined;
  return { refusal: error?.message ?? String(e), errorClass: error?.errorClass ?? "ERR_OTHER" };
}

/**
 * Tags of the intercommunicator protocol, on the link's internal channel (never matched by user receives), where
 * the transport keeps them for such protocols: above the nonblocking collectives' sequence and the persistent
 * collectives' tags (transport.ts).
 */
const TAG_LEADERS = FIRST_PROTOCOL_TAG + 1, TAG_ROOTED = FIRST_PROTOCOL_TAG + 2, TAG_DIRECT = FIRST_PROTOCOL_TAG + 3;

/** A communicator whose rank arguments are ranks of a remote group of `remoteSize` processes. */
export class Intercomm extends Comm {
  readonly #remote: readonly number[];
  /** Whether this side is first in the bridge (the default order of Merge). */
  readonly #low: boolean;
  /** The local group as an intracommunicator: the local halves of the collectives. */
  readonly #localComm: Comm;

  /**
   * @internal Made by Create_intercomm, Dup, Idup (whose engine communicator exists once its request completes,
   * a function until then) and Spawn.
   */
  constructor(ec: InterEngineComm | ((call: string) => InterEngineComm), remoteWorldRanks: readonly number[], low: boolean, name: string) {
    super(ec, name);
    this.#remote = Object.freeze([...remoteWorldRanks]);
    this.#low = low;
    this.#localComm = new Comm((call) => this.#inter(call).local, `${name} (local group)`);
  }

  /** This communicator's engine side (`call` names the use in the error while an Idup is incomplete). */
  #inter(call = "intercomm"): InterEngineComm {
    return this.engineComm(call) as InterEngineComm;
  }

  /** @internal Idup's duplicate: the same groups, on the engine communicator its request makes. */
  override withEngine(engineComm: EngineBinding, name: string): this {
    return new Intercomm(engineComm as InterEngineComm | ((call: string) => InterEngineComm), this.#remote, this.#low, name) as this;
  }

  protected override inspectName(): string { return "Intercomm"; }
  protected override inspectFields(): Record<string, unknown> {
    return { ...super.inspectFields(), remoteSize: this.Get_remote_size() };
  }

  override Is_inter(): boolean { this.engineComm("Is_inter"); return true; }
  override Is_intra(): boolean { this.engineComm("Is_intra"); return false; }

  /** The number of processes in the remote group (MPI_Comm_remote_size). */
  Get_remote_size(): number { this.engineComm("Get_remote_size"); return this.#remote.length; }
  get remote_size(): number { return this.Get_remote_size(); }
  /** The remote group (MPI_Comm_remote_group); `Get_group()` is the local one. */
  Get_remote_group(): Group {
    const c = this.engineComm("Get_remote_group");
    return new Group(this.#remote, c.worldRanks[c.rank]!);
  }

  /**
   * Every collective starts here, on every rank of both groups: the matching spaces made at first use (the
   * wire's internal one, collective over both groups; the local group's, collective over it) are made now, in
   * the same order everywhere, rather than by the leaders alone inside the protocol.
   */
  #collective(call: string): InterEngineComm {
    const ec = this.engineComm(call) as InterEngineComm;
    void ec.internal;
    void ec.local;
    return ec;
  }

  /** @internal Destinations are ranks of the remote group. */
  override checkDest(call: string, dest: unknown, argName = "dest"): number {
    const size = this.Get_remote_size();
    if (dest === PROC_NULL) return PROC_NULL;
    if (!Number.isInteger(dest) || (dest as number) < 0 || (dest as number) >= size) {
      throw new MPIError("ERR_RANK", `${this.where(call)}: ${argName} ${String(dest)} is not a rank of the remote group (0..${size - 1}) or PROC_NULL`);
    }
    return dest as number;
  }

  /** @internal Sources are ranks of the remote group. */
  override checkSource(call: string, source: unknown): number {
    const size = this.Get_remote_size();
    if (source === ANY_SOURCE || source === PROC_NULL) return source;
    if (!Number.isInteger(source) || (source as number) < 0 || (source as number) >= size) {
      throw new MPIError("ERR_RANK", `${this.where(call)}: source ${String(source)} is not a rank of the remote group (0..${size - 1}), ANY_SOURCE or PROC_NULL`);
    }
    return source as number;
  }

  /** The same two groups on a new matching space (collective over both groups). */
  override Dup(): this {
    const ec = this.engineComm("Dup") as InterEngineComm;
    const local = ec.local.dup();
    const dup = new Intercomm(new InterEngineComm(ec.link.dup(), local, ec.rank, ec.size, ec.localWorld), this.#remote, this.#low, `${this.name}_dup`) as this;
    copyAttributes(this, dup);
    inheritErrhandler(this, dup);
    return dup;
  }

  /**
   * One intracommunicator of both groups (collective over both): the group that passes `high` false comes first;
   * when both pass the same, the group that was first in Create_intercomm (the lower leader in the peer
   * communicator) does. Every rank of a group must pass the same `high`.
   */
  Merge(high = false): Comm {
    const call = "Merge";
    const ec = this.#collective(call);
    const valid = typeof high === "boolean" || high === 0 || high === 1;
    const mine = valid && Boolean(high);
    // A rank refusing its `high`, or a group whose ranks disagree, is refused on both groups together: every rank
    // still takes part in the agreement, so nobody waits for a rank that threw.
    const local = this.#localComm.allgather(valid ? mine : null);
    const agreeing = local.every((h) => h === mine);
    const theirs = this.#leadersExchange({ high: mine, agreeing });
    if (!valid) throw new MPIError("ERR_ARG", `${this.where(call)}: high must be a boolean, got ${describe(high)}; the Merge was refused on both groups`);
    if (!agreeing || !theirs.agreeing) {
      throw new MPIError("ERR_ARG", `${this.where(call)}: the ranks of ${agreeing ? "the remote" : "the local"} group passed different (or invalid) values of high; the Merge was refused on both groups`);
    }
    const first = mine === theirs.high ? this.#low : !mine;
    const merged = ec.link.merge(first, ec.localWorld, this.#remote);
    if (!merged) throw new MPIError("ERR_INTERN", `${this.where(call)}: the merged communicator lacks this rank`);
    return new Comm(merged, `${this.name}_merged`);
  }

  /**
   * MPI_Comm_split of an intercommunicator (collective over both groups): the ranks of each color, in both
   * groups, make one new intercommunicator, ordered by key then rank within each group. A color only one group
   * has, and UNDEFINED, give COMM_NULL. A rank refusing its color or key takes part as UNDEFINED and throws.
   */
  override Split(color = 0, key = 0): Comm {
    const call = "Split";
    this.#collective(call);
    const refusal = splitRefusal(color, key);
    const made = this.#splitBy(call, refusal !== undefined ? UNDEFINED : color, refusal !== undefined ? 0 : key, undefined);
    if (refusal !== undefined) throw new MPIError("ERR_ARG", `${this.where(call)}: ${refusal}; this rank took part as UNDEFINED`);
    return made;
  }

  /**
   * MPI_Comm_create of an intercommunicator (collective over both groups): an intercommunicator of `group`'s
   * members (a subgroup of the local group, the same on every local rank) and those the remote group passes;
   * COMM_NULL outside the groups, or when either group is empty. A bad or differing group is refused on every
   * rank of both groups.
   */
  override Create(group: Group): Comm {
    const call = "Create";
    const ec = this.#collective(call);
    const refusal = subgroupRefusal(group, ec.localWorld, "the local group");
    const ranks = refusal === undefined ? group.worldRanks : [];
    // The group's verdict, agreed inside each group: the first refusal, or members passing different groups.
    const text = refusal === undefined ? ranks.join(",") : null;
    const passed = this.#localComm.allgather([refusal ?? null, text] as const);
    const refusedAt = passed.findIndex(([r]) => r !== null);
    const verdict = refusedAt >= 0 ? `rank ${refusedAt} refused its group: ${passed[refusedAt]![0]}`
      : passed.some(([, t]) => t !== text) ? "its ranks passed different groups" : undefined;
    const at = ranks.indexOf(ec.localWorld[ec.rank]!);
    return this.#splitBy(call, verdict === undefined && at >= 0 ? 0 : UNDEFINED, at, verdict);
  }

  /**
   * Split's and Create's common part: every rank of both groups learns every rank's color and key (and each
   * group's verdict, which refuses the call everywhere), then the union, low group first, is split into the
   * bridges of the new intercommunicators and the local group into their local groups.
   */
  #splitBy(call: string, color: number, key: number, verdict: string | undefined): Comm {
    const ec = this.#inter();
    const mine = this.#localComm.allgather([color, key] as const);
    const theirs = this.#leadersExchange({ entries: mine, verdict: verdict ?? null });
    if (verdict !== undefined || theirs.verdict !== null) {
      throw new MPIError(call === "Create" ? "ERR_GROUP" : "ERR_ARG", `${this.where(call)}: ${verdict ?? `in the remote group, ${theirs.verdict}`}; the ${call} was refused on both groups`);
    }
    // Members of one color in one group, in their new order: by key, then by rank.
    const ofColor = (entries: readonly (readonly [number, number])[]) => color === UNDEFINED ? []
      : entries.map(([c, k], r) => ({ c, k, r })).filter((e) => e.c === color).sort((a, b) => a.k - b.k || a.r - b.r).map((e) => e.r);
    const localMembers = ofColor(mine), remoteMembers = ofColor(theirs.entries);
    const before = this.#low ? 0 : remoteMembers.length;
    const merged = ec.link.merge(this.#low, ec.localWorld, this.#remote);
    if (!merged) throw new MPIError("ERR_INTERN", `${this.where(call)}: the union of both groups lacks this rank`);
    const colored = color !== UNDEFINED;
    const bridge = merged.split(colored ? color : -1, before + localMembers.indexOf(ec.rank));
    merged.free();
    const local = ec.local.split(colored ? color : -1, key);
    if (!bridge || !local || remoteMembers.length === 0) {
      bridge?.free();
      local?.free();
      return COMM_NULL;
    }
    const link = new UnionLink(bridge, this.#low ? localMembers.length : 0);
    const inter = new InterEngineComm(link, local, local.rank, local.size, local.worldRanks);
    return new Intercomm(inter, remoteMembers.map((r) => this.#remote[r]!), this.#low, `${this.name}_${call === "Split" ? "split" : "create"}`);
  }

  /** MPI_Comm_spawn is an intracommunicator call. */
  override Spawn(..._args: Parameters<Comm["Spawn"]>): Intercomm { return notOnIntercomm("Spawn"); }
  override Spawn_multiple(..._args: Parameters<Comm["Spawn_multiple"]>): Intercomm { return notOnIntercomm("Spawn_multiple"); }

  /**
   * Waits for the communication on this communicator to end, then frees it (collective over both groups): MPI's
   * MPI_Comm_disconnect where the engine made the intercommunicator (so a C or Python peer's Disconnect matches
   * it), a barrier and a free otherwise.
   */
  Disconnect(): void {
    const ec = this.engineComm("Disconnect") as InterEngineComm;
    if (!ec.disconnect()) this.Barrier();
    this.Free();
  }

  /**
   * The leaders (local rank 0 of each group) swap `mine` over the bridge, and each broadcasts what it got to its
   * group: the step every intercommunicator collective and Merge share.
   */
  #leadersExchange<T>(mine: T): T {
    const wire = this.#inter().internal;
    let theirs: T | undefined;
    if (this.#inter().rank === 0) {
      const request = wire.isend(this.encode("intercomm", mine), VALUE, 0, TAG_LEADERS, STANDARD);
      theirs = this.#receive<T>(0, TAG_LEADERS);
      request.wait();
      if (request.error !== undefined) throw request.error;
    }
    return this.#localComm.bcast(theirs, 0) as T;
  }

  #receive<T>(source: number, tag: number): T {
    const into: { bytes?: Uint8Array } = {};
    this.#inter().internal.recv(this.valueSink("intercomm", into), source, tag);
    return this.decode<T>("intercomm", into.bytes);
  }

  #sendTo(value: unknown, dest: number, tag: number): void {
    this.#inter().internal.send(this.encode("intercomm", value), VALUE, dest, tag, STANDARD);
  }

  /**
   * The root argument of a rooted intercommunicator collective: ROOT at the root, PROC_NULL at the rest of its
   * group, the root's rank in the remote group at the other group. Refused before anything is sent.
   */
  #root(call: string, root: unknown): number {
    this.#collective(call);
    if (root === ROOT || root === PROC_NULL) return root;
    const size = this.#remote.length;
    if (!Number.isInteger(root) || (root as number) < 0 || (root as number) >= size) {
      throw new MPIError("ERR_ROOT", `${this.where(call)}: root ${String(root)} must be MPI.ROOT (this rank is the root), MPI.PROC_NULL (the root's group) or a rank of the remote group (0..${size - 1})`);
    }
    return root as number;
  }

  // ---- collectives (MPI-4.0 §6.2.2): the local group's data goes to the remote group ----

  // ---- nonblocking value collectives: one batch of messages between the groups, posted at the call ----

  /**
   * Starts a nonblocking collective whose messages go straight between the ranks concerned (no leader relays,
   * so nothing of ours must run before it completes, as MPI's progress rule needs): each rank sends `outgoing[j]`
   * to remote rank j and receives an Offer from each of `sources`; `finish` makes the value from them.
   */
  #nonblocking<T>(call: string, outgoing: (Uint8Array | undefined)[], sources: readonly number[], finish: (got: Offer[]) => T): Request<T> {
    const ec = this.#collective(call);
    const out: { got?: Uint8Array[] } = {};
    const start = () => {
      const k = startCall(ec.internal, Kind.Alltoall | VALUE_FAMILY, -1);
      return new Schedule((function* (): Algorithm {
        const incoming = sources.map((source) => receive(k, source));
        const step: EngineRequest[] = [...incoming];
        outgoing.forEach((bytes, dest) => { if (bytes) step.push(send(k, dest, bytes)); });
        if (step.length) yield step;
        out.got = [];
        sources.forEach((source, i) => { out.got![source] = incoming[i]!.data; });
      })());
    };
    const offers = () => (out.got ?? []).map((bytes) => this.decode<Offer>(call, bytes));
    return new Request<T>(operation(this, call, start, () => finish(offers())), () => `${call} on ${this.Get_name()}`);
  }

  /** The request of a refusing rank: its refusal goes out (it completes in the background), and it throws. */
  #refuse(request: Request<unknown>, refused: unknown): never {
    request.Free();
    throw refused;
  }

  /** The encoded Offer of `make()`'s value, or of its refusal (then `refused` holds the error to throw). */
  #encodeOffer(call: string, make: () => unknown): { bytes: Uint8Array; refused?: unknown } {
    try {
      return { bytes: this.encode(call, { value: make() } satisfies Offer) };
    } catch (e) {
      return { bytes: this.encode(call, refusalOf(e)), refused: e };
    }
  }

  #allRemote(): number[] { return this.#all((j) => j); }

  /** The reduction of the other group's values in its rank order, as the intracommunicator's reductions fold. */
  #fold(call: string, op: Op, values: readonly unknown[]): unknown {
    let acc = values[values.length - 1];
    try {
      for (let j = values.length - 2; j >= 0; j--) acc = op.combineValues(values[j], acc, "");
    } catch (e) {
      throw e instanceof MPIError ? e : new MPIError("ERR_OP", `${this.where(call)}: the operation failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return acc;
  }

  /** The values of the offers, in remote rank order; the first refusal is thrown, naming its rank. */
  #values<T>(call: string, offers: Offer[]): T[] {
    const j = offers.findIndex((offer) => offer.refusal !== undefined);
    if (j >= 0) {
      throw new MPIError(offers[j]!.errorClass ?? "ERR_OTHER", `${this.where(call)}: rank ${j} of the remote group refused its arguments (${offers[j]!.refusal})`);
    }
    return offers.map((offer) => offer.value as T);
  }

  /** Completes once every rank of both groups has started it. */
  override ibarrier(): Request<void> {
    const call = "ibarrier";
    this.#collective(call);
    const token = this.encode(call, { value: null } satisfies Offer);
    return this.#nonblocking(call, this.#all(() => token), this.#allRemote(), () => undefined);
  }
  override Ibarrier(): Request<void> { return this.ibarrier(); }

  override ibcast<T>(obj: T | null | undefined, root = 0): Request<T> {
    const call = "ibcast";
    const r = this.#root(call, root);
    if (r === ROOT) {
      const { bytes, refused } = this.#encodeOffer(call, () => obj);
      const request = this.#nonblocking(call, this.#all(() => bytes), [], () => obj as T);
      if (refused !== undefined) this.#refuse(request, refused);
      return request;
    }
    if (r === PROC_NULL) return this.#nonblocking(call, [], [], () => undefined as T);
    return this.#nonblocking(call, [], [r], (got) => this.#accept<T>(call, got[r]!));
  }

  override iscatter<T>(seq: readonly T[] | null, root = 0): Request<T> {
    const call = "iscatter";
    const r = this.#root(call, root);
    const n = this.#remote.length;
    if (r === ROOT) {
      const check = () => {
        if (!Array.isArray(seq) || seq.length !== n) {
          throw new MPIError("ERR_ARG", `${this.where(call)}: the root must pass an array of ${n} values (one per rank of the remote group), got ${describe(seq)}`);
        }
      };
      const parts = this.#all((j) => this.#encodeOffer(call, () => { check(); return seq![j]; }));
      const request = this.#nonblocking(call, parts.map((p) => p.bytes), [], () => undefined as T);
      const refused = parts.find((p) => p.refused !== undefined)?.refused;
      if (refused !== undefined) this.#refuse(request, refused);
      return request;
    }
    if (r === PROC_NULL) return this.#nonblocking(call, [], [], () => undefined as T);
    return this.#nonblocking(call, [], [r], (got) => this.#accept<T>(call, got[r]!));
  }

  /** The senders' side of a gather or a reduction: its value (or refusal) to the root of the other group. */
  #toRoot(call: string, obj: unknown, r: number): Request<null> {
    const { bytes, refused } = this.#encodeOffer(call, () => obj);
    const toRoot: Uint8Array[] = [];
    toRoot[r] = bytes;
    const request = this.#nonblocking(call, toRoot, [], () => null);
    if (refused !== undefined) this.#refuse(request, refused);
    return request;
  }

  override igather<T>(obj: T, root = 0): Request<T[] | null> {
    const call = "igather";
    const r = this.#root(call, root);
    if (r === ROOT) return this.#nonblocking(call, [], this.#allRemote(), (got) => this.#values<T>(call, got));
    if (r === PROC_NULL) return this.#nonblocking(call, [], [], () => null);
    return this.#toRoot(call, obj, r);
  }

  override ireduce<T, O extends Op = Op>(obj: T, op: O = SUM as O, root = 0): Request<Reduced<T, O> | null> {
    const call = "ireduce";
    checkOp(this, call, op);
    const r = this.#root(call, root);
    if (r === ROOT) {
      return this.#nonblocking(call, [], this.#allRemote(), (got) => this.#fold(call, op, this.#values<unknown>(call, got)) as Reduced<T, O>);
    }
    if (r === PROC_NULL) return this.#nonblocking(call, [], [], () => null);
    return this.#toRoot(call, obj, r);
  }

  /** Every rank's value to every rank of the other group; `finish` gets the other group's values. */
  #everyone<T>(call: string, make: (j: number) => unknown, finish: (values: unknown[]) => T): Request<T> {
    this.#collective(call);
    const parts = this.#all((j) => this.#encodeOffer(call, () => make(j)));
    const request = this.#nonblocking(call, parts.map((p) => p.bytes), this.#allRemote(), (got) => finish(this.#values(call, got)));
    const refused = parts.find((p) => p.refused !== undefined)?.refused;
    // Its receives from the other group still take their messages in the background.
    if (refused !== undefined) this.#refuse(request, refused);
    return request;
  }

  override iallgather<T>(obj: T): Request<T[]> {
    return this.#everyone("iallgather", () => obj, (values) => values as T[]);
  }

  override iallreduce<T, O extends Op = Op>(obj: T, op: O = SUM as O): Request<Reduced<T, O>> {
    checkOp(this, "iallreduce", op);
    return this.#everyone("iallreduce", () => obj, (values) => this.#fold("iallreduce", op, values) as Reduced<T, O>);
  }

  override ialltoall<T>(seq: readonly T[]): Request<T[]> {
    const call = "ialltoall";
    const n = this.#remote.length;
    // A rank refusing its list still sends its refusal to every remote rank, whose requests then fail with it.
    return this.#everyone(call, (j) => {
      if (!Array.isArray(seq) || seq.length !== n) {
        throw new MPIError("ERR_ARG", `${this.where(call)}: seq must be an array of ${n} values (one per rank of the remote group), got ${describe(seq)}`);
      }
      return seq[j];
    }, (values) => values as T[]);
  }

  // ---- nonblocking buffer collectives: the value ones' messages, each carrying a copy of the bytes ----

  /**
   * A nonblocking buffer collective as one batch of value messages (see #nonblocking): each Offer carries a
   * copy of the bytes for one remote rank, taken at the call (MPI lets the send buffer be read any time before
   * completion), so a refusal travels where the data would. `prepare` checks this rank's buffers and gives the
   * bytes for each of `dests` and what to do with the bytes from each of `sources` at completion. When it
   * refuses, each of `dests` gets the refusal instead, the receives are still posted (so their messages are
   * taken), and the call throws.
   */
  #bufferNonblocking(call: string, dests: readonly number[], sources: readonly number[], prepare: () => BufferPlan, fromRoot = false): Request<void> {
    this.#collective(call);
    let plan: BufferPlan | undefined, refused: unknown;
    try {
      plan = prepare();
    } catch (e) {
      refused = e;
    }
    const outgoing: (Uint8Array | undefined)[] = [];
    const refusal = refused === undefined ? undefined : this.encode(call, refusalOf(refused));
    for (const j of dests) outgoing[j] = refusal ?? this.encode(call, { value: plan!.out!(j).slice() } satisfies Offer);
    const request = this.#nonblocking(call, outgoing, sources, (got) => {
      const bytes: Uint8Array[] = [];
      for (const j of sources) {
        const offer = got[j]!;
        if (offer.refusal !== undefined) {
          const who = fromRoot ? "the root" : `rank ${j} of the remote group`;
          throw new MPIError(offer.errorClass ?? "ERR_OTHER", `${this.where(call)}: ${who} refused its arguments (${offer.refusal})`);
        }
        bytes[j] = offer.value as Uint8Array;
      }
      plan!.land?.(bytes);
    });
    if (refused !== undefined) this.#refuse(request, refused);
    return request;
  }

  /** Copies the bytes remote rank `j` sent into `into`, which they must fill exactly. */
  #fit(call: string, into: Uint8Array, bytes: Uint8Array, j: number): void {
    if (bytes.length !== into.length) {
      throw new MPIError("ERR_COUNT", `${this.where(call)}: rank ${j} of the remote group sent ${bytes.length} bytes where this rank expects ${into.length}; the counts (or buffer sizes) given on the ranks do not agree`);
    }
    into.set(bytes);
  }

  /** Receiving one block from each remote rank into `recvbuf` (n blocks, in rank order). */
  #landBlocks(call: string, recvbuf: unknown): Land {
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf as BufSpec, this.#remote.length);
    const into = m.incoming();
    const block = into.length / this.#remote.length;
    return (got) => {
      got.forEach((bytes, j) => this.#fit(call, into.subarray(j * block, (j + 1) * block), bytes, j));
      m.land(into);
    };
  }

  /** Receiving the root's bytes into `recvbuf`. */
  #landWhole(call: string, name: string, recvbuf: unknown): Land {
    const m = bufferArg(() => this.where(call), name, recvbuf as BufSpec);
    const into = m.incoming();
    return (got) => {
      got.forEach((bytes, j) => this.#fit(call, into, bytes, j));
      m.land(into);
    };
  }

  /** Receiving each remote rank's block of a v-buffer (`[buf, counts, displs?, datatype?]`). */
  #landV(call: string, recvbuf: unknown): Land {
    const recv = this.#blocks(call, "recvbuf", recvbuf, true);
    return (got) => {
      got.forEach((bytes, j) => this.#fit(call, recv.block(j), bytes, j));
      recv.m.land(recv.bytes);
    };
  }

  /** The same bytes of `buf` for every remote rank. */
  #sendWhole(call: string, name: string, buf: unknown): Out {
    const bytes = bufferArg(() => this.where(call), name, buf as BufSpec).outgoing();
    return () => bytes;
  }

  /** Block j of `sendbuf` (n equal blocks) for remote rank j. */
  #sendBlocks(call: string, sendbuf: unknown): Out {
    const n = this.#remote.length;
    const bytes = bufferArg(() => this.where(call), "sendbuf", sendbuf as BufSpec, n).outgoing();
    const block = bytes.length / n;
    return (j) => bytes.subarray(j * block, (j + 1) * block);
  }

  /**
   * A nonblocking form with a root: `fromRoot`, the root (root: ROOT) sends to every remote rank (Ibcast,
   * Iscatter); else every remote rank sends to it (Igather, Ireduce). The rest of the root's group (PROC_NULL)
   * takes no part.
   */
  #rooted(call: string, root: unknown, fromRoot: boolean, atRoot: () => BufferPlan, atRemote: () => BufferPlan): Request<void> {
    const r = this.#root(call, root);
    if (r === PROC_NULL) return this.#bufferNonblocking(call, [], [], () => ({}));
    if (r === ROOT) {
      const all = this.#allRemote();
      return fromRoot ? this.#bufferNonblocking(call, all, [], atRoot) : this.#bufferNonblocking(call, [], all, atRoot);
    }
    return fromRoot ? this.#bufferNonblocking(call, [], [r], atRemote, true) : this.#bufferNonblocking(call, [r], [], atRemote);
  }

  override Ibcast(buf: BufSpec, root = 0): Request<void> {
    const call = "Ibcast";
    return this.#rooted(call, root, true, () => ({ out: this.#sendWhole(call, "buf", buf) }), () => ({ land: this.#landWhole(call, "buf", buf) }));
  }

  override Iscatter(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): Request<void> {
    const call = "Iscatter";
    return this.#rooted(call, root, true, () => ({ out: this.#sendBlocks(call, sendbuf) }), () => ({ land: this.#landWhole(call, "recvbuf", recvbuf) }));
  }

  override Iscatterv(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): Request<void> {
    const call = "Iscatterv";
    return this.#rooted(call, root, true, () => ({ out: this.#blocks(call, "sendbuf", sendbuf, false).block }), () => ({ land: this.#landWhole(call, "recvbuf", recvbuf) }));
  }

  override Igather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): Request<void> {
    const call = "Igather";
    return this.#rooted(call, root, false, () => ({ land: this.#landBlocks(call, recvbuf) }), () => ({ out: this.#sendWhole(call, "sendbuf", sendbuf) }));
  }

  override Igatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): Request<void> {
    const call = "Igatherv";
    return this.#rooted(call, root, false, () => ({ land: this.#landV(call, recvbuf) }), () => ({ out: this.#sendWhole(call, "sendbuf", sendbuf) }));
  }

  override Ireduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): Request<void> {
    const call = "Ireduce";
    checkOp(this, call, op);
    return this.#rooted(call, root, false, () => ({ land: this.#landReduced(call, op, recvbuf) }), () => ({ out: this.#sendReduced(call, op, sendbuf) }));
  }

  /** Every rank sends to and receives from every remote rank. */
  #everyoneBuffers(call: string, prepare: () => BufferPlan): Request<void> {
    const all = this.#allRemote();
    return this.#bufferNonblocking(call, all, all, prepare);
  }

  override Iallgather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): Request<void> {
    const call = "Iallgather";
    return this.#everyoneBuffers(call, () => ({ out: this.#sendWhole(call, "sendbuf", sendbuf), land: this.#landBlocks(call, recvbuf) }));
  }

  override Iallgatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): Request<void> {
    const call = "Iallgatherv";
    return this.#everyoneBuffers(call, () => ({ out: this.#sendWhole(call, "sendbuf", sendbuf), land: this.#landV(call, recvbuf) }));
  }

  override Ialltoall(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): Request<void> {
    const call = "Ialltoall";
    return this.#everyoneBuffers(call, () => ({ out: this.#sendBlocks(call, sendbuf), land: this.#landBlocks(call, recvbuf) }));
  }

  override Ialltoallv(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): Request<void> {
    const call = "Ialltoallv";
    return this.#everyoneBuffers(call, () => ({ out: this.#blocks(call, "sendbuf", sendbuf, false).block, land: this.#landV(call, recvbuf) }));
  }

  override Iallreduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> {
    const call = "Iallreduce";
    checkOp(this, call, op);
    return this.#everyoneBuffers(call, () => ({ out: this.#sendReduced(call, op, sendbuf), land: this.#landReduced(call, op, recvbuf) }));
  }

  /**
   * Element i·c..(i+1)·c of the other group's send buffers, reduced, lands at rank i (c: this rank's recvbuf
   * length). Both groups reduce vectors of one length: here sendbuf splits into one block per remote rank, and
   * recvbuf times the local size is that length (MPI-4.0 §6.11.1).
   */
  override Ireduce_scatter_block(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> {
    const call = "Ireduce_scatter_block";
    checkOp(this, call, op);
    return this.#everyoneBuffers(call, () => {
      const send = this.#operand(call, "sendbuf", sendbuf, op), into = this.#operand(call, "recvbuf", recvbuf, op);
      const n = this.#remote.length;
      if (send.length % n !== 0 || send.length !== into.length * this.size) {
        throw new MPIError("ERR_COUNT", `${this.where(call)}: sendbuf has ${send.length} elements; on an intercommunicator it must hold one block per remote rank (${n}) and as many elements as recvbuf (${into.length}) times this group's size (${this.size})`);
      }
      const bytes = bytesOf(send), block = bytes.length / n;
      return { out: (j) => bytes.subarray(j * block, (j + 1) * block), land: this.#landReduced(call, op, into) };
    });
  }
  override Reduce_scatter_block(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void {
    this.Ireduce_scatter_block(sendbuf, recvbuf, op).Wait();
  }
  override Reduce_scatter_block_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest {
    return this.#persistent("Reduce_scatter_block_init", undefined, () => this.Ireduce_scatter_block(sendbuf, recvbuf, op));
  }

  /**
   * The other group's reduction, scattered over this group by `counts` (one per rank of this group, the same on
   * every rank of it). The other group cannot split its vectors by counts only this group knows, so every rank
   * sends its whole vector to every remote rank, which takes its part: one batch of messages, p times the data
   * of a split exchange.
   */
  override Ireduce_scatter(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): Request<void> {
    const call = "Ireduce_scatter";
    checkOp(this, call, op);
    return this.#everyoneBuffers(call, () => {
      const send = this.#operand(call, "sendbuf", sendbuf, op), into = this.#operand(call, "recvbuf", recvbuf, op);
      if (!Array.isArray(counts) || counts.length !== this.size || !counts.every((c) => Number.isSafeInteger(c) && c >= 0)) {
        throw new MPIError("ERR_COUNT", `${this.where(call)}: counts must be an array of ${this.size} non-negative integers (one per rank of this group), got ${describe(counts)}`);
      }
      if (counts[this.rank] !== into.length) {
        throw new MPIError("ERR_COUNT", `${this.where(call)}: recvbuf has ${into.length} elements but counts[${this.rank}] is ${counts[this.rank]}`);
      }
      const unit = into.BYTES_PER_ELEMENT;
      const start = counts.slice(0, this.rank).reduce((a, c) => a + c, 0) * unit;
      const vector = counts.reduce((a, c) => a + c, 0) * unit;
      const bytes = bytesOf(send);
      const reduce = this.#landReduced(call, op, into);
      return {
        out: () => bytes,
        land: (got) => {
          got.forEach((b, j) => {
            if (b.length !== vector) {
              throw new MPIError("ERR_COUNT", `${this.where(call)}: rank ${j} of the remote group sent a vector of ${b.length} bytes where this group's counts add up to ${vector}`);
            }
          });
          reduce(got.map((b) => b.subarray(start, start + into.length * unit)));
        },
      };
    });
  }
  override Reduce_scatter(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): void {
    this.Ireduce_scatter(sendbuf, recvbuf, counts, op).Wait();
  }
  override Reduce_scatter_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): CollectivePrequest {
    return this.#persistent("Reduce_scatter_init", undefined, () => this.Ireduce_scatter(sendbuf, recvbuf, counts, op));
  }

  /** Alltoall with a count, datatype and byte displacement per block (`[buf, counts, displs, datatypes]`). */
  override Ialltoallw(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): Request<void> {
    const call = "Ialltoallw";
    return this.#everyoneBuffers(call, () => {
      const n = this.#remote.length;
      const sends = bufferArgW(() => this.where(call), "sendbuf", sendbuf, n), receives = bufferArgW(() => this.where(call), "recvbuf", recvbuf, n);
      return {
        out: (j) => sends[j]!.outgoing(),
        land: (got) => got.forEach((bytes, j) => {
          const block = receives[j]!;
          if (bytes.length !== block.byteLength) {
            throw new MPIError("ERR_COUNT", `${this.where(call)}: rank ${j} of the remote group sent ${bytes.length} bytes where this rank expects ${block.byteLength}; the counts (or buffer sizes) given on the ranks do not agree`);
          }
          landBlock(block, bytes);
        }),
      };
    });
  }
  override Alltoallw(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): void { this.Ialltoallw(sendbuf, recvbuf).Wait(); }
  override Alltoallw_init(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): CollectivePrequest {
    return this.#persistent("Alltoallw_init", undefined, () => this.Ialltoallw(sendbuf, recvbuf));
  }

  /** A reduction's operand: a plain typed array (the element type is taken from it) that `op` can reduce. */
  #operand(call: string, name: string, buf: unknown, op: Op): TypedArray {
    if (!isTypedArray(buf)) {
      throw new MPIError("ERR_BUFFER", `${this.where(call)}: on an intercommunicator, ${name} must be a plain typed array, got ${describe(buf)}`);
    }
    const refusal = bufferOpRefusal(op.bufferOp(), buf);
    if (refusal) throw new MPIError("ERR_OP", `${this.where(call)}: ${refusal}`);
    return buf;
  }

  #sendReduced(call: string, op: Op, sendbuf: unknown): Out {
    const bytes = bytesOf(this.#operand(call, "sendbuf", sendbuf, op));
    return () => bytes;
  }

  /** The reduction of the remote group's buffers into `recvbuf`, folded right to left in their rank order. */
  #landReduced(call: string, op: Op, recvbuf: unknown): Land {
    const into = this.#operand(call, "recvbuf", recvbuf, op);
    const Ctor = into.constructor as new (n: number) => TypedArray;
    return (got) => {
      const operands = got.map((bytes, j) => {
        const operand = new Ctor(into.length);
        this.#fit(call, bytesOf(operand), bytes, j);
        return operand;
      });
      const acc = operands[operands.length - 1]!;
      try {
        for (let j = operands.length - 2; j >= 0; j--) combineInto(op.bufferOp(), operands[j]!, acc, acc);
      } catch (e) {
        throw e instanceof MPIError ? e : new MPIError("ERR_OP", `${this.where(call)}: the operation failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      into.set(acc as never);
    };
  }

  // ---- persistent collectives: each Start runs the nonblocking form on a tag of the init's ----

  /**
   * A persistent collective whose every Start begins `start()`, the nonblocking form on the same arguments, on a
   * tag this init took (reserveTag), so rounds match by init as MPI-4 matches them, whatever the ranks start in
   * between. The buffers are checked at each Start: a refusal there reaches the other group's round as the
   * nonblocking forms' do, where a refusal at the init would leave the other group's rounds waiting. (An invalid
   * root still takes the init's tag, so the later inits pair.)
   */
  #persistent(call: string, root: unknown, start: () => Request<void>): CollectivePrequest {
    const channel = this.#collective(call).internal;
    const tag = reserveTag(channel);
    if (root !== undefined) this.#root(call, root);
    return new CollectivePrequest(call, () => onTag(channel, tag, start));
  }

  override Barrier_init(): CollectivePrequest { return this.#persistent("Barrier_init", undefined, () => this.Ibarrier()); }
  override Bcast_init(buf: BufSpec, root = 0): CollectivePrequest { return this.#persistent("Bcast_init", root, () => this.Ibcast(buf, root)); }
  override Scatter_init(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): CollectivePrequest {
    return this.#persistent("Scatter_init", root, () => this.Iscatter(sendbuf, recvbuf, root));
  }
  override Scatterv_init(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): CollectivePrequest {
    return this.#persistent("Scatterv_init", root, () => this.Iscatterv(sendbuf, recvbuf, root));
  }
  override Gather_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): CollectivePrequest {
    return this.#persistent("Gather_init", root, () => this.Igather(sendbuf, recvbuf, root));
  }
  override Gatherv_init(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): CollectivePrequest {
    return this.#persistent("Gatherv_init", root, () => this.Igatherv(sendbuf, recvbuf, root));
  }
  override Reduce_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): CollectivePrequest {
    return this.#persistent("Reduce_init", root, () => this.Ireduce(sendbuf, recvbuf, op, root));
  }
  override Allgather_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): CollectivePrequest {
    return this.#persistent("Allgather_init", undefined, () => this.Iallgather(sendbuf, recvbuf));
  }
  override Allgatherv_init(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): CollectivePrequest {
    return this.#persistent("Allgatherv_init", undefined, () => this.Iallgatherv(sendbuf, recvbuf));
  }
  override Allreduce_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest {
    return this.#persistent("Allreduce_init", undefined, () => this.Iallreduce(sendbuf, recvbuf, op));
  }
  override Alltoall_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): CollectivePrequest {
    return this.#persistent("Alltoall_init", undefined, () => this.Ialltoall(sendbuf, recvbuf));
  }
  override Alltoallv_init(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): CollectivePrequest {
    return this.#persistent("Alltoallv_init", undefined, () => this.Ialltoallv(sendbuf, recvbuf));
  }

  /** Returns once every rank of both groups has entered it. */
  override Barrier(): void {
    this.#collective("Barrier");
    this.#localComm.Barrier();
    this.#leadersExchange(null);
  }
  override barrier(): void { this.Barrier(); }

  /** `obj` from the root (root: ROOT) to every rank of the other group, which passes the root's rank. */
  override bcast<T>(obj: T | null | undefined, root = 0): T {
    const call = "bcast";
    const r = this.#root(call, root);
    if (r === ROOT) { this.#offer(call, () => obj); return obj as T; }
    if (r === PROC_NULL) return undefined as T;
    return this.#accept<T>(call, this.#localComm.bcast(this.#inter().rank === 0 ? this.#receive<Offer>(r, TAG_ROOTED) : undefined, 0));
  }

  /**
   * The root's side of a value for the other group: the value `make` returns, or, when it throws (or the value
   * cannot be encoded), the refusal, so the other group learns of it instead of waiting for data.
   */
  #offer(call: string, make: () => unknown): void {
    let bytes: Uint8Array, refusal: unknown;
    try {
      bytes = this.encode(call, { value: make() } satisfies Offer);
    } catch (e) {
      refusal = e;
      bytes = this.encode(call, refusalOf(e));
    }
    this.#inter().internal.send(bytes, VALUE, 0, TAG_ROOTED, STANDARD);
    if (refusal !== undefined) throw refusal;
  }

  /** What an offer gives a rank of the receiving group: the value, or the root's refusal, thrown on every rank. */
  #accept<T>(call: string, offer: Offer): T {
    if (offer.refusal !== undefined) {
      throw new MPIError(offer.errorClass ?? "ERR_OTHER", `${this.where(call)}: the root refused its arguments (${offer.refusal})`);
    }
    return offer.value as T;
  }

  /** The root (root: ROOT) gets the list of the other group's values, in their rank order; null elsewhere. */
  override gather<T>(obj: T, root = 0): T[] | null {
    const r = this.#root("gather", root);
    if (r === ROOT) return this.#receive<T[]>(0, TAG_ROOTED);
    if (r === PROC_NULL) return null;
    const all = this.#localComm.gather(obj, 0);
    if (this.#inter().rank === 0) this.#sendTo(all, r, TAG_ROOTED);
    return null;
  }

  /** The root (root: ROOT) passes one value per rank of the other group; each of those gets its own. */
  override scatter<T>(seq: readonly T[] | null, root = 0): T {
    const call = "scatter";
    const r = this.#root(call, root);
    if (r === ROOT) {
      this.#offer(call, () => {
        if (!Array.isArray(seq) || seq.length !== this.#remote.length) {
          throw new MPIError("ERR_ARG", `${this.where(call)}: the root must pass an array of ${this.#remote.length} values (one per rank of the remote group), got ${describe(seq)}`);
        }
        return seq;
      });
      return undefined as T;
    }
    if (r === PROC_NULL) return undefined as T;
    let offers: Offer[] | null = null;
    if (this.#inter().rank === 0) {
      const offer = this.#receive<Offer>(r, TAG_ROOTED);
      offers = Array.from({ length: this.#inter().size }, (_, i) => (offer.refusal !== undefined ? offer : { value: (offer.value as T[])[i] }));
    }
    return this.#accept<T>(call, this.#localComm.scatter(offers, 0));
  }

  /** The root (root: ROOT) gets the reduction of the other group's values; null elsewhere. */
  override reduce<T, O extends Op = Op>(obj: T, op: O = SUM as O, root = 0): Reduced<T, O> | null {
    const r = this.#root("reduce", root);
    if (r === ROOT) return this.#receive<Reduced<T, O>>(0, TAG_ROOTED);
    if (r === PROC_NULL) return null;
    const reduced = this.#localComm.reduce(obj, op, 0);
    if (this.#inter().rank === 0) this.#sendTo(reduced, r, TAG_ROOTED);
    return null;
  }

  /** Every rank gets the list of the OTHER group's values, in their rank order. */
  override allgather<T>(obj: T): T[] {
    this.#collective("allgather");
    return this.#leadersExchange(this.#localComm.gather(obj, 0)) as T[];
  }

  /** Every rank gets the reduction of the OTHER group's values. */
  override allreduce<T, O extends Op = Op>(obj: T, op: O = SUM as O): Reduced<T, O> {
    this.#collective("allreduce");
    return this.#leadersExchange(this.#localComm.reduce(obj, op, 0)) as Reduced<T, O>;
  }

  /** `seq[j]` goes to rank j of the other group; the result's entry j came from its rank j. */
  override alltoall<T>(seq: readonly T[]): T[] {
    const call = "alltoall";
    this.#collective(call);
    const n = this.#remote.length;
    if (!Array.isArray(seq) || seq.length !== n) {
      throw new MPIError("ERR_ARG", `${this.where(call)}: pass an array of ${n} values (one per rank of the remote group), got ${describe(seq)}`);
    }
    const sends = seq.map((v, j) => this.#inter().internal.isend(this.encode(call, v), VALUE, j, TAG_DIRECT, STANDARD));
    const got = Array.from({ length: n }, (_, j) => this.#receive<T>(j, TAG_DIRECT));
    for (const s of sends) {
      s.wait();
      if (s.error !== undefined) throw this.engineError(call, s.error);
    }
    return got;
  }

  // Buffers: the same paths, moving the contiguous bytes of the parsed buffer specs.

  #sendBytes(call: string, bytes: Uint8Array, dest: number, tag: number): void {
    try {
      this.#inter().internal.send(bytes, BUFFER, dest, tag, STANDARD);
    } catch (e) {
      throw this.engineError(call, e);
    }
  }

  #recvBytes(call: string, into: Uint8Array, source: number, tag: number): void {
    this.#inter().internal.recv(this.bufferSink(call, into), source, tag);
  }

  /** The leaders swap `out` for the remote leader's bytes, received into `into` (leaders only). */
  #swapBytes(call: string, out: Uint8Array, into: Uint8Array): void {
    const request = this.#inter().internal.isend(out, BUFFER, 0, TAG_LEADERS, STANDARD);
    this.#recvBytes(call, into, 0, TAG_LEADERS);
    request.wait();
    if (request.error !== undefined) throw this.engineError(call, request.error);
  }

  /** The local group's blocks, gathered at its leader (null at the others). */
  #gatherLocally(bytes: Uint8Array): Uint8Array | null {
    const all = this.#inter().rank === 0 ? new Uint8Array(bytes.length * this.#inter().size) : null;
    this.#localComm.Gather(bytes, all, 0);
    return all;
  }

  /**
   * A reduction's scratch buffer at the leader: reductions need the element type, which mpi4ts's intercommunicator
   * reductions take from a plain typed array (checked on every rank, before anything is sent).
   */
  #scratchFor(call: string, sendbuf: unknown): TypedArray | null {
    if (!isTypedArray(sendbuf)) {
      throw new MPIError("ERR_BUFFER", `${this.where(call)}: on an intercommunicator, sendbuf must be a plain typed array, got ${describe(sendbuf)}`);
    }
    if (this.#inter().rank !== 0) return null;
    const Ctor = sendbuf.constructor as new (n: number) => TypedArray;
    return new Ctor(sendbuf.length);
  }

  /**
   * The root's side of bytes for the other group: what `make` returns, or, when it refuses its arguments, the
   * refusal as a value message in their place, so the receivers throw it instead of waiting.
   */
  #offerBytes(call: string, make: () => Uint8Array, dest: number): void {
    let bytes: Uint8Array;
    try {
      bytes = make();
    } catch (e) {
      this.#inter().internal.send(this.encode(call, refusalOf(e)), VALUE, dest, TAG_ROOTED, STANDARD);
      throw e;
    }
    this.#sendBytes(call, bytes, dest, TAG_ROOTED);
  }

  /** Receives the root's bytes into `into`; the root's refusal instead, when it sent one. */
  #takeBytes(call: string, into: Uint8Array, source: number): Offer | undefined {
    const refusal: { bytes?: Uint8Array } = {};
    const fits = this.bufferSink(call, into);
    // No `into` hint: the message may be a refusal, which the engine must not land in the buffer.
    const sink = (envelope: Envelope, received?: Uint8Array): Uint8Array =>
      envelope.kind === VALUE ? (refusal.bytes = received ?? new Uint8Array(envelope.byteLength)) : fits(envelope, received);
    this.#inter().internal.recv(sink, source, TAG_ROOTED);
    return refusal.bytes && this.decode<Offer>(call, refusal.bytes);
  }

  /** The leader's news of the root's refusal, for every rank of its group, before the local half begins. */
  #shareRefusal(call: string, taken: Offer | undefined | null): void {
    const offer = this.#localComm.bcast(taken ?? null, 0);
    if (offer) this.#accept(call, offer);
  }

  /** The root's buffer (root: ROOT) into `buf` at every rank of the other group. */
  override Bcast(buf: BufSpec, root = 0): void {
    const call = "Bcast";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) return this.#offerBytes(call, () => bufferArg(() => this.where(call), "buf", buf).outgoing(), 0);
    const m = bufferArg(() => this.where(call), "buf", buf);
    const into = m.incoming();
    this.#shareRefusal(call, this.#inter().rank === 0 ? this.#takeBytes(call, into, r) : null);
    this.#localComm.Bcast(into, 0);
    m.land(into);
  }

  /** The root (root: ROOT) receives one block from each rank of the other group, in rank order. */
  override Gather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): void {
    const call = "Gather";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) {
      const m = bufferArg(() => this.where(call), "recvbuf", recvbuf, this.#remote.length);
      const into = m.incoming();
      this.#recvBytes(call, into, 0, TAG_ROOTED);
      return m.land(into);
    }
    const all = this.#gatherLocally(bufferArg(() => this.where(call), "sendbuf", sendbuf).outgoing());
    if (all) this.#sendBytes(call, all, r, TAG_ROOTED);
  }

  /** The root (root: ROOT) sends block j of `sendbuf` to rank j of the other group. */
  override Scatter(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): void {
    const call = "Scatter";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) return this.#offerBytes(call, () => bufferArg(() => this.where(call), "sendbuf", sendbuf, this.#remote.length).outgoing(), 0);
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf);
    const into = m.incoming();
    const all = this.#inter().rank === 0 ? new Uint8Array(into.length * this.#inter().size) : null;
    this.#shareRefusal(call, all && this.#takeBytes(call, all, r));
    this.#localComm.Scatter(all, into, 0);
    m.land(into);
  }

  /** The root (root: ROOT) receives the element-wise reduction of the other group's buffers. */
  override Reduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): void {
    const call = "Reduce";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) {
      const m = bufferArg(() => this.where(call), "recvbuf", recvbuf);
      const into = m.incoming();
      this.#recvBytes(call, into, 0, TAG_ROOTED);
      return m.land(into);
    }
    const scratch = this.#scratchFor(call, sendbuf);
    this.#localComm.Reduce(sendbuf, scratch, op, 0);
    if (scratch) this.#sendBytes(call, bytesOf(scratch), r, TAG_ROOTED);
  }

  /** Every rank receives one block from each rank of the OTHER group, in rank order. */
  override Allgather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): void {
    const call = "Allgather";
    this.#collective(call);
    const send = bufferArg(() => this.where(call), "sendbuf", sendbuf);
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf, this.#remote.length);
    const into = m.incoming();
    const all = this.#gatherLocally(send.outgoing());
    if (all) this.#swapBytes(call, all, into);
    this.#localComm.Bcast(into, 0);
    m.land(into);
  }

  /** Every rank receives the element-wise reduction of the OTHER group's buffers. */
  override Allreduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void {
    const call = "Allreduce";
    this.#collective(call);
    const scratch = this.#scratchFor(call, sendbuf);
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf);
    const into = m.incoming();
    this.#localComm.Reduce(sendbuf, scratch, op, 0);
    if (scratch) this.#swapBytes(call, bytesOf(scratch), into);
    this.#localComm.Bcast(into, 0);
    m.land(into);
  }

  /**
   * Direct messages to and from remote ranks: `sends[j]` to remote rank j, `receives[j]` from it (null: none),
   * all posted before any wait, so every exchange pattern completes.
   */
  #exchange(call: string, sends: readonly (Uint8Array | null)[], receives: readonly (Uint8Array | null)[], tag = TAG_DIRECT): void {
    const wire = this.#inter().internal;
    const requests = [
      ...receives.flatMap((into, j) => (into ? [wire.irecv(this.bufferSink(call, into), j, tag)] : [])),
      ...sends.flatMap((bytes, j) => (bytes ? [wire.isend(bytes, BUFFER, j, tag, STANDARD)] : [])),
    ];
    for (const r of requests) {
      r.wait();
      if (r.error !== undefined) throw this.engineError(call, r.error);
    }
  }

  /** A v-buffer over the remote group: its bytes, and each remote rank's block of them. */
  #blocks(call: string, name: string, spec: unknown, receive: boolean): { m: Message; bytes: Uint8Array; block: (j: number) => Uint8Array } {
    const v = bufferArgV(() => this.where(call), name, spec, this.#remote.length);
    const m = v.message;
    const bytes = receive ? m.incoming(true) : m.outgoing();
    return { m, bytes, block: (j) => bytes.subarray(v.displs[j]! * m.unit, (v.displs[j]! + v.counts[j]!) * m.unit) };
  }

  #all<T>(make: (j: number) => T): T[] { return Array.from({ length: this.#remote.length }, (_, j) => make(j)); }

  /** Block j of `sendbuf` goes to rank j of the other group; block j of `recvbuf` comes from its rank j. */
  override Alltoall(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): void {
    const call = "Alltoall";
    this.#collective(call);
    const n = this.#remote.length;
    const out = bufferArg(() => this.where(call), "sendbuf", sendbuf, n).outgoing();
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf, n);
    const into = m.incoming();
    const block = out.length / n, rblock = into.length / n;
    this.#exchange(call, this.#all((j) => out.subarray(j * block, (j + 1) * block)), this.#all((j) => into.subarray(j * rblock, (j + 1) * rblock)));
    m.land(into);
  }

  /** Alltoall with per-rank counts and displacements on both sides (`[buf, counts, displs?, datatype?]`). */
  override Alltoallv(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): void {
    const call = "Alltoallv";
    this.#collective(call);
    const send = this.#blocks(call, "sendbuf", sendbuf, false), recv = this.#blocks(call, "recvbuf", recvbuf, true);
    this.#exchange(call, this.#all(send.block), this.#all(recv.block));
    recv.m.land(recv.bytes);
  }

  /** Every rank receives block j of `recvbuf` (its count and displacement) from rank j of the OTHER group. */
  override Allgatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): void {
    const call = "Allgatherv";
    this.#collective(call);
    const out = bufferArg(() => this.where(call), "sendbuf", sendbuf).outgoing();
    const recv = this.#blocks(call, "recvbuf", recvbuf, true);
    this.#exchange(call, this.#all(() => out), this.#all(recv.block));
    recv.m.land(recv.bytes);
  }

  /** The root (root: ROOT) receives rank j's block of the other group at its count and displacement. */
  override Gatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): void {
    const call = "Gatherv";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) {
      const recv = this.#blocks(call, "recvbuf", recvbuf, true);
      this.#exchange(call, [], this.#all(recv.block));
      return recv.m.land(recv.bytes);
    }
    const out = bufferArg(() => this.where(call), "sendbuf", sendbuf).outgoing();
    this.#exchange(call, this.#all((j) => (j === r ? out : null)), []);
  }

  /** The root (root: ROOT) sends block j (its count and displacement) to rank j of the other group. */
  override Scatterv(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): void {
    const call = "Scatterv";
    const r = this.#root(call, root);
    if (r === PROC_NULL) return;
    if (r === ROOT) {
      let send;
      try {
        send = this.#blocks(call, "sendbuf", sendbuf, false);
      } catch (e) {
        // Each receiver hears from the root directly: each gets the refusal.
        const refusal = this.encode(call, refusalOf(e));
        for (let j = 0; j < this.#remote.length; j++) this.#inter().internal.send(refusal, VALUE, j, TAG_ROOTED, STANDARD);
        throw e;
      }
      return this.#exchange(call, this.#all(send.block), [], TAG_ROOTED);
    }
    const m = bufferArg(() => this.where(call), "recvbuf", recvbuf);
    const into = m.incoming();
    const refusal = this.#takeBytes(call, into, r);
    if (refusal) this.#accept(call, refusal);
    m.land(into);
  }
}

/** The collectives of Comm that have no intercommunicator form in mpi4ts yet: a clear error instead of a wrong result. */
const NOT_YET = [
  "scan", "exscan", "Scan", "Iscan", "Scan_init", "Exscan", "Iexscan", "Exscan_init", "Split_type", "Create_group", "Create_cart",
  "Create_graph", "Create_dist_graph", "Create_dist_graph_adjacent", "Create_intercomm",
  "Neighbor_allgather", "Neighbor_alltoall",
] as const;
for (const name of NOT_YET) {
  if (!(name in Comm.prototype)) continue;
  Object.defineProperty(Intercomm.prototype, name, {
    configurable: true, writable: true, enumerable: false,
    value: function (this: Intercomm) {
      throw new MPIError("ERR_COMM", `${this.where(name)}: ${name} on an intercommunicator is not available in mpi4ts yet; Merge() it into an intracommunicator first`);
    },
  });
}

handleErrorsOf(Intercomm);

/**
 * MPI_Intercomm_create, collective over `local` (both groups call it): `localLeader` is a rank of `local`;
 * `peerComm`, `remoteLeader` and `tag` matter at the leaders only, who meet over `peerComm` with `tag` (as in MPI,
 * a message of the user's on `peerComm` with that tag could match it). A leader that refuses its arguments still
 * tells its group, so no member waits for it; the other leader, which it cannot address, learns nothing. A
 * refusal found once the leaders have met (overlapping groups) reaches both groups.
 */
export function createIntercomm(local: Comm, localLeader: unknown, peerComm: unknown, remoteLeader: unknown, tag: unknown): Intercomm {
  const call = "Create_intercomm";
  const c = local.engineComm(call);
  if (!Number.isInteger(localLeader) || (localLeader as number) < 0 || (localLeader as number) >= c.size) {
    throw new MPIError("ERR_RANK", `${local.where(call)}: localLeader ${String(localLeader)} is not in 0..${c.size - 1}`);
  }
  interface Side { worldRanks: number[]; peerRank: number }
  let agreed: { remote?: Side; mine?: Side; tag?: number; refusal?: string } = {};
  if (c.rank === localLeader) {
    let refusal: string | undefined;
    let peer: Comm | undefined;
    if (!(peerComm instanceof Comm) || peerComm.isNull) refusal = `peerComm must be a communicator, got ${describe(peerComm)}`;
    else if (peerComm.Is_inter()) refusal = "peerComm must be an intracommunicator";
    else {
      peer = peerComm;
      if (!Number.isInteger(remoteLeader) || (remoteLeader as number) < 0 || (remoteLeader as number) >= peer.size) refusal = `remoteLeader ${String(remoteLeader)} is not in 0..${peer.size - 1} (a rank of peerComm)`;
      else if (!Number.isInteger(tag) || (tag as number) < 0 || (tag as number) > tagUpperBound()) refusal = `tag ${String(tag)} is not in 0..${tagUpperBound()} (the TAG_UB attribute)`;
      else if (remoteLeader === peer.rank) refusal = `remoteLeader ${String(remoteLeader)} is this leader itself: the two groups must be disjoint`;
    }
    const mine: Side = { worldRanks: [...c.worldRanks], peerRank: peer?.rank ?? -1 };
    let remote: Side | undefined;
    if (refusal === undefined && peer) {
      remote = peer.sendrecv(mine, remoteLeader as number, tag as number, remoteLeader as number, tag as number) as Side;
      const overlap = remote.worldRanks.filter((w) => mine.worldRanks.includes(w));
      if (overlap.length > 0) refusal = `the two groups overlap (world ranks ${overlap.join(", ")}): they must be disjoint`;
    }
    agreed = { ...(remote ? { remote } : {}), mine, tag: tag as number, ...(refusal === undefined ? {} : { refusal }) };
  }
  agreed = local.bcast(agreed, localLeader as number);
  if (agreed.refusal !== undefined) throw new MPIError("ERR_ARG", `${local.where(call)}: ${agreed.refusal}`);
  const mine = agreed.mine!, remote = agreed.remote!;
  const low = mine.peerRank < remote.peerRank;
  const localDup = c.dup();
  const union = low ? [...c.worldRanks, ...remote.worldRanks] : [...remote.worldRanks, ...c.worldRanks];
  // The leaders' tag, which both groups share (the other ranks' tag argument is not significant).
  const bridge = currentEngine().world.createGroup(union, agreed.tag!);
  const link = new UnionLink(bridge, low ? c.size : 0);
  return new Intercomm(new InterEngineComm(link, localDup, c.rank, c.size, c.worldRanks), remote.worldRanks, low, `${local.name}_intercomm`);
}

hooks.createIntercomm = createIntercomm;

/**
 * An Intercomm over an intercommunicator the engine made (Spawn, Get_parent). `low`: this side comes first in
 * Merge when both groups pass the same `high` (the spawning side, as mpi4py's programs expect).
 */
export function intercommOverLink(inter: EngineIntercomm, local: EngineComm | (() => EngineComm), low: boolean, name: string): Intercomm {
  const ec = new InterEngineComm(new EngineLink(inter), local, inter.rank, inter.size, inter.worldRanks);
  return new Intercomm(ec, inter.remoteWorldRanks, low, name);
}
