/**
 * The largest tag the running engine accepts: its MPI_TAG_UB attribute (MPI-4.0 §11.2.1), 2^31 - 1 on the local
 * and self engines and on Open MPI, 2^28 - 1 on MPICH. `MPI.TAG_UB` cannot be it (a constant, fixed before an
 * engine is chosen), so Comm checks every tag against this bound, read once per engine.
 */
import type { Engine } from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";

// One engine per process in practice: the last one asked about, and its bound (every send and receive checks a
// tag, so this is one comparison, not a map lookup).
let known: { engine: Engine; bound: number } | undefined;

export function tagUpperBound(): number {
  const engine = currentEngine();
  if (known?.engine !== engine) known = { engine, bound: engine.worldAttributes().tagUb };
  return known.bound;
}
