/**
 * The launcher of a program started with plain node (the self engine), on a thread of that program: started at
 * its first Spawn (src/engine/self.ts), it makes the program's world of one a local job, as `mpi4ts run -n 1`
 * would have: it starts the spawned ranks' threads, relays their output, supervises them and recycles their
 * slots (world.ts, with rank 0 adopted). The program's own thread stays rank 0 and talks to it as any rank talks
 * to its launcher, over shared memory and its control port; nothing here needs the program's event loop.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import type { JobLayout } from "./layout.js";
import { runLocalJob } from "./world.js";

/** What the self engine gives its launcher thread. */
export interface InProcessLauncherData {
  readonly sab: SharedArrayBuffer;
  readonly layout: JobLayout;
  readonly control: MessagePort;
}

const adopted = workerData as InProcessLauncherData;
void runLocalJob({
  size: 1,
  programUrl: Promise.resolve(""),
  programPath: process.argv[1] ?? "",
  args: [],
  tagOutput: false,
  deadlockCheck: true,
  adopted,
});
