/**
 * Matched probes (MPI-4.0 §3.8.2): `comm.mprobe()`/`Mprobe()` find a message and take it out of matching, so no
 * other receive (another part of the program, a library) can take it between the probe and the receive. The
 * Message it returns receives it exactly once: `recv()`/`irecv()` for a value, `Recv(buf)`/`Irecv(buf)` for a
 * buffer. Then it is MESSAGE_NULL, and receiving again is ERR_REQUEST (as MPI_Mrecv on MPI_MESSAGE_NULL). A receive
 * that refuses the message (too small a buffer, the other family) throws and leaves it receivable through the
 * same Message.
 */
import type { Comm } from "./comm.js";
import { PROC_NULL } from "./constants.js";
import { type BufSpec, type Message as BufferMessage, bufferArg } from "./datatype/message.js";
import type { Envelope, MatchedMessage, Sink } from "./engine/engine.js";
import { MPIError } from "./errors.js";
import { type Operation, Request, onRank } from "./request.js";
import { Status } from "./status.js";

/** What a Message stands for: a matched message of a communicator, the no-process message, or nothing. */
type Matched = { readonly comm: Comm; readonly message: MatchedMessage };
const NO_PROC = "no-proc";

export class Message {
  #state: Matched | typeof NO_PROC | null;

  /** @internal Messages are made by mprobe/improbe (and the MESSAGE_NULL / MESSAGE_NO_PROC constants). */
  constructor(state: Matched | typeof NO_PROC | null) {
    this.#state = state;
  }

  /** mpi4py's class-method spellings of the matched probes: `MPI.Message.Probe(comm, source, tag, status)` is `comm.Mprobe(...)`. */
  static Probe(comm: Comm, source?: number, tag?: number, status?: Status): Message { return comm.Mprobe(source, tag, status); }
  static Iprobe(comm: Comm, source?: number, tag?: number, status?: Status): Message | undefined { return comm.Improbe(source, tag, status); }
  static probe(comm: Comm, source?: number, tag?: number, status?: Status): Message { return comm.mprobe(source, tag, status); }
  static iprobe(comm: Comm, source?: number, tag?: number, status?: Status): Message | undefined { return comm.improbe(source, tag, status); }

  /** True once received (mpi4py: `msg == MPI.MESSAGE_NULL`). */
  get isNull(): boolean { return this.#state === null; }

  /** MPI_Mrecv of a value (mpi4py's `msg.recv()`); undefined for MESSAGE_NO_PROC. */
  recv<T = unknown>(status?: Status): T {
    const into: { bytes?: Uint8Array } = {};
    return this.#receive("Message.recv", status, (comm, call) => comm.valueSink(call, into), (comm, call, envelope, st) => {
      st?.fill(envelope);
      return comm.decode<T>(call, into.bytes);
    }) as T;
  }

  /** MPI_Imrecv of a value: the message is here already, so the request is complete at once (its value by wait()). */
  irecv<T = unknown>(): Request<T> {
    return completed((status) => this.recv<T>(status));
  }

  /** MPI_Mrecv into a buffer (mpi4py's `msg.Recv(buf, status)`); a longer message is ERR_TRUNCATE and stays receivable. */
  Recv(buf: BufSpec, status?: Status): void {
    let parsed: BufferMessage | undefined, into: Uint8Array | undefined;
    this.#receive("Message.Recv", status, (comm, call) => {
      parsed = comm.bufferArg(call, buf);
      into = parsed.incoming();
      return comm.bufferSink(call, into);
    }, (_comm, _call, envelope, st) => {
      parsed!.land(into!, envelope.byteLength);
      st?.fill(envelope);
    }, buf);
  }

  /** MPI_Imrecv into a buffer: complete at once; a refusal (ERR_TRUNCATE...) is thrown by its wait(). */
  Irecv(buf: BufSpec): Request<void> {
    const state = this.#state;
    bufferArg(typeof state === "object" && state !== null ? () => state.comm.where("Message.Irecv") : () => onRank("Message.Irecv"), "buf", buf);
    return completed((status) => this.Recv(buf, status));
  }

  /**
   * Validates (the message must not be received yet; buffer and status arguments), then delivers through the sink
   * `sinkFor` makes; `finish` turns the delivered envelope into the result. The message is null from then on.
   */
  #receive<T>(
    call: string, status: unknown, sinkFor: (comm: Comm, call: string) => Sink,
    finish: (comm: Comm, call: string, envelope: Envelope, status: Status | undefined) => T, buf?: BufSpec,
  ): T | undefined {
    const state = this.#state;
    if (state === null) {
      throw new MPIError("ERR_REQUEST", `${onRank(call)}: the message is MPI.MESSAGE_NULL (a matched message is received only once)`);
    }
    if (state === NO_PROC) {
      if (buf !== undefined) bufferArg(() => onRank(call), "buf", buf);
      if (status !== undefined && status !== null && !(status instanceof Status)) throw new MPIError("ERR_ARG", `${onRank(call)}: status must be an MPI.Status`);
      (status as Status | undefined)?.fillEmpty(PROC_NULL);
      return undefined;
    }
    const { comm, message } = state;
    const st = comm.checkStatus(call, status);
    const sink = sinkFor(comm, call);
    let envelope: Envelope;
    try {
      envelope = message.receive(sink);
    } catch (e) {
      throw comm.engineError(call, e);
    }
    this.#state = null;
    return finish(comm, call, envelope, st);
  }
}

/** A request that is complete already: `receive` runs now, and its result (or its error) is what wait() reports. */
function completed<T>(receive: (status: Status) => T): Request<T> {
  const status = new Status();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: receive(status) };
  } catch (error) {
    if (error instanceof MPIError && error.errorClass === "ERR_REQUEST") throw error;
    outcome = { ok: false, error };
  }
  const operation: Operation<T> = {
    test: () => true,
    wait: () => {},
    cancel: () => {},
    finish: (st) => {
      if (st) Object.assign(st, status);
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
  };
  return new Request(operation);
}

/** MPI_MESSAGE_NULL: what a Message is once received. */
export const MESSAGE_NULL: Message = new Message(null);
/**
 * MPI_MESSAGE_NO_PROC: what mprobe/improbe from PROC_NULL return. Receiving it completes at once with a
 * PROC_NULL status (a value receive gives undefined, a buffer is left untouched); it stays MESSAGE_NO_PROC.
 */
export const MESSAGE_NO_PROC: Message = new Message(NO_PROC);

/** @internal For Comm.mprobe/improbe. */
export function matchedMessage(comm: Comm, message: MatchedMessage): Message {
  return new Message({ comm, message });
}
