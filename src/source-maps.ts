/**
 * Source maps for the program's frames (its .ts lines in stack traces and trace call sites), not the runtime's.
 * Stack traces leave mpi4ts's own frames out (stack.ts), yet once source maps are enabled Node parses the map of
 * every module loaded after, and the runtime's maps cost each rank 10-15 ms of CPU at start-up: with 4 ranks on
 * 2 cores, a quarter of `mpi4ts run -n 4 hello.ts`. So when the program will import this very runtime, it is
 * loaded first and maps are enabled after it. MPI4TS_DEBUG=1, which keeps every frame, maps the runtime's too.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Enables source maps for what loads from now on, after loading `runtime` (the bundle's index.js, as a URL
 * next to the caller) if the program at `programPath` imports "mpi4ts" from that same file.
 */
export async function enableSourceMapsAfterRuntime(programPath: string, runtime: URL): Promise<void> {
  if (process.env.MPI4TS_DEBUG !== "1" && resolvesTo(programPath) === fileURLToPath(runtime)) await import(runtime.href);
  process.setSourceMapsEnabled(true);
}

/** The file "mpi4ts" means to the program (what the launcher's compile resolved its import to), if any. */
function resolvesTo(programPath: string): string | undefined {
  try {
    return createRequire(programPath).resolve("mpi4ts");
  } catch {
    return undefined;
  }
}
