/**
 * `mpi4ts exec program [args]`: what an MPI launcher (mpiexec, srun) starts on every host. Runs the program in
 * this process; the engine is chosen from the launcher's environment (DESIGN.md §1).
 */
import { startDebugging } from "./debugging.js";
import { launcherRank, sendOutputToLauncher } from "./output-channel.js";
import { prepareProgram } from "./program.js";
import { currentEngine } from "../engine/select.js";
import { enableSourceMapsAfterRuntime } from "../source-maps.js";

export async function execProgram(file: string, args: string[], futures = false, spawned = false): Promise<void> {
  // mpi4ts run decides colour from its own stdout (run.ts, colorEnvironment). Under a bare mpiexec the rank's
  // stdout (a pty under Open MPI) says nothing about where mpiexec's goes: no colour, as from a C or mpi4py rank,
  // unless the user asks for it.
  if (process.env.FORCE_COLOR === undefined && process.env.NO_COLOR === undefined) process.env.FORCE_COLOR = "0";
  if (spawned) {
    // A spawned process's ranks are those of its own world, which the launcher's per-rank channels would take
    // for the job's ranks: its output goes through mpiexec, and it keeps no blocked-state record and no trace
    // part (docs/trace.md). It joins MPI at once: its parents wait in MPI_Comm_spawn until then.
    for (const name of ["MPI4TS_TRACE", "MPI4TS_STATE_DIR"]) delete process.env[name];
    currentEngine();
  } else {
    sendOutputToLauncher();
  }
  const program = await prepareProgram(file, true);
  process.argv = [process.execPath, program.path, ...args];
  const rank = launcherRank();
  if (rank !== undefined) startDebugging(rank);
  // (this file is bundled into dist/bundle/, beside the runtime's index.js)
  await enableSourceMapsAfterRuntime(program.path, new URL("./index.js", import.meta.url));
  if (futures) process.env.MPI4TS_FUTURES = "1";
  if (process.env.MPI4TS_FUTURES !== "1") {
    await import(program.url);
    return;
  }
  const { runFuturesRank } = await import("../futures/static.js");
  await runFuturesRank(() => import(program.url));
}

