/**
 * Picks the engine once, at first use (DESIGN.md §1): a rank thread started by `mpi4ts run` → local; an MPI
 * launcher's environment → mpi; otherwise → self. `MPI4TS_ENGINE` (local | mpi | self) overrides.
 */
import type { Engine } from "./engine.js";
import { MPIError } from "../errors.js";
import { createSelfEngine } from "./self.js";
import { createMpiEngine } from "../native/engine.js";
import { launchedByMpi } from "../native/load.js";
import { unreceivedWarning, warnAtEnd } from "../exit-warnings.js";

/** Where the rank bootstrap of `mpi4ts run` leaves the local engine, shared by every copy of this package. */
export const LOCAL_ENGINE_SLOT = Symbol.for("mpi4ts.localEngine");

let engine: Engine | undefined;

export function currentEngine(): Engine {
  if (engine) return engine;
  const chosen = (engine = selectEngine());
  warnAtEnd(() => unreceivedWarning(chosen));
  return chosen;
}

function selectEngine(): Engine {
  const local = (globalThis as Record<symbol, Engine | undefined>)[LOCAL_ENGINE_SLOT];
  const forced = process.env.MPI4TS_ENGINE;
  if (local && (!forced || forced === "local")) return local;
  switch (forced) {
    case undefined:
    case "":
      return launchedByMpi() ? createMpiEngine() : createSelfEngine();
    case "mpi":
      return createMpiEngine();
    case "self":
      return createSelfEngine();
    case "local":
      throw new MPIError("ERR_OTHER", "MPI4TS_ENGINE=local: the local engine runs ranks started by `mpi4ts run -n N program`; start the program that way");
    default:
      throw new MPIError("ERR_ARG", `MPI4TS_ENGINE=${forced} is not an engine: use local, mpi or self`);
  }
}
