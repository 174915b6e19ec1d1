/**
 * Error handlers (MPI-4.0 §9.3) in TypeScript terms. An error in a call on a communicator goes to that
 * communicator's handler:
 *  - ERRORS_RETURN (the default, as mpi4py sets it): the call throws the MPIError; the program may catch it.
 *  - ERRORS_ARE_FATAL and ERRORS_ABORT: the job ends at once (MPI_Abort with the error's code), the message
 *    printed; no catch block runs. mpi4ts can only end the whole job, so ERRORS_ABORT (in MPI: the processes of
 *    the communicator) is the same as ERRORS_ARE_FATAL.
 *  - `Comm.Create_errhandler(fn)`: `fn(comm, errorcode)` runs, then the call throws the MPIError.
 * Handlers see the errors that calls on the communicator raise (their arguments, their blocking communication),
 * not errors that surface later through a Request's wait or test.
 *
 * The calls are routed through the handler only once some communicator's handler is not ERRORS_RETURN: until
 * then a failing call throws directly, with no wrapper on any path.
 */
import type { Comm } from "./comm.js";
import { currentEngine } from "./engine/select.js";
import { ERROR_CLASSES, ERROR_CODES, MPIError, isMPIError } from "./errors.js";
import { describe } from "./datatype.js";

export class Errhandler {
  readonly #name: string;
  /** @internal */
  readonly fn: ((comm: Comm, errorcode: number) => void) | undefined;
  #freed = false;

  /** @internal Handlers are the predefined ones or come from `Comm.Create_errhandler`. */
  constructor(name: string, fn?: (comm: Comm, errorcode: number) => void) {
    this.#name = name;
    this.fn = fn;
  }

  get name(): string { return this.#name; }
  /** True for ERRHANDLER_NULL and freed handlers. */
  get isNull(): boolean { return this === ERRHANDLER_NULL || this.#freed; }
  /** Frees a user handler; communicators that have it keep it (MPI-4.0 §9.3.4). Predefined ones stay. */
  Free(): void {
    if (this.isNull) throw new MPIError("ERR_ARG", `Errhandler.Free: ${this.#freed ? "the handler was freed" : "MPI_ERRHANDLER_NULL is not a handler"}`);
    if (this.fn) this.#freed = true;
  }
}

export const ERRORS_RETURN = new Errhandler("MPI_ERRORS_RETURN");
export const ERRORS_ARE_FATAL = new Errhandler("MPI_ERRORS_ARE_FATAL");
export const ERRORS_ABORT = new Errhandler("MPI_ERRORS_ABORT");
export const ERRHANDLER_NULL = new Errhandler("MPI_ERRHANDLER_NULL");

/** Per communicator object; a Dup starts with its parent's (MPI_Comm_dup copies the handler). */
const handlers = new WeakMap<Comm, Errhandler>();

export function createErrhandler(fn: unknown): Errhandler {
  if (typeof fn !== "function") throw new MPIError("ERR_ARG", `Comm.Create_errhandler: errhandler_fn must be a function (comm, errorcode) => void, got ${describe(fn)}`);
  return new Errhandler("user error handler", fn as (comm: Comm, errorcode: number) => void);
}

export function setErrhandler(comm: Comm, errhandler: unknown): void {
  comm.engineComm("Set_errhandler");
  if (!(errhandler instanceof Errhandler) || errhandler.isNull) {
    throw new MPIError("ERR_ARG", `${comm.where("Set_errhandler")}: errhandler must be MPI.ERRORS_RETURN, ERRORS_ARE_FATAL, ERRORS_ABORT or one from Comm.Create_errhandler, got ${errhandler instanceof Errhandler ? errhandler.name : describe(errhandler)}`);
  }
  handlers.set(comm, errhandler);
  if (errhandler !== ERRORS_RETURN) routeErrors();
}

export function getErrhandler(comm: Comm): Errhandler {
  comm.engineComm("Get_errhandler");
  return handlers.get(comm) ?? ERRORS_RETURN;
}

/** A Dup inherits its parent's handler. */
export function inheritErrhandler(from: Comm, to: Comm): void {
  const h = handlers.get(from);
  if (h) handlers.set(to, h);
}

export function callErrhandler(comm: Comm, errorcode: unknown): void {
  const name = ERROR_CLASSES.find((c) => ERROR_CODES[c] === errorcode);
  if (!name) throw new MPIError("ERR_ARG", `${comm.where("Call_errhandler")}: errorcode ${String(errorcode)} is not an MPI.ERR_* code`);
  handle(comm, new MPIError(name, `${comm.where("Call_errhandler")}: ${name} raised by Call_errhandler`));
}

const handled = new WeakSet<object>();

/** Gives `error` to the communicator's handler: returns only by throwing it. */
function handle(comm: Comm, error: unknown): never {
  const h = handlers.get(comm);
  if (h && h !== ERRORS_RETURN && isMPIError(error) && !handled.has(error)) {
    handled.add(error); // a call made inside another (Clone in Dup) reports its error once
    if (h.fn) h.fn(comm, error.Get_error_class());
    else currentEngine().abort(error.Get_error_class(), `mpi4ts: ${h.name} on ${comm.name}: ${error.message}`);
  }
  throw error;
}

/** The classes whose public methods are routed through the handler once one is set (comm.ts and topologies). */
const classes: (abstract new (...args: never[]) => Comm)[] = [];
let routing = false;
/** Methods that are plumbing, or that handle errors themselves. */
const UNROUTED = new Set(["constructor", "engineComm", "where", "checkDest", "checkSource", "checkTag", "checkStatus",
  "encode", "decode", "valueSink", "bufferSink", "engineError", "withEngine", "neighbourhood", "Call_errhandler", "Abort"]);

export function handleErrorsOf(cls: abstract new (...args: never[]) => Comm): void {
  classes.push(cls);
  if (routing) route(cls);
}

function routeErrors(): void {
  if (routing) return;
  routing = true;
  for (const cls of classes) route(cls);
}

function route(cls: abstract new (...args: never[]) => Comm): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    const method = d.value as unknown;
    if (UNROUTED.has(name) || typeof method !== "function") continue;
    Object.defineProperty(proto, name, {
      ...d,
      value: function (this: Comm) {
        try {
          // eslint-disable-next-line prefer-rest-params -- keeps arguments.length, which recv() reads
          return (method as (...a: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]);
        } catch (e) {
          return handle(this, e);
        }
      },
    });
  }
}
