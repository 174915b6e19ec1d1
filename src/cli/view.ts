/** `mpi4ts view trace.json [-o out.html] [--open]`: writes the timeline page of a trace (trace/view.ts). */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { mergeJobTrace, readTrace } from "../trace/merge.js";
import { renderPage } from "../trace/view.js";
import { UsageError } from "./main.js";

export async function viewCommand(argv: readonly string[]): Promise<number> {
  let input: string | undefined, output: string | undefined, open = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-o" || arg === "--output") {
      output = argv[++i];
      if (output === undefined) throw new UsageError(`${arg} needs a file name`);
    } else if (arg === "--open") open = true;
    else if (arg.startsWith("-")) throw new UsageError(`view: unknown option ${arg} (mpi4ts view trace.json [-o out.html] [--open])`);
    else if (input === undefined) input = arg;
    else throw new UsageError(`view: one trace file at a time (got ${input} and ${arg})`);
  }
  if (input === undefined) throw new UsageError("view needs a trace file (e.g. mpi4ts view mpi4ts-trace.json)");
  // A job whose merge never ran (rank 0 killed under a bare mpiexec) left only its ranks' parts: merge them now.
  if (!existsSync(input) && existsSync(dirname(input)) && !mergeJobTrace(input)) throw new UsageError(`view: no such file: ${input}`);
  if (!existsSync(input)) throw new UsageError(`view: no such file: ${input}`);
  let trace;
  try {
    trace = readTrace(input);
  } catch (e) {
    throw new UsageError(`view: ${input} is not a trace written by mpi4ts --trace: ${(e as Error).message}`);
  }
  if (!trace.mpi4ts || !Array.isArray(trace.traceEvents)) throw new UsageError(`view: ${input} is not a trace written by mpi4ts --trace`);
  const out = output ?? `${input.replace(/\.json$/, "")}.html`;
  writeFileSync(out, renderPage(trace));
  process.stderr.write(`mpi4ts: wrote ${out}\n`);
  if (open) openInBrowser(out);
  return 0;
}

function openInBrowser(file: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(command, [file], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write(`mpi4ts: could not start ${command}; open ${file} in a browser\n`));
  child.unref();
}
