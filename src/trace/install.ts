/**
 * Starts tracing when the environment asks for it (`MPI4TS_TRACE=FILE`, set by `mpi4ts run --trace/--profile`
 * or by hand around mpiexec): called once as mpi4ts loads, so that the wrappers are in place before the
 * program's first call. Without the variable nothing is wrapped and tracing costs nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { ownVersion } from "../cli/package-info.js";
import { Comm } from "../comm.js";
import { currentEngine } from "../engine/select.js";
import { instrument, instrumentLibrary, startRecording } from "./instrument.js";
import { gatherParts } from "./collect.js";
import { mergeJobTrace } from "./merge.js";
import { DEFAULT_CAP, Recorder, partFile } from "./recorder.js";
import { synchronizeClocks } from "./sync.js";
import { setRecorder } from "./api.js";
import { traceSink } from "./sink.js";

/** How long rank 0 waits at exit for the other ranks' parts when no launcher merges them. */
const PARTS_WAIT_MS = 10_000;

export function traceFromEnvironment(exported: Record<string, unknown>): void {
  const file = process.env.MPI4TS_TRACE;
  if (!file) return;
  const engine = currentEngine();
  const world = engine.world;
  // Ranks of the local and self engines share one clock and get their job id from the launcher.
  const { offsetUs, jobId } = engine.name === "mpi" && world.size > 1
    ? synchronizeClocks(world.internal)
    : { offsetUs: 0, jobId: process.env.MPI4TS_TRACE_JOB ?? randomUUID() };
  const cap = Number(process.env.MPI4TS_TRACE_CAP);
  // A rank spawned into a local job records under its job rank, beside the ranks it was spawned by.
  const recorder = new Recorder(file, {
    jobId, offsetUs, rank: engine.jobRank ?? world.rank, size: world.size, host: engine.processorName(), engine: engine.name, version: ownVersion(),
  }, Number.isInteger(cap) && cap > 0 ? cap : DEFAULT_CAP, engine.mapFile?.bind(engine), traceSink());
  startRecording(recorder);
  setRecorder(recorder);
  instrumentLibrary();
  for (const value of Object.values(exported)) {
    if (typeof value === "function" && value.prototype instanceof Comm) instrument(value.prototype as object);
  }
  recorder.on = process.env.MPI4TS_TRACE_START !== "off";

  if (engine.name === "mpi" && world.size > 1 && engine.beforeFinalize) {
    // (on a communicator of its own: the check for messages never received, at the end, drains the world's)
    const parts = world.dup();
    engine.beforeFinalize((ending) => gatherParts(parts, recorder, file, ending));
  }
  process.on("exit", (code) => {
    recorder.flush(`exit ${code}`);
    if (world.rank === 0 && mergesHere()) mergeWhenComplete(file, world.size, jobId);
  });
  process.prependListener("uncaughtExceptionMonitor", (error) => recorder.flush(`uncaught exception: ${(error as Error)?.message ?? String(error)}`));
  // The mpi engine turns unhandled rejections into MPI_Abort, which runs no exit handler.
  if (process.listenerCount("unhandledRejection") > 0) {
    process.prependListener("unhandledRejection", (reason) => recorder.flush(`unhandled rejection: ${(reason as Error)?.message ?? String(reason)}`));
  }
}

/**
 * Whether rank 0 merges the parts: unless a launcher does (`mpi4ts run`), which it can only where it sees rank
 * 0's files: on rank 0's host (a cluster's hosts may share no file system; the parts come to rank 0, gatherParts).
 */
function mergesHere(): boolean {
  if (process.env.MPI4TS_TRACE_MERGE !== "launcher") return true;
  const launcherHost = process.env.MPI4TS_TRACE_HOST;
  if (launcherHost === undefined || launcherHost === hostname()) return false;
  process.stderr.write(`mpi4ts: rank 0 runs on ${hostname()}, not on the launcher's host ${launcherHost}: it merges the trace into ${process.env.MPI4TS_TRACE} there\n`);
  return true;
}

/** Rank 0 without a launcher (bare mpiexec, self): waits for the other ranks' parts of this job, then merges. */
function mergeWhenComplete(file: string, size: number, jobId: string): void {
  const deadline = Date.now() + PARTS_WAIT_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const ready = (rank: number) => {
    const path = partFile(file, rank);
    if (!existsSync(path)) return false;
    try {
      return (JSON.parse(readFileSync(path, "utf8")) as { jobId?: string }).jobId === jobId;
    } catch {
      return false; // still being written
    }
  };
  const waiting = new Set(Array.from({ length: size }, (_, r) => r));
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const r of waiting) if (ready(r)) waiting.delete(r);
    if (waiting.size > 0) Atomics.wait(sleeper, 0, 0, 20);
  }
  mergeJobTrace(file, size);
}

