/**
 * Where tracing intercepts a program (docs/trace.md): only when a trace is requested, two layers are wrapped.
 *
 * - Calls: the methods of the communicator classes', Request's, Win's and File's prototypes, found by walking them
 *   (so methods added later are traced without being listed), become one span each. Only the outermost call
 *   records: what a call does inside (Sendrecv's Recv, a collective's messages) belongs to its span.
 * - Messages: the engine communicator a Comm hands out (`engineComm`) becomes a proxy that sees every user-level
 *   send and every completed receive with its real envelope. MPI's non-overtaking rule pairs them: the n-th
 *   message from rank s to rank d with tag t on one communicator is the n-th one d receives from s with tag t, so
 *   a per-(communicator, source, destination, tag) sequence number on both sides names the flow arrow.
 *   Collective traffic runs on the engine's `internal` channel, which the proxy hands out untouched.
 *
 * Communicators are told apart across ranks by their members and the order in which this rank saw communicators
 * of those members created (creation is collective, so every member sees the same order).
 */
import { fileURLToPath } from "node:url";
import { Comm } from "../comm.js";
import type { EngineComm, EngineRequest, Envelope, Sink } from "../engine/engine.js";
import { Op } from "../op.js";
import { Request } from "../request.js";
import { Win } from "../win/win.js";
import { File } from "../file/file.js";
import { Col, Kind, now, type Recorder } from "./recorder.js";

/** The outermost MPI call in progress on this rank. */
interface Call {
  readonly name: string;
  readonly start: number;
  /** The communicator the call used first (its trace identity), once the call touched one. */
  key?: string;
  peer?: number;
  tag?: number;
  sent: number;
  received: number;
  /** What a receive of this call asked for (ANY_SOURCE, ANY_TAG...): shown when no message came. */
  wantedPeer?: number;
  wantedTag?: number;
  /** When a receive of this call was matched (the engine asked where its bytes go). */
  matchedAt?: number;
}

/** Methods that only read local state (or are library internals): no span. */
const UNTRACED = /^(constructor|then|engineComm|where|check[A-Z]\w*|encode|decode|valueSink|bufferSink|engineError|Get_\w+|Set_\w+|Is_\w+|Compare|Shift|Translate_ranks|Abort)$/;
const COLLECTIVE = /^(I?(barrier|bcast|scatterv?|gatherv?|allgatherv?|alltoall[vw]?|reduce|allreduce|reduce_scatter(_block)?|scan|exscan|neighbor_\w+)|I?dup|Clone|Split\w*|Create\w*|Sub|Free|Intercomm_\w+|Merge|Spawn\w*)$/i;
/** Request methods that wait for or look at completion (the others, such as a persistent request's Start, post). */
const REQUEST_WAIT = /^([Ww]ait\w*|[Tt]est\w*|[Cc]ancel)$/;
const WAITS_WHOLE = /^(wait\w*|Wait\w*|[Mm]?probe|[Mm]?Probe|[Bb]arrier)$/;
/** Rooted collectives: where the root is among the arguments of the lowercase and the Capitalized spelling. */
const ROOT_ARGUMENT: Record<string, readonly [number, number]> = {
  bcast: [1, 1], scatter: [1, 2], scatterv: [1, 2], gather: [1, 2], gatherv: [1, 2], reduce: [2, 3],
};
/**
 * Calls shorter than this many µs get no source location: walking the stack costs about 10 µs, so it is kept
 * for the calls where a program loses time (MPI4TS_TRACE_SITE_US=0 records it for every call).
 */
const SITE_MIN_US = siteThreshold(process.env.MPI4TS_TRACE_SITE_US);

function siteThreshold(setting: string | undefined): number {
  const us = Number(setting);
  return setting !== undefined && setting !== "" && Number.isFinite(us) && us >= 0 ? us : 1000;
}

let recorder: Recorder;
let current: Call | undefined;
const collectiveSequences = new Map<string, number>();
const instrumented = new WeakSet<object>();

export function startRecording(into: Recorder): void {
  recorder = into;
}

/** What a wrapped method belongs to: communicators, requests, or windows and files (plain spans). */
type Family = "comm" | "request" | "object";

/** Wraps every traced method of `proto` (a communicator class's) and of its prototypes up to Object. Idempotent. */
export function instrument(proto: object | null, family: Family = "comm"): void {
  for (; proto && proto !== Object.prototype && !instrumented.has(proto); proto = Object.getPrototypeOf(proto) as object | null) {
    instrumented.add(proto);
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      if (typeof d.value !== "function" || UNTRACED.test(name)) continue;
      Object.defineProperty(proto, name, { ...d, value: traced(name, d.value as (...args: unknown[]) => unknown, family) });
    }
  }
}

/** Request's static helpers (waitall...) and the hooks of Comm that tracing needs. */
export function instrumentLibrary(): void {
  for (const name of Object.getOwnPropertyNames(Request)) {
    const d = Object.getOwnPropertyDescriptor(Request, name)!;
    if (typeof d.value === "function" && /^(wait|test)/i.test(name)) {
      Object.defineProperty(Request, name, { ...d, value: traced(name, d.value as (...args: unknown[]) => unknown, "request") });
    }
  }
  instrument(Request.prototype, "request");
  instrument(Comm.prototype);
  // One-sided and file calls: every method, and the static constructors (Win.Allocate, File.Open...).
  for (const cls of [Win, File] as const) {
    instrument(cls.prototype, "object");
    for (const name of Object.getOwnPropertyNames(cls)) {
      const d = Object.getOwnPropertyDescriptor(cls, name)!;
      if (typeof d.value === "function" && /^[A-Z]/.test(name) && !UNTRACED.test(name)) {
        Object.defineProperty(cls, name, { ...d, value: traced(name, d.value as (...args: unknown[]) => unknown, "object") });
      }
    }
  }
  const engineComm = Comm.prototype.engineComm;
  Comm.prototype.engineComm = function (this: Comm, call: string): EngineComm {
    // A communicator class this module never saw (defined after start-up, not exported) is wrapped on first use.
    const proto = Object.getPrototypeOf(this) as object;
    if (!instrumented.has(proto)) instrument(proto);
    return tracedEngineComm(engineComm.call(this, call));
  };
  const abort = Comm.prototype.Abort;
  Comm.prototype.Abort = function (this: Comm, errorcode?: number): never {
    recorder.flush(`Abort(${String(errorcode ?? 1)}) on ${this.name}`);
    return abort.call(this, errorcode);
  };
}

function traced(name: string, fn: (...args: unknown[]) => unknown, family: Family): (...args: unknown[]) => unknown {
  const kind = family === "request" ? (REQUEST_WAIT.test(name) ? Kind.Wait : Kind.Call)
    : family === "comm" && COLLECTIVE.test(name) ? Kind.Collective : Kind.Call;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (current !== undefined || !recorder.on) return fn.apply(this, args);
    const call: Call = { name, start: now(), sent: 0, received: 0 };
    current = call;
    if (recorder.keepsOpenCalls) recorder.opened(kind, name, call.start, this instanceof Comm ? this.name : undefined);
    let failure: unknown;
    try {
      return fn.apply(this, args);
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      current = undefined;
      finishCall(call, kind, this, args, failure);
    }
  };
  // Stack traces through a traced call keep naming the method.
  return Object.defineProperty(wrapper, "name", { value: fn.name });
}

function finishCall(call: Call, kind: Kind, self: unknown, args: readonly unknown[], failure: unknown): void {
  const dur = now() - call.start;
  recorder.closed();
  const row = recorder.row(kind, call.name, call.start);
  if (!row) return;
  const [c, at] = row;
  c[at + Col.Dur] = dur;
  if (self instanceof Comm) c[at + Col.Comm] = recorder.intern(self.name);
  const peer = call.peer ?? call.wantedPeer, tag = call.tag ?? call.wantedTag;
  if (peer !== undefined) c[at + Col.Peer] = peer;
  if (tag !== undefined) c[at + Col.Tag] = tag;
  if (call.sent > 0) c[at + Col.Sent] = call.sent;
  if (call.received > 0) c[at + Col.Received] = call.received;
  const buffer = args.find((x): x is ArrayBufferView => ArrayBuffer.isView(x));
  if (buffer) c[at + Col.Datatype] = recorder.intern(buffer.constructor.name);
  if (kind === Kind.Collective) describeCollective(call, args, buffer, c, at, failure);
  // Waiting ends when a receive matched; what follows is moving the data. Calls that only wait count whole.
  if (call.matchedAt !== undefined) c[at + Col.Wait] = Math.min(Math.max(call.matchedAt - call.start, 0), dur);
  else if (WAITS_WHOLE.test(call.name)) c[at + Col.Wait] = dur;
  if (failure !== undefined) c[at + Col.Error] = recorder.intern(failure instanceof Error ? failure.message : String(failure));
  if (dur >= SITE_MIN_US) {
    const site = callSite();
    if (site) c[at + Col.Site] = recorder.site(site);
  }
}

function describeCollective(call: Call, args: readonly unknown[], buffer: ArrayBufferView | undefined, c: Float64Array, at: number, failure: unknown): void {
  const lower = call.name.toLowerCase();
  const rooted = ROOT_ARGUMENT[lower] ?? (lower.startsWith("i") ? ROOT_ARGUMENT[lower.slice(1)] : undefined);
  if (rooted) {
    const root = args[rooted[/^[A-Z]/.test(call.name) ? 1 : 0]];
    c[at + Col.Root] = typeof root === "number" ? root : 0;
  }
  const op = args.find((x): x is Op => x instanceof Op);
  if (op) c[at + Col.Op] = recorder.intern(op.name);
  if (buffer) c[at + Col.Sent] = buffer.byteLength;
  if (call.key !== undefined && failure === undefined) {
    const seq = collectiveSequences.get(call.key) ?? 0;
    collectiveSequences.set(call.key, seq + 1);
    c[at + Col.Collective] = recorder.intern(call.key);
    c[at + Col.Seq] = seq;
  }
}

const PACKAGE_DIRS = ["../../src/", "../../dist/"].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));

/**
 * The program's own line that made the current call: the first stack frame outside mpi4ts and Node, as
 * "file:line:column" of the code that runs (a bundle, for TypeScript programs). The recorder maps it to the
 * source through the source map once per distinct site (`Recorder.site`), so a call pays for the stack walk.
 */
function callSite(): string | undefined {
  const { prepareStackTrace, stackTraceLimit } = Error;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.stackTraceLimit = 12;
    Error.prepareStackTrace = (_, frames) => frames;
    Error.captureStackTrace(holder, callSite);
    for (const frame of holder.stack ?? []) {
      const name = frame.getFileName();
      if (!name || name.startsWith("node:")) continue;
      const file = name.startsWith("file://") ? fileURLToPath(name) : name;
      if (PACKAGE_DIRS.some((dir) => file.startsWith(dir))) continue;
      return `${name}:${frame.getLineNumber()}:${frame.getColumnNumber()}`;
    }
    return undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

// ---- messages: the engine communicator proxy ---------------------------------------------------------------

const proxies = new WeakMap<EngineComm, EngineComm>();
const isProxy = new WeakSet<EngineComm>();
const keys = new WeakMap<EngineComm, string>();
const seenWithMembers = new Map<string, number>();

/** The trace identity of an engine communicator: the same string on every member. */
export function communicatorKey(ec: EngineComm): string {
  let key = keys.get(ec);
  if (key === undefined) {
    const members = ec.worldRanks.join(",");
    const nth = seenWithMembers.get(members) ?? 0;
    seenWithMembers.set(members, nth + 1);
    key = `c${nth}.${ec.worldRanks.length}.${hash(members)}`;
    keys.set(ec, key);
  }
  return key;
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

function tracedEngineComm(ec: EngineComm): EngineComm {
  if (isProxy.has(ec)) return ec;
  let proxy = proxies.get(ec);
  if (!proxy) {
    proxy = messageProxy(ec);
    proxies.set(ec, proxy);
    isProxy.add(proxy);
  }
  return proxy;
}

/** Per communicator: the next sequence number of each (peer, tag), keyed by peer * 2**31 + tag. */
type Sequences = Map<number, number>;
const TAGS = 2 ** 31;

function messageProxy(ec: EngineComm): EngineComm {
  const key = communicatorKey(ec);
  const sends: Sequences = new Map(), receives: Sequences = new Map();
  const created = <C extends EngineComm | null>(c: C): C => {
    if (c) communicatorKey(c);
    return c;
  };
  const overrides: Partial<EngineComm> = {
    send(data, kind, dest, tag, mode) {
      const ts = now();
      ec.send(data, kind, dest, tag, mode);
      sent(key, ec, sends, ts, dest, tag, data.byteLength);
    },
    isend(data, kind, dest, tag, mode) {
      const ts = now();
      const request = ec.isend(data, kind, dest, tag, mode);
      sent(key, ec, sends, ts, dest, tag, data.byteLength);
      return request;
    },
    recv(sink, source, tag) {
      wanted(source, tag);
      const timed = timedSink(sink);
      const envelope = ec.recv(timed, source, tag);
      received(key, ec, receives, envelope, timed.matchedAt);
      return envelope;
    },
    irecv(sink, source, tag) {
      wanted(source, tag);
      const timed = timedSink(sink);
      return tracedReceive(ec.irecv(timed, source, tag), (envelope) => received(key, ec, receives, envelope, timed.matchedAt));
    },
    // A matched probe takes the message out of matching: its arrow ends there (the Message's receive only copies).
    mprobe(source, tag) {
      wanted(source, tag);
      const message = ec.mprobe(source, tag);
      received(key, ec, receives, message.envelope, now());
      return message;
    },
    improbe(source, tag) {
      const message = ec.improbe(source, tag);
      if (message) received(key, ec, receives, message.envelope, now());
      return message;
    },
    dup: () => created(ec.dup()),
    split: (color, k) => created(ec.split(color, k)),
    create: (ranks) => created(ec.create(ranks)),
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(ec, {
    get(target, prop) {
      if (current !== undefined) current.key ??= key;
      if (prop in overrides) return overrides[prop as keyof EngineComm];
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (fn === undefined) bound.set(prop, (fn = (value as (...args: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}

// Sequence numbers advance while tracing is paused too: a rank that paused and one that did not stay paired.
function sent(key: string, ec: EngineComm, sequences: Sequences, ts: number, dest: number, tag: number, bytes: number): void {
  const seq = next(sequences, dest * TAGS + tag);
  if (!recorder.on) return;
  if (current) {
    current.peer ??= dest;
    current.tag ??= tag;
    current.sent += bytes;
  }
  message(Kind.Send, key, ec, ts, ec.rank, dest, tag, bytes, seq);
}

function received(key: string, ec: EngineComm, sequences: Sequences, envelope: Envelope, matchedAt: number | undefined): void {
  const seq = next(sequences, envelope.source * TAGS + envelope.tag);
  if (!recorder.on) return;
  const ts = now();
  if (current) {
    current.peer ??= envelope.source;
    current.tag ??= envelope.tag;
    current.received += envelope.byteLength;
    if (matchedAt !== undefined) current.matchedAt ??= matchedAt;
  } else {
    // Completed where no MPI call encloses it (an `await`): a zero-length span for the arrow to end in.
    const row = recorder.row(Kind.ReceiveCompleted, "receive completed", ts);
    if (row) {
      const [c, at] = row;
      c[at + Col.Peer] = envelope.source;
      c[at + Col.Tag] = envelope.tag;
      c[at + Col.Received] = envelope.byteLength;
    }
  }
  message(Kind.Receive, key, ec, ts, envelope.source, ec.rank, envelope.tag, envelope.byteLength, seq);
}

function wanted(source: number, tag: number): void {
  if (current === undefined) return;
  current.wantedPeer ??= source;
  current.wantedTag ??= tag;
}

function next(sequences: Sequences, pair: number): number {
  const seq = sequences.get(pair) ?? 0;
  sequences.set(pair, seq + 1);
  return seq;
}

function message(kind: Kind.Send | Kind.Receive, key: string, ec: EngineComm, ts: number, from: number, to: number, tag: number, bytes: number, seq: number): void {
  const row = recorder.row(kind, "message", ts);
  if (!row) return;
  const [c, at] = row;
  c[at + Col.Comm] = recorder.intern(key);
  c[at + Col.Peer] = from;
  c[at + Col.Received] = to;
  c[at + Col.Tag] = tag;
  c[at + Col.Sent] = bytes;
  c[at + Col.Root] = ec.worldRanks[from]!;
  c[at + Col.Op] = ec.worldRanks[to]!;
  c[at + Col.Collective] = seq;
}

type TimedSink = Sink & { matchedAt?: number };

function timedSink(sink: Sink): TimedSink {
  const timed: TimedSink = Object.assign((envelope: Envelope, bytes?: Uint8Array) => {
    timed.matchedAt ??= now();
    return sink(envelope, bytes);
  }, {});
  if (sink.expects !== undefined) Object.assign(timed, { expects: sink.expects });
  if (sink.into !== undefined) Object.assign(timed, { into: sink.into });
  return timed;
}

interface PendingReceive { readonly request: EngineRequest; observed: boolean; readonly onMatched: (envelope: Envelope) => void }

/**
 * Receives posted and not yet seen complete, in the order they were posted. MPI matches a message to the first
 * posted receive that fits, so when one completes, the earlier-posted ones that completed too took earlier
 * messages: they are numbered first, whatever order the program waits in.
 */
const pendingReceives: PendingReceive[] = [];

function tracedReceive(request: EngineRequest, onMatched: (envelope: Envelope) => void): EngineRequest {
  const pending: PendingReceive = { request, observed: false, onMatched };
  pendingReceives.push(pending);
  const observe = () => {
    if (pending.observed) return;
    const at = pendingReceives.indexOf(pending);
    for (const earlier of pendingReceives.slice(0, at)) if (earlier.request.envelope !== undefined) settle(earlier);
    settle(pending);
  };
  const traced: EngineRequest = {
    test() {
      const done = request.test();
      if (done) observe();
      return done;
    },
    wait() {
      request.wait();
      observe();
    },
    cancel() { request.cancel(); },
    get cancelled() { return request.cancelled; },
    get envelope() { return request.envelope; },
    get error() { return request.error; },
  };
  if (request.blockedOn) traced.blockedOn = () => request.blockedOn!();
  return traced;
}

function settle(pending: PendingReceive): void {
  pending.observed = true;
  pendingReceives.splice(pendingReceives.indexOf(pending), 1);
  const { request } = pending;
  if (!request.cancelled && request.error === undefined && request.envelope !== undefined) pending.onMatched(request.envelope);
}

/** A user span (MPI.trace.span) or mark: recorded unless tracing is paused. */
export function userSpan(name: string, start: number): void {
  if (!recorder?.on) return;
  const row = recorder.row(Kind.UserSpan, name, start);
  if (row) row[0][row[1] + Col.Dur] = now() - start;
}

export function userMark(name: string): void {
  if (recorder?.on) recorder.mark(Kind.UserMark, name);
}
