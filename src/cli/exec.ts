/**
 * `mpi4ts exec program [args]`: what an MPI launcher (mpiexec, srun) starts on every host. Runs the program in
 * this process; the engine is chosen from the launcher's environment (DESIGN.md §1).
 */
import { startDebugging } from "./debugging.js";
import { launcherRank, sendOutputToLauncher } from "./output-channel.js";
import { prepareProgram } from "./program.js";

export async function execProgram(file: string, args: string[], futures = false): Promise<void> {
  sendOutputToLauncher();
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

