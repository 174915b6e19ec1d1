/**
 * The self engine: a world of one, for a program started with plain `node` or `tsx` (like mpi4py without
 * mpiexec). It is the local engine with a single rank living on the program's own thread, so sends to oneself,
 * probes and nonblocking calls behave exactly as in a bigger job, and a receive that could only be satisfied by
 * another rank fails with ERR_DEADLOCK instead of hanging.
 */
import { LocalEngine } from "../local/engine.js";
import { jobBytes, planLayout } from "../local/layout.js";
import { nodeHost } from "../local/node-host.js";

export function createSelfEngine(): LocalEngine {
  const layout = planLayout(1);
  return new LocalEngine({
    sab: new SharedArrayBuffer(jobBytes(layout)),
    layout,
    rank: 0,
    ports: [undefined],
    host: nodeHost(),
    name: "self",
  });
}
