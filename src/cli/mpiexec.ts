/** Jobs on the system MPI through mpiexec: arrives with the native engine (issue 4). */
export interface MpiexecOptions {
  np: number; program: string; args: string[]; hostfile?: string; mpiArgs: string[]; verbose: boolean;
  timeout?: number; tagOutput: boolean; oversubscribe: boolean;
}

export async function runWithMpiexec(options: MpiexecOptions): Promise<number> {
  void options;
  process.stderr.write("mpi4ts: --engine mpi is not available in this build yet (the native engine is not built)\n");
  return 2;
}
