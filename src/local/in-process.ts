/**
 * The launcher of a program started with plain node (the self engine), on a thread of that program: started at
 * its first Spawn (src/engine/self.ts), it makes the program's world of one a local job, as `mpi4ts run -n 1`
 * would have: it starts the spawned ranks' threads, relays their output, supervises them and recycles their
 * slots (world.ts, with rank 0 adopted). The program's own thread stays rank 0 and talks to it as any rank talks
 * to its launcher, over shared memory and its control port; nothing here needs the program's event loop.
 */
import { writeSync } from "node:fs";
import { workerData, type MessagePort } from "node:worker_threads";
import { JOB_ABORT, abortWord, inboxView, jobHeader, type JobLayout } from "./layout.js";
import { ringDoorbell } from "./mailbox.js";
import { runLocalJob } from "./world.js";

/** What the self engine gives its launcher thread. */
export interface InProcessLauncherData {
  readonly sab: SharedArrayBuffer;
  readonly layout: JobLayout;
  readonly control: MessagePort;
}

const adopted = workerData as InProcessLauncherData;
// A launcher that broke would leave rank 0 waiting for its answers: the job ends instead, and rank 0's next MPI
// call (or the one it waits in) raises ERR_ABORTED.
process.on("uncaughtException", (error) => {
  writeSync(2, `mpi4ts: the launcher thread failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  Atomics.compareExchange(jobHeader(adopted.sab), JOB_ABORT, 0, abortWord(-1, 1));
  ringDoorbell(inboxView(adopted.sab, adopted.layout, 0).control);
});
void runLocalJob({
  size: 1,
  programUrl: Promise.resolve(""),
  programPath: "", // (no rank of its own to start: the spawned ones' programs come with their requests)
  args: [],
  tagOutput: false,
  deadlockCheck: true,
  adopted,
});
