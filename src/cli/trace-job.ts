/**
 * `mpi4ts run --trace [FILE] / --profile`: the launcher's side of a traced job. It tells the ranks where to
 * record (MPI4TS_TRACE, inherited by the local engine's threads and passed on by mpiexec), merges their parts
 * once the job has ended however it ended, and prints the profile from the merged trace.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mergeJobTrace, removeParts } from "../trace/merge.js";
import { formatProfile, profileOf } from "../trace/profile.js";
import type { RunOptions } from "./run.js";

export const DEFAULT_TRACE_FILE = "mpi4ts-trace.json";

export async function tracedJob(options: RunOptions, run: () => Promise<number>): Promise<number> {
  // --profile alone still records (the profile is computed from the trace), into a file of its own.
  const scratch = options.trace === undefined ? mkdtempSync(join(tmpdir(), "mpi4ts-profile-")) : undefined;
  const file = resolve(options.trace ?? join(scratch!, "trace.json"));
  removeParts(file);
  process.env.MPI4TS_TRACE = file;
  process.env.MPI4TS_TRACE_JOB = randomUUID();
  process.env.MPI4TS_TRACE_MERGE = "launcher";
  // (Rank 0 on another host merges there instead: install.ts.)
  process.env.MPI4TS_TRACE_HOST = hostname();
  try {
    const code = await run();
    const trace = mergeJobTrace(file, options.size);
    if (!trace) process.stderr.write(`mpi4ts: no rank left a trace on this host (did the program import mpi4ts? A rank 0 on another host merges the trace there)\n`);
    else {
      if (options.trace !== undefined) process.stderr.write(`mpi4ts: trace written to ${file} (draw it: npx mpi4ts view ${options.trace})\n`);
      if (options.profile) process.stderr.write(formatProfile(profileOf(trace)));
    }
    return code;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
