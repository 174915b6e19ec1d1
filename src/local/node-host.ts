/** The local engine's host on Node: a worker thread of `mpi4ts run`, or the program's own thread (self engine). */
import { availableParallelism, hostname, totalmem } from "node:os";
import type { RankHost } from "./host.js";
import { loadBindToCore, loadDirectCopy, loadYield } from "./thread-helpers.js";

export function nodeHost(): RankHost {
  const cores = availableParallelism();
  const yieldCore = loadYield();
  const directCopy = loadDirectCopy();
  const bindToCore = loadBindToCore();
  return {
    hostName: hostname(),
    cores,
    memoryBytes: totalmem(),
    runtime: `Node.js ${process.version}`,
    // Every thread of the process reads the same monotonic clock; performance.now() counts from each thread's start.
    clockOffsetMs: Number(process.hrtime.bigint()) / 1e6 - performance.now(),
    onExit: (fn) => { process.on("exit", fn); },
    onIdle: (fn) => { process.on("beforeExit", fn); },
    writeError: (text) => { process.stderr.write(text.endsWith("\n") ? text : `${text}\n`); },
    exit: (code) => process.exit(code),
    ...(yieldCore ? { yieldCore } : {}),
    ...(directCopy ? { directCopy } : {}),
    ...(bindToCore ? { bindToCore } : {}),
  };
}
