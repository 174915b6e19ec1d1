/**
 * The optional addon native/threads (built at install when a C compiler is there): what rank threads need and
 * JavaScript cannot do. With more ranks than cores a waiting rank yields its core for a while before it sleeps:
 * the peer it waits for gets the core at once, instead of after a kernel wake-up per wait (DESIGN.md §2;
 * bench/README.md). With no more ranks than cores each rank thread is bound to a core of its own (threads.c says
 * why). And a receiver copies a large message once, straight from the sender's buffer, while the
 * sender waits in its send (handoff.ts).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../native/load.js";

interface ThreadHelpers {
  yield(): void;
  bindToCore?(index: number): number;
  address(view: ArrayBufferView): number;
  copyFrom(address: number, target: ArrayBufferView): void;
}

let loaded: ThreadHelpers | null | undefined;

function helpers(): ThreadHelpers | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)(join(packageRoot(), "build", "Release", "mpi4ts_threads.node")) as ThreadHelpers;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** The yield function, or undefined when the addon is not built or MPI4TS_YIELD=0 turns it off. */
export function loadYield(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  return env.MPI4TS_YIELD === "0" ? undefined : helpers()?.yield;
}

/**
 * Binding the calling thread to one CPU (the index-th the process may use; returns it, or -1), or undefined when
 * the addon is not built, predates it, or MPI4TS_BIND=0 turns it off.
 */
export function loadBindToCore(env: NodeJS.ProcessEnv = process.env): ((index: number) => number) | undefined {
  const h = env.MPI4TS_BIND === "0" ? undefined : helpers();
  return typeof h?.bindToCore === "function" ? h.bindToCore : undefined;
}

/** Reading a peer thread's memory by address, or undefined when the addon is not built or MPI4TS_DIRECT=0. */
export interface DirectCopy {
  /** The address of `view`'s first byte (valid while the view's buffer lives and is not detached or resized). */
  address(view: ArrayBufferView): number;
  /** Fills `target` from `address`. */
  copyFrom(address: number, target: ArrayBufferView): void;
}

export function loadDirectCopy(env: NodeJS.ProcessEnv = process.env): DirectCopy | undefined {
  const h = env.MPI4TS_DIRECT === "0" ? undefined : helpers();
  return h && typeof h.address === "function" ? { address: h.address, copyFrom: h.copyFrom } : undefined;
}
