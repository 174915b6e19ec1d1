/**
 * src/cli/program.ts in a browser page: programs are compiled by the page (the playground compiles with
 * esbuild-wasm), not by the runtime, so a task module that only `mpi4ts run` could compile is refused clearly.
 */
import { MPIError } from "../errors.js";

export function prepareProgram(path: string): never {
  throw new MPIError("ERR_UNSUPPORTED_OPERATION", `${path}: a TypeScript task module is compiled by mpi4ts run; in a browser, give the pool JavaScript modules`);
}
