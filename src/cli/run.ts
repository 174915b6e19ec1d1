/** `mpi4ts run`: a local job on worker threads, or a job on the system MPI through mpiexec. */
import { availableParallelism } from "node:os";
import { runLocalJob } from "../local/world.js";
import { compileProgram, locateProgram } from "./program.js";

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
      // On this machine alone, like the local engine, more ranks than cores is allowed without asking.
      oversubscribe: options.oversubscribe || (options.hostfile === undefined && options.size > availableParallelism()),
    });
  }
  const programPath = locateProgram(options.program);
  // The ranks' threads start while the program compiles; they receive its URL when it is ready.
  return runLocalJob({
    size: options.size, programUrl: compileProgram(programPath), programPath, args: options.args,
    tagOutput: options.tagOutput, timeout: options.timeout, deadlockCheck: options.deadlockCheck,
  });
}
