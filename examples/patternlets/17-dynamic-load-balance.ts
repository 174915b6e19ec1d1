/**
 * Patternlet 17: dynamic load balancing (a task queue).
 *
 * What it teaches: when tasks take very different amounts of time, handing
 * out equal shares in advance leaves some ranks idle while others still work.
 * Instead, the conductor keeps a queue and gives one task at a time to
 * whichever worker asks. A worker asks by sending a message (its previous
 * result, or nothing at first); the conductor receives from ANY_SOURCE and
 * reads the Status to learn *who* asked, then replies with the next task
 * (tag WORKTAG) or, when the queue is empty, tells it to stop (tag DIETAG).
 * The worker reads the tag of what it receives to know which it got.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/17-dynamic-load-balance.ts
 *
 * See it (the timeline: a lane per rank, an arrow per message; examples/README.md, "Reading a timeline"):
 *   npx mpi4ts run -n 4 --trace load-balance.json examples/patternlets/17-dynamic-load-balance.ts && npx mpi4ts view load-balance.json --open
 *
 * Try:
 *   - Pass the number of tasks: `... 17-dynamic-load-balance.ts 40`.
 *   - Run with -n 2 (one worker does everything) and -n 8; compare the times.
 *   - Make every task take the same time and compare with patternlet 02's static split.
 *   - It needs at least 2 ranks: with -n 1 there is no worker, and it refuses.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const WORKTAG = 1; // conductor -> worker: here is a task
const DIETAG = 2; // conductor -> worker: no more tasks, stop
const RESULTTAG = 3; // worker -> conductor: my result (or null: I am ready)

const nTasks = Number(process.argv[2] ?? 16);

/** What a worker sends back: which task, and its result (null before the first task). */
interface Reply {
  task: number;
  result: number | null;
}

/** Sleep without busy-waiting (a stand-in for real work of varying length). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The "work": task t takes between 5 and 45 ms and computes t squared. */
function doTask(t: number): number {
  sleep(5 + (t * 7919) % 41);
  return t * t;
}

if (size < 2) {
  console.error("The task queue needs a conductor and at least one worker: run with -n 2 or more.");
  process.exit(1);
}

if (rank === 0) {
  const results = new Array<number | null>(nTasks).fill(null);
  const tasksDone = new Array<number>(size).fill(0);
  const status = new MPI.Status();
  let next = 0; // next task to hand out
  let running = size - 1; // workers not yet told to stop
  const t0 = MPI.Wtime();

  while (running > 0) {
    // Whoever is free first gets served first: receive from any worker.
    const reply = comm.recv<Reply>(MPI.ANY_SOURCE, RESULTTAG, status);
    const worker = status.Get_source();
    if (reply.result !== null) {
      results[reply.task] = reply.result;
      tasksDone[worker]++;
    }
    if (next < nTasks) {
      comm.send(next, worker, WORKTAG);
      next++;
    } else {
      comm.send(null, worker, DIETAG);
      running--;
    }
  }

  const elapsed = MPI.Wtime() - t0;
  for (let w = 1; w < size; w++) console.log(`Worker ${w} did ${tasksDone[w]} task(s)`);
  console.log(`Conductor: ${nTasks} tasks done in ${elapsed.toFixed(3)} s`);

  // Self-check: every task was done exactly once and correctly.
  results.forEach((r, t) => {
    if (r !== t * t) throw new Error(`task ${t} has result ${r}, expected ${t * t}`);
  });
  const total = tasksDone.reduce((a, b) => a + b, 0);
  if (total !== nTasks) throw new Error(`${total} tasks reported, expected ${nTasks}`);
} else {
  const status = new MPI.Status();
  comm.send({ task: -1, result: null } satisfies Reply, 0, RESULTTAG); // "I am ready"
  for (;;) {
    const task = comm.recv<number | null>(0, MPI.ANY_TAG, status);
    if (status.Get_tag() === DIETAG || task === null) break; // the tag says which kind of message it is
    const reply: Reply = { task, result: doTask(task) };
    comm.send(reply, 0, RESULTTAG); // the result doubles as the next request
  }
}
