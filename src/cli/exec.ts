/**
 * `mpi4ts exec program [args]`: what an MPI launcher (mpiexec, srun) starts on every host. Runs the program in
 * this process; the engine is chosen from the launcher's environment (DESIGN.md §1).
 */
import { startDebugging } from "./debugging.js";
import { launcherRank, sendOutputToLauncher } from "./output-channel.js";
import { prepareProgram } from "./program.js";
import { currentEngine } from "../engine/select.js";

export async function execProgram(file: string, args: string[], futures = false, spawned = false): Promise<void> {
  // A spawned process's ranks are those of its own world, which the launcher's FIFO would take for the job's:
  // its output goes through mpiexec instead. It joins MPI at once: its parents wait in MPI_Comm_spawn until then.
  if (spawned) {
    // Its world's ranks would also name its trace parts after the job's ranks' (not traced yet: docs/trace.md).
    delete process.env.MPI4TS_TRACE;
    currentEngine();
  } else {
    sendOutputToLauncher();
  }
  const program = await prepareProgram(file, true);
  process.argv = [process.execPath, program.path, ...args];
  process.setSourceMapsEnabled(true);
  const rank = launcherRank();
  if (rank !== undefined) startDebugging(rank);
  if (futures) process.env.MPI4TS_FUTURES = "1";
  if (process.env.MPI4TS_FUTURES !== "1") {
    await import(program.url);
    return;
  }
  const { runFuturesRank } = await import("../futures/static.js");
  await runFuturesRank(() => import(program.url));
}

