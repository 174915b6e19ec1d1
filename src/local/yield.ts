/**
 * sched_yield for rank threads, from the optional addon native/yield (built at install when a C compiler is
 * there). With more ranks than cores a waiting rank yields its core for a while before it sleeps: the peer it
 * waits for gets the core at once, instead of after a kernel wake-up per wait (DESIGN.md §2; bench/README.md).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../native/load.js";

/** The yield function, or undefined when the addon is not built or MPI4TS_YIELD=0 turns it off. */
export function loadYield(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  if (env.MPI4TS_YIELD === "0") return undefined;
  try {
    const addon = createRequire(import.meta.url)(join(packageRoot(), "build", "Release", "mpi4ts_yield.node")) as { yield(): void };
    return addon.yield;
  } catch {
    return undefined;
  }
}
