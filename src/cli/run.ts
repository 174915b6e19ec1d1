/** `mpi4ts run`: a local job on worker threads, or a job on the system MPI through mpiexec. */
import { runLocalJob } from "../local/world.js";
import { prepareProgram } from "./program.js";

export interface RunOptions {
  size: number;
  tagOutput: boolean;
  timeout?: number;
  deadlockCheck: boolean;
  engine: "local" | "mpi";
  hostfile?: string;
  verbose: boolean;
  mpiArgs: string[];
  oversubscribe: boolean;
  program: string;
  args: string[];
}

export async function runCommand(options: RunOptions): Promise<number> {
  if (options.engine === "mpi") {
    const { runWithMpiexec } = await import("./mpiexec.js");
    return runWithMpiexec({
      np: options.size, program: options.program, args: options.args, hostfile: options.hostfile,
      mpiArgs: options.mpiArgs, verbose: options.verbose, timeout: options.timeout, tagOutput: options.tagOutput,
      oversubscribe: options.oversubscribe,
    });
  }
  const program = await prepareProgram(options.program);
  return runLocalJob({
    size: options.size, programUrl: program.url, programPath: program.path, args: options.args,
    tagOutput: options.tagOutput, timeout: options.timeout, deadlockCheck: options.deadlockCheck,
  });
}
