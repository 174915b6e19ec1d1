/**
 * Dynamic mode (mpi4py.futures' MPIPoolExecutor in a program started without workers): a PoolExecutor spawns
 * its workers (COMM_SELF.Spawn of pool-worker.ts) and talks to them over the intercommunicator, on which the
 * head is the workers' remote rank 0. Shutdown stops and disconnects them; a program that ends with a pool still
 * open shuts it down then (waiting for its tasks), as mpi4py does at exit.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { COMM_SELF, COMM_WORLD, Comm } from "../comm.js";
import type { Intercomm } from "../intercomm.js";
// Spawn's implementation (it installs itself into Comm), for a program that imports only mpi4ts/futures.
import "../spawn.js";
import { UNIVERSE_SIZE } from "../attributes.js";
import { isMPIError, MPIError } from "../errors.js";
import { ending } from "../exit-warnings.js";
import { packageRoot } from "../native/load.js";
import { CONTROL_TAG, type Control } from "./protocol.js";
import { serve } from "./server.js";

/** What PoolExecutor needs of its workers (executor.ts's Session). */
export interface SpawnedSession {
  comm: Comm;
  workers: number[];
  adopt: (shutdown: () => Promise<void>) => void;
  onEnd: (lost: boolean) => void;
}

/** The shutdowns of the pools still open, run when the program ends (mpi4py shuts its pools down at exit too). */
const openPools = new Set<() => Promise<void>>();
let armed = false;

/**
 * The end of the program is the first empty event loop with no request awaited (exit-warnings.ts). The pools
 * shut down before the warnings look (this listener comes first, and counts as awaiting meanwhile).
 */
function shutDownAtEnd(): void {
  if (armed) return;
  armed = true;
  process.prependListener("beforeExit", () => {
    if (ending.awaiting > 0 || openPools.size === 0) return;
    ending.awaiting++;
    void Promise.allSettled([...openPools].map((shutdown) => shutdown())).finally(() => { ending.awaiting--; });
  });
}

/** The number of workers a pool spawns when not told: one per core, within the job's UNIVERSE_SIZE. */
export function defaultSpawnedWorkers(): number {
  const universe = COMM_WORLD.Get_attr(UNIVERSE_SIZE);
  const room = typeof universe === "number" && universe > COMM_WORLD.size ? universe - COMM_WORLD.size : 1;
  return Math.max(1, Math.min(availableParallelism(), room));
}

/** Spawns `count` workers; `refuse(detail)` makes the error a pool gives when it cannot get them. */
export function spawnWorkers(count: number, refuse: (detail: string) => MPIError): SpawnedSession {
  // The bundled worker shares the runtime's modules with "mpi4ts/futures", whose task registry it fills.
  const program = join(packageRoot(), "dist", "bundle", "pool-worker.js");
  let inter: Intercomm;
  try {
    inter = COMM_SELF.Spawn(program, [], count);
  } catch (e) {
    if (isMPIError(e) && e.errorClass === "ERR_SPAWN") throw refuse(`spawning ${count} worker${count === 1 ? "" : "s"} failed: ${e.message}`);
    throw e;
  }
  const workers = Array.from({ length: count }, (_, i) => i);
  let shutdown: (() => Promise<void>) | undefined;
  // A program that calls process.exit() with the pool open lets its workers go, before MPI is finalized.
  const atExit = () => {
    const exit: Control = { kind: "exit" };
    for (const w of workers) inter.send(exit, w, CONTROL_TAG);
  };
  process.prependOnceListener("exit", atExit);
  shutDownAtEnd();
  return {
    comm: inter, workers,
    adopt: (pool) => { shutdown = pool; openPools.add(pool); },
    onEnd: (lost) => {
      process.off("exit", atExit);
      if (shutdown) openPools.delete(shutdown);
      // Disconnect waits for every worker; one that died never comes.
      if (lost) inter.Free();
      else inter.Disconnect();
    },
  };
}

/** A spawned worker's life (pool-worker.ts): serve the head until it stops the pool, then disconnect. */
export async function servePool(): Promise<void> {
  const parent = Comm.Get_parent();
  if (parent.isNull) {
    throw new MPIError("ERR_OTHER", "mpi4ts pool worker: this program is started by PoolExecutor (it spawns it), not by hand");
  }
  const end = await serve(parent, 0, "stop");
  // Disconnect waits for every process of both worlds: not when a worker of the pool died.
  if (end.kind === "stop" && !end.lost) parent.Disconnect();
}
