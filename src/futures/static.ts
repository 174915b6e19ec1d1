/**
 * Static mode (`mpi4ts run -n N --futures app.ts`, as `mpiexec -n N python -m mpi4py.futures app.py`): rank 0
 * runs the program, the other ranks serve its PoolExecutors, one at a time, until the program ends.
 */
import { COMM_WORLD, type Comm } from "../comm.js";
import { MPIError } from "../errors.js";
import { CONTROL_TAG, type Control } from "./protocol.js";
import { serve } from "./server.js";

/** The launcher's note to every rank that the job runs in static mode. */
export const FUTURES_ENV = "MPI4TS_FUTURES";
const HEAD = 0;

let shared: Comm | undefined;
/** The head's and workers' own communicator: a Dup of COMM_WORLD, made once by every rank. */
function staticComm(): Comm {
  return (shared ??= COMM_WORLD.Dup());
}

/** The live PoolExecutor's shutdown, while there is one. */
let active: (() => Promise<void>) | undefined;

/** The session for a new PoolExecutor on the head, or why there is none. */
export function staticWorkers(): StaticSession | string {
  if (process.env[FUTURES_ENV] !== "1") return "the program was not started with --futures";
  if (COMM_WORLD.size === 1) return "--futures with a single rank leaves none to serve";
  if (active) {
    throw new MPIError("ERR_OTHER", `new PoolExecutor (rank ${COMM_WORLD.rank}): the worker ranks already serve another PoolExecutor; shut it down first (one pool at a time in --futures mode)`);
  }
  const workers = Array.from({ length: COMM_WORLD.size - 1 }, (_, i) => i + 1);
  return {
    comm: staticComm(), workers,
    adopt: (shutdown) => { active = shutdown; },
    onEnd: () => { active = undefined; },
  };
}

export interface StaticSession {
  comm: Comm;
  workers: number[];
  /** The new executor hands over its shutdown, for the end of the program. */
  adopt: (shutdown: () => Promise<void>) => void;
  onEnd: () => void;
}

/**
 * A rank of a --futures job: rank 0 runs the program; when the program's module has finished (its top-level
 * awaits included), a pool it left open is shut down (waiting for its tasks) and the workers are released.
 * The other ranks serve until then. (Not at beforeExit: the local engine empties the event loop while it
 * awaits a message, so an empty loop does not mean the program ended.)
 */
export async function runFuturesRank(runProgram: () => Promise<unknown>): Promise<void> {
  if (COMM_WORLD.rank !== HEAD) {
    await serve(staticComm(), HEAD, "exit");
    return;
  }
  await runProgram();
  await active?.();
  const comm = staticComm();
  const exit: Control = { kind: "exit" };
  for (let w = 1; w < comm.size; w++) comm.send(exit, w, CONTROL_TAG);
}
