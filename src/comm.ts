/**
 * Communicators (MPI-4.0 chapters 3 and 7): point-to-point on values (lowercase) and buffers (Capitalized),
 * communicator management. Every method validates its arguments before anything is sent, then delegates to the
 * engine; errors are MPIErrors whose message names the call, the rank and the argument.
 */
import { decodeValue, encodeValue } from "./codec.js";
import { decodeRefusal, isRefusal } from "./collective/refusal.js";
import { ANY_SOURCE, ANY_TAG, PROC_NULL, UNDEFINED } from "./constants.js";
import {
  BUFFER, STANDARD, SYNCHRONOUS, VALUE,
  type EngineComm, type Envelope, type PayloadKind, type SendMode, type Sink,
} from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
import { MPIError, isMPIError } from "./errors.js";
import { type Buffer, bytesOf, describe, isBuffer } from "./datatype.js";
import { type BufSpec, type BufSpecW, type Message as BufferMessage, bufferArg } from "./datatype/message.js";
import { types } from "node:util";
import { CompletedOperation, EngineOperation, Request, SendOperation } from "./request.js";
import { Status } from "./status.js";
// point-to-point additions (p2p)
import { bufferedSend } from "./bsend.js";
import { MESSAGE_NO_PROC, type Message, matchedMessage } from "./message.js";
import { Prequest, startOf } from "./prequest.js";
// collectives (collective/): the block at the end of class Comm
import * as coll from "./collective/api.js";
import type { BufferSpec } from "./collective/api.js";
import { createFromGroup } from "./collective/api.js";
import { hooks } from "./collective/hooks.js";
import * as ivalues from "./collective/ivalues.js";
import { NONBLOCKING as NB, PERSISTENT as INIT } from "./collective/api.js";
import type { CollectivePrequest } from "./collective/persistent.js";
import type { Cartcomm } from "./cartcomm.js";
import type { Intercomm } from "./intercomm.js";
import { IDENT, type InPlace } from "./constants.js";
import { Group, compareRanks } from "./group.js";
import { SUM, type Op, type Reduced } from "./op.js";
import { type Inspect, inspectAs, inspectCustom } from "./inspect.js";
// communicators, attributes, topologies: the block after Create_cart
import { type CopyFunction, type DeleteFunction, copyAttributes, createKeyval, deleteAttr, deleteAttributes, freeKeyval, getAttr, setAttr } from "./attributes.js";
import { type Errhandler, callErrhandler, createErrhandler, getErrhandler, handleErrorsOf, inheritErrhandler, setErrhandler } from "./errhandler.js";
import type { Info } from "./info.js";
import * as topo from "./topology.js";
import type { Distgraphcomm, Graphcomm, Weights } from "./graphcomm.js";
import { tagUpperBound } from "./tag-bound.js";

/** Options form of the receive-side arguments, for mpi4py's keyword style: `comm.recv({ source: 0, tag: 11 })`. */
export interface RecvOptions {
  source?: number;
  tag?: number;
  status?: Status;
}

const RECV_OPTION_KEYS = new Set(["source", "tag", "status"]);

/** The receive-side arguments once parsed: what the positional form or the options object said. */
interface ReceiveArgs { source: unknown; tag: unknown; status: unknown }

/**
 * Reads the receive-side arguments of recv/irecv/probe/iprobe: positional `(source, tag, status)`, or one options
 * object as the sole argument. Anything else object-like in the source position is an error, never a wildcard:
 * `recv({ source: 0 }, 5)` would otherwise drop the tag, and mpi4py's `recv(buf, 0)` would receive from anyone.
 */
function receiveArgs(where: () => string, call: string, argc: number, source: unknown, tag: unknown, status: unknown, keys: ReadonlySet<string>): ReceiveArgs {
  if (typeof source !== "object" || source === null) return { source, tag: tag === undefined ? ANY_TAG : tag, status };
  if (isBuffer(source)) {
    const upper = call[0]!.toUpperCase() + call.slice(1);
    throw new MPIError("ERR_ARG", `${where()}: lowercase ${call} takes no buffer; use ${upper}(buf, source, tag)`);
  }
  const proto = types.isProxy(source) ? undefined : Object.getPrototypeOf(source);
  if (proto !== Object.prototype && proto !== null) {
    throw new MPIError("ERR_ARG", `${where()}: source must be a rank or an options object { ${[...keys].join(", ")} }, got ${describe(source)}`);
  }
  if (keys.size === 0) throw new MPIError("ERR_ARG", `${where()}: source must be a rank, got ${describe(source)}`);
  if (argc !== 1) {
    throw new MPIError("ERR_ARG", `${where()}: an options object must be the only argument (got ${argc}); put tag and status inside it`);
  }
  const descriptors = Object.getOwnPropertyDescriptors(source);
  const names = Reflect.ownKeys(descriptors);
  if (names.length === 0) throw new MPIError("ERR_ARG", `${where()}: the options object is empty; call ${call}() for any source and tag`);
  for (const name of names) {
    if (typeof name !== "string" || !keys.has(name)) {
      throw new MPIError("ERR_ARG", `${where()}: unknown option ${String(name)}; ${call} takes { ${[...keys].join(", ")} }`);
    }
    if (!("value" in descriptors[name]!)) throw new MPIError("ERR_ARG", `${where()}: option ${name} must be a plain value, not a getter`);
  }
  const option = (name: string) => descriptors[name]?.value as unknown;
  return { source: option("source"), tag: option("tag") ?? ANY_TAG, status: option("status") };
}

const IRECV_OPTION_KEYS = new Set(["source", "tag"]);
/** sendrecv's receive side is positional only: an options object there would hide the explicit recvtag. */
const NO_OPTIONS = new Set<string>();

/**
 * What a communicator runs on: its engine communicator, or a function giving it at first use (COMM_WORLD binds to
 * the engine lazily; Idup's duplicate exists only once its request completes, and refuses use before).
 */
export type EngineBinding = EngineComm | ((call: string) => EngineComm);

export class Comm {
  #engine: EngineComm | null;
  /** COMM_WORLD and COMM_SELF bind to the engine at first use, so importing mpi4ts costs nothing until then. */
  #bind: ((call: string) => EngineComm) | undefined;
  #name: string;
  #freed = false;

  /** @internal Communicators are made by the library (COMM_WORLD, Dup, Split...), not with `new`. */
  constructor(engineComm: EngineBinding | null, name: string) {
    if (typeof engineComm === "function") {
      this.#engine = null;
      this.#bind = engineComm;
    } else {
      this.#engine = engineComm;
    }
    this.#name = name;
    if (engineComm && typeof engineComm !== "function") this.#announceName(engineComm);
  }

  /** Tells the engine this communicator's name, for its reports of what a rank is blocked in. */
  #announceName(engineComm: EngineComm): void {
    currentEngine().nameCommunicator?.(engineComm.reportedAs ?? engineComm, this.#name);
  }

  /** @internal The engine's communicator; throws ERR_COMM for COMM_NULL and freed communicators. */
  engineComm(call: string): EngineComm {
    if (!this.#engine && this.#bind) this.#announceName((this.#engine = this.#bind(call)));
    if (this.#engine && !this.#freed) return this.#engine;
    const what = this.#freed ? `${this.#name} was freed` : "MPI_COMM_NULL is not a communicator";
    throw new MPIError("ERR_COMM", `${call}: ${what}`);
  }

  /**
   * @internal "send on rank 2 of MPI_COMM_WORLD (size 4)", the start of every error message; also of an operation
   * that ends after its communicator was freed (MPI lets pending operations finish).
   */
  where(call: string): string {
    const c = (this.#freed ? this.#engine : null) ?? this.engineComm(call);
    return `${call} on rank ${c.rank} of ${this.#name} (size ${c.size})`;
  }

  get rank(): number { return this.engineComm("Get_rank").rank; }
  get size(): number { return this.engineComm("Get_size").size; }
  Get_rank(): number { return this.rank; }
  Get_size(): number { return this.size; }
  get name(): string { return this.#name; }

  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    return inspectAs(this.inspectName(), this.isNull ? { name: this.#name } : this.inspectFields(), options, inspect);
  }

  /**
   * The class name console.log shows (explicit: the bundler may rename classes, and esbuild's keepNames would
   * cost every call that makes a closure).
   */
  protected inspectName(): string { return "Comm"; }

  /** What console.log shows of this communicator (topologies add theirs). */
  protected inspectFields(): Record<string, unknown> {
    return { name: this.#name, rank: this.rank, size: this.size };
  }
  Get_name(): string { return this.#name; }
  Set_name(name: string): void {
    if (typeof name !== "string") throw new MPIError("ERR_ARG", `Set_name: name must be a string, got ${typeof name}`);
    this.#name = name;
    if (this.#engine) this.#announceName(this.#engine);
  }
  /** True for COMM_NULL and freed communicators (mpi4py: `comm == MPI.COMM_NULL`). */
  get isNull(): boolean { return (this.#engine === null && !this.#bind) || this.#freed; }

  // ---- argument checks -----------------------------------------------------------------------------------

  /** @internal */
  checkDest(call: string, dest: unknown, argName = "dest"): number {
    const c = this.engineComm(call);
    if (dest === PROC_NULL) return PROC_NULL;
    if (!Number.isInteger(dest) || (dest as number) < 0 || (dest as number) >= c.size) {
      throw new MPIError("ERR_RANK", `${this.where(call)}: ${argName} ${String(dest)} is not in 0..${c.size - 1} or PROC_NULL`);
    }
    return dest as number;
  }

  /** @internal */
  checkSource(call: string, source: unknown): number {
    const c = this.engineComm(call);
    if (source === ANY_SOURCE || source === PROC_NULL) return source;
    if (!Number.isInteger(source) || (source as number) < 0 || (source as number) >= c.size) {
      throw new MPIError("ERR_RANK", `${this.where(call)}: source ${String(source)} is not in 0..${c.size - 1}, ANY_SOURCE or PROC_NULL`);
    }
    return source as number;
  }

  /** @internal */
  checkTag(call: string, tag: unknown, wildcard: boolean, argName = "tag"): number {
    if (wildcard && tag === ANY_TAG) return ANY_TAG;
    const bound = tagUpperBound();
    if (!Number.isInteger(tag) || (tag as number) < 0 || (tag as number) > bound) {
      throw new MPIError("ERR_TAG", `${this.where(call)}: ${argName} ${String(tag)} is not in 0..${bound} (the TAG_UB attribute)${wildcard ? " or ANY_TAG" : ""}`);
    }
    return tag as number;
  }

  /** @internal */
  checkStatus(call: string, status: unknown): Status | undefined {
    if (status === undefined || status === null) return undefined;
    if (!(status instanceof Status)) throw new MPIError("ERR_ARG", `${this.where(call)}: status must be an MPI.Status, got ${typeof status}`);
    return status;
  }

  /** @internal Encodes a value, naming the call in the error if it cannot be sent. */
  encode(call: string, value: unknown): Uint8Array {
    try {
      return encodeValue(value);
    } catch (e) {
      throw this.#rethrow(call, e, "ERR_TYPE");
    }
  }

  #rethrow(call: string, e: unknown, fallback: "ERR_TYPE" | "ERR_OTHER"): MPIError {
    if (isMPIError(e)) return new MPIError(e.errorClass, `${this.where(call)}: ${e.message}`, { cause: e });
    return new MPIError(fallback, `${this.where(call)}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }

  /** @internal A sink that receives a value message into fresh memory. */
  valueSink(call: string, into: { bytes?: Uint8Array }): Sink {
    const sink = (env: Envelope, received?: Uint8Array): Uint8Array => {
      if (env.kind !== VALUE) {
        throw new MPIError("ERR_TYPE", `${this.where(call)}: the message from rank ${env.source} (tag ${env.tag}) is a buffer sent with a Capitalized method (Send...); receive it with Recv into a typed array`);
      }
      return (into.bytes = received ?? new Uint8Array(env.byteLength));
    };
    return Object.assign(sink, { expects: VALUE as PayloadKind });
  }

  /** @internal A sink that receives a buffer message in place, refusing what does not fit. */
  bufferSink(call: string, buf: Buffer): Sink {
    const bytes = bytesOf(buf);
    const sink = (env: Envelope): Uint8Array => {
      if (env.kind !== BUFFER) {
        throw new MPIError("ERR_TYPE", `${this.where(call)}: the message from rank ${env.source} (tag ${env.tag}) is a value sent with a lowercase method (send...); receive it with recv()`);
      }
      if (env.byteLength > bytes.length) {
        throw new MPIError("ERR_TRUNCATE", `${this.where(call)}: the message from rank ${env.source} (tag ${env.tag}) has ${env.byteLength} bytes but the receive buffer holds ${bytes.length}; the message was not received`);
      }
      return bytes;
    };
    return Object.assign(sink, { into: bytes });
  }

  /** @internal Decodes a value; a collective contribution that another rank refused raises its error. */
  decode<T>(call: string, bytes: Uint8Array | undefined): T {
    if (isRefusal(bytes)) throw decodeRefusal(bytes!).error(this.where(call));
    try {
      return decodeValue<T>(bytes ?? new Uint8Array(0));
    } catch (e) {
      throw this.#rethrow(call, e, "ERR_OTHER");
    }
  }

  // ---- point-to-point: one path for both families ---------------------------------------------------------

  /** Validates, then sends `payload()` (encoded value or buffer bytes; made only once the arguments are valid). */
  #send(call: string, dest: number, tag: number, mode: SendMode, kind: PayloadKind, payload: () => Uint8Array): void {
    const c = this.engineComm(call);
    dest = this.checkDest(call, dest);
    tag = this.checkTag(call, tag, false);
    const bytes = payload();
    if (dest === PROC_NULL) return;
    try {
      c.send(bytes, kind, dest, tag, mode);
    } catch (e) {
      throw this.engineError(call, e);
    }
  }

  /** `done`: called once the send is reported complete (its payload is free again). */
  #isend(call: string, dest: number, tag: number, mode: SendMode, kind: PayloadKind, payload: () => Uint8Array, done?: () => void): Request<void> {
    const c = this.engineComm(call);
    dest = this.checkDest(call, dest);
    tag = this.checkTag(call, tag, false);
    const bytes = payload();
    const describe = () => `${call}(dest=${dest === PROC_NULL ? "PROC_NULL" : dest}, tag=${tag}) on ${this.Get_name()}`;
    if (dest === PROC_NULL) return new Request(new CompletedOperation(undefined), describe);
    let request;
    try {
      request = c.isend(bytes, kind, dest, tag, mode);
    } catch (e) {
      throw this.engineError(call, e);
    }
    return new Request(new SendOperation(request, done), describe);
  }

  /** Validates a receive's source and tag; null for PROC_NULL (nothing to receive). */
  #receiveFrom(call: string, source: unknown, tag: unknown): { c: EngineComm; source: number; tag: number } | null {
    const c = this.engineComm(call);
    const src = this.checkSource(call, source === undefined ? ANY_SOURCE : source);
    const t = this.checkTag(call, tag, true);
    return src === PROC_NULL ? null : { c, source: src, tag: t };
  }

  /** A blocking receive through `sink`; `finish` turns the delivered message into the result. */
  #recv<T>(call: string, source: unknown, tag: unknown, status: unknown, sink: () => Sink, finish: (envelope: Envelope, status: Status | undefined) => T): T | undefined {
    const from = this.#receiveFrom(call, source, tag);
    const st = this.checkStatus(call, status);
    if (!from) {
      st?.fillEmpty(PROC_NULL);
      return undefined;
    }
    let envelope;
    try {
      envelope = from.c.recv(sink(), from.source, from.tag);
    } catch (e) {
      throw this.engineError(call, e);
    }
    return finish(envelope, st);
  }

  #irecv<T>(call: string, source: unknown, tag: unknown, sink: () => Sink, finish: (envelope: Envelope, status: Status | undefined) => T): Request<T> {
    const from = this.#receiveFrom(call, source, tag);
    const describe = () => `${call}(source=${from ? wildcard(from.source, "ANY_SOURCE") : "PROC_NULL"}, tag=${from ? wildcard(from.tag, "ANY_TAG") : "-"}) on ${this.Get_name()}`;
    if (!from) return new Request<T>(new CompletedOperation(undefined as T, (s) => s.fillEmpty(PROC_NULL)), describe);
    let request;
    try {
      request = from.c.irecv(sink(), from.source, from.tag);
    } catch (e) {
      throw this.engineError(call, e);
    }
    return new Request<T>(new EngineOperation(request, (r, status) => finish(r.envelope!, status)), describe);
  }

  /** A probe; fills `status` (count in bytes) when a message is there. */
  #probe(call: string, source: unknown, tag: unknown, status: unknown, blocking: boolean): boolean {
    const look = (c: EngineComm, s: number, t: number) => (blocking ? c.probe(s, t) : c.iprobe(s, t));
    return this.#look(call, source, tag, status, look, (envelope) => envelope) !== undefined;
  }

  /**
   * Validates a probe's arguments, then asks the engine with `look` (a plain or a matched probe) and fills
   * `status` from the envelope of what it found. Null for PROC_NULL (nothing to find, at once), undefined when a
   * nonblocking look found nothing.
   */
  #look<T>(
    call: string, source: unknown, tag: unknown, status: unknown,
    look: (c: EngineComm, source: number, tag: number) => T | undefined, envelopeOf: (found: T) => Envelope,
  ): T | null | undefined {
    const from = this.#receiveFrom(call, source, tag);
    const st = this.checkStatus(call, status);
    if (!from) {
      st?.fillEmpty(PROC_NULL);
      return null;
    }
    let found;
    try {
      found = look(from.c, from.source, from.tag);
    } catch (e) {
      throw this.engineError(call, e);
    }
    if (found !== undefined) st?.fill(envelopeOf(found));
    return found;
  }

  // ---- point-to-point on values --------------------------------------------------------------------------

  /** Sends a value (MPI_Send of its encoding). On the local engine it never waits for the receiver. */
  send(obj: unknown, dest: number, tag = 0): void {
    this.#send("send", dest, tag, STANDARD, VALUE, () => this.encode("send", obj));
  }

  /** Sends a value and returns once a receive has matched it (MPI_Ssend). */
  ssend(obj: unknown, dest: number, tag = 0): void {
    this.#send("ssend", dest, tag, SYNCHRONOUS, VALUE, () => this.encode("ssend", obj));
  }

  isend(obj: unknown, dest: number, tag = 0): Request<void> {
    return this.#isend("isend", dest, tag, STANDARD, VALUE, () => this.encode("isend", obj));
  }

  issend(obj: unknown, dest: number, tag = 0): Request<void> {
    return this.#isend("issend", dest, tag, SYNCHRONOUS, VALUE, () => this.encode("issend", obj));
  }

  #args(call: string, argc: number, source: unknown, tag: unknown, status: unknown, keys = RECV_OPTION_KEYS): ReceiveArgs {
    return receiveArgs(() => this.where(call), call, argc, source, tag, status, keys);
  }

  /** A value receive whose arguments are already valid: the shared tail of recv and sendrecv. */
  #recvValue<T>(call: string, a: ReceiveArgs): T {
    const into: { bytes?: Uint8Array } = {};
    return this.#recv(call, a.source, a.tag, a.status, () => this.valueSink(call, into), (envelope, st) => {
      st?.fill(envelope);
      return this.decode<T>(call, into.bytes);
    }) as T;
  }

  /** Receives a value (blocking). Returns undefined for PROC_NULL. */
  recv<T = unknown>(source?: number | RecvOptions, tag: number = ANY_TAG, status?: Status): T {
    return this.#recvValue<T>("recv", this.#args("recv", arguments.length, source, tag, status));
  }

  irecv<T = unknown>(source?: number | RecvOptions, tag: number = ANY_TAG): Request<T> {
    const a = this.#args("irecv", arguments.length, source, tag, undefined, IRECV_OPTION_KEYS);
    const into: { bytes?: Uint8Array } = {};
    return this.#irecv("irecv", a.source, a.tag, () => this.valueSink("irecv", into), (envelope, st) => {
      st?.fill(envelope);
      return this.decode<T>("irecv", into.bytes);
    });
  }

  /** Checks every receive-side argument of a sendrecv before its send goes out (a late error would strand it). */
  #checkReceive(call: string, source: unknown, tag: unknown, status: unknown): void {
    this.#receiveFrom(call, source, tag);
    this.checkStatus(call, status);
  }

  /** Sends a value and receives one (MPI_Sendrecv); safe against the send/receive deadlock. */
  sendrecv<T = unknown>(
    sendobj: unknown, dest: number, sendtag = 0, source: number = ANY_SOURCE, recvtag: number = ANY_TAG, status?: Status,
  ): T {
    const a = this.#args("sendrecv", arguments.length, source, recvtag, status, NO_OPTIONS);
    this.#checkReceive("sendrecv", a.source, a.tag, a.status);
    const sendRequest = this.#isend("sendrecv", dest, sendtag, STANDARD, VALUE, () => this.encode("sendrecv", sendobj));
    const received = this.#recvValue<T>("sendrecv", a);
    sendRequest.wait();
    return received;
  }

  /** Blocks until a matching message is available; fills `status` (count in bytes). Returns true. */
  probe(source?: number | RecvOptions, tag: number = ANY_TAG, status?: Status): true {
    const a = this.#args("probe", arguments.length, source, tag, status);
    this.#probe("probe", a.source, a.tag, a.status, true);
    return true;
  }

  /** True if a matching message is available now; fills `status` when it is. */
  iprobe(source?: number | RecvOptions, tag: number = ANY_TAG, status?: Status): boolean {
    const a = this.#args("iprobe", arguments.length, source, tag, status);
    return this.#probe("iprobe", a.source, a.tag, a.status, false);
  }

  // ---- point-to-point on buffers -------------------------------------------------------------------------

  /**
   * @internal Parses a Capitalized call's buffer argument: a plain buffer or an mpi4py buffer spec
   * (`[buf, datatype]`, `[buf, count, datatype]`, ...); every buffer call goes through it, before anything is sent.
   */
  bufferArg(call: string, spec: unknown, name = "buf"): BufferMessage {
    return bufferArg(() => this.where(call), name, spec);
  }

  #bytes(call: string, buf: BufSpec, name = "buf"): () => Uint8Array {
    return () => this.bufferArg(call, buf, name).outgoing();
  }

  /** Sends a buffer (MPI_Send, standard mode): a typed array's bytes, or a buffer spec's items. */
  Send(buf: BufSpec, dest: number, tag = 0): void {
    this.#sendBuffer("Send", buf, dest, tag, STANDARD);
  }

  Ssend(buf: BufSpec, dest: number, tag = 0): void {
    this.#sendBuffer("Ssend", buf, dest, tag, SYNCHRONOUS);
  }

  /** A blocking send of a buffer, whose packed copy (if any) is free again once the send returns. */
  #sendBuffer(call: string, buf: BufSpec, dest: number, tag: number, mode: SendMode): void {
    let m: BufferMessage | undefined, bytes: Uint8Array | undefined;
    this.#send(call, dest, tag, mode, BUFFER, () => (bytes = (m = this.bufferArg(call, buf)).outgoing()));
    m?.recycle(bytes!);
  }

  Isend(buf: BufSpec, dest: number, tag = 0): Request<void> {
    return this.#isendBuffer("Isend", buf, dest, tag, STANDARD);
  }

  Issend(buf: BufSpec, dest: number, tag = 0): Request<void> {
    return this.#isendBuffer("Issend", buf, dest, tag, SYNCHRONOUS);
  }

  /** A nonblocking send of a buffer, whose packed copy (if any) is free again once its completion is reported. */
  #isendBuffer(call: string, buf: BufSpec, dest: number, tag: number, mode: SendMode, name = "buf"): Request<void> {
    let m: BufferMessage | undefined, bytes: Uint8Array | undefined;
    return this.#isend(call, dest, tag, mode, BUFFER, () => (bytes = (m = this.bufferArg(call, buf, name)).outgoing()), () => m?.recycle(bytes!));
  }

  /** A blocking receive into a parsed buffer: in place, or into a temporary unpacked once the message is in. */
  #recvBuffer(call: string, m: BufferMessage, source: unknown, tag: unknown, status: unknown): void {
    const into = m.incoming();
    this.#recv(call, source, tag, status, () => this.bufferSink(call, into), landIn(m, into));
  }

  /** Receives into a buffer (in place when its datatype is contiguous); a longer message is ERR_TRUNCATE and stays unreceived. */
  Recv(buf: BufSpec, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): void {
    this.#recvBuffer("Recv", this.bufferArg("Recv", buf), source, tag, status);
  }

  Irecv(buf: BufSpec, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<void> {
    return this.#irecvBuffer("Irecv", buf, source, tag);
  }

  #irecvBuffer(call: string, buf: BufSpec, source: number, tag: number): Request<void> {
    return this.#irecvInto(call, this.bufferArg(call, buf), source, tag);
  }

  /** A nonblocking receive into a parsed buffer: in place, or into a temporary unpacked once the message is in. */
  #irecvInto(call: string, m: BufferMessage, source: unknown, tag: unknown): Request<void> {
    const into = m.incoming();
    return this.#irecv(call, source, tag, () => this.bufferSink(call, into), landIn(m, into));
  }

  /** MPI_Sendrecv on buffers. Everything is checked before the send goes out. */
  Sendrecv(
    sendbuf: BufSpec, dest: number, sendtag = 0, recvbuf: BufSpec | null = null,
    source: number = ANY_SOURCE, recvtag: number = ANY_TAG, status?: Status,
  ): void {
    const m = this.bufferArg("Sendrecv", recvbuf, "recvbuf");
    this.#checkReceive("Sendrecv", source, recvtag, status);
    const sendRequest = this.#isendBuffer("Sendrecv", sendbuf, dest, sendtag, STANDARD, "sendbuf");
    this.#recvBuffer("Sendrecv", m, source, recvtag, status);
    sendRequest.wait();
  }

  /** Sends and receives in one buffer (MPI_Sendrecv_replace). Everything is checked before the send goes out. */
  Sendrecv_replace(buf: BufSpec, dest: number, sendtag = 0, source: number = ANY_SOURCE, recvtag: number = ANY_TAG, status?: Status): void {
    const m = this.bufferArg("Sendrecv_replace", buf);
    this.#checkReceive("Sendrecv_replace", source, recvtag, status);
    // A packed copy is already apart from the buffer; data sent in place must be copied before the receive lands.
    const out = m.outgoing();
    const copy = m.inPlace ? out.slice() : out;
    const sendRequest = this.#isend("Sendrecv_replace", dest, sendtag, STANDARD, BUFFER, () => copy);
    this.#recvBuffer("Sendrecv_replace", m, source, recvtag, status);
    sendRequest.wait();
  }

  /** Probe with a status (mpi4py's capitalized spellings, same semantics). */
  Probe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): true {
    this.#probe("Probe", source, tag, status, true);
    return true;
  }
  Iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): boolean { return this.#probe("Iprobe", source, tag, status, false); }

  /** @internal An engine's error with the call and rank added, unless it names them already. */
  engineError(call: string, e: unknown): unknown {
    if (isMPIError(e) && !e.message.startsWith(call)) {
      return new MPIError(e.errorClass, `${this.where(call)}: ${e.message}`, { cause: e });
    }
    return e;
  }

  // ---- point-to-point additions (p2p): send modes, matched probes, persistent requests --------------------
  // Buffered sends in bsend.ts, matched messages in message.ts, persistent requests in prequest.ts.

  /** Validates, then sends a copy of `payload()` through the attached buffer (ERR_BUFFER when it lacks room). */
  #bsend(call: string, dest: number, tag: number, kind: PayloadKind, payload: () => Uint8Array): Request<void> {
    const c = this.engineComm(call);
    dest = this.checkDest(call, dest);
    tag = this.checkTag(call, tag, false);
    const bytes = payload();
    if (dest !== PROC_NULL) {
      try {
        bufferedSend(() => this.where(call), bytes, (copy) => c.isend(copy, kind, dest, tag, STANDARD));
      } catch (e) {
        throw this.engineError(call, e);
      }
    }
    return new Request(new CompletedOperation(undefined));
  }

  /** Sends a value through the attached buffer (MPI_Bsend): returns at once; ERR_BUFFER when the buffer lacks room. */
  bsend(obj: unknown, dest: number, tag = 0): void { this.#bsend("bsend", dest, tag, VALUE, () => this.encode("bsend", obj)); }
  /** MPI_Ibsend of a value: the message is buffered when it returns, so the request is complete. */
  ibsend(obj: unknown, dest: number, tag = 0): Request<void> { return this.#bsend("ibsend", dest, tag, VALUE, () => this.encode("ibsend", obj)); }
  Bsend(buf: BufSpec, dest: number, tag = 0): void { this.#bsend("Bsend", dest, tag, BUFFER, this.#bytes("Bsend", buf)); }
  Ibsend(buf: BufSpec, dest: number, tag = 0): Request<void> { return this.#ibsendBuffer("Ibsend", buf, dest, tag); }
  #ibsendBuffer(call: string, buf: BufSpec, dest: number, tag: number): Request<void> { return this.#bsend(call, dest, tag, BUFFER, this.#bytes(call, buf)); }
  /** Ready mode (MPI_Rsend): a standard send here; in MPI it is erroneous unless the matching receive is posted already. */
  Rsend(buf: BufSpec, dest: number, tag = 0): void { this.#send("Rsend", dest, tag, STANDARD, BUFFER, this.#bytes("Rsend", buf)); }
  Irsend(buf: BufSpec, dest: number, tag = 0): Request<void> { return this.#isendBuffer("Irsend", buf, dest, tag, STANDARD); }

  /**
   * MPI_Isendrecv: a nonblocking Sendrecv, one request for both (its status is the receive's). Every argument is
   * checked before either side starts.
   */
  Isendrecv(
    sendbuf: BufSpec, dest: number, sendtag = 0, recvbuf: BufSpec | null = null,
    source: number = ANY_SOURCE, recvtag: number = ANY_TAG,
  ): Request<void> {
    const m = this.bufferArg("Isendrecv", recvbuf, "recvbuf");
    return this.#isendrecv("Isendrecv", dest, sendtag, source, recvtag, m, this.#bytes("Isendrecv", sendbuf, "sendbuf"));
  }

  /** MPI_Isendrecv_replace: sends `buf`'s current contents and receives into it; one request for both. */
  Isendrecv_replace(buf: BufSpec, dest: number, sendtag = 0, source: number = ANY_SOURCE, recvtag: number = ANY_TAG): Request<void> {
    const m = this.bufferArg("Isendrecv_replace", buf);
    // A packed copy is already apart from the buffer; data sent in place must be copied before the receive lands.
    const out = m.outgoing();
    const copy = m.inPlace ? out.slice() : out;
    return this.#isendrecv("Isendrecv_replace", dest, sendtag, source, recvtag, m, () => copy);
  }

  #isendrecv(call: string, dest: number, sendtag: number, source: number, recvtag: number, m: BufferMessage, payload: () => Uint8Array): Request<void> {
    this.#checkReceive(call, source, recvtag, undefined);
    this.checkDest(call, dest);
    this.checkTag(call, sendtag, false, "sendtag");
    const bytes = payload();
    const recv = this.#irecvInto(call, m, source, recvtag);
    let send;
    try {
      send = this.#isend(call, dest, sendtag, STANDARD, BUFFER, () => bytes);
    } catch (e) {
      recv.cancel(); // the engine refused the send (over the local engine's 2 GiB limit): no receive may stay posted
      throw e;
    }
    return Request.pair(recv, send);
  }

  /** MPI_Mprobe: blocks until a matching message is there and takes it out of matching; receive it with the Message. */
  mprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Message { return this.#mprobe("mprobe", source, tag, status, true)!; }
  /** MPI_Improbe: a Message, or undefined when no matching message is there now. */
  improbe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Message | undefined { return this.#mprobe("improbe", source, tag, status, false); }
  Mprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Message { return this.#mprobe("Mprobe", source, tag, status, true)!; }
  Improbe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Message | undefined { return this.#mprobe("Improbe", source, tag, status, false); }

  /** A matched probe; fills `status` (count in bytes) when it finds a message. MESSAGE_NO_PROC for PROC_NULL. */
  #mprobe(call: string, source: unknown, tag: unknown, status: unknown, blocking: boolean): Message | undefined {
    const look = (c: EngineComm, s: number, t: number) => (blocking ? c.mprobe(s, t) : c.improbe(s, t));
    const matched = this.#look(call, source, tag, status, look, (m) => m.envelope);
    return matched === null ? MESSAGE_NO_PROC : matched && matchedMessage(this, matched);
  }

  /**
   * Persistent requests (MPI_Send_init...): the arguments are checked now; each Start() begins one such call,
   * which reads `buf` at that moment (change the data between rounds).
   */
  Send_init(buf: BufSpec, dest: number, tag = 0): Prequest { return this.#persistent("Send_init", buf, dest, tag, (call) => this.#isendBuffer(call, buf, dest, tag, STANDARD)); }
  Ssend_init(buf: BufSpec, dest: number, tag = 0): Prequest { return this.#persistent("Ssend_init", buf, dest, tag, (call) => this.#isendBuffer(call, buf, dest, tag, SYNCHRONOUS)); }
  Bsend_init(buf: BufSpec, dest: number, tag = 0): Prequest { return this.#persistent("Bsend_init", buf, dest, tag, (call) => this.#ibsendBuffer(call, buf, dest, tag)); }
  Rsend_init(buf: BufSpec, dest: number, tag = 0): Prequest { return this.#persistent("Rsend_init", buf, dest, tag, (call) => this.#isendBuffer(call, buf, dest, tag, STANDARD)); }
  /** Each Start() posts a receive into `buf`, as Irecv. */
  Recv_init(buf: BufSpec, source: number = ANY_SOURCE, tag: number = ANY_TAG): Prequest {
    this.bufferArg("Recv_init", buf);
    this.#receiveFrom("Recv_init", source, tag);
    return new Prequest(() => this.#irecvBuffer(startOf("Recv_init"), buf, source, tag), () => { this.bufferArg(startOf("Recv_init"), buf); });
  }

  #persistent(call: string, buf: BufSpec, dest: number, tag: number, start: (call: string) => Request<void>): Prequest {
    this.bufferArg(call, buf);
    this.checkDest(call, dest);
    this.checkTag(call, tag, false);
    return new Prequest(() => start(startOf(call)), () => { this.bufferArg(startOf(call), buf); });
  }
  // ---- end point-to-point additions ----

  // ---- communicator management ---------------------------------------------------------------------------

  /** A new communicator with the same group, topology and attributes, on a separate matching space (collective). */
  Dup(): this {
    const c = this.engineComm("Dup");
    let dup;
    try {
      dup = this.withEngine(c.dup(), `${this.#name}_dup`);
    } catch (e) {
      throw this.engineError("Dup", e);
    }
    copyAttributes(this, dup);
    inheritErrhandler(this, dup);
    return dup;
  }
  /** mpi4py's Clone: Dup, keeping the class (a Cartcomm clones to a Cartcomm). */
  Clone(): this { return this.Dup(); }
  /** @internal A communicator like this one (same class and topology) on `engineComm`. */
  withEngine(engineComm: EngineBinding, name: string): this { return new Comm(engineComm, name) as this; }
  /**
   * Partitions by color, ordering each part by key then old rank; UNDEFINED color gives COMM_NULL (collective).
   * Color and key are C ints in MPI: a color outside 0..2**31-1 (or a key outside int32) is ERR_ARG. The refusing
   * rank still takes part, as UNDEFINED, so the other ranks' Split completes (without it) instead of hanging;
   * then it throws.
   */
  Split(color = 0, key = 0): Comm {
    const c = this.engineComm("Split");
    const refusal = splitRefusal(color, key);
    let split;
    try {
      split = c.split(refusal !== undefined || color === UNDEFINED ? -1 : color, refusal !== undefined ? 0 : key);
    } catch (e) {
      throw this.engineError("Split", e);
    }
    if (refusal !== undefined) throw new MPIError("ERR_ARG", `${this.where("Split")}: ${refusal}; this rank took part as UNDEFINED`);
    return split ? new Comm(split, `${this.#name}_split`) : COMM_NULL;
  }

  /** Marks the communicator freed; any later use is ERR_COMM. */
  Free(): void {
    const c = this.engineComm("Free");
    if (this === COMM_WORLD || this === COMM_SELF) {
      throw new MPIError("ERR_COMM", `${this.where("Free")}: ${this.#name} cannot be freed`);
    }
    deleteAttributes(this);
    c.free();
    this.#freed = true;
  }

  /** Ends every rank of the job with `errorcode` (MPI_Abort). */
  Abort(errorcode = 1): never {
    const rank = this.isNull ? -1 : this.rank;
    return currentEngine().abort(
      Number.isInteger(errorcode) ? errorcode : 1,
      `mpi4ts: rank ${rank} of ${this.#name} called Abort(${errorcode})`,
    );
  }


  // ---- collectives (collective/) ----
  // One line each: the checks and algorithms live in src/collective/ (values: api.ts over the internal channel;
  // buffers: the engine's native collectives, else the generic ones), groups in group.ts, topologies in cartcomm.ts.

  /** Blocks until every rank has called it (MPI_Barrier). */
  barrier(): void { coll.barrier(this); }
  Barrier(): void { coll.Barrier(this); }
  /** A barrier as an awaitable Request (MPI_Ibarrier). */
  ibarrier(): Request<void> { return coll.ibarrier(this); }
  Ibarrier(): Request<void> { return coll.Ibarrier(this); }
  /** The root's value, on every rank (MPI_Bcast of its encoding). */
  bcast<T>(obj: T | null | undefined, root = 0): T { return coll.bcast(this, obj, root) as T; }
  /** Item `rank` of the root's array of `size` items. */
  scatter<T>(seq: readonly T[] | null, root = 0): T { return coll.scatter(this, seq, root); }
  /** Every rank's value, in rank order, at the root; null elsewhere. */
  gather<T>(obj: T, root = 0): T[] | null { return coll.gather(this, obj, root); }
  allgather<T>(obj: T): T[] { return coll.allgather(this, obj); }
  /** Sends `seq[r]` to rank r; returns what each rank sent here. */
  alltoall<T>(seq: readonly T[]): T[] { return coll.alltoall(this, seq); }
  /** Combines every rank's value with `op`, in rank order; the result at the root, null elsewhere. */
  reduce<T, O extends Op = Op>(obj: T, op: O = SUM as O, root = 0): Reduced<T, O> | null { return coll.reduce(this, obj, op, root) as Reduced<T, O> | null; }
  allreduce<T, O extends Op = Op>(obj: T, op: O = SUM as O): Reduced<T, O> { return coll.allreduce(this, obj, op) as Reduced<T, O>; }
  // Nonblocking values (mpi4py 4): a Request whose wait() or await gives what the blocking form returns.
  ibcast<T>(obj: T | null | undefined, root = 0): Request<T> { return ivalues.ibcast(this, obj, root) as Request<T>; }
  iscatter<T>(seq: readonly T[] | null, root = 0): Request<T> { return ivalues.iscatter(this, seq, root); }
  igather<T>(obj: T, root = 0): Request<T[] | null> { return ivalues.igather(this, obj, root); }
  iallgather<T>(obj: T): Request<T[]> { return ivalues.iallgather(this, obj); }
  ialltoall<T>(seq: readonly T[]): Request<T[]> { return ivalues.ialltoall(this, seq); }
  ireduce<T, O extends Op = Op>(obj: T, op: O = SUM as O, root = 0): Request<Reduced<T, O> | null> { return ivalues.ireduce(this, obj, op, root) as Request<Reduced<T, O> | null>; }
  iallreduce<T, O extends Op = Op>(obj: T, op: O = SUM as O): Request<Reduced<T, O>> { return ivalues.iallreduce(this, obj, op) as Request<Reduced<T, O>>; }
  /** The reduction of ranks 0..rank (MPI_Scan). */
  scan<T, O extends Op = Op>(obj: T, op: O = SUM as O): Reduced<T, O> { return coll.scan(this, obj, op, false) as Reduced<T, O>; }
  /** The reduction of ranks 0..rank-1; undefined on rank 0 (MPI_Exscan). */
  exscan<T, O extends Op = Op>(obj: T, op: O = SUM as O): Reduced<T, O> | undefined { return coll.scan(this, obj, op, true) as Reduced<T, O> | undefined; }

  // Buffers: the blocking form, the nonblocking one (a Request) and the persistent one (MPI-4: a request each
  // Start() begins anew on the buffers' current contents), through one function per collective in api.ts.
  Bcast(buf: BufSpec, root = 0): void { coll.Bcast(this, buf, root); }
  Ibcast(buf: BufSpec, root = 0): Request<void> { return coll.Bcast(this, buf, root, NB) as Request<void>; }
  Bcast_init(buf: BufSpec, root = 0): CollectivePrequest { return coll.init(this, "Bcast_init", undefined, () => coll.Bcast(this, buf, root, INIT)); }
  Scatter(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): void { coll.Scatter(this, sendbuf, recvbuf, root); }
  Iscatter(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): Request<void> { return coll.Scatter(this, sendbuf, recvbuf, root, NB) as Request<void>; }
  Scatter_init(sendbuf: BufSpec | null, recvbuf: BufSpec | InPlace, root = 0): CollectivePrequest { return coll.init(this, "Scatter_init", undefined, () => coll.Scatter(this, sendbuf, recvbuf, root, INIT)); }
  Scatterv(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): void { coll.Scatterv(this, sendbuf, recvbuf, root); }
  Iscatterv(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): Request<void> { return coll.Scatterv(this, sendbuf, recvbuf, root, NB) as Request<void>; }
  Scatterv_init(sendbuf: BufferSpec | null, recvbuf: BufSpec | InPlace, root = 0): CollectivePrequest { return coll.init(this, "Scatterv_init", undefined, () => coll.Scatterv(this, sendbuf, recvbuf, root, INIT)); }
  Gather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): void { coll.Gather(this, sendbuf, recvbuf, root); }
  Igather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): Request<void> { return coll.Gather(this, sendbuf, recvbuf, root, NB) as Request<void>; }
  Gather_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, root = 0): CollectivePrequest { return coll.init(this, "Gather_init", undefined, () => coll.Gather(this, sendbuf, recvbuf, root, INIT)); }
  Gatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): void { coll.Gatherv(this, sendbuf, recvbuf, root); }
  Igatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): Request<void> { return coll.Gatherv(this, sendbuf, recvbuf, root, NB) as Request<void>; }
  Gatherv_init(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec | null, root = 0): CollectivePrequest { return coll.init(this, "Gatherv_init", undefined, () => coll.Gatherv(this, sendbuf, recvbuf, root, INIT)); }
  Allgather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): void { coll.Allgather(this, sendbuf, recvbuf); }
  Iallgather(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): Request<void> { return coll.Allgather(this, sendbuf, recvbuf, NB) as Request<void>; }
  Allgather_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): CollectivePrequest { return coll.init(this, "Allgather_init", undefined, () => coll.Allgather(this, sendbuf, recvbuf, INIT)); }
  Allgatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): void { coll.Allgatherv(this, sendbuf, recvbuf); }
  Iallgatherv(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): Request<void> { return coll.Allgatherv(this, sendbuf, recvbuf, NB) as Request<void>; }
  Allgatherv_init(sendbuf: BufSpec | InPlace, recvbuf: BufferSpec): CollectivePrequest { return coll.init(this, "Allgatherv_init", undefined, () => coll.Allgatherv(this, sendbuf, recvbuf, INIT)); }
  Alltoall(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): void { coll.Alltoall(this, sendbuf, recvbuf); }
  Ialltoall(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): Request<void> { return coll.Alltoall(this, sendbuf, recvbuf, NB) as Request<void>; }
  Alltoall_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec): CollectivePrequest { return coll.init(this, "Alltoall_init", undefined, () => coll.Alltoall(this, sendbuf, recvbuf, INIT)); }
  Alltoallv(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): void { coll.Alltoallv(this, sendbuf, recvbuf); }
  Ialltoallv(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): Request<void> { return coll.Alltoallv(this, sendbuf, recvbuf, NB) as Request<void>; }
  Alltoallv_init(sendbuf: BufferSpec | InPlace, recvbuf: BufferSpec): CollectivePrequest { return coll.init(this, "Alltoallv_init", undefined, () => coll.Alltoallv(this, sendbuf, recvbuf, INIT)); }
  /**
   * Block j of `sendbuf` to rank j, block i of `recvbuf` from rank i, each block with its own count and datatype at
   * a byte displacement: `[buf, counts, displs, datatypes]` (MPI_Alltoallw).
   */
  Alltoallw(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): void { coll.Alltoallw(this, sendbuf, recvbuf); }
  Ialltoallw(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): Request<void> { return coll.Alltoallw(this, sendbuf, recvbuf, NB) as Request<void>; }
  Alltoallw_init(sendbuf: BufSpecW | InPlace, recvbuf: BufSpecW): CollectivePrequest { return coll.init(this, "Alltoallw_init", undefined, () => coll.Alltoallw(this, sendbuf, recvbuf, INIT)); }
  Reduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): void { coll.Reduce(this, sendbuf, recvbuf, op, root); }
  Ireduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): Request<void> { return coll.Reduce(this, sendbuf, recvbuf, op, root, NB) as Request<void>; }
  Reduce_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec | null, op: Op = SUM, root = 0): CollectivePrequest { return coll.init(this, "Reduce_init", op, () => coll.Reduce(this, sendbuf, recvbuf, op, root, INIT)); }
  Allreduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void { coll.Allreduce(this, sendbuf, recvbuf, op); }
  Iallreduce(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> { return coll.Allreduce(this, sendbuf, recvbuf, op, NB) as Request<void>; }
  Allreduce_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest { return coll.init(this, "Allreduce_init", op, () => coll.Allreduce(this, sendbuf, recvbuf, op, INIT)); }
  Reduce_scatter_block(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void { coll.Reduce_scatter(this, sendbuf, recvbuf, null, op); }
  Ireduce_scatter_block(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> { return coll.Reduce_scatter(this, sendbuf, recvbuf, null, op, NB) as Request<void>; }
  Reduce_scatter_block_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest { return coll.init(this, "Reduce_scatter_block_init", op, () => coll.Reduce_scatter(this, sendbuf, recvbuf, null, op, INIT)); }
  Reduce_scatter(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): void { coll.Reduce_scatter(this, sendbuf, recvbuf, counts, op); }
  Ireduce_scatter(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): Request<void> { return coll.Reduce_scatter(this, sendbuf, recvbuf, counts, op, NB) as Request<void>; }
  Reduce_scatter_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, counts: readonly number[], op: Op = SUM): CollectivePrequest { return coll.init(this, "Reduce_scatter_init", op, () => coll.Reduce_scatter(this, sendbuf, recvbuf, counts, op, INIT)); }
  Scan(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void { coll.Scan(this, sendbuf, recvbuf, op, false); }
  Iscan(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> { return coll.Scan(this, sendbuf, recvbuf, op, false, NB) as Request<void>; }
  Scan_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest { return coll.init(this, "Scan_init", op, () => coll.Scan(this, sendbuf, recvbuf, op, false, INIT)); }
  Exscan(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): void { coll.Scan(this, sendbuf, recvbuf, op, true); }
  Iexscan(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): Request<void> { return coll.Scan(this, sendbuf, recvbuf, op, true, NB) as Request<void>; }
  Exscan_init(sendbuf: BufSpec | InPlace, recvbuf: BufSpec, op: Op = SUM): CollectivePrequest { return coll.init(this, "Exscan_init", op, () => coll.Scan(this, sendbuf, recvbuf, op, true, INIT)); }
  Barrier_init(): CollectivePrequest { return coll.Barrier_init(this); }

  /** The group of this communicator (MPI_Comm_group). */
  Get_group(): Group { const c = this.engineComm("Get_group"); return new Group(c.worldRanks, c.worldRanks[c.rank]!); }
  /** A communicator of `group`'s members (collective over this one); COMM_NULL on the others (MPI_Comm_create). */
  Create(group: Group): Comm { const c = createFromGroup(this, group); return c ? new Comm(c, `${this.#name}_create`) : COMM_NULL; }
  /** IDENT (the same communicator), CONGRUENT (same ranks in order), SIMILAR (same members) or UNEQUAL. */
  Compare(other: Comm): number {
    if (!(other instanceof Comm)) throw new MPIError("ERR_COMM", `${this.where("Compare")}: other must be an MPI.Comm, got ${describe(other)}`);
    // COMM_NULL (or a freed communicator) on either side is ERR_COMM, as every other use of it is.
    const mine = this.engineComm("Compare"), theirs = other.engineComm("Compare");
    return this === other || mine === theirs ? IDENT : compareRanks(mine.worldRanks, theirs.worldRanks);
  }
  /** A Cartesian grid over the first prod(dims) ranks (collective); COMM_NULL on the others (MPI_Cart_create). */
  Create_cart(dims: readonly number[], periods?: readonly (boolean | number)[], reorder = false): Cartcomm { return hooks.createCart!(this, dims, periods, reorder) as Cartcomm; }

  // ---- communicators, attributes, topologies (attributes.ts, topology.ts, graphcomm.ts) ----
  /** `[dup, request]` (mpi4py's Idup): the duplicate is usable once the request completes (nonblocking collective). */
  Idup(info?: Info): [this, Request<void>] { return topo.idup(this, info); }
  /** Dup with hints (checked, then ignored: no hint changes what mpi4ts does). */
  Dup_with_info(info: Info): this { return topo.dupWithInfo(this, "Dup_with_info", info); }
  /** One communicator per shared-memory node (MPI.COMM_TYPE_SHARED); COMM_NULL for MPI.UNDEFINED (collective). */
  Split_type(split_type: number, key = 0, info?: Info): Comm { return topo.splitType(this, split_type, key, info); }
  /** A communicator of `group`'s members, collective over them only (MPI_Comm_create_group); `tag` tells concurrent calls apart. */
  Create_group(group: Group, tag = 0): Comm { return topo.createGroup(this, group, tag); }
  /**
   * An intercommunicator between this communicator's group and another, disjoint one (collective over both):
   * the leaders, `localLeader` here and `remoteLeader` in `peerComm`, meet over `peerComm` with `tag`.
   */
  Create_intercomm(localLeader: number, peerComm: Comm, remoteLeader: number, tag = 0): Intercomm { return hooks.createIntercomm!(this, localLeader, peerComm, remoteLeader, tag); }
  /**
   * Starts `maxprocs` processes of `command` (a program file such as `worker.ts`, run as mpi4ts runs programs, or
   * any executable) and returns the intercommunicator to them (collective; only the root's command, args,
   * maxprocs and info count). `errcodes`, if given, is filled with one code per process (0: started).
   */
  Spawn(command: string, args?: readonly string[] | null, maxprocs = 1, info?: Info | null, root = 0, errcodes?: number[] | null): Intercomm {
    return hooks.spawn!(this, command, args, maxprocs, info, root, errcodes);
  }
  /**
   * Starts `maxprocs[i]` processes of each `commands[i]` (with `args[i]`), all in one new world, ranked in
   * command order; `info` is one Info for all or one per command (collective; the root's arguments count).
   */
  Spawn_multiple(commands: readonly string[], args?: readonly (readonly string[] | null | undefined)[] | null, maxprocs?: readonly number[] | null, info?: Info | readonly (Info | null | undefined)[] | null, root = 0, errcodes?: number[] | null): Intercomm {
    return hooks.spawnMultiple!(this, commands, args, maxprocs, info, root, errcodes);
  }
  /** The intercommunicator to the processes that spawned this one, or COMM_NULL when none did (local). */
  static Get_parent(): Intercomm { return hooks.getParent!(); }
  Is_inter(): boolean { this.engineComm("Is_inter"); return false; }
  Is_intra(): boolean { this.engineComm("Is_intra"); return true; }
  get is_inter(): boolean { return this.Is_inter(); }
  get is_intra(): boolean { return this.Is_intra(); }
  /** MPI.CART, MPI.GRAPH, MPI.DIST_GRAPH, or MPI.UNDEFINED for a communicator without a topology. */
  Get_topology(): number { this.engineComm("Get_topology"); return UNDEFINED; }
  get topology(): number { return this.Get_topology(); }
  /** This rank's rank in a Cartesian grid of `dims`, or UNDEFINED outside it (ranks are not reordered). */
  Cart_map(dims: readonly number[], periods?: readonly (boolean | number)[]): number { return topo.cartMap(this, dims, periods); }
  /** This rank's rank in a graph of `index.length` nodes, or UNDEFINED outside it. */
  Graph_map(index: readonly number[], edges: readonly number[]): number { return topo.graphMap(this, index, edges); }
  /** A graph over the first index.length ranks (collective); COMM_NULL on the others (MPI_Graph_create). */
  Create_graph(index: readonly number[], edges: readonly number[], reorder = false): Graphcomm { return hooks.createGraph!(this, index, edges, reorder) as Graphcomm; }
  /** A distributed graph from any rank's edges `sources[i] -> degrees[i] destinations` (collective). */
  Create_dist_graph(sources: readonly number[], degrees: readonly number[], destinations: readonly number[], weights?: Weights, info?: Info, reorder = false): Distgraphcomm {
    return hooks.createDistGraph!(this, sources, degrees, destinations, weights, info, reorder) as Distgraphcomm;
  }
  /** A distributed graph from each rank's own in- and out-neighbours (collective). */
  Create_dist_graph_adjacent(sources: readonly number[], destinations: readonly number[], sourceweights?: Weights, destweights?: Weights, info?: Info, reorder = false): Distgraphcomm {
    return hooks.createDistGraphAdjacent!(this, sources, destinations, sourceweights, destweights, info, reorder) as Distgraphcomm;
  }
  static Create_keyval(copy_fn?: CopyFunction | boolean | null, delete_fn?: DeleteFunction | null): number { return createKeyval(copy_fn, delete_fn); }
  static Free_keyval(keyval: number): number { return freeKeyval(keyval); }
  Set_attr(keyval: number, value: unknown): void { setAttr(this, keyval, value); }
  /** The value, or undefined when the communicator has none for `keyval` (mpi4py's None). */
  Get_attr(keyval: number): unknown { return getAttr(this, keyval); }
  Delete_attr(keyval: number): void { deleteAttr(this, keyval); }
  /** A handler that calls `fn(comm, errorcode)`, after which the failing call throws its MPIError. */
  static Create_errhandler(errhandler_fn: (comm: Comm, errorcode: number) => void): Errhandler { return createErrhandler(errhandler_fn); }
  Set_errhandler(errhandler: Errhandler): void { setErrhandler(this, errhandler); }
  Get_errhandler(): Errhandler { return getErrhandler(this); }
  /** Raises `errorcode` (an MPI.ERR_* code) on this communicator as its error handler says. */
  Call_errhandler(errorcode: number): void { callErrhandler(this, errorcode); }
  // ---- end communicators ----
  // ---- end collectives ----
}

handleErrorsOf(Comm);

/** What a buffer receive does once its message is in: unpack it into `m`'s memory (nothing when in place), fill the status. */
/** A receive's finish: unpacks what arrived into `m` (a temporary `into` is given back then) and fills the status. */
function landIn(m: BufferMessage, into: Uint8Array): (envelope: Envelope, status: Status | undefined) => void {
  return (envelope, status) => {
    m.land(into, envelope.byteLength);
    m.recycle(into);
    status?.fill(envelope);
  };
}

/** Why Split's color or key is refused (a refusing rank takes part as UNDEFINED), or undefined. */
export function splitRefusal(color: unknown, key: unknown): string | undefined {
  if (color !== UNDEFINED && !isInt32(color, 0)) return `color ${String(color)} must be an integer in 0..2**31-1 or UNDEFINED`;
  if (!isInt32(key, -INT32_LIMIT)) return `key ${String(key)} must be an integer in -2**31..2**31-1`;
  return undefined;
}

const INT32_LIMIT = 2 ** 31;
/** An integer a C int holds, at least `min`. */
function isInt32(x: unknown, min: number): x is number {
  return Number.isInteger(x) && (x as number) >= min && (x as number) < INT32_LIMIT;
}

export const COMM_WORLD: Comm = new Comm(() => currentEngine().world, "MPI_COMM_WORLD");
export const COMM_SELF: Comm = new Comm(() => currentEngine().self, "MPI_COMM_SELF");
export const COMM_NULL: Comm = new Comm(null, "MPI_COMM_NULL");

/** A source or tag as the warnings spell it: the wildcard's name for -1. */
function wildcard(value: number, name: string): string {
  return value === ANY_SOURCE ? name : String(value);
}
