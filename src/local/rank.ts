/**
 * A rank's thread (the worker script `mpi4ts run` starts once per rank): joins the job's shared memory, installs
 * the local engine where `import { MPI } from "mpi4ts"` will find it, and runs the user's program.
 */
import { workerData } from "node:worker_threads";
import { startDebugging } from "../cli/debugging.js";
import { LOCAL_ENGINE_SLOT } from "../engine/select.js";
import { LocalEngine } from "./engine.js";
import { nodeHost } from "./node-host.js";
import { setProgressSink } from "../progress.js";
import { enableSourceMapsAfterRuntime } from "../source-maps.js";
import { PROGRESS, captureOutput, type OutputMessage } from "./relay.js";
import type { RankData, StartMessage } from "./world.js";

const data = workerData as RankData;
captureOutput(data.output);
if (process.env.MPI4TS_PROGRESS === "1") {
  setProgressSink((update) => data.output.postMessage([PROGRESS, JSON.stringify(update)] satisfies OutputMessage));
}
data.output.unref();
process.argv = [process.execPath, data.programPath, ...data.args];
(globalThis as Record<symbol, unknown>)[LOCAL_ENGINE_SLOT] = new LocalEngine({
  sab: data.sab,
  ...(data.heap ? { heap: data.heap } : {}),
  layout: data.layout,
  rank: data.rank,
  slot: data.slot,
  movedPeers: data.movedPeers,
  ports: data.ports,
  control: data.control,
  ...(data.spawned ? { spawned: data.spawned } : {}),
  host: nodeHost(),
  name: "local",
});
data.control.unref();
for (const port of data.ports) port?.unref();
const { programUrl } = await new Promise<StartMessage>((resolve) => data.output.once("message", resolve));
data.output.unref();
startDebugging(data.rank);
// (the bundle's index.js is this file's neighbour: dist/bundle/rank.js)
await enableSourceMapsAfterRuntime(data.programPath, new URL("./index.js", import.meta.url));
if (process.env.MPI4TS_FUTURES === "1") {
  const { runFuturesRank } = await import("../futures/static.js");
  await runFuturesRank(() => import(programUrl));
} else {
  await import(programUrl);
}
