/**
 * The self engine: a world of one, for a program started with plain `node` or `tsx` (like mpi4py without
 * mpiexec). It is the local engine with a single rank living on the program's own thread, so sends to oneself,
 * probes and nonblocking calls behave exactly as in a bigger job, and a receive that could only be satisfied by
 * another rank fails with ERR_DEADLOCK instead of hanging. Its job has room for spawned ranks: at the first
 * Spawn (a PoolExecutor's workers) a launcher thread starts (src/local/in-process.ts) and the world of one
 * becomes a local job, as under `mpi4ts run -n 1`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MPIError } from "../errors.js";
import { LocalEngine } from "../local/engine.js";
import type { InProcessLauncherData } from "../local/in-process.js";
import { jobBytes, planLayout, universeSize } from "../local/layout.js";
import { nodeHost } from "../local/node-host.js";

export function createSelfEngine(): LocalEngine {
  const layout = planLayout(1, universeSize(1));
  const sab = new SharedArrayBuffer(jobBytes(layout));
  const { port1: control, port2: launcherEnd } = new MessageChannel();
  control.unref();
  return new LocalEngine({
    sab,
    layout,
    rank: 0,
    ports: [undefined],
    control,
    connectLauncher: () => startLauncher({ sab, layout, control: launcherEnd }),
    host: nodeHost(),
    name: "self",
  });
}

function startLauncher(data: InProcessLauncherData): void {
  // (the bundle's launcher.js is this module's neighbour in dist/bundle/)
  const script = new URL("./launcher.js", import.meta.url);
  // Checked here: a thread that cannot load would never answer, and this thread may wait for it in MPI.
  if (!existsSync(fileURLToPath(script))) {
    throw new MPIError("ERR_SPAWN", `this mpi4ts has no launcher thread to spawn with (${fileURLToPath(script)} is missing: run npm run build, or start the program with npx mpi4ts run -n 1)`);
  }
  const launcher = new Worker(script, { workerData: data, transferList: [data.control], name: "mpi4ts launcher" });
  // The program ends when its own work does (its pool shut down), whatever the launcher still watches.
  launcher.unref();
}
