/**
 * A worker's side: receives tasks from the head, runs them one after the other and answers each. `serve` handles
 * executor sessions until the head says `stop` (CommExecutor) or `exit` (static mode, the head's program ended).
 */
import type { Comm } from "../comm.js";
import { currentEngine } from "../engine/select.js";
import { CONTROL_TAG, type Control, type Ending, REPLY_TAG, type Reply, remoteError, runAsTask } from "./protocol.js";
import { resolveTask } from "./tasks.js";

/** Serves `head` on `comm`; resolves, with what ended it, when the head ends the session (`stop`) or the job (`exit`). */
export async function serve(comm: Comm, head: number, until: "stop" | "exit"): Promise<Ending> {
  // While serving, this rank's failure breaks the head's pool (BrokenExecutor) instead of ending the job.
  const engine = currentEngine();
  engine.expendable?.(true);
  try {
    return await serveSessions(comm, head, until);
  } finally {
    engine.expendable?.(false);
  }
}

async function serveSessions(comm: Comm, head: number, until: "stop" | "exit"): Promise<Ending> {
  const rank = comm.rank;
  const reply = (message: Reply) => comm.send(message, head, REPLY_TAG);
  let broken = false;
  for (;;) {
    const message = await comm.irecv<Control>(head, CONTROL_TAG);
    switch (message.kind) {
      case "start":
        broken = false;
        try {
          if (message.initializer) {
            const init = await resolveTask(message.initializer);
            await runAsTask(async () => init(...message.initargs));
          }
          reply({ kind: "ready", rank });
        } catch (e) {
          // A pool whose initializer failed is broken (mpi4py): tasks of this session are dropped unanswered.
          broken = true;
          reply({ kind: "broken", rank, error: remoteError(e) });
        }
        break;
      case "task":
        if (!broken) await runTask(message, rank, reply);
        break;
      case "stop":
        if (until === "stop") return message;
        break;
      case "exit":
        return message;
    }
  }
}

async function runTask(task: Extract<Control, { kind: "task" }>, rank: number, reply: (message: Reply) => void): Promise<void> {
  let values: unknown[];
  try {
    const fn = await resolveTask(task.fn);
    values = await runAsTask(async () => {
      const out: unknown[] = [];
      for (const args of task.items) out.push(await fn(...args));
      return out;
    });
  } catch (e) {
    reply({ kind: "failed", id: task.id, rank, error: remoteError(e) });
    return;
  }
  try {
    reply({ kind: "done", id: task.id, rank, values });
  } catch (e) {
    // A value that cannot travel (a function, a class instance's methods...): the task fails, the worker goes on.
    reply({ kind: "failed", id: task.id, rank, error: remoteError(e) });
  }
}
